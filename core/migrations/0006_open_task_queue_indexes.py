"""Two small partial indexes on viewflow's open tasks for the menu badges (bench report 2026-11-26, issue 8).

The queue badge asks for the NEW human tasks a user may take: ``COALESCE(owner_permission, '-') IN (the user's
permissions, '-') OR owner_id = <user>`` (core.workflow.open_to). With an index on each arm PostgreSQL answers
it with a BitmapOr over the user's own tasks instead of reading every open task of the city (the planner
statistics of the expression index cover only the open human tasks, so its estimate is right). The owner
index also serves the inbox (``owner_id = <user> AND status = 'ASSIGNED'``). PostgreSQL only, like casework
0003; SQLite keeps viewflow's indexes."""

from django.db import migrations

CREATE = [
    "CREATE INDEX IF NOT EXISTS open_task_queue_idx ON viewflow_task ((COALESCE(owner_permission, '-')), process_id) "
    "WHERE status = 'NEW' AND flow_task_type = 'HUMAN'",
    "CREATE INDEX IF NOT EXISTS open_task_owner_idx ON viewflow_task (owner_id, status, process_id) "
    "WHERE status IN ('NEW', 'ASSIGNED')",
]
DROP = ["DROP INDEX IF EXISTS open_task_queue_idx", "DROP INDEX IF EXISTS open_task_owner_idx"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_calendar_version"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]

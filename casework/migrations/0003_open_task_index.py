"""A covering partial index on viewflow's open tasks (bench report 2026-11-26, issue 8).

Every staff page shows the menu's inbox and queue counters, and the queue counts every NEW human task of the
flow before scoping them to the user's district; with this index that is an index-only scan of the open
tasks (a few percent of the table) instead of heap reads through ``viewflow_task.status``. PostgreSQL only
(INCLUDE and the partial predicate); SQLite keeps the indexes of 0002."""

from django.db import migrations

NAME = "open_task_scope_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON viewflow_task (status, process_id) "
            "INCLUDE (owner_id, owner_permission, flow_task_type) WHERE status IN ('NEW', 'ASSIGNED')"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0002_bench_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]

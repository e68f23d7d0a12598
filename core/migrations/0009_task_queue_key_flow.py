"""The queue key's index gains the task's node (``flow_task``) as its second column (issue 8, ADR 0002).

``core.workflow.open_to(tasks, user, flow_class)`` asks ``queue_key IN (the user's permissions, '-') AND
flow_task IN (the flow's nodes)``: one flow's queue, read from the index alone. With the key alone a
mediator's complaint-queue badge read every open mediation and wage-claim task asking for one of the
mediator's permissions (2,706 tasks at 1,000,000 cases) and dropped them at the process join. The key's
expression is migration 0007's, unchanged (its statistics stay). PostgreSQL only; SQLite keeps viewflow's
indexes."""

from django.db import migrations

KEY = ("CASE WHEN (flow_task_type = 'HUMAN' AND status = 'NEW') "
       "THEN COALESCE(owner_permission, '-') ELSE NULL END")
CREATE = [
    "DROP INDEX IF EXISTS open_task_queue_idx",
    f"CREATE INDEX open_task_queue_idx ON viewflow_task (({KEY}), flow_task, process_id) "
    f"WHERE ({KEY}) IS NOT NULL",
]
DROP = [
    "DROP INDEX IF EXISTS open_task_queue_idx",
    f"CREATE INDEX open_task_queue_idx ON viewflow_task (({KEY}), process_id) WHERE ({KEY}) IS NOT NULL",
]


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
        ("core", "0008_audit_chain_head"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]

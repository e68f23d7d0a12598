"""Drop the flow-less queue key's index and statistics (issue 8, ADR 0002).

Every queue list and badge asks for one flow's queue, ``FLOW_QUEUE_KEY IN ('<node>|<permission>', …)``
(migration 0010). Migration 0007's key (the permission alone), its index (0009's form) and its statistics were
kept for ``open_to`` without a flow, which no page calls any more; the index cost an entry on every task write
and the statistics a sample on every ANALYZE. Reversing re-creates them as 0009 left them. PostgreSQL only."""

from django.db import migrations

KEY = ("CASE WHEN (flow_task_type = 'HUMAN' AND status = 'NEW') "
       "THEN COALESCE(owner_permission, '-') ELSE NULL END")
DROP = [
    "DROP STATISTICS IF EXISTS open_task_queue_stats",
    "DROP INDEX IF EXISTS open_task_queue_idx",
]
CREATE = [
    f"CREATE INDEX IF NOT EXISTS open_task_queue_idx ON viewflow_task (({KEY}), flow_task, process_id) "
    f"WHERE ({KEY}) IS NOT NULL",
    f"CREATE STATISTICS IF NOT EXISTS open_task_queue_stats ON ({KEY}) FROM viewflow_task",
]


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0010_task_flow_queue_key"),
    ]

    operations = [migrations.RunPython(drop, create, elidable=False)]

"""The queue key of viewflow's tasks: indexed where it is set, with statistics of its own (issue 8, ADR 0002).

``core.workflow.QUEUE_KEY`` is the permission a NEW human task asks for (``'-'`` for none) and NULL for every
other task. Queue lists and badges ask ``queue_key IN (the user's permissions, '-') OR (owner_id = <user> AND
NEW AND HUMAN)``. Migration 0006 indexed ``COALESCE(owner_permission, '-')`` over the open human tasks; queries
had to repeat "NEW AND HUMAN" to use it, and PostgreSQL multiplied those (correlated) conditions: it expected
2,000–6,000 of a million cases' 17,000 open tasks, so it read every open task of the city for a district
official's queue instead of starting from the district's open cases. Statistics on the key (NULL for finished
tasks) estimate both users right: "no permission" is rare among open tasks, an official's permissions match most.

The expression below must stay the SQL Django compiles ``QUEUE_KEY`` to; tests/core/test_task_queue.py holds
the two together through the query plan. PostgreSQL only; SQLite keeps viewflow's indexes."""

from django.db import migrations

KEY = ("CASE WHEN (flow_task_type = 'HUMAN' AND status = 'NEW') "
       "THEN COALESCE(owner_permission, '-') ELSE NULL END")
CREATE = [
    "DROP INDEX IF EXISTS open_task_queue_idx",
    f"CREATE INDEX open_task_queue_idx ON viewflow_task (({KEY}), process_id) WHERE ({KEY}) IS NOT NULL",
    f"CREATE STATISTICS IF NOT EXISTS open_task_queue_stats ON ({KEY}) FROM viewflow_task",
    "ANALYZE viewflow_task",
]
DROP = [
    "DROP STATISTICS IF EXISTS open_task_queue_stats",
    "DROP INDEX IF EXISTS open_task_queue_idx",
    "CREATE INDEX open_task_queue_idx ON viewflow_task ((COALESCE(owner_permission, '-')), process_id) "
    "WHERE status = 'NEW' AND flow_task_type = 'HUMAN'",
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
        ("core", "0006_open_task_queue_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]

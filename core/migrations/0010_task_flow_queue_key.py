"""The queue key qualified by the task's node, indexed with statistics of its own (issue 8, ADR 0002).

``core.workflow.open_to(tasks, user, flow_class)`` asks ``FLOW_QUEUE_KEY IN ('<node>|<permission>', …)`` for each
human node of the flow and each permission of the user. It asked ``queue_key IN (permissions) AND flow_task IN
(nodes)`` (migration 0009), and PostgreSQL multiplied the two conditions as if independent: a mediator's
permissions are asked by mediation and wage-claim nodes and never by complaint nodes, yet it expected 1,250–2,130
tasks in the mediator's complaint queue, which holds none. Which plan won then depended on ANALYZE's sample: the
badge read the key's index (0.2 ms at 1,000,000 cases) or the district's open complaints (17–23 ms). Statistics
of the pair as one value know which pairs exist. Extended MCV statistics on (key, flow_task) were tried first and
did not change the estimate. The key's statistics use a larger sample than the default (see CREATE below).

The expression below must stay the SQL Django compiles ``FLOW_QUEUE_KEY`` to; tests/core/test_task_queue.py holds
the two together through the query plan. Migration 0007's key, index and statistics stay: ``open_to`` without a
flow still uses them. PostgreSQL only; SQLite keeps viewflow's indexes."""

from django.db import migrations

KEY = ("CASE WHEN (flow_task_type = 'HUMAN' AND status = 'NEW') "
       "THEN (flow_task || '|' || COALESCE(owner_permission, '-')) ELSE NULL END")
CREATE = [
    f"CREATE INDEX IF NOT EXISTS open_task_flow_queue_idx ON viewflow_task (({KEY}), process_id) "
    f"WHERE ({KEY}) IS NOT NULL",
    f"CREATE STATISTICS IF NOT EXISTS open_task_flow_queue_stats ON ({KEY}) FROM viewflow_task",
    # The key is set on a few open tasks among millions: with the default sample (30,000 rows) the pairs that
    # exist were not all seen, and the estimate of a pair never seen still swung with the sample (2 of 6 ANALYZE
    # gave the slow plan). 1,000 (a 300,000-row sample) gave the fast plan in 14 of 14; ANALYZE of 6.5M tasks
    # takes about 3.5 s instead of 0.5 s.
    "ALTER STATISTICS open_task_flow_queue_stats SET STATISTICS 1000",
    "ANALYZE viewflow_task",
]
DROP = [
    "DROP STATISTICS IF EXISTS open_task_flow_queue_stats",
    "DROP INDEX IF EXISTS open_task_flow_queue_idx",
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
        ("core", "0009_task_queue_key_flow"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]

"""Indexes the benchmark (bench/, issue 8) showed missing on viewflow's tables at city scale.

viewflow 2.4 indexes ``Task.owner`` and ``Task.status`` separately and ``Process`` only on
(artifact content type, artifact id); our pages ask for "this user's assigned tasks", "the open tasks of this
process" and "the process of this complaint" (by artifact id and flow class, without the content type).
The tables belong to viewflow, so the indexes are created here with SQL (PostgreSQL and SQLite alike)."""

from django.db import migrations

INDEXES = [
    ("bench_task_owner_status_idx", "viewflow_task", "owner_id, status"),
    ("bench_task_process_status_idx", "viewflow_task", "process_id, status"),
    ("bench_process_artifact_flow_idx", "viewflow_process", "artifact_object_id, flow_class"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0001_initial"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})",
            f"DROP INDEX IF EXISTS {name}",
        )
        for name, table, columns in INDEXES
    ]

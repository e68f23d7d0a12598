"""The audit chain's head as one row, moved by each append in the statement that inserts the event (ADR 0001;
bench report 2026-11-27, measurement 5). Seeded from the newest event so the chain goes on where it stands."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0007_task_queue_key'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditChainHead',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('prev_hash', models.CharField(max_length=64)),
                ('hash', models.CharField(max_length=64)),
            ],
            options={
                'default_permissions': (),
            },
        ),
        migrations.RunSQL(
            "INSERT INTO core_auditchainhead (id, prev_hash, hash) "
            "SELECT 1, prev_hash, hash FROM core_auditevent ORDER BY id DESC LIMIT 1",
            migrations.RunSQL.noop,
        ),
    ]

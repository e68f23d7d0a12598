"""A version number for the holiday calendar, changed by the database on every write to it, so that processes
can cache the calendar (core.deadlines.cached_calendar) instead of reading it for every deadline."""

from django.db import migrations, models

CREATE = """
CREATE SEQUENCE IF NOT EXISTS core_calendar_version_seq;
CREATE OR REPLACE FUNCTION core_calendar_bump_version() RETURNS trigger AS $$
BEGIN
    INSERT INTO core_calendarversion (id, version) VALUES (1, nextval('core_calendar_version_seq'))
        ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS core_calendarday_version ON core_calendarday;
CREATE TRIGGER core_calendarday_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON core_calendarday
    FOR EACH STATEMENT EXECUTE FUNCTION core_calendar_bump_version();
DROP TRIGGER IF EXISTS core_calendaryear_version ON core_calendaryear;
CREATE TRIGGER core_calendaryear_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON core_calendaryear
    FOR EACH STATEMENT EXECUTE FUNCTION core_calendar_bump_version();
INSERT INTO core_calendarversion (id, version) VALUES (1, nextval('core_calendar_version_seq'))
    ON CONFLICT (id) DO NOTHING;
"""
DROP = """
DROP TRIGGER IF EXISTS core_calendarday_version ON core_calendarday;
DROP TRIGGER IF EXISTS core_calendaryear_version ON core_calendaryear;
DROP FUNCTION IF EXISTS core_calendar_bump_version();
DROP SEQUENCE IF EXISTS core_calendar_version_seq;
"""


def forwards(apps, schema_editor):
    # Elsewhere (SQLite in development) there is no trigger and core.deadlines does not cache the calendar.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_notification_address_encrypted'),
    ]

    operations = [
        migrations.CreateModel(
            name='CalendarVersion',
            fields=[
                ('id', models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ('version', models.BigIntegerField(default=0)),
            ],
            options={
                'verbose_name': '节假日版本',
                'verbose_name_plural': '节假日版本',
                'default_permissions': (),
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]

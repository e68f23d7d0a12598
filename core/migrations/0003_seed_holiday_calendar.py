"""Seed the editable holiday calendar from the chinesecalendar package (official schedules it ships)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from core.calendar_seed import seed_calendar

    seed_calendar(apps.get_model("core", "CalendarYear"), apps.get_model("core", "CalendarDay"))


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only_trigger")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

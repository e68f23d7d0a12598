"""Monthly planning from outside the services: ``manage.py plan_inspections --month`` and the beat task."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from inspections.models import Inspection
from tests.factories import MarketFactory

pytestmark = pytest.mark.django_db


def test_command_plans_the_given_month_once(inspector):
    crowded = MarketFactory(is_crowded_venue=True, name="朝阳区测试零工市场")
    out = StringIO()
    call_command("plan_inspections", "--month", "2026-12", stdout=out)
    inspection = Inspection.objects.get(market=crowded)
    assert inspection.planned_for.isoformat() == "2026-12-01" and inspection.inspector == inspector
    assert inspection.number in out.getvalue() and "2026年12月：新安排 1 项检查" in out.getvalue()
    again = StringIO()
    call_command("plan_inspections", "--month", "2026-12", stdout=again)
    assert "新安排 0 项检查" in again.getvalue()
    assert Inspection.objects.filter(market=crowded).count() == 1


@pytest.mark.parametrize("month", ["2026-13", "12-2026", "2026/12"])
def test_command_refuses_a_malformed_month(month):
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("plan_inspections", "--month", month, stdout=StringIO())


def test_command_refuses_an_unknown_user():
    with pytest.raises(CommandError, match="nobody"):
        call_command("plan_inspections", "--month", "2026-12", "--by", "nobody", stdout=StringIO())


def test_beat_runs_the_planning_task_monthly_and_it_plans_the_current_month(inspector, settings):
    from django.utils import timezone

    from config.celery_app import app
    from inspections.tasks import plan_inspections_task

    entry = settings.CELERY_BEAT_SCHEDULE["plan-inspections"]
    assert entry["task"] == plan_inspections_task.name and entry["task"] in app.tasks
    assert entry["schedule"].day_of_month == {1}
    market = MarketFactory(is_crowded_venue=True)
    numbers = plan_inspections_task.delay().get()  # no arguments: the current month in Beijing
    inspection = Inspection.objects.get(market=market)
    assert numbers == [inspection.number]
    assert inspection.planned_for == timezone.localdate().replace(day=1)
    today = timezone.localdate()
    assert plan_inspections_task.delay(year=today.year, month=today.month).get() == []  # nothing twice

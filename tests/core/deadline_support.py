"""Fixtures for the deadline engine's tests (imported by tests/core/test_deadlines.py, test_sweep.py,
test_calendar.py)."""

from datetime import date, datetime, time, timedelta

import pytest
from django.apps import AppConfig, apps
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.utils import timezone
from viewflow import this
from viewflow.workflow import flow

from core.models import CalendarDay, CalendarYear

BEIJING = timezone.get_fixed_timezone(8 * 60)


def bj(year, month, day, hour=10, minute=0, second=0):
    """An aware moment in Beijing time."""
    return datetime(year, month, day, hour, minute, second, tzinfo=BEIJING)


def d(text):
    return date.fromisoformat(text)


def end_of(day: date):
    return datetime.combine(day, time(23, 59, 59), tzinfo=BEIJING)


class DueThing(models.Model):
    """A stand-in for a case model that carries ``due_at`` (the engine copies the earliest deadline onto it).
    Its table is created inside the test's transaction, so nothing outlives the test."""

    title = models.CharField(max_length=20, default="case")
    due_at = models.DateTimeField(null=True)
    due_provisional = models.BooleanField(default=False)

    class Meta:
        app_label = "deadline_tests"

    def __str__(self):
        return self.title


class DeadlineTestsConfig(AppConfig):
    name = "tests.core"
    label = "deadline_tests"


@pytest.fixture
def deadline_test_app():
    """Install ``tests.core`` as the app ``deadline_tests`` for this test only, so that ContentType (and so
    Deadline.target) resolves the stand-in model and viewflow resolves the test flow; no migration and no
    other test ever sees it."""
    import tests.core

    config = DeadlineTestsConfig("tests.core", tests.core)
    config.apps, config.models = apps, apps.all_models["deadline_tests"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(apps.app_configs, "deadline_tests", config)
        apps.clear_cache()
        ContentType.objects.clear_cache()  # its content type row is rolled back with each test
        yield config
    apps.clear_cache()
    ContentType.objects.clear_cache()


@pytest.fixture
def due_thing(db, deadline_test_app):
    editor = connection.schema_editor()
    sql, params = editor.table_sql(DueThing)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    return DueThing.objects.create(title="测试案件")


@pytest.fixture
def target(db):
    """Any row can carry a deadline (generic FK); a group is the cheapest."""
    return Group.objects.create(name="期限测试对象")


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """``timezone.now()`` under the test's control (set ``clock.now``)."""
    c = Clock(bj(2026, 11, 26, 10))
    monkeypatch.setattr(timezone, "now", c)
    return c


def load_year_by_hand(year, *, holidays=(), workdays=()):
    """What an admin does when the State Council publishes a year chinesecalendar does not know yet."""
    for day in holidays:
        CalendarDay.objects.create(date=d(day), kind=CalendarDay.Kind.HOLIDAY, name="测试")
    for day in workdays:
        CalendarDay.objects.create(date=d(day), kind=CalendarDay.Kind.WORKDAY, name="测试")
    return CalendarYear.objects.create(year=year, source="test")


class SweepTimerFlow(flow.Flow):
    """The smallest flow with a database timer, for the sweep's viewflow test."""

    start = flow.StartHandle().Next(this.wait)
    wait = flow.Timer(timedelta(minutes=5)).Next(this.end)
    end = flow.End()

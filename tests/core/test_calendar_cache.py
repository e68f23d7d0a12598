"""The per-process copy of the holiday calendar (core.deadlines.cached_calendar) is never stale: a database
trigger gives the calendar a new version on every write, whoever writes (admin, load_calendar's bulk_create,
queryset updates and deletes), and a version is never reused after a rollback."""

import pytest
from django.db import transaction

from core import deadlines
from core.deadlines import compute_due
from core.models import CalendarDay, CalendarVersion
from tests.core.deadline_support import bj, d, end_of, target  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

# 2026-12-01 is an ordinary Tuesday: five working days from Wed Nov 25 end on Wed Dec 2.
START, PLAIN_END, WITH_HOLIDAY_END = bj(2026, 11, 25), end_of(d("2026-12-02")), end_of(d("2026-12-03"))


def _version():
    return CalendarVersion.objects.get(pk=1).version


def test_bulk_create_changes_the_version_and_the_cached_calendar_follows():
    assert compute_due(START, 5, "working") == (PLAIN_END, False)
    before = _version()
    CalendarDay.objects.bulk_create([CalendarDay(date=d("2026-12-01"), kind=CalendarDay.Kind.HOLIDAY)])
    assert _version() != before
    assert compute_due(START, 5, "working") == (WITH_HOLIDAY_END, False)


def test_queryset_update_and_delete_invalidate_too():
    CalendarDay.objects.create(date=d("2026-12-01"), kind=CalendarDay.Kind.HOLIDAY)
    assert compute_due(START, 5, "working") == (WITH_HOLIDAY_END, False)
    CalendarDay.objects.filter(date=d("2026-12-01")).update(kind=CalendarDay.Kind.WORKDAY)
    assert compute_due(START, 5, "working") == (PLAIN_END, False)
    CalendarDay.objects.filter(date=d("2026-12-01")).update(kind=CalendarDay.Kind.HOLIDAY)
    assert compute_due(START, 5, "working") == (WITH_HOLIDAY_END, False)
    CalendarDay.objects.filter(date=d("2026-12-01")).delete()
    assert compute_due(START, 5, "working") == (PLAIN_END, False)


def test_a_rolled_back_change_is_forgotten_and_its_version_never_comes_back():
    before = _version()
    with pytest.raises(RuntimeError), transaction.atomic():
        CalendarDay.objects.create(date=d("2026-12-01"), kind=CalendarDay.Kind.HOLIDAY)
        # Read (and cached) inside the transaction that is about to roll back.
        assert compute_due(START, 5, "working") == (WITH_HOLIDAY_END, False)
        rolled_back = _version()
        raise RuntimeError
    assert _version() == before
    assert compute_due(START, 5, "working") == (PLAIN_END, False)
    CalendarDay.objects.create(date=d("2026-12-01"), kind=CalendarDay.Kind.WORKDAY)
    assert _version() not in (before, rolled_back)


def test_starting_a_deadline_with_a_stale_cache_recomputes_it(target):  # noqa: F811
    compute_due(START, 5, "working")  # cache the plain calendar
    version = _version()
    CalendarDay.objects.create(date=d("2026-12-01"), kind=CalendarDay.Kind.HOLIDAY)
    # The copy stays as it was: start_deadline computes with it, learns the new version from its INSERT and
    # computes again.
    assert deadlines._cache[0] == version
    deadline = deadlines.start_deadline(target, kind="test.cache", label="x", days=5, unit="working",
                                        started_at=START)
    assert deadline.due_at == WITH_HOLIDAY_END
    deadline.refresh_from_db()
    assert deadline.due_at == WITH_HOLIDAY_END

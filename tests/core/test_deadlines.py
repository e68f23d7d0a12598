"""The deadline engine: working-day arithmetic over the seeded 2026 calendar (Spring Festival, National Day,
调休 make-up days), provisional years, and the start / meet / cancel / suspend / resume / extend services."""

from datetime import timedelta

import pytest
from django.db import connection
from django.core.exceptions import ValidationError

from core import deadlines
from core.deadlines import WorkCalendar, add_working_days, compute_due, schedule_for
from core.models import AuditEvent, Deadline
from tests.core.deadline_support import (  # noqa: F401  (fixtures)
    bj, clock, d, deadline_test_app, due_thing, end_of, load_year_by_hand, target,
)

pytestmark = pytest.mark.django_db

# Spring Festival 2026: off Sun Feb 15 – Mon Feb 23; make-up working Saturdays Feb 14 and Feb 28.
# National Day 2026: off Thu Oct 1 – Wed Oct 7 (and Mid-Autumn Fri Sep 25); make-up Sun Sep 20 and Sat Oct 10.
FIVE_WORKING_DAYS = [
    # start (event day, not counted), expected last day, why
    ("2026-02-10", "2026-02-24", "Wed-Fri, make-up Sat Feb 14, then the first day after the holiday"),
    ("2026-02-12", "2026-02-26", "Fri 13 and make-up Sat 14 count; Feb 15-23 do not"),
    ("2026-02-13", "2026-02-27", "make-up Sat 14, then Feb 24-27"),
    ("2026-02-14", "2026-02-28", "an event on a make-up Saturday: Feb 24-27 and make-up Sat 28"),
    ("2026-02-16", "2026-02-28", "an event during the holiday: counting starts after it"),
    ("2026-02-23", "2026-02-28", "the holiday's last day, a Monday"),
    ("2026-02-24", "2026-03-02", "make-up Sat 28 counts, Sun Mar 1 does not"),
    ("2026-09-17", "2026-09-23", "make-up Sun Sep 20 counts"),
    ("2026-09-24", "2026-10-09", "Mid-Autumn Fri Sep 25 and Oct 1-7 do not count"),
    ("2026-09-28", "2026-10-10", "ends on make-up Sat Oct 10"),
    ("2026-09-30", "2026-10-13", "Oct 8, 9, make-up Sat 10, 12, 13"),
    ("2026-10-01", "2026-10-13", "an event on National Day"),
    ("2026-11-20", "2026-11-27", "an ordinary week: Fri → next Fri"),
]


@pytest.mark.parametrize("start,expected,why", FIVE_WORKING_DAYS, ids=[row[0] for row in FIVE_WORKING_DAYS])
def test_five_working_days_around_spring_festival_and_national_day(start, expected, why):
    calendar = WorkCalendar.load(2026, 2026)
    assert add_working_days(d(start), 5, calendar) == (d(expected), False), why


@pytest.mark.parametrize("day", ["2026-02-14", "2026-02-28", "2026-09-20", "2026-10-10"])
def test_make_up_weekend_days_are_working_days(day):
    assert WorkCalendar.load(2026, 2026).is_working_day(d(day))


@pytest.mark.parametrize("day", ["2026-02-16", "2026-02-20", "2026-02-23", "2026-09-25", "2026-10-01", "2026-10-07"])
def test_weekday_holidays_are_not_working_days(day):
    assert not WorkCalendar.load(2026, 2026).is_working_day(d(day))


def test_one_working_day_after_a_make_up_saturday_eve_is_that_saturday():
    assert add_working_days(d("2026-02-13"), 1, WorkCalendar.load(2026, 2026)) == (d("2026-02-14"), False)


@pytest.mark.parametrize("start,expected", [
    # Sep 2-30: 20 weekdays (minus Sep 25) + make-up Sep 20 = 21; October: 17 + make-up Oct 10 = 18;
    # November 2-27 gives 20 more (59), so the 60th is Mon Nov 30.
    ("2026-09-01", "2026-11-30"),
    ("2026-01-05", "2026-04-03"),
])
def test_sixty_working_days_investigation_period(start, expected):
    assert compute_due(bj(*map(int, start.split("-"))), 60, "working") == (end_of(d(expected)), False)


def test_sixty_working_days_agree_with_the_chinesecalendar_package():
    from chinese_calendar import is_workday

    calendar = WorkCalendar.load(2026, 2026)
    for start in ("2026-01-30", "2026-02-06", "2026-03-16", "2026-07-31", "2026-08-20"):
        day, counted = d(start), 0
        while counted < 60:
            day += timedelta(days=1)
            counted += is_workday(day)
        assert add_working_days(d(start), 60, calendar) == (day, False), start


def test_weekends_only_would_give_a_different_date():
    """Guards the table above against a calendar that silently lost its holidays."""
    weekends_only = WorkCalendar(2026, 2026)
    assert add_working_days(d("2026-02-12"), 5, weekends_only) == (d("2026-02-19"), True)


def test_working_day_deadline_ends_at_23_59_59_beijing_time_of_the_last_day():
    due, provisional = compute_due(bj(2026, 2, 12, 16, 30), 5, "working")
    assert due == bj(2026, 2, 26, 23, 59, 59)
    assert not provisional


def test_counting_uses_the_beijing_date_of_a_utc_moment():
    # 2026-02-12 17:00 UTC is already Feb 13 01:00 in Beijing: the event day is Feb 13.
    from datetime import datetime, timezone as dt_timezone

    due, _ = compute_due(datetime(2026, 2, 12, 17, 0, tzinfo=dt_timezone.utc), 5, "working")
    assert due == end_of(d("2026-02-27"))


@pytest.mark.parametrize("start,expected", [
    ("2026-09-22", "2026-10-07"),  # ends on a National Day holiday and stays there
    ("2026-02-01", "2026-02-16"),  # ends in the Spring Festival and stays there
    ("2026-12-20", "2027-01-04"),  # a calendar-day period needs no holiday schedule
])
def test_calendar_day_deadline_does_not_move_off_a_holiday(start, expected):
    due, provisional = compute_due(bj(*map(int, start.split("-"))), 15, "calendar")
    assert due == end_of(d(expected))
    assert provisional is False


@pytest.mark.postgres  # the version trigger is PostgreSQL's; elsewhere the calendar is read every time
def test_the_calendar_is_read_once_per_process_and_then_only_its_version_checked(django_assert_num_queries):
    deadlines._cache = None
    with django_assert_num_queries(3):  # version, years, days
        first = compute_due(bj(2026, 9, 1), 60, "working")
    with django_assert_num_queries(1):  # version only
        assert compute_due(bj(2026, 9, 1), 60, "working") == first == (end_of(d("2026-11-30")), False)


def test_unknown_unit_is_refused():
    with pytest.raises(ValueError):
        compute_due(bj(2026, 9, 1), 5, "fortnights")


# ---- provisional years ------------------------------------------------------------------------


def test_a_deadline_reaching_an_unloaded_year_is_provisional_weekends_only():
    # Dec 29, 30, 31, then 2027: Fri Jan 1 counts (no schedule yet), Sat/Sun do not, Mon Jan 4.
    assert compute_due(bj(2026, 12, 28), 5, "working") == (end_of(d("2027-01-04")), True)


def test_a_deadline_ending_before_the_unloaded_year_is_not_provisional():
    assert compute_due(bj(2026, 12, 30), 1, "working") == (end_of(d("2026-12-31")), False)


def test_provisional_deadline_is_recomputed_when_an_admin_loads_the_year(target, clock):
    clock.now = bj(2026, 12, 28, 10)
    deadline = deadlines.start_deadline(target, kind="test.accept", label="受理期限", days=5, unit="working")
    assert (deadline.due_at, deadline.provisional) == (end_of(d("2027-01-04")), True)

    load_year_by_hand(2027, holidays=["2027-01-01"])
    assert deadlines.recompute_provisional(2027) == 1

    deadline.refresh_from_db()
    assert (deadline.due_at, deadline.provisional) == (end_of(d("2027-01-05")), False)
    event = AuditEvent.objects.for_object(target).filter(name="deadline_recompute").get()
    assert event.data["previous_provisional"] is True
    # Nothing left to recompute.
    assert deadlines.recompute_provisional(2027) == 0


def test_a_make_up_day_in_the_loaded_year_can_bring_a_provisional_date_forward(target, clock):
    clock.now = bj(2026, 12, 28, 10)
    deadline = deadlines.start_deadline(target, kind="test.accept", label="受理期限", days=5, unit="working")
    load_year_by_hand(2027, workdays=["2027-01-02"])  # a hypothetical make-up Saturday
    deadlines.recompute_provisional(2027)
    deadline.refresh_from_db()
    assert (deadline.due_at, deadline.provisional) == (end_of(d("2027-01-02")), False)


# ---- services ---------------------------------------------------------------------------------


def test_start_deadline_stores_due_reminder_and_audit(target, clock):
    clock.now = bj(2026, 2, 12, 16)
    deadline = deadlines.start_deadline(target, kind="test.accept", label="受理期限", days=5, unit="working")
    assert deadline.due_at == end_of(d("2026-02-26"))
    # Three working days before Feb 26: Feb 25, 24, then make-up Saturday Feb 14.
    assert deadline.remind_at == bj(2026, 2, 14, 9)
    assert deadline.status == Deadline.Status.RUNNING
    event = AuditEvent.objects.for_object(target).get()
    assert (event.action, event.name, event.data["kind"]) == ("deadline", "deadline_start", "test.accept")


def test_calendar_day_reminder_counts_calendar_days(target, clock):
    clock.now = bj(2026, 9, 22, 9)
    deadline = deadlines.start_deadline(target, kind="test.mediation", label="调解期限", days=15, unit="calendar")
    assert deadline.due_at == end_of(d("2026-10-07"))
    assert deadline.remind_at == bj(2026, 10, 4, 9)


def test_no_reminder_when_it_would_fall_on_the_start_day(target, clock):
    clock.now = bj(2026, 11, 26, 9)
    deadline = deadlines.start_deadline(target, kind="test.short", label="短期限", days=2, unit="working")
    assert deadline.due_at == end_of(d("2026-11-30"))
    assert deadline.remind_at is None


def test_starting_the_same_kind_twice_returns_the_running_deadline(target, clock):
    first = deadlines.start_deadline(target, kind="test.accept", label="受理期限", days=5, unit="working")
    again = deadlines.start_deadline(target, kind="test.accept", label="受理期限", days=5, unit="working")
    assert again.pk == first.pk
    assert Deadline.objects.for_object(target).count() == 1


def test_start_deadline_copies_the_earliest_due_date_onto_the_entity(due_thing, clock):
    clock.now = bj(2026, 9, 28, 10)
    deadlines.start_deadline(due_thing, kind="test.resolve", label="办结期限", days=60, unit="working")
    accept = deadlines.start_deadline(due_thing, kind="test.accept", label="受理期限", days=5, unit="working")
    due_thing.refresh_from_db()
    assert due_thing.due_at == accept.due_at == end_of(d("2026-10-10"))

    deadlines.meet_deadlines(due_thing, kinds=["test.accept"])
    due_thing.refresh_from_db()
    assert due_thing.due_at == compute_due(bj(2026, 9, 28, 10), 60, "working")[0]

    deadlines.cancel_deadlines(due_thing)
    due_thing.refresh_from_db()
    assert due_thing.due_at is None


def test_entity_shows_a_provisional_due_date(due_thing, clock):
    clock.now = bj(2026, 12, 28, 10)
    deadlines.start_deadline(due_thing, kind="test.accept", label="受理期限", days=5, unit="working")
    due_thing.refresh_from_db()
    assert due_thing.due_provisional is True
    load_year_by_hand(2027, holidays=["2027-01-01"])
    deadlines.recompute_provisional(2027)
    due_thing.refresh_from_db()
    assert (due_thing.due_at, due_thing.due_provisional) == (end_of(d("2027-01-05")), False)


def test_meet_marks_only_the_named_kinds_and_audits(target, clock):
    deadlines.start_deadline(target, kind="test.accept", label="受理期限", days=5, unit="working")
    deadlines.start_deadline(target, kind="test.resolve", label="办结期限", days=60, unit="working")
    assert deadlines.meet_deadlines(target, kinds="test.accept") == 1
    statuses = dict(Deadline.objects.for_object(target).values_list("kind", "status"))
    assert statuses == {"test.accept": "met", "test.resolve": "running"}
    assert Deadline.objects.get(kind="test.accept").met_at == clock.now
    assert AuditEvent.objects.for_object(target).filter(name="deadline_met").count() == 1
    # A met deadline is not met again.
    assert deadlines.meet_deadlines(target, kinds="test.accept") == 0


def test_close_meets_and_cancels_in_one_statement_auditing_met_ones_first(target, clock,
                                                                            django_assert_num_queries):
    deadlines.start_deadline(target, kind="test.resolve", label="办结期限", days=60, unit="working")
    deadlines.start_deadline(target, kind="test.accept", label="受理期限", days=5, unit="working")
    deadlines.start_deadline(target, kind="test.other", label="其他", days=5, unit="working")
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    # The UPDATE and one audit row each: one statement per row on PostgreSQL, three on SQLite (core.models._append).
    per_row = 1 if connection.vendor == "postgresql" else 3
    with django_assert_num_queries(1 + 2 * per_row):
        assert deadlines.close_deadlines(target, meet=["test.accept"], cancel=["test.resolve"], sync=False) == 2
    statuses = dict(Deadline.objects.for_object(target).values_list("kind", "status"))
    assert statuses == {"test.accept": "met", "test.resolve": "cancelled", "test.other": "running"}
    assert Deadline.objects.get(kind="test.accept").met_at == clock.now
    assert Deadline.objects.get(kind="test.resolve").met_at is None
    # The same events, in the same order, as meet_deadlines followed by cancel_deadlines.
    events = AuditEvent.objects.for_object(target).filter(id__gt=before).order_by("id")
    assert [(e.name, e.data["kind"]) for e in events] == [("deadline_met", "test.accept"),
                                                          ("deadline_cancel", "test.resolve")]


def test_extension_adds_working_days_with_reason_and_approver(target, clock, official):
    clock.now = bj(2026, 9, 1, 10)
    deadline = deadlines.start_deadline(target, kind="test.resolve", label="办结期限", days=60, unit="working")
    assert deadline.due_at == end_of(d("2026-11-30"))
    deadline = deadlines.extend_deadline(deadline, days=30, reason="案情复杂，经批准延长", by=official)
    # 30 working days after Nov 30: December has 23 weekdays after Nov 30, then 2027 (weekends only).
    assert deadline.due_at == compute_due(bj(2026, 9, 1, 10), 90, "working")[0]
    assert deadline.provisional is True  # it now reaches 2027
    assert (deadline.extended_days, deadline.extended_by, deadline.extension_reason) == (
        30, official, "案情复杂，经批准延长")
    event = AuditEvent.objects.for_object(target).get(name="deadline_extend")
    assert (event.actor, event.reason, event.data["days"]) == (official, "案情复杂，经批准延长", 30)


@pytest.mark.parametrize("days,reason,needs_by,code", [
    (0, "理由", True, "extension_days"),
    (5, "  ", True, "extension_reason"),
    (5, "理由", False, "extension_approver"),
])
def test_extension_needs_days_reason_and_approver(target, official, days, reason, needs_by, code):
    deadline = deadlines.start_deadline(target, kind="test.resolve", label="办结期限", days=60, unit="working")
    with pytest.raises(ValidationError) as exc:
        deadlines.extend_deadline(deadline, days=days, reason=reason, by=official if needs_by else None)
    assert exc.value.code == code


def test_extending_an_overdue_deadline_rearms_the_escalation(target, clock, official):
    clock.now = bj(2026, 11, 2, 10)
    deadline = deadlines.start_deadline(target, kind="test.accept", label="受理期限", days=5, unit="working")
    clock.now = bj(2026, 11, 10, 10)
    deadlines.sweep()
    deadline.refresh_from_db()
    assert deadline.overdue_at is not None
    deadline = deadlines.extend_deadline(deadline, days=5, reason="补充材料", by=official)
    assert deadline.due_at == end_of(d("2026-11-16"))
    assert deadline.overdue_at is None


def test_suspension_stops_the_clock_and_resume_adds_the_stopped_working_days(due_thing, clock, official):
    clock.now = bj(2026, 11, 2, 10)  # Monday
    deadline = deadlines.start_deadline(due_thing, kind="test.accept", label="受理期限", days=5, unit="working")
    assert deadline.due_at == end_of(d("2026-11-09"))

    clock.now = bj(2026, 11, 6, 15)  # Friday: Tue-Thu used (3 working days)
    deadline = deadlines.suspend_deadline(deadline, reason="等待鉴定意见", by=official)
    assert deadline.status == Deadline.Status.SUSPENDED
    assert deadline.suspended_at == clock.now
    due_thing.refresh_from_db()
    assert due_thing.due_at is None  # nothing is running

    clock.now = bj(2026, 11, 9, 9)  # Monday: Friday (one working day) was stopped; the weekend costs nothing
    deadline = deadlines.resume_deadline(deadline, by=official)
    assert (deadline.status, deadline.suspended_days, deadline.suspended_at) == ("running", 1, None)
    # Two working days remain: Mon 9 and Tue 10.
    assert deadline.due_at == end_of(d("2026-11-10"))
    due_thing.refresh_from_db()
    assert due_thing.due_at == deadline.due_at
    names = list(AuditEvent.objects.for_object(due_thing).values_list("name", flat=True))
    assert names == ["deadline_start", "deadline_suspend", "deadline_resume"]


def test_suspension_over_the_spring_festival_costs_no_working_days(target, clock, official):
    clock.now = bj(2026, 2, 12, 10)
    deadline = deadlines.start_deadline(target, kind="test.accept", label="受理期限", days=5, unit="working")
    clock.now = bj(2026, 2, 15, 10)
    deadlines.suspend_deadline(deadline, reason="当事人失联", by=official)
    clock.now = bj(2026, 2, 24, 8)
    deadline = deadlines.resume_deadline(deadline, by=official)
    assert deadline.suspended_days == 0
    assert deadline.due_at == end_of(d("2026-02-26"))


def test_calendar_day_suspension_adds_calendar_days(target, clock, official):
    clock.now = bj(2026, 9, 22, 9)
    deadline = deadlines.start_deadline(target, kind="test.mediation", label="调解期限", days=15, unit="calendar")
    clock.now = bj(2026, 9, 25, 9)
    deadlines.suspend_deadline(deadline, reason="当事人申请中止", by=official)
    clock.now = bj(2026, 9, 28, 18)
    deadline = deadlines.resume_deadline(deadline, by=official)
    assert deadline.suspended_days == 3
    assert deadline.due_at == end_of(d("2026-10-10"))


def test_only_running_deadlines_can_be_suspended_and_only_suspended_resumed(target, official):
    deadline = deadlines.start_deadline(target, kind="test.accept", label="受理期限", days=5, unit="working")
    with pytest.raises(ValidationError):
        deadlines.resume_deadline(deadline, by=official)
    with pytest.raises(ValidationError):
        deadlines.suspend_deadline(deadline, reason="", by=official)
    deadlines.suspend_deadline(deadline, reason="中止", by=official)
    with pytest.raises(ValidationError):
        deadlines.suspend_deadline(deadline, reason="再次中止", by=official)


def test_schedule_for_matches_compute_due(target, clock):
    clock.now = bj(2026, 9, 24, 10)
    deadline = deadlines.start_deadline(target, kind="test.accept", label="受理期限", days=5, unit="working")
    assert schedule_for(deadline).due_at == compute_due(clock.now, 5, "working")[0] == end_of(d("2026-10-09"))

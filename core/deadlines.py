"""The deadline engine: due dates in calendar days or Chinese working days, suspension, extension, and the
sweep that fires reminders, escalations and viewflow timers.

Counting conventions (劳动保障监察 and general administrative-procedure practice; e.g. 关于实施《劳动保障监察
条例》若干规定 Art. 18 "5个工作日内", 劳动保障监察条例 Art. 17 "60个工作日"):

* The day of the event (``started_at``, a receipt or a filing) does not count; counting starts the next day.
* A **working day** is Monday–Friday, minus statutory holidays, plus 调休 make-up working days (weekend days
  the State Council declares working days). Exceptions to the Monday–Friday week live in the admin-editable
  ``CalendarDay`` table, seeded from the ``chinesecalendar`` package; a year counts as known only when it has a
  ``CalendarYear`` row.
* A deadline ends at **23:59:59 Asia/Shanghai** on its last day, whatever the unit. Beijing time is used even
  if the server runs in another zone: the law counts days in Beijing.
* A **calendar-day** deadline whose last day is a holiday or a weekend does **not** move to the next working
  day. Labour mediation's 15 days (劳动争议调解仲裁法 Art. 14) are plain calendar days, and a deadline that
  silently grew would let a mediation run past its statutory end.
* **Provisional**: a working-day deadline is provisional when any day of its counted range (the day after
  the start up to and including the last day) falls in a year without a ``CalendarYear`` row. Such a year is
  counted with weekends only; the deadline is flagged, shown as provisional, recomputed by
  ``recompute_provisional`` when an admin loads the year, and admins are alerted to load it
  (``check_calendar_loaded_task``). Calendar-day deadlines never depend on holidays, so they are never
  provisional.
* **Suspension** (中止) stops the clock from the day of suspension up to (not including) the day of
  resumption. Those days, counted in the deadline's own unit (so a suspension from Friday to Monday costs one
  working day, not three), are added to the deadline when it resumes. Days before the first counted day are
  not added: they were never counted.
* **Extension** (延长) adds days in the deadline's unit, with a reason and the approving user.
* **Reminders** fire at 09:00 Beijing time ``remind_days_before`` days (working days for working-day
  deadlines) before the last day. A reminder that would fall on or before the start day is not set.

Services here are the only writers of ``Deadline`` rows. Each change records an ``AuditEvent`` (action
``deadline``) on the deadline's target and copies the earliest running deadline onto the target's ``due_at``
field if it has one (``sync_entity_due_at``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Callable
from zoneinfo import ZoneInfo

from celery import shared_task
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AuditEvent, CalendarDay, CalendarYear, Deadline, Notification
from .statements import insert_returning, update_returning

logger = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)
REMIND_TIME = time(9, 0)
#: Rows claimed per sweep transaction (one UPDATE, then one bulk handler call per kind). Large enough that a
#: city's 1 % of due deadlines take a handful of round trips; a concurrent sweep skips the claimed rows.
SWEEP_BATCH = 500

LIVE = (Deadline.Status.RUNNING, Deadline.Status.SUSPENDED)


# ---- pure arithmetic ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkCalendar:
    """The working-day calendar for whole years ``first_year``..``last_year``, loaded once per computation.

    ``holidays`` and ``workdays`` are the exceptions to the Monday–Friday week; they apply only in
    ``loaded_years`` (a year without an official schedule is counted with weekends only).
    """

    first_year: int
    last_year: int
    loaded_years: frozenset[int] = field(default_factory=frozenset)
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def load(cls, first_year: int, last_year: int) -> "WorkCalendar":
        """The calendar for the given years, from this process's copy of the whole calendar (one query to
        check its version; see ``cached_calendar``)."""
        return cached_calendar().years(first_year, last_year)

    @classmethod
    def read(cls, first_year: int | None = None, last_year: int | None = None) -> "WorkCalendar":
        """Read the calendar for the given years (default: all of it) from the database in two queries."""
        years, days = CalendarYear.objects.all(), CalendarDay.objects.all()
        if first_year is not None:
            years, days = years.filter(year__gte=first_year), days.filter(date__year__gte=first_year)
        if last_year is not None:
            years, days = years.filter(year__lte=last_year), days.filter(date__year__lte=last_year)
        loaded = frozenset(years.values_list("year", flat=True))
        holidays, workdays = set(), set()
        for day, kind in days.values_list("date", "kind"):
            (holidays if kind == CalendarDay.Kind.HOLIDAY else workdays).add(day)
        return cls(date.min.year if first_year is None else first_year,
                   date.max.year if last_year is None else last_year,
                   loaded, frozenset(holidays), frozenset(workdays))

    def years(self, first_year: int, last_year: int) -> "WorkCalendar":
        """This calendar limited to ``first_year``..``last_year`` (days outside them raise, as if read alone)."""
        return replace(self, first_year=first_year, last_year=last_year,
                       loaded_years=frozenset(y for y in self.loaded_years if first_year <= y <= last_year))

    @classmethod
    def for_span(cls, start: date, working_days: int) -> "WorkCalendar":
        """A calendar certainly long enough to count ``working_days`` from ``start``.

        Two calendar days per working day plus a month covers weekends and the longest holiday run."""
        return cls.load(start.year, (start + timedelta(days=2 * working_days + 31)).year)

    def is_loaded(self, day: date) -> bool:
        return day.year in self.loaded_years

    def is_working_day(self, day: date) -> bool:
        if not self.first_year <= day.year <= self.last_year:
            raise ValueError(f"{day} is outside the loaded calendar {self.first_year}-{self.last_year}")
        if day.year in self.loaded_years:
            if day in self.holidays:
                return False
            if day in self.workdays:
                return True
        return day.weekday() < 5


# ---- the calendar cache ------------------------------------------------------------------------
#
# The whole calendar is a few hundred rows; every working-day deadline needs it. Each process keeps one copy
# with the ``CalendarVersion`` number it was read under (a PostgreSQL trigger changes that number on every
# write to the calendar tables, from a sequence, so a number is never reused) and re-reads it when the
# number differs. Without the trigger (SQLite) nothing is cached.

_cache: tuple[int, "WorkCalendar"] | None = None


def calendar_version() -> int | None:
    """The calendar's current version as this transaction sees it; None where it is not tracked."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM core_calendarversion WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def cached_calendar(version: int | None = ...) -> "WorkCalendar":
    """The whole calendar: this process's copy if it is of ``version`` (default: the current one), else
    read again (and kept, when the version is known)."""
    global _cache
    if version is ...:
        version = calendar_version()
    cached = _cache
    if version is not None and cached is not None and cached[0] == version:
        return cached[1]
    calendar = WorkCalendar.read()
    if version is not None:
        _cache = (version, calendar)
    return calendar


def _cached_version() -> int | None:
    """The version of this process's copy (None if there is none), without asking the database."""
    cached = _cache
    return cached[0] if cached is not None else None


def add_working_days(start_date: date, n: int, calendar: WorkCalendar) -> tuple[date, bool]:
    """The ``n``-th working day after ``start_date`` (which itself does not count), and whether any day of
    the counted range lies in a year without an official schedule (the result is then provisional)."""
    day, counted, provisional = start_date, 0, False
    while counted < n:
        day += timedelta(days=1)
        if not calendar.is_loaded(day):
            provisional = True
        if calendar.is_working_day(day):
            counted += 1
    return day, provisional


def working_days_before(last_day: date, n: int, calendar: WorkCalendar, *, not_before: date) -> date | None:
    """The working day ``n`` working days before ``last_day``; None if that is on or before ``not_before``."""
    day, counted = last_day, 0
    while counted < n:
        day -= timedelta(days=1)
        if day <= not_before:
            return None
        if calendar.is_working_day(day):
            counted += 1
    return day


def count_working_days(first: date, stop: date, calendar: WorkCalendar) -> int:
    """Working days in ``first`` ≤ day < ``stop``."""
    total, day = 0, first
    while day < stop:
        if calendar.is_working_day(day):
            total += 1
        day += timedelta(days=1)
    return total


def local_date(moment: datetime) -> date:
    return timezone.localtime(moment, BEIJING).date()


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=BEIJING)


def compute_due(start: datetime, days: int, unit: str) -> tuple[datetime, bool]:
    """The moment a deadline of ``days`` ``unit`` (``"working"`` or ``"calendar"``) started at ``start``
    ends, and whether it is provisional. See the module docstring for the conventions."""
    start_date = local_date(start)
    if unit == Deadline.Unit.CALENDAR:
        return end_of_day(start_date + timedelta(days=days)), False
    if unit != Deadline.Unit.WORKING:
        raise ValueError(f"unknown deadline unit {unit!r}")
    last_day, provisional = add_working_days(start_date, days, WorkCalendar.for_span(start_date, days))
    return end_of_day(last_day), provisional


@dataclass(frozen=True)
class Schedule:
    due_at: datetime
    provisional: bool
    remind_at: datetime | None


def schedule_for(deadline: Deadline, calendar: WorkCalendar | None = None) -> Schedule:
    """Due moment, provisional flag and reminder moment of ``deadline`` from its start, days, extension and
    suspension (one calendar load, unless ``calendar``, the whole calendar, is given)."""
    total = deadline.days + deadline.extended_days + deadline.suspended_days
    start_date = local_date(deadline.started_at)
    if deadline.unit == Deadline.Unit.WORKING:
        if calendar is None:
            calendar = WorkCalendar.for_span(start_date, total)
        else:
            calendar = calendar.years(start_date.year, (start_date + timedelta(days=2 * total + 31)).year)
        last_day, provisional = add_working_days(start_date, total, calendar)
        remind_day = (
            working_days_before(last_day, deadline.remind_days_before, calendar, not_before=start_date)
            if deadline.remind_days_before else None
        )
    elif deadline.unit == Deadline.Unit.CALENDAR:
        last_day, provisional = start_date + timedelta(days=total), False
        remind_day = last_day - timedelta(days=deadline.remind_days_before) if deadline.remind_days_before else None
        if remind_day is not None and remind_day <= start_date:
            remind_day = None
    else:
        raise ValueError(f"unknown deadline unit {deadline.unit!r}")
    remind_at = datetime.combine(remind_day, REMIND_TIME, tzinfo=BEIJING) if remind_day else None
    return Schedule(end_of_day(last_day), provisional, remind_at)


# ---- services ---------------------------------------------------------------------------------


_SCHEDULE_FIELDS = ["due_at", "provisional", "remind_at", "reminded_at", "overdue_at"]


def _apply_schedule(deadline: Deadline, now: datetime, calendar: WorkCalendar | None = None) -> None:
    """Recompute the stored schedule. A reminder or escalation that already fired is re-armed when the new
    moment is still ahead, so an extended deadline is reminded and escalated again at its new date."""
    schedule = schedule_for(deadline, calendar)
    deadline.due_at, deadline.provisional, deadline.remind_at = (
        schedule.due_at, schedule.provisional, schedule.remind_at
    )
    if deadline.due_at > now:
        deadline.overdue_at = None
    if deadline.remind_at is None or deadline.remind_at > now:
        deadline.reminded_at = None


def _record(deadline: Deadline, name: str, *, target=None, by=None, reason="", **data) -> None:
    # The caller usually holds the target already; ``deadline.target`` would fetch it again.
    target = target if target is not None else deadline.target
    if target is None:  # the generic FK points at a deleted row; nothing to hang the event on
        return
    AuditEvent.record(
        target, AuditEvent.Action.DEADLINE, by=by, name=name, reason=reason,
        data={"deadline": deadline.pk, "kind": deadline.kind, "label": deadline.label,
              "due_at": deadline.due_at, "provisional": deadline.provisional, **data},
    )


def _lock(deadline: Deadline) -> Deadline:
    return Deadline.objects.select_for_update().get(pk=deadline.pk)


def sync_entity_due_at(obj) -> None:
    """Copy the earliest running deadline's ``due_at`` onto ``obj.due_at`` (and its provisional flag onto
    ``obj.due_provisional``) when the model has those fields (``core.models.DeadlineTracked`` and
    ``ProvisionalDeadlineTracked``, or fields of those names), so lists can sort and filter by it. With no
    running deadline a nullable ``due_at`` is cleared; a required one keeps its value.

    One ``UPDATE … RETURNING`` of just those columns, the earliest deadline read in it (bench report
    2026-11-27, measurement 5: it was a read and then an update): the entity's ``save()`` (FSM checks,
    auto-now stamps) is not ours to trigger."""
    if obj is None:
        return
    model = type(obj)
    meta = model._meta
    try:
        due_field = meta.get_field("due_at")
    except FieldDoesNotExist:
        return
    try:
        provisional_field = meta.get_field("due_provisional")
    except FieldDoesNotExist:
        provisional_field = None
    qn = connection.ops.quote_name
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    earliest = (f"(SELECT d.{{}} FROM {qn(Deadline._meta.db_table)} d WHERE d.content_type_id = %s "
                f"AND d.object_id = %s AND d.status = %s ORDER BY d.due_at, d.id LIMIT 1)")
    keys = [content_type.pk, obj.pk, Deadline.Status.RUNNING]
    due = qn(due_field.column)
    sets = [f"{due} = " + (earliest.format("due_at") if due_field.null else
                           f"COALESCE({earliest.format('due_at')}, {due})")]
    params = list(keys)
    if provisional_field is not None:
        provisional = qn(provisional_field.column)
        fallback = "false" if due_field.null else provisional
        sets.append(f"{provisional} = COALESCE({earliest.format('provisional')}, {fallback})")
        params += keys
    columns = [meta.pk.column, due_field.column] + ([provisional_field.column] if provisional_field else [])
    # raw(): the returned row comes back through the fields' converters (aware datetimes on SQLite too).
    rows = list(model._base_manager.raw(
        f"UPDATE {qn(meta.db_table)} SET {', '.join(sets)} WHERE {qn(meta.pk.column)} = %s "
        f"RETURNING {', '.join(qn(c) for c in columns)}", params + [obj.pk]))
    if not rows:
        return
    obj.due_at = rows[0].due_at
    if provisional_field is not None:
        obj.due_provisional = rows[0].due_provisional


def start_deadline(obj, *, kind, label, days, unit, started_at=None, remind_days_before=3, by=None,
                   sync=True) -> Deadline:
    """Start the clock of ``kind`` on ``obj`` (e.g. accept a complaint within 5 working days).

    One live deadline per kind and object: if one of this kind is already running or suspended it is
    returned unchanged, so a retried task or a double-submitted form never starts a second clock. Cancel
    it first to restart the clock. Call while holding the entity's row lock (as its service does), so two
    concurrent starts cannot both miss the live one. ``sync=False`` leaves ``obj.due_at`` to the caller (a
    service that changes several deadlines syncs once at the end)."""
    if unit not in Deadline.Unit.values:
        raise ValueError(f"unknown deadline unit {unit!r}")
    if days < 0:
        raise ValueError("days must not be negative")
    # No savepoint of its own (two round trips): nothing in here is meant to be caught by the caller, and
    # a database error aborts the caller's transaction (or its savepoint) either way.
    with transaction.atomic(savepoint=False):
        return _start_deadline(obj, kind, label, days, unit, started_at, remind_days_before, by, sync)


def _start_deadline(obj, kind, label, days, unit, started_at, remind_days_before, by, sync) -> Deadline:
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    now = timezone.now()
    deadline = Deadline(
        content_type=content_type, object_id=obj.pk, kind=kind, label=label, unit=unit, days=days,
        started_at=started_at or now, remind_days_before=remind_days_before,
    )
    # One statement: computed with this process's calendar, inserted unless a live deadline of the kind exists,
    # returning the calendar's current version. Only if the calendar changed since it was cached (rare) is the
    # schedule computed again and the row updated, before anything else sees it.
    if _cache is None:
        cached_calendar()
    cached = _cache
    _apply_schedule(deadline, now, cached[1] if cached is not None else None)
    live = ("SELECT 1 FROM core_deadline WHERE content_type_id = %s AND object_id = %s AND kind = %s "
            "AND status IN (%s, %s)", [content_type.pk, obj.pk, kind, *LIVE])
    inserted = insert_returning(
        deadline, unless_exists=live,
        returning="(SELECT version FROM core_calendarversion WHERE id = 1)" if cached is not None else "",
    )
    if inserted is None:
        return (Deadline.objects.select_for_update()
                .filter(content_type=content_type, object_id=obj.pk, kind=kind, status__in=LIVE).first())
    if cached is not None and inserted[0] != cached[0]:
        before = (deadline.due_at, deadline.provisional, deadline.remind_at)
        _apply_schedule(deadline, now, cached_calendar(inserted[0]))
        if (deadline.due_at, deadline.provisional, deadline.remind_at) != before:
            deadline.save(update_fields=_SCHEDULE_FIELDS)
    _record(deadline, "deadline_start", target=obj, by=by, days=days, unit=unit, started_at=deadline.started_at)
    if sync:
        sync_entity_due_at(obj)
    return deadline


def _close(obj, kinds, status, name, by, sync=True) -> int:
    """Close the live deadlines of ``obj`` (of ``kinds``) in one ``UPDATE … RETURNING``, then audit each."""
    now = timezone.now()
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    where = "content_type_id = %s AND object_id = %s AND status IN (%s, %s)"
    params = [content_type.pk, obj.pk, *LIVE]
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        where += f" AND kind IN ({', '.join(['%s'] * len(kinds))})"
        params += kinds
    assignments = {"status": status}
    if status == Deadline.Status.MET:
        assignments["met_at"] = now
    closed = update_returning(Deadline, assignments, where, params)
    for deadline in closed:
        _record(deadline, name, target=obj, by=by, late=deadline.due_at < now)
    if closed and sync:
        sync_entity_due_at(obj)
    return len(closed)


@transaction.atomic(savepoint=False)  # nothing to catch in here; see start_deadline
def close_deadlines(obj, *, meet=(), cancel=(), by=None, sync=True) -> int:
    """``meet_deadlines(kinds=meet)`` and ``cancel_deadlines(kinds=cancel)`` in one ``UPDATE … RETURNING``
    (a stage ends and the next one's clock is about to restart). The audit events come in the same order as
    the two calls would write them: the met deadlines, then the cancelled ones. Returns the count."""
    meet, cancel = list(meet), [kind for kind in cancel if kind not in meet]
    if not meet or not cancel:
        return (_close(obj, meet, Deadline.Status.MET, "deadline_met", by, sync) if meet else 0) + (
            _close(obj, cancel, Deadline.Status.CANCELLED, "deadline_cancel", by, sync) if cancel else 0)
    now = timezone.now()
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    is_met = f"kind IN ({', '.join(['%s'] * len(meet))})"
    where = (f"content_type_id = %s AND object_id = %s AND status IN (%s, %s) "
             f"AND kind IN ({', '.join(['%s'] * (len(meet) + len(cancel)))})")
    closed = update_returning(Deadline, {}, where, [content_type.pk, obj.pk, *LIVE, *meet, *cancel], raw={
        "status": (f"CASE WHEN {is_met} THEN %s ELSE %s END",
                   [*meet, Deadline.Status.MET, Deadline.Status.CANCELLED]),
        "met_at": (f"CASE WHEN {is_met} THEN %s ELSE met_at END", [*meet, now]),
    })
    closed.sort(key=lambda d: (d.status != Deadline.Status.MET, d.pk))
    for deadline in closed:
        met = deadline.status == Deadline.Status.MET
        _record(deadline, "deadline_met" if met else "deadline_cancel", target=obj, by=by,
                late=deadline.due_at < now)
    if closed and sync:
        sync_entity_due_at(obj)
    return len(closed)


@transaction.atomic(savepoint=False)  # nothing to catch in here; see start_deadline
def meet_deadlines(obj, *, kinds=None, by=None, sync=True) -> int:
    """Mark the live (running or suspended) deadlines of ``obj`` met, optionally only those of ``kinds``
    (one kind or a list). A suspended deadline is met too: the work it timed is done. Returns the count."""
    return _close(obj, kinds, Deadline.Status.MET, "deadline_met", by, sync)


@transaction.atomic(savepoint=False)
def cancel_deadlines(obj, *, kinds=None, by=None, sync=True) -> int:
    """Cancel the live deadlines of ``obj`` (the stage they timed no longer applies). Returns the count."""
    return _close(obj, kinds, Deadline.Status.CANCELLED, "deadline_cancel", by, sync)


@transaction.atomic
def extend_deadline(deadline, *, days, reason, by) -> Deadline:
    """Extend a live deadline by ``days`` of its unit (e.g. an investigation by 30 working days, 劳动保障监察
    条例 Art. 17), recording the reason and the approving user. Call after checking the approver may."""
    if days <= 0:
        raise ValidationError(_("延长天数必须大于零。"), code="extension_days")
    if not (reason or "").strip():
        raise ValidationError(_("请填写延长理由。"), code="extension_reason")
    if by is None:
        raise ValidationError(_("延长期限须有批准人。"), code="extension_approver")
    deadline = _lock(deadline)
    if deadline.status not in LIVE:
        raise ValidationError(_("该期限已结束，不能延长。"), code="deadline_closed")
    old_due = deadline.due_at
    deadline.extended_days += days
    deadline.extension_reason = "\n".join(filter(None, [deadline.extension_reason, reason.strip()]))
    deadline.extended_by = by
    _apply_schedule(deadline, timezone.now())
    deadline.save(update_fields=_SCHEDULE_FIELDS + ["extended_days", "extension_reason", "extended_by"])
    _record(deadline, "deadline_extend", by=by, reason=reason.strip(), days=days, previous_due_at=old_due)
    sync_entity_due_at(deadline.target)
    return deadline


@transaction.atomic
def suspend_deadline(deadline, *, reason, by) -> Deadline:
    """Stop the clock of a running deadline (中止), e.g. while a party is unreachable or an expert opinion is
    awaited. ``resume_deadline`` adds the stopped days back."""
    if not (reason or "").strip():
        raise ValidationError(_("请填写中止理由。"), code="suspension_reason")
    deadline = _lock(deadline)
    if deadline.status != Deadline.Status.RUNNING:
        raise ValidationError(_("只有计时中的期限可以中止。"), code="not_running")
    deadline.status = Deadline.Status.SUSPENDED
    deadline.suspended_at = timezone.now()
    deadline.suspension_reason = reason.strip()
    deadline.save(update_fields=["status", "suspended_at", "suspension_reason"])
    _record(deadline, "deadline_suspend", by=by, reason=deadline.suspension_reason)
    sync_entity_due_at(deadline.target)
    return deadline


@transaction.atomic
def resume_deadline(deadline, *, by) -> Deadline:
    """Restart a suspended deadline, adding the days it was stopped (from the day of suspension up to the
    day before today, in the deadline's unit) and recomputing the due date."""
    deadline = _lock(deadline)
    if deadline.status != Deadline.Status.SUSPENDED:
        raise ValidationError(_("只有已中止的期限可以恢复计时。"), code="not_suspended")
    now = timezone.now()
    # Days before the first counted day were never on the clock, so they are not added back.
    first = max(local_date(deadline.suspended_at), local_date(deadline.started_at) + timedelta(days=1))
    stop = local_date(now)
    if stop <= first:
        stopped = 0
    elif deadline.unit == Deadline.Unit.WORKING:
        stopped = count_working_days(first, stop, WorkCalendar.load(first.year, stop.year))
    else:
        stopped = (stop - first).days
    old_due = deadline.due_at
    deadline.suspended_days += stopped
    deadline.status = Deadline.Status.RUNNING
    suspended_at, deadline.suspended_at = deadline.suspended_at, None
    _apply_schedule(deadline, now)
    deadline.save(update_fields=_SCHEDULE_FIELDS + ["suspended_days", "status", "suspended_at"])
    _record(deadline, "deadline_resume", by=by, stopped_days=stopped, suspended_at=suspended_at,
            previous_due_at=old_due)
    sync_entity_due_at(deadline.target)
    return deadline


def _recompute(queryset, name) -> int:
    now = timezone.now()
    changed = 0
    for deadline in queryset.select_for_update().order_by("pk"):
        before = (deadline.due_at, deadline.provisional, deadline.remind_at)
        _apply_schedule(deadline, now)
        if (deadline.due_at, deadline.provisional, deadline.remind_at) == before:
            continue
        deadline.save(update_fields=_SCHEDULE_FIELDS)
        _record(deadline, name, previous_due_at=before[0], previous_provisional=before[1])
        sync_entity_due_at(deadline.target)
        changed += 1
    return changed


@transaction.atomic
def recompute_provisional(year) -> int:
    """Recompute every live provisional deadline after the schedule of ``year`` was loaded (admin save of
    a ``CalendarYear`` or ``manage.py load_calendar``); returns how many changed. Deadlines reaching a year
    that is still missing stay provisional."""
    return _recompute(Deadline.objects.filter(status__in=LIVE, provisional=True), "deadline_recompute")


@transaction.atomic
def recompute_between(first: date, last: date) -> int:
    """Recompute the live working-day deadlines whose counted range touches ``first``..``last``, after an
    admin corrected a calendar day or replaced a year's schedule. Returns how many changed."""
    qs = Deadline.objects.filter(
        status__in=LIVE, unit=Deadline.Unit.WORKING,
        started_at__lt=end_of_day(last), due_at__gte=datetime.combine(first, time.min, tzinfo=BEIJING),
    )
    return _recompute(qs, "deadline_recompute")


def recompute_year(year) -> int:
    """Recompute the live working-day deadlines that count days of ``year`` (its schedule was replaced or
    removed)."""
    return recompute_between(date(year, 1, 1), date(year, 12, 31))


# ---- the sweep --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineHandler:
    kind_prefix: str
    on_remind: Callable[[Deadline], None] | None = None
    on_overdue: Callable[[Deadline], None] | None = None
    on_remind_many: Callable[[list[Deadline]], None] | None = None
    on_overdue_many: Callable[[list[Deadline]], None] | None = None


_HANDLERS: dict[str, DeadlineHandler] = {}


def register_deadline_handler(kind_prefix, *, on_remind=None, on_overdue=None, on_remind_many=None,
                              on_overdue_many=None) -> None:
    """Route reminders and escalations of deadlines whose kind starts with ``kind_prefix`` to the callables
    (each takes the Deadline). They run inside the sweep's transaction, with the deadline row locked, so
    they fire exactly once; they should write rows (their own audit event for an escalation) and enqueue
    with ``delay_on_commit``, not send directly.

    ``on_remind_many`` / ``on_overdue_many`` take a list of deadlines of that prefix and do the same work
    set-based (one UPDATE, ``bulk_create``); the sweep prefers them and falls back to the per-row callables,
    one savepoint each, when the bulk call raises (so one bad row does not hold back the others).
    The longest matching prefix wins; registering a prefix again replaces its handler (call from
    ``AppConfig.ready``)."""
    _HANDLERS[kind_prefix] = DeadlineHandler(kind_prefix, on_remind, on_overdue, on_remind_many, on_overdue_many)


def unregister_deadline_handler(kind_prefix) -> None:
    _HANDLERS.pop(kind_prefix, None)


def handler_for(kind: str) -> DeadlineHandler | None:
    matches = [h for prefix, h in _HANDLERS.items() if kind.startswith(prefix)]
    return max(matches, key=lambda h: len(h.kind_prefix)) if matches else None


def _claim(queryset, stamp_field, order_field, now, exclude) -> list[Deadline]:
    """Lock up to SWEEP_BATCH due rows (skipping rows a concurrent sweep holds) and stamp them, set-based.

    The row locks are taken by the SELECT … FOR UPDATE SKIP LOCKED; PostgreSQL re-checks its conditions
    (stamp still null) on each row it locks, so a row another sweep stamped and committed meanwhile is not
    returned again."""
    ids = list(
        queryset.exclude(pk__in=exclude).select_for_update(skip_locked=True)
        .order_by(order_field, "pk").values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    if not ids:
        return []
    Deadline.objects.filter(pk__in=ids).update(**{stamp_field: now})
    return list(Deadline.objects.filter(pk__in=ids).order_by("pk"))


def _fire(rows, hook, stamp_field) -> tuple[int, list[int]]:
    """Run the handlers of one claimed batch; returns (fired, pks of rows whose handler failed). A failed
    row's stamp is cleared again, so the next sweep retries it."""
    groups: dict[DeadlineHandler | None, list[Deadline]] = {}
    for deadline in rows:
        groups.setdefault(handler_for(deadline.kind), []).append(deadline)
    fired, failed = 0, []
    for handler, group in groups.items():
        many = getattr(handler, f"{hook}_many") if handler else None
        one = getattr(handler, hook) if handler else None
        if many is not None:
            try:
                with transaction.atomic():
                    many(group)
            except Exception:
                logger.exception("deadlines %s: %s_many handler failed; trying them one by one",
                                 [d.pk for d in group], hook)
            else:
                fired += len(group)
                continue
        if one is None and many is None:
            fired += len(group)  # nothing registered: stamping is all there is to do
            continue
        for deadline in group:
            try:
                if one is None:
                    raise RuntimeError(f"no per-row {hook} handler after the bulk handler failed")
                with transaction.atomic():
                    one(deadline)
            except Exception:
                logger.exception("deadline %s: %s handler failed; retried next sweep", deadline.pk, hook)
                failed.append(deadline.pk)
            else:
                fired += 1
    if failed:
        Deadline.objects.filter(pk__in=failed).update(**{stamp_field: None})
    return fired, failed


def _sweep_phase(queryset, stamp_field, order_field, hook, now) -> tuple[int, int]:
    """Claim and fire every row of ``queryset``, SWEEP_BATCH rows per transaction: one SELECT … FOR UPDATE
    SKIP LOCKED, one UPDATE stamping them, one read, then the handlers (bulk per kind where registered). A
    failing handler only un-stamps its own row, which the next sweep retries."""
    fired = failed = 0
    failed_pks: set[int] = set()
    while True:
        with transaction.atomic():
            batch = _claim(queryset, stamp_field, order_field, now, failed_pks)
            if not batch:
                return fired, failed
            ok, bad = _fire(batch, hook, stamp_field)
        fired += ok
        failed += len(bad)
        failed_pks.update(bad)


def sweep(now=None) -> dict:
    """Fire due reminders and escalations, then viewflow's due timers. Safe to run concurrently (Celery
    beat every minute, ``manage.py sweep_deadlines`` from cron): each deadline fires once."""
    now = now or timezone.now()
    running = Deadline.objects.filter(status=Deadline.Status.RUNNING)
    # An overdue deadline is escalated, not "reminded" that it is almost due.
    reminded, failed_remind = _sweep_phase(
        running.filter(reminded_at__isnull=True, remind_at__lte=now, due_at__gt=now), "reminded_at", "remind_at",
        "on_remind", now,
    )
    overdue, failed_overdue = _sweep_phase(
        running.filter(overdue_at__isnull=True, due_at__lte=now), "overdue_at", "due_at", "on_overdue", now
    )
    from viewflow.workflow.timers import fire_due_timers

    timers = fire_due_timers()
    return {"reminded": reminded, "overdue": overdue, "timers": timers, "failed": failed_remind + failed_overdue}


@shared_task(name="core.tasks.sweep_deadlines_task")
def sweep_deadlines_task():
    return sweep()


# ---- calendar completeness --------------------------------------------------------------------


def _today() -> date:
    return timezone.localtime(timezone.now(), BEIJING).date()


def calendar_status(today=None) -> dict:
    """What an admin banner needs: the upcoming years without an official schedule (this year; next year
    from 1 November, when the State Council has usually published it; any year a live deadline reaches)
    and how many live deadlines are provisional."""
    today = today or _today()
    loaded = set(CalendarYear.objects.values_list("year", flat=True))
    wanted = {today.year}
    if today >= date(today.year, 11, 1):
        wanted.add(today.year + 1)
    provisional = Deadline.objects.filter(status__in=LIVE, provisional=True)
    provisional_years: set[int] = set()
    for started_at, due_at in provisional.values_list("started_at", "due_at"):
        provisional_years.update(range(local_date(started_at).year, local_date(due_at).year + 1))
    return {
        "missing_years": sorted((wanted | provisional_years) - loaded),
        "provisional_years": sorted(provisional_years - loaded),
        "provisional_deadlines": provisional.count(),
        "loaded_years": sorted(loaded),
    }


def check_calendar_loaded(today=None) -> int:
    """Alert every active 系统管理员 once per missing year (and once more per year when live deadlines
    became provisional because of it). Returns the number of new notifications."""
    from accounts.roles import Role
    from django.contrib.auth import get_user_model

    from .notify import notify_user

    status = calendar_status(today)
    if not status["missing_years"]:
        return 0
    admins = list(get_user_model().objects.filter(is_active=True, groups__name=Role.ADMIN).distinct())
    sent = 0
    for year in status["missing_years"]:
        reasons = [("missing", _("尚未载入{year}年节假日安排").format(year=year))]
        if year in status["provisional_years"]:
            reasons.append(("provisional", _("{year}年节假日安排缺失，已有期限临时计算").format(year=year)))
        body = _(
            "{year}年的法定节假日和调休安排尚未载入本系统。国务院办公厅通常在每年秋季公布下一年度安排。"
            "涉及{year}年的工作日期限目前只排除周末，属临时计算，已在案件上标注“临时”；"
            "当前共有{count}个期限为临时计算。请在管理后台“节假日调整”中录入后新增“节假日年度”，"
            "或运行 manage.py load_calendar --year {year}，系统将自动重新计算。"
        ).format(year=year, count=status["provisional_deadlines"])
        for key, subject in reasons:
            for user in admins:
                dedupe_key = f"calendar-{key}:{year}:{user.pk}"
                if not Notification.objects.filter(dedupe_key=dedupe_key).exists():
                    notify_user(user, subject, body, dedupe_key=dedupe_key)
                    sent += 1
    return sent


@shared_task(name="core.tasks.check_calendar_loaded_task")
def check_calendar_loaded_task():
    return check_calendar_loaded()

"""The editable holiday calendar: the seeded rows, loading a year (command and admin), recomputing the
deadlines that depended on it, and alerting admins when next year's schedule is missing."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from core import deadlines
from core.models import AuditEvent, CalendarDay, CalendarYear, Deadline, Notification
from tests.core.deadline_support import bj, clock, d, end_of, load_year_by_hand, target  # noqa: F401
from tests.factories import Role, UserFactory

pytestmark = pytest.mark.django_db


def _days(year, kind):
    return {str(day) for day in CalendarDay.objects.filter(date__year=year, kind=kind).values_list("date", flat=True)}


# ---- the seeded calendar ------------------------------------------------------------------------


def test_years_2004_to_2026_are_seeded_and_2027_is_not():
    years = set(CalendarYear.objects.values_list("year", flat=True))
    assert set(range(2004, 2027)) <= years
    assert 2027 not in years


def test_seeded_2026_spring_festival_and_national_day_rows():
    holidays = _days(2026, CalendarDay.Kind.HOLIDAY)
    workdays = _days(2026, CalendarDay.Kind.WORKDAY)
    # Spring Festival: off Feb 15-23; only the weekdays are stored (Feb 15, 21, 22 are weekend days anyway).
    assert {h for h in holidays if h.startswith("2026-02")} == {
        "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-23"}
    # National Day Oct 1-7 (Oct 3, 4 are a weekend) and Mid-Autumn Sep 25.
    assert {h for h in holidays if h[:7] in ("2026-09", "2026-10")} == {
        "2026-09-25", "2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"}
    assert {"2026-02-14", "2026-02-28", "2026-09-20", "2026-10-10"} <= workdays
    assert all(d(day).weekday() >= 5 for day in workdays)
    assert all(d(day).weekday() < 5 for day in holidays)


# ---- load_calendar ------------------------------------------------------------------------------


def _load(*args):
    out = StringIO()
    call_command("load_calendar", *args, stdout=out)
    return out.getvalue()


def test_loading_an_unknown_year_without_lists_is_refused():
    with pytest.raises(CommandError, match="chinesecalendar 尚未收录2027年"):
        _load("--year", "2027")
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_loading_2027_by_hand_recomputes_provisional_deadlines(target, clock):
    clock.now = bj(2026, 12, 28, 10)
    deadline = deadlines.start_deadline(target, kind="test.accept", label="受理期限", days=5, unit="working")
    assert deadline.provisional

    out = _load("--year", "2027", "--holidays", "2027-01-01, 2027-01-02", "--workdays", "2027-01-09",
                "--source", "国办发明电〔2026〕测试号")
    assert "已载入2027年节假日安排：放假的工作日1天，调休上班的周末1天" in out
    assert "已忽略1个" in out  # Sat Jan 2 is a rest day anyway
    assert "已重新计算1个临时期限" in out
    assert CalendarYear.objects.get(year=2027).source == "国办发明电〔2026〕测试号"
    assert _days(2027, CalendarDay.Kind.HOLIDAY) == {"2027-01-01"}
    assert _days(2027, CalendarDay.Kind.WORKDAY) == {"2027-01-09"}
    deadline.refresh_from_db()
    assert (deadline.due_at, deadline.provisional) == (end_of(d("2027-01-05")), False)


def test_loading_a_year_the_package_knows(target):
    CalendarDay.objects.filter(date__year=2025).delete()
    CalendarYear.objects.filter(year=2025).delete()
    out = _load("--year", "2025")
    assert "已从 chinesecalendar 载入2025年节假日安排" in out
    assert CalendarYear.objects.filter(year=2025, source="chinesecalendar").exists()
    assert "2025-10-08" in _days(2025, CalendarDay.Kind.HOLIDAY)
    assert "2025-09-28" in _days(2025, CalendarDay.Kind.WORKDAY)


def test_loading_an_already_loaded_year_changes_nothing():
    before = _days(2026, CalendarDay.Kind.HOLIDAY)
    assert "2026年节假日安排已载入（来源：chinesecalendar），未作修改" in _load("--year", "2026")
    assert _days(2026, CalendarDay.Kind.HOLIDAY) == before


def test_replacing_a_loaded_year_recomputes_its_running_deadlines(target, clock):
    clock.now = bj(2026, 11, 26, 10)
    deadline = deadlines.start_deadline(target, kind="test.accept", label="受理期限", days=5, unit="working")
    assert deadline.due_at == end_of(d("2026-12-03"))
    out = _load("--year", "2026", "--holidays", "2026-11-30")  # a hypothetical correction
    assert "已替换2026年节假日安排" in out
    assert "已重新计算1个涉及2026年的期限" in out
    deadline.refresh_from_db()
    assert deadline.due_at == end_of(d("2026-12-04"))


@pytest.mark.parametrize("args,message", [
    (["--holidays", "2027-13-01"], "格式不正确"),
    (["--holidays", "2028-01-01"], "不属于 2027 年"),
    (["--holidays", "2027-01-04", "--workdays", "2027-01-04"], "既是放假日又是调休上班日"),
])
def test_load_calendar_rejects_bad_lists(args, message):
    with pytest.raises(CommandError, match=message):
        _load("--year", "2027", *args)
    assert not CalendarYear.objects.filter(year=2027).exists()


# ---- admin -----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    user = UserFactory(username="t_superuser", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_admin_loading_2027_by_hand_recomputes_provisional_deadlines(admin_client, target):
    deadline = deadlines.start_deadline(target, kind="test.accept", label="受理期限", days=5, unit="working",
                                        started_at=bj(2026, 12, 28, 10))
    response = admin_client.post(reverse("admin:core_calendarday_add"),
                                 {"date": "2027-01-01", "kind": "holiday", "name": "元旦"})
    assert response.url == reverse("admin:core_calendarday_changelist")
    deadline.refresh_from_db()
    assert deadline.provisional  # a day alone does not make the year official

    response = admin_client.post(reverse("admin:core_calendaryear_add"), {
        "year": "2027", "source": "", "loaded_at_0": "2026-12-28", "loaded_at_1": "10:00:00"}, follow=True)
    assert response.status_code == 200
    assert "已重新计算1个期限。" in [str(m) for m in response.context["messages"]]
    assert CalendarYear.objects.get(year=2027).source == "管理后台录入（t_superuser）"
    deadline.refresh_from_db()
    assert (deadline.due_at, deadline.provisional) == (end_of(d("2027-01-05")), False)


def test_admin_correcting_a_day_recomputes_the_deadlines_that_count_it(admin_client, target):
    deadline = deadlines.start_deadline(target, kind="test.accept", label="受理期限", days=5, unit="working",
                                        started_at=bj(2026, 11, 26, 10))
    response = admin_client.post(reverse("admin:core_calendarday_add"),
                                 {"date": "2026-12-01", "kind": "holiday", "name": "测试"})
    assert response.url == reverse("admin:core_calendarday_changelist")
    deadline.refresh_from_db()
    assert deadline.due_at == end_of(d("2026-12-04"))
    day = CalendarDay.objects.get(date="2026-12-01")
    response = admin_client.post(reverse("admin:core_calendarday_delete", args=[day.pk]), {"post": "yes"})
    assert response.url == reverse("admin:core_calendarday_changelist")
    deadline.refresh_from_db()
    assert deadline.due_at == end_of(d("2026-12-03"))


@pytest.mark.parametrize("model", ["calendaryear", "calendarday", "deadline", "auditevent"])
def test_admin_lists_render(admin_client, target, model):
    deadlines.start_deadline(target, kind="test.accept", label="受理期限", days=5, unit="working")
    assert admin_client.get(reverse(f"admin:core_{model}_changelist")).status_code == 200


def test_deadlines_and_audit_events_are_read_only_in_admin(admin_client, target):
    deadline = deadlines.start_deadline(target, kind="test.accept", label="受理期限", days=5, unit="working")
    event = AuditEvent.objects.for_object(target).get()
    for model, obj in (("deadline", deadline), ("auditevent", event)):
        assert admin_client.get(reverse(f"admin:core_{model}_add")).status_code == 403
        assert admin_client.get(reverse(f"admin:core_{model}_delete", args=[obj.pk])).status_code == 403
        change = admin_client.get(reverse(f"admin:core_{model}_change", args=[obj.pk]))
        assert change.status_code == 200
        assert 'type="submit"' not in change.content.decode().split('id="content-main"')[1]
    response = admin_client.post(reverse("admin:core_deadline_change", args=[deadline.pk]), {"days": "99"})
    assert response.status_code == 403
    deadline.refresh_from_db()
    assert deadline.days == 5


# ---- missing years ---------------------------------------------------------------------------


def test_calendar_status_names_next_year_from_november(target, clock):
    assert deadlines.calendar_status(d("2026-10-31"))["missing_years"] == []
    assert deadlines.calendar_status(d("2026-11-01"))["missing_years"] == [2027]


def test_calendar_status_names_a_year_a_provisional_deadline_reaches(target, clock):
    clock.now = bj(2026, 10, 15, 10)
    deadlines.start_deadline(target, kind="test.resolve", label="办结期限", days=60, unit="working")
    status = deadlines.calendar_status(d("2026-10-15"))
    assert status["missing_years"] == [2027]
    assert status["provisional_years"] == [2027]
    assert status["provisional_deadlines"] == 1


@pytest.fixture
def admins(db):
    active = UserFactory(username="t_admin", roles=[Role.ADMIN], district=None)
    UserFactory(username="t_admin_gone", roles=[Role.ADMIN], district=None, is_active=False)
    UserFactory(username="t_intake_x", roles=[Role.INTAKE])
    return [active]


def test_admins_are_alerted_once_from_november_when_next_year_is_missing(admins):
    assert deadlines.check_calendar_loaded(d("2026-10-31")) == 0
    assert deadlines.check_calendar_loaded(d("2026-11-01")) == 1
    assert deadlines.check_calendar_loaded(d("2026-11-02")) == 0  # deduplicated
    note = Notification.objects.get()
    assert note.recipient == admins[0]
    assert note.subject == "尚未载入2027年节假日安排"
    assert "manage.py load_calendar --year 2027" in note.body


def test_admins_are_alerted_when_deadlines_became_provisional(admins, target, clock):
    clock.now = bj(2026, 10, 15, 10)
    deadlines.start_deadline(target, kind="test.resolve", label="办结期限", days=60, unit="working")
    assert deadlines.check_calendar_loaded(d("2026-10-15")) == 2
    subjects = set(Notification.objects.filter(recipient=admins[0]).values_list("subject", flat=True))
    assert subjects == {"尚未载入2027年节假日安排", "2027年节假日安排缺失，已有期限临时计算"}


def test_no_alert_once_the_year_is_loaded(admins):
    load_year_by_hand(2027, holidays=["2027-01-01"])
    assert deadlines.check_calendar_loaded(d("2026-11-26")) == 0
    assert not Notification.objects.exists()


def test_calendar_check_task(admins, clock):
    from core.tasks import check_calendar_loaded_task

    clock.now = bj(2026, 11, 26, 8)
    assert check_calendar_loaded_task.name == "core.tasks.check_calendar_loaded_task"
    assert check_calendar_loaded_task.delay().get() == 1
    assert Deadline.objects.count() == 0

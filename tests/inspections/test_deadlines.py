"""Notice deadlines by severity (calendar days) and escalation through the deadline sweep."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from core import deadlines
from core.models import Deadline, Notification
from inspections import services
from inspections.models import Inspection, RectificationNotice
from tests.inspections.helpers import file_and_submit, issue, operator_for, plan

pytestmark = pytest.mark.django_db


def failed_notice(inspector, severity="major"):
    inspection = plan(inspector)
    file_and_submit(inspector, inspection, fail=inspection.checklist.items.first(), severity=severity)
    return inspection, issue(inspector, inspection)


@pytest.mark.parametrize("severity,days", [("critical", 1), ("major", 7), ("minor", 15)])
def test_deadline_by_severity_in_calendar_days(inspector, severity, days):
    _inspection, notice = failed_notice(inspector, severity)
    deadline = Deadline.objects.for_object(notice.items.get()).get()
    assert deadline.unit == "calendar" and deadline.days == days
    assert deadline.due_at == deadlines.compute_due(notice.issued_at, days, "calendar")[0]
    assert notice.items.get().deadline_at == deadline.due_at


def test_days_are_configurable(inspector, settings):
    settings.GIGCASE_RECTIFICATION_DAYS = {"major": 3}
    _inspection, notice = failed_notice(inspector, "major")
    assert notice.items.get().days == 3


def test_overdue_notice_is_escalated_by_the_sweep_command(inspector, official):
    inspection, notice = failed_notice(inspector, "major")
    call_command("sweep_deadlines", stdout=open("/dev/null", "w"))
    notice.refresh_from_db()
    assert notice.status == RectificationNotice.Status.ISSUED  # not due yet
    later = timezone.now() + timedelta(days=9)
    result = deadlines.sweep(now=later)
    assert result["overdue"] == 1
    notice.refresh_from_db()
    inspection.refresh_from_db()
    assert notice.status == RectificationNotice.Status.ESCALATED and notice.is_overdue
    assert inspection.status == Inspection.Status.ESCALATED and inspection.is_overdue
    assert Notification.objects.filter(recipient=official, object_id=inspection.pk).count() == 1
    assert deadlines.sweep(now=later)["overdue"] == 0  # fires once


def test_reminder_goes_to_the_operator_the_day_before(inspector):
    inspection, notice = failed_notice(inspector, "major")
    operator = operator_for(inspection.market)
    due = notice.items.get().deadline_at
    deadlines.sweep(now=due - timedelta(hours=20))
    assert Notification.objects.filter(recipient=operator, subject__startswith="整改期限提醒").exists()


def test_answered_item_does_not_escalate(inspector):
    from tests.inspections.helpers import respond

    inspection, notice = failed_notice(inspector, "minor")
    respond(operator_for(inspection.market), notice)
    assert deadlines.sweep(now=timezone.now() + timedelta(days=30))["overdue"] == 0
    notice.refresh_from_db()
    assert notice.status == RectificationNotice.Status.RESPONDED


def test_after_the_decision_the_operator_answers_late(inspector, official):
    from tests.inspections.helpers import respond

    inspection, notice = failed_notice(inspector, "major")
    deadlines.sweep(now=timezone.now() + timedelta(days=9))
    services.notice_decide_escalation(notice=notice, by=official, suspend_market=False, reason="限三日内整改完毕")
    respond(operator_for(inspection.market), notice)
    assert notice.status == RectificationNotice.Status.RESPONDED
    inspection.refresh_from_db()
    assert inspection.market.status == "open"

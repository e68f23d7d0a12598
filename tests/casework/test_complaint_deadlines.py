"""限时办结: 5 working days to accept, 60 (+30) to resolve, reminders and escalation fired by the sweep."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from casework import services
from casework.flows import ComplaintFlow
from casework.models import Complaint
from core.models import Deadline, Notification
from tests.casework.helpers import do_task, submit

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def test_acceptance_limit_skips_the_spring_festival():
    # Submitted on Friday 13 Feb 2026; Sat 14 Feb is a make-up working day, 15-23 Feb are the holiday.
    from django.utils import timezone

    from core.deadlines import compute_due

    due, provisional = compute_due(local(2026, 2, 13, 10, 0), 5, "working")
    assert not provisional
    # working days counted: 14 (make-up Saturday), 24, 25, 26, 27 → due at the end of 27 Feb
    assert timezone.localtime(due).date().isoformat() == "2026-02-27"


def test_submission_starts_the_5_working_day_clock_and_acceptance_the_60_day_clock(intake):
    complaint = submit().complaint
    accept = Deadline.objects.for_object(complaint).get(kind="complaint.accept")
    assert accept.days == 5 and accept.unit == "working"
    assert complaint.due_at == accept.due_at
    do_task(intake, complaint, ComplaintFlow.review, {"decision": "accept"})
    accept.refresh_from_db()
    assert accept.status == Deadline.Status.MET
    resolve = Deadline.objects.for_object(complaint).get(kind="complaint.resolve")
    assert resolve.days == 60
    complaint.refresh_from_db()
    assert complaint.due_at == resolve.due_at


def test_extension_adds_30_working_days_once_with_approval(intake, official, mediator):
    complaint = submit().complaint
    do_task(intake, complaint, ComplaintFlow.review, {"decision": "accept"})
    before = Deadline.objects.for_object(complaint).get(kind="complaint.resolve").due_at
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        services.complaint_extend(complaint=complaint, by=mediator, reason="需要调取证据")
    services.complaint_extend(complaint=complaint, by=official, reason="需要调取证据")
    after = Deadline.objects.for_object(complaint).get(kind="complaint.resolve")
    assert after.extended_days == 30 and after.due_at > before and after.extended_by == official
    with pytest.raises(ValidationError):
        services.complaint_extend(complaint=complaint, by=official, reason="再次延期")


def test_sweep_reminds_then_escalates_overdue_cases(intake, official, mediator):
    from datetime import timedelta

    from django.utils import timezone

    complaint = submit().complaint
    deadline = Deadline.objects.for_object(complaint).get(kind="complaint.accept")
    # Move the clock: reminder due now.
    Deadline.objects.filter(pk=deadline.pk).update(remind_at=timezone.now() - timedelta(minutes=1))
    call_command("sweep_deadlines")
    assert Notification.objects.filter(recipient=intake, object_id=complaint.pk, subject__startswith="期限提醒").count() == 1
    # Deadline passed: flagged overdue, escalated to the district official, once even if swept twice.
    Deadline.objects.filter(pk=deadline.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    call_command("sweep_deadlines")
    call_command("sweep_deadlines")
    complaint.refresh_from_db()
    assert complaint.is_overdue
    assert Notification.objects.filter(recipient=official, subject__startswith="逾期督办").count() == 1
    assert Notification.objects.filter(recipient=intake, subject__startswith="期限提醒").count() == 1


def test_overdue_cases_sort_first(intake):
    a = submit().complaint
    b = submit().complaint
    Complaint.objects.filter(pk=b.pk).update(is_overdue=True)
    assert list(Complaint.objects.filter(pk__in=[a.pk, b.pk]).by_urgency()) == [b, a]

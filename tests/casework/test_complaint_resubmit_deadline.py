"""一次性告知补正: the complainant's own limit for missing material (10 working days, stated in the notice).

Asking for material starts a ``complaint.info`` deadline; the complainant is reminded by SMS 2 working days
before it; resubmitting meets it. When it passes, the sweep returns the complaint to intake review through
the flow (the waiting task ends), restarts the 5-working-day acceptance clock, tells the complainant, and
escalates nothing: it is not a staff limit. A second sweep does nothing more."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from viewflow.workflow import STATUS

from casework.documents import info_request_context
from casework.flows import ComplaintFlow, open_process, resume_after_info
from casework.models import Complaint
from core import deadlines
from core.models import AuditEvent, Deadline, Notification
from tests.casework.helpers import do_task, open_task, submit

pytestmark = pytest.mark.django_db


def request_material(intake):
    complaint = submit().complaint
    do_task(intake, complaint, ComplaintFlow.review,
            {"decision": "request_info", "missing_items": "工资条或转账记录\n用工单位名称和地址"})
    return complaint, Deadline.objects.for_object(complaint).get(kind="complaint.info")


def lapse(limit, field="due_at"):
    """Let the limit (or its reminder) pass: move it a minute into the past, so the restarted clocks, which
    count from the real now, are not overdue as they would be if the sweep were run in the future."""
    Deadline.objects.filter(pk=limit.pk).update(**{field: timezone.now() - timedelta(minutes=1)})


def sms_to_complainant(complaint):
    return list(Notification.objects.filter(channel=Notification.Channel.SMS, object_id=complaint.pk)
                .order_by("pk").values_list("body", flat=True))


def test_the_request_starts_a_10_working_day_limit_that_the_notice_states(intake):
    complaint, limit = request_material(intake)
    assert (limit.days, limit.unit, limit.status) == (10, "working", Deadline.Status.RUNNING)
    assert not Deadline.objects.for_object(complaint).running().filter(kind="complaint.accept").exists()
    assert info_request_context(complaint)["resubmit_due"] == limit.due_at


def test_resubmission_meets_the_limit_and_restarts_the_acceptance_clock(intake):
    complaint, limit = request_material(intake)
    resume_after_info(complaint, supplement="补充了转账截图。")
    limit.refresh_from_db()
    assert limit.status == Deadline.Status.MET
    assert Deadline.objects.for_object(complaint).running().get(kind="complaint.accept").days == 5


def test_the_complainant_is_reminded_once_before_the_limit(intake):
    complaint, limit = request_material(intake)
    before = len(sms_to_complainant(complaint))
    lapse(limit, "remind_at")
    deadlines.sweep()
    deadlines.sweep()
    reminders = sms_to_complainant(complaint)[before:]
    assert len(reminders) == 1 and "前补正材料" in reminders[0]


def test_at_the_limit_the_complaint_returns_to_review_once_without_escalation(intake, official):
    complaint, limit = request_material(intake)
    waiting = open_process(complaint).task_set.get(flow_task=ComplaintFlow.await_info)
    assert waiting.status == STATUS.NEW

    lapse(limit)
    deadlines.sweep()
    deadlines.sweep()

    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.status == Complaint.Status.SUBMITTED and not complaint.is_overdue
    waiting.refresh_from_db()
    assert waiting.status == STATUS.DONE
    review = open_task(complaint, ComplaintFlow.review)
    assert review is not None
    assert open_process(complaint).task_set.filter(flow_task=ComplaintFlow.review, status=STATUS.NEW).count() == 1
    assert AuditEvent.objects.filter(object_id=complaint.pk, name="info_lapsed").count() == 1
    assert Deadline.objects.for_object(complaint).running().get(kind="complaint.accept").days == 5
    assert sum("补正期限已届满" in body for body in sms_to_complainant(complaint)) == 1
    assert not Notification.objects.filter(recipient=official).exists()  # not a staff limit: no 督办

    # The intake officer sees why the case is back, and decides on the material at hand.
    client = Client()
    client.force_login(intake)
    client.post(ComplaintFlow.review.reverse("assign", args=[review.process_id, review.pk]))
    page = client.get(ComplaintFlow.review.reverse("execute", args=[review.process_id, review.pk]))
    assert "补正期限已于" in page.content.decode()
    do_task(intake, complaint, ComplaintFlow.review, {"decision": "accept"})
    assert Complaint.objects.get(pk=complaint.pk).status == Complaint.Status.ACCEPTED


def test_a_resubmission_in_time_is_not_undone_by_a_late_sweep(intake):
    complaint, limit = request_material(intake)
    resume_after_info(complaint, supplement="补充了转账截图。")
    lapse(limit)
    deadlines.sweep()
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.status == Complaint.Status.SUBMITTED
    assert not AuditEvent.objects.filter(object_id=complaint.pk, name="info_lapsed").exists()

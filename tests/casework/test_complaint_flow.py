"""The complaint workflow end to end through its task views, and every refused transition."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django_fsm import TransitionNotAllowed

from casework import services
from casework.flows import ComplaintFlow, open_process
from casework.models import Complaint, SatisfactionSurvey
from core.fsm import TransitionRefused
from core.models import AuditEvent, Deadline, Notification
from tests.casework.helpers import do_task, open_task, submit, walk_to_closed

pytestmark = pytest.mark.django_db


def statuses(complaint):
    return [e.to_state for e in AuditEvent.objects.for_object(complaint).filter(action="transition")]


def test_happy_path_produces_the_status_sequence_and_closes_with_survey(intake, official, mediator,
                                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        complaint = submit().complaint
        walk_to_closed(complaint, intake=intake, official=official, mediator=mediator)
    assert statuses(complaint) == ["accepted", "assigned", "investigating", "resolved", "closed"]
    assert complaint.status == Complaint.Status.CLOSED
    assert complaint.responsible == intake  # 首问负责
    assert open_process(complaint) is None
    assert SatisfactionSurvey.objects.for_object(complaint).count() == 1
    assert Notification.objects.filter(channel="sms", object_id=complaint.pk).count() >= 3


def test_first_receiver_stays_responsible_through_reassignment(intake, official, mediator, chaoyang):
    from tests.factories import Role, UserFactory

    other = UserFactory(username="m2", roles=[Role.MEDIATOR], district=chaoyang)
    complaint = submit().complaint
    do_task(intake, complaint, ComplaintFlow.review, {"decision": "accept"})
    do_task(official, complaint, ComplaintFlow.assign, {"assignee": mediator.pk})
    client = Client()
    client.force_login(official)
    response = client.post(f"/staff/complaint/cases/{complaint.number}/reassign/", {"assignee": other.pk})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.assignee == other and complaint.responsible == intake
    assert open_task(complaint, ComplaintFlow.investigate).owner == other
    # the responsible officer still sees the case
    assert Complaint.objects.visible_to(intake).filter(pk=complaint.pk).exists()


def test_request_info_lists_every_item_and_resubmission_returns_to_review(intake):
    from casework.flows import resume_after_info

    complaint = submit().complaint
    do_task(intake, complaint, ComplaintFlow.review,
            {"decision": "request_info", "missing_items": "工资条或转账记录\n用工单位名称和地址"})
    assert complaint.status == Complaint.Status.INFO_REQUESTED
    assert complaint.missing_items == ["工资条或转账记录", "用工单位名称和地址"]
    resume_after_info(complaint, supplement="补充了转账截图。")
    assert complaint.status == Complaint.Status.SUBMITTED
    assert open_task(complaint, ComplaintFlow.review) is not None


def test_rejection_needs_the_officials_approval(intake, official):
    complaint = submit().complaint
    do_task(intake, complaint, ComplaintFlow.review, {"decision": "propose_rejection", "reason": "超过二年时效"})
    assert complaint.status == Complaint.Status.REJECTION_PROPOSED
    # the intake officer cannot approve their own proposal
    with pytest.raises(PermissionDenied):
        services.complaint_approve_rejection(complaint=complaint, by=intake)
    do_task(official, complaint, ComplaintFlow.approve_rejection, {"approve": "yes"})
    assert complaint.status == Complaint.Status.REJECTED
    assert statuses(complaint) == ["rejection_proposed", "rejected"]
    assert open_process(complaint) is None


def test_declined_rejection_goes_back_to_review(intake, official):
    complaint = submit().complaint
    do_task(intake, complaint, ComplaintFlow.review, {"decision": "propose_rejection", "reason": "材料不足"})
    do_task(official, complaint, ComplaintFlow.approve_rejection, {"approve": "no", "reason": "应先补正"})
    assert complaint.status == Complaint.Status.SUBMITTED
    assert open_task(complaint, ComplaintFlow.review) is not None


def test_merge_into_a_duplicate(intake):
    first = submit().complaint
    second = submit().complaint
    do_task(intake, second, ComplaintFlow.review, {"decision": "merge", "merge_into": first.pk})
    assert second.status == Complaint.Status.MERGED and second.merged_into == first
    assert open_process(second) is None


def test_refer_closes_with_referral(intake, official, mediator):
    complaint = submit().complaint
    do_task(intake, complaint, ComplaintFlow.review, {"decision": "accept"})
    do_task(official, complaint, ComplaintFlow.assign, {"assignee": mediator.pk})
    do_task(mediator, complaint, ComplaintFlow.investigate, {"_start": "1"})
    do_task(mediator, complaint, ComplaintFlow.investigate, {
        "decision": "refer", "referral_target": "labour_inspection", "referral_organization": "朝阳区劳动保障监察大队",
        "public_reply": "已转劳动保障监察机构依法处理。"})
    assert statuses(complaint)[-2:] == ["referred", "closed"]


def test_withdraw_cancels_open_tasks(intake):
    complaint = submit().complaint
    services.complaint_withdraw(complaint=complaint, reason="已自行协商解决")
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.WITHDRAWN
    assert open_process(complaint) is None
    assert not Deadline.objects.for_object(complaint).running().exists()


def test_reopen_within_30_days_by_official_only(intake, official, mediator):
    complaint = walk_to_closed(submit().complaint, intake=intake, official=official, mediator=mediator)
    with pytest.raises(PermissionDenied):
        services.complaint_reopen(complaint=complaint, by=mediator, reason="投诉人反映未发放")
    services.complaint_reopen(complaint=complaint, by=official, reason="投诉人反映未发放")
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.INVESTIGATING
    assert open_task(complaint, ComplaintFlow.investigate).owner == mediator


def test_reopen_refused_after_30_days(intake, official, mediator):
    from datetime import timedelta

    from django.utils import timezone

    complaint = walk_to_closed(submit().complaint, intake=intake, official=official, mediator=mediator)
    Complaint.objects.filter(pk=complaint.pk).update(closed_at=timezone.now() - timedelta(days=31))
    complaint.refresh_from_db()
    with pytest.raises(TransitionRefused):
        services.complaint_reopen(complaint=complaint, by=official, reason="超期")


@pytest.mark.parametrize("action", ["accept", "assign", "resolve"])
def test_wrong_state_is_refused_with_a_chinese_message(action, intake, official, mediator):
    complaint = submit().complaint
    call = {
        "accept": lambda: (services.complaint_accept(complaint=complaint, by=intake),
                           services.complaint_accept(complaint=complaint, by=intake)),
        "assign": lambda: services.complaint_assign(complaint=complaint, by=official, assignee=mediator),
        "resolve": lambda: services.complaint_resolve(complaint=complaint, by=mediator, outcome="x",
                                                      public_reply="y"),
    }[action]
    with pytest.raises(TransitionRefused) as exc:
        call()
    assert "当前状态" in str(exc.value)


def test_wrong_role_is_refused(mediator, intake):
    complaint = submit().complaint
    with pytest.raises(PermissionDenied):
        services.complaint_accept(complaint=complaint, by=mediator)
    services.complaint_accept(complaint=complaint, by=intake)
    with pytest.raises(PermissionDenied):
        services.complaint_assign(complaint=complaint, by=intake, assignee=mediator)


def test_status_cannot_be_written_directly():
    complaint = submit().complaint
    with pytest.raises(AttributeError):
        complaint.status = Complaint.Status.CLOSED


def test_only_the_assignee_may_resolve(intake, official, mediator, chaoyang):
    from tests.factories import Role, UserFactory

    other = UserFactory(username="m3", roles=[Role.MEDIATOR], district=chaoyang)
    complaint = submit().complaint
    do_task(intake, complaint, ComplaintFlow.review, {"decision": "accept"})
    do_task(official, complaint, ComplaintFlow.assign, {"assignee": mediator.pk})
    services.complaint_start_investigation(complaint=complaint, by=mediator)
    with pytest.raises(PermissionDenied):
        services.complaint_resolve(complaint=complaint, by=other, outcome="x", public_reply="y")


def test_transition_rolls_back_with_its_audit_row(intake):
    complaint = submit().complaint
    before = AuditEvent.objects.count()
    with pytest.raises(TransitionNotAllowed):
        from django.db import transaction

        with transaction.atomic():
            locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
            locked.accept(by=intake)
            raise TransitionNotAllowed("simulated failure after the transition")
    assert AuditEvent.objects.count() == before
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.SUBMITTED


def test_accepting_a_safety_hazard_complaint_plans_an_inspection_of_the_market(intake, inspector):
    from inspections.models import Inspection
    from tests.factories import MarketFactory

    market = MarketFactory()
    complaint = submit(category="safety_hazard", market=market, description="候工大厅消防通道被堵。").complaint
    assert not Inspection.objects.filter(complaint=complaint).exists()
    services.complaint_accept(complaint=complaint, by=intake)
    inspection = Inspection.objects.get(complaint=complaint)
    assert inspection.market == market and inspection.inspector == inspector
    # other categories plan nothing
    other = submit(category="wage_arrears", market=market).complaint
    services.complaint_accept(complaint=other, by=intake)
    assert not Inspection.objects.filter(complaint=other).exists()


def test_the_investigation_lands_in_the_chosen_assignees_inbox(intake, official, mediator):
    """Not claimed by anyone: the flow itself gives the task to the assignee just chosen."""
    from viewflow.workflow import STATUS

    complaint = submit().complaint
    do_task(intake, complaint, ComplaintFlow.review, {"decision": "accept"})
    do_task(official, complaint, ComplaintFlow.assign, {"assignee": mediator.pk})
    task = open_task(complaint, ComplaintFlow.investigate)
    assert task.owner == mediator and task.status == STATUS.ASSIGNED
    inbox = Client()
    inbox.force_login(mediator)
    assert complaint.number in inbox.get("/staff/complaint/inbox/").content.decode()

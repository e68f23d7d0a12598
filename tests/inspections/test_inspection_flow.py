"""The inspection workflow end to end through its task views and pages, and every refused transition."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.fsm import TransitionRefused
from core.models import AuditEvent, Deadline, Notification
from inspections import services
from inspections.flows import InspectionFlow, open_process, open_task
from inspections.models import Finding, Inspection, NoticeItem, RectificationNotice
from markets.models import Market
from tests.inspections.helpers import (answers_all, do_task, file_and_submit, issue, operator_for, photo, plan,
                                       reinspect, respond)

pytestmark = pytest.mark.django_db


def statuses(obj):
    return [e.to_state for e in AuditEvent.objects.for_object(obj).filter(action="transition")]


def first_item(inspection, section="fire"):
    return inspection.checklist.items.filter(section=section).order_by("sort_order").first()


def test_passing_inspection_closes_with_the_record(inspector):
    inspection = plan(inspector)
    assert open_task(inspection, InspectionFlow.fill).owner == inspector
    file_and_submit(inspector, inspection)
    assert statuses(inspection) == ["in_progress", "submitted", "passed", "closed"]
    assert inspection.status == Inspection.Status.CLOSED
    assert open_process(inspection) is None
    assert not RectificationNotice.objects.filter(inspection=inspection).exists()


def test_failed_major_item_goes_through_notice_response_and_reinspection(inspector, django_capture_on_commit_callbacks):
    inspection = plan(inspector)
    operator = operator_for(inspection.market)
    item = first_item(inspection)
    with django_capture_on_commit_callbacks(execute=True):
        file_and_submit(inspector, inspection, fail=item)
        assert inspection.status == Inspection.Status.RECTIFICATION_REQUIRED
        notice = issue(inspector, inspection)
    assert notice.status == RectificationNotice.Status.ISSUED
    [notice_item] = notice.items.all()
    assert notice_item.severity == "major" and notice_item.days == 7
    assert Notification.objects.filter(recipient=operator, object_id=notice.pk).exists()
    response = respond(operator, notice)
    assert response.status_code == 302
    assert notice.status == RectificationNotice.Status.RESPONDED
    inspection = reinspect(inspector, inspection)
    assert statuses(inspection) == ["in_progress", "submitted", "rectification_required", "notice_issued",
                                    "responded", "reinspection", "rectified", "closed"]
    assert statuses(notice) == ["responded", "accepted"]
    notice.refresh_from_db()
    assert notice.status == RectificationNotice.Status.ACCEPTED
    assert open_process(inspection) is None
    assert not Deadline.objects.for_object(notice.items.get()).running().exists()


def test_rejected_answer_goes_back_to_the_operator_with_a_new_deadline(inspector):
    inspection = plan(inspector)
    operator = operator_for(inspection.market)
    file_and_submit(inspector, inspection, fail=first_item(inspection), severity="minor")
    notice = issue(inspector, inspection)
    respond(operator, notice)
    first_due = notice.items.get().deadline_at
    inspection = reinspect(inspector, inspection, accept=False, note="灭火器仍未更换")
    notice.refresh_from_db()
    assert inspection.status == Inspection.Status.NOTICE_ISSUED
    assert notice.status == RectificationNotice.Status.ISSUED and notice.round == 2
    item = notice.items.get()
    assert item.state == NoticeItem.State.REJECTED and item.deadline_at >= first_due
    clocks = list(Deadline.objects.for_object(item).order_by("pk").values_list("status", flat=True))
    assert clocks == ["met", "running"]  # the first clock was met by the answer; a fresh one runs
    assert open_task(inspection, InspectionFlow.await_response) is not None
    respond(operator, notice, text="第二次整改：已更换。")
    inspection = reinspect(inspector, inspection)
    assert inspection.status == Inspection.Status.CLOSED
    assert item.responses.count() == 2


def test_reinspection_needs_a_reason_to_reject(inspector):
    inspection = plan(inspector)
    file_and_submit(inspector, inspection, fail=first_item(inspection))
    notice = issue(inspector, inspection)
    respond(operator_for(inspection.market), notice)
    services.inspection_start_reinspection(inspection=inspection, by=inspector)
    with pytest.raises(ValidationError):
        services.notice_review(notice=notice, by=inspector, verdicts={notice.items.get().pk: (False, "")})


def test_submit_refuses_unanswered_items_and_failures_without_note(inspector):
    inspection = plan(inspector)
    item = first_item(inspection)
    services.inspection_save_draft(inspection=inspection, by=inspector, answers={item.pk: {"result": "pass"}})
    with pytest.raises(ValidationError) as exc:
        services.inspection_submit(inspection=inspection, by=inspector)
    assert exc.value.code == "unanswered"
    answers = {i.pk: {"result": "pass"} for i in inspection.checklist.items.all()}
    answers[item.pk] = {"result": "fail", "note": ""}
    services.inspection_save_draft(inspection=inspection, by=inspector, answers=answers)
    with pytest.raises(ValidationError) as exc:
        services.inspection_submit(inspection=inspection, by=inspector)
    assert exc.value.code == "fail_without_note"


def test_submit_through_the_form_with_missing_answers_keeps_the_draft(inspector):
    inspection = plan(inspector)
    item = first_item(inspection)
    response = do_task(inspector, inspection, InspectionFlow.fill,
                       {f"result_{item.pk}": "pass", "_submit": "1"}, expect_redirect=False)
    assert response.status_code == 200 and "未检查" in response.content.decode()
    assert inspection.status == Inspection.Status.IN_PROGRESS
    assert inspection.findings.get(item=item).result == "pass"


def test_only_the_assigned_inspector_may_file(inspector, official):
    inspection = plan(inspector)
    with pytest.raises(PermissionDenied):
        services.inspection_save_draft(inspection=inspection, by=official, answers={})
    with pytest.raises(PermissionDenied):
        services.inspection_submit(inspection=inspection, by=official)


def test_submitted_record_can_no_longer_be_changed(inspector):
    inspection = plan(inspector)
    file_and_submit(inspector, inspection, fail=first_item(inspection))
    with pytest.raises(ValidationError) as exc:
        services.inspection_save_draft(inspection=inspection, by=inspector,
                                       answers={first_item(inspection).pk: {"result": "pass"}})
    assert exc.value.code == "not_editable"
    with pytest.raises(ValidationError):
        services.finding_add_photo(inspection=inspection, item_id=first_item(inspection).pk, by=inspector,
                                   uploaded_file=photo())


def test_refused_transitions(inspector, official):
    inspection = plan(inspector)
    with pytest.raises(TransitionRefused):
        services.inspection_close(inspection=inspection)
    with pytest.raises(TransitionRefused):
        services.inspection_start_reinspection(inspection=inspection, by=inspector)
    with pytest.raises(ValidationError):
        services.notice_issue(inspection=inspection, by=inspector)  # nothing failed yet
    file_and_submit(inspector, inspection, fail=first_item(inspection))
    # an inspector may not decide escalations; an official may not issue notices
    with pytest.raises(PermissionDenied):
        services.notice_issue(inspection=inspection, by=official)
    notice = issue(inspector, inspection)
    with pytest.raises(TransitionRefused):
        services.notice_issue(inspection=inspection, by=inspector)
    with pytest.raises(TransitionRefused):
        services.notice_decide_escalation(notice=notice, by=official, suspend_market=False, reason="不需要")
    with pytest.raises(TransitionRefused):
        services.notice_review(notice=notice, by=inspector, verdicts={})


def test_respond_refuses_other_operators_missing_answers_and_missing_photos(inspector, operator_user):
    inspection = plan(inspector)
    operator = operator_for(inspection.market)
    file_and_submit(inspector, inspection, fail=first_item(inspection))
    notice = issue(inspector, inspection)
    item = notice.items.get()
    with pytest.raises(ValidationError) as exc:
        services.notice_respond(notice=notice, by=operator, answers={}, files={})
    assert exc.value.code == "unanswered"
    with pytest.raises(ValidationError) as exc:
        services.notice_respond(notice=notice, by=operator, answers={item.pk: "已整改"}, files={})
    assert exc.value.code == "no_evidence"
    with pytest.raises(PermissionDenied):
        services.notice_respond(notice=notice, by=operator_user, answers={item.pk: "已整改"},
                                files={item.pk: [photo()]})


def test_cancel_a_planned_inspection(inspector, official):
    inspection = plan(inspector)
    with pytest.raises(PermissionDenied):
        services.inspection_cancel(inspection=inspection, by=UserFactory_mediator(), reason="x")
    services.inspection_cancel(inspection=inspection, by=official, reason="市场已搬迁")
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.CANCELLED and open_process(inspection) is None
    with pytest.raises(TransitionRefused):
        services.inspection_cancel(inspection=inspection, by=official, reason="再次取消")


def UserFactory_mediator():
    from tests.factories import Role, UserFactory

    return UserFactory(username="t_med_cancel", roles=[Role.MEDIATOR])


def test_critical_finding_escalates_at_once_and_the_official_may_suspend_the_market(inspector, official, client):
    inspection = plan(inspector)
    operator = operator_for(inspection.market)
    item = first_item(inspection)
    file_and_submit(inspector, inspection, fail=item, severity="critical")
    notice = issue(inspector, inspection)
    inspection.refresh_from_db()
    assert notice.status == RectificationNotice.Status.ESCALATED
    assert inspection.status == Inspection.Status.ESCALATED
    assert notice.items.get().days == 1
    assert Notification.objects.filter(recipient=official, object_id=inspection.pk).exists()
    # the operator cannot answer until the official has decided
    with pytest.raises(TransitionRefused):
        services.notice_respond(notice=notice, by=operator, answers={notice.items.get().pk: "已整改"},
                                files={notice.items.get().pk: [photo()]})
    with pytest.raises(PermissionDenied):
        services.notice_decide_escalation(notice=notice, by=inspector, suspend_market=True, reason="隐患重大")
    client.force_login(official)
    response = client.post(f"/staff/inspection/inspections/{inspection.number}/decide/",
                           {"suspend_market": "yes", "reason": "疏散通道堵塞，责令暂停运营"})
    assert response.status_code == 302
    market = Market.objects.get(pk=inspection.market_id)
    assert market.status == Market.Status.SUSPENDED
    public = client.get(market.get_absolute_url())
    assert "暂停运营" in public.content.decode()
    notice.refresh_from_db()
    inspection.refresh_from_db()
    assert notice.status == RectificationNotice.Status.ISSUED and notice.decision_suspend is True
    assert inspection.status == Inspection.Status.NOTICE_ISSUED
    respond(operator, notice)
    inspection = reinspect(inspector, inspection)
    assert inspection.status == Inspection.Status.CLOSED
    with pytest.raises(PermissionDenied):
        services.market_resume_after_rectification(inspection=inspection, by=inspector)
    services.market_resume_after_rectification(inspection=inspection, by=official)
    market.refresh_from_db()
    assert market.status == Market.Status.OPEN


def test_resume_market_refused_before_rectification(inspector, official):
    inspection = plan(inspector)
    file_and_submit(inspector, inspection, fail=first_item(inspection), severity="critical")
    issue(inspector, inspection)
    with pytest.raises(ValidationError):
        services.market_resume_after_rectification(inspection=inspection, by=official)


def test_planning_checks_the_inspector_and_the_market(inspector, official, other_official, haidian):
    from tests.factories import MarketFactory, Role, UserFactory

    other_inspector = UserFactory(username="t_insp_b", roles=[Role.INSPECTOR], district=haidian)
    market = MarketFactory()
    with pytest.raises(ValidationError):
        services.inspection_plan(market=market, inspector=other_inspector, planned_for=market_date(), by=official)
    with pytest.raises(ValidationError):
        services.inspection_plan(market=market, inspector=inspector, planned_for=market_date(), by=other_official)
    with pytest.raises(PermissionDenied):
        services.inspection_plan(market=market, inspector=inspector, planned_for=market_date(),
                                 by=UserFactory_mediator())
    inspection = services.inspection_plan(market=market, inspector=inspector, planned_for=market_date(),
                                          by=official)
    assert inspection.number.startswith("JC-") and inspection.district_id == market.district_id


def market_date():
    import datetime

    return datetime.date(2026, 12, 1)


def test_plan_page_creates_an_inspection(official, inspector, client):
    from tests.factories import MarketFactory

    market = MarketFactory()
    client.force_login(official)
    assert client.get("/staff/inspection/inspections/new/").status_code == 200
    response = client.post("/staff/inspection/inspections/new/", {
        "market": market.pk, "inspector": inspector.pk, "planned_for": "2026-12-03", "purpose": "节前检查"})
    assert response.status_code == 302
    inspection = Inspection.objects.get(market=market)
    assert inspection.purpose == "节前检查" and open_task(inspection, InspectionFlow.fill) is not None


def test_findings_keep_their_constraint_severity_only_when_failed(inspector):
    inspection = plan(inspector)
    item = first_item(inspection)
    services.inspection_save_draft(inspection=inspection, by=inspector,
                                   answers={item.pk: {"result": "fail", "severity": "critical", "note": "x"}})
    services.inspection_save_draft(inspection=inspection, by=inspector, answers={item.pk: {"result": "pass"}})
    finding = Finding.objects.get(inspection=inspection, item=item)
    assert finding.result == "pass" and finding.severity == "" and finding.note == "x"

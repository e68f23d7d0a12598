"""Wage claims (issue 5): every transition and refusal through services and the real task views, exact
decimal totals, conversion from complaints and mediation, and the idempotent hook the referrals call."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from casework import services as casework_services
from casework.flows import WageClaimFlow, open_wageclaim_process
from casework.models import WageClaim, WageClaimWorker
from casework.services import wage as services
from core.fsm import TransitionRefused
from core.models import AuditEvent, Deadline, GeneratedDocument
from tests.casework.helpers import do_task as do_complaint_task
from tests.casework.helpers import submit as submit_complaint
from tests.casework.wage_helpers import CC, ID, do_task, fresh, open_task, report, verify
from tests.factories import Role, UserFactory, district

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(db):
    return report().claim


def statuses(claim):
    return list(AuditEvent.objects.for_object(claim).filter(action="transition").values_list("to_state", flat=True))


# ---- intake -------------------------------------------------------------------------------------------


def test_counter_report_numbers_the_claim_stores_workers_encrypted_and_starts_flow_and_clock(claim):
    assert claim.number.startswith("QX-") and len(claim.number) == len("QX-2026-000001")
    assert claim.status == "reported" and claim.priority is True  # one worker is a priority worker
    assert claim.employer_key == "北京某某建筑劳务"
    workers = list(claim.workers.all())
    assert [w.name for w in workers] == ["王师傅", "李师傅"]
    assert workers[0].id_number == ID
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM casework_wageclaimworker WHERE id = %s", [workers[0].pk])
        assert ID not in cursor.fetchone()[0]  # encrypted at rest
    d = Deadline.objects.for_object(claim).get(kind="wageclaim.verify")
    assert d.unit == "working" and d.days == 5 and fresh(claim).due_at == d.due_at
    assert open_task(claim, WageClaimFlow.verify) is not None
    assert claim.phone_last4 == "5678"


def test_totals_are_exact_decimal_sums_of_the_workers(claim):
    claim = fresh(claim)
    assert claim.total_owed == Decimal("5500.35") and isinstance(claim.total_owed, Decimal)
    assert claim.total_paid == Decimal("0.00")
    annotated = WageClaim.objects.with_totals().get(pk=claim.pk)
    assert annotated.total_owed == sum(w.amount_owed for w in claim.workers.all()) == Decimal("5500.35")
    assert annotated.total_outstanding == Decimal("5500.35")
    # Amounts that would drift as floats (0.1 + 0.2) stay exact.
    many = report(workers=[services.Worker(name=f"工人{i}", amount_owed=Decimal("0.10") if i % 2 else Decimal("0.20"))
                           for i in range(30)]).claim
    assert WageClaim.objects.with_totals().get(pk=many.pk).total_owed == Decimal("4.50")


def test_floats_are_refused_and_amounts_must_be_positive_with_two_places(db):
    with pytest.raises(TypeError):
        report(workers=[services.Worker(name="王", amount_owed=100.5)])
    with pytest.raises(ValidationError):
        report(workers=[services.Worker(name="王", amount_owed=Decimal("0"))])
    with pytest.raises(ValidationError):
        report(workers=[services.Worker(name="王", amount_owed=Decimal("1.005"))])
    with pytest.raises(ValidationError):
        report(workers=[])
    with pytest.raises(ValidationError):
        report(workers=[services.Worker(name="王", id_number="110105199003071230", amount_owed=Decimal("1"))])
    with pytest.raises(ValidationError):
        report(employer_credit_code="91110105MA01WAGE1X")
    assert not WageClaim.objects.exists()


def test_database_refuses_a_non_positive_amount_owed(claim):
    with pytest.raises(IntegrityError), transaction.atomic():
        WageClaimWorker.objects.create(claim=claim, name="赵", amount_owed=Decimal("-1.00"))


# ---- the flow -----------------------------------------------------------------------------------------


def test_verify_coordinate_settle_close_walks_every_state(claim, intake, mediator, official):
    claim = verify(claim, intake)
    assert claim.status == "verified" and claim.officer == intake
    assert Deadline.objects.for_object(claim).get(kind="wageclaim.verify").status == "met"
    assert Deadline.objects.for_object(claim).get(kind="wageclaim.resolve").days == 60
    services.wageclaim_start_coordination(claim=claim, by=mediator, place="朝阳零工市场服务站")
    workers = list(claim.workers.all())
    services.wageclaim_settle(claim=claim, by=mediator, paid={workers[0].pk: Decimal("3000.10"),
                                                               workers[1].pk: "2500.25"}, note="当场现金支付")
    claim = fresh(claim)
    assert claim.status == "settled" and claim.total_paid == Decimal("5500.35")
    assert Deadline.objects.for_object(claim).get(kind="wageclaim.resolve").status == "met"
    assert open_task(claim, WageClaimFlow.close) is not None
    do_task(official, claim, WageClaimFlow.close, {"outcome": "fully_recovered", "note": "全额支付"})
    claim = fresh(claim)
    assert claim.status == "closed" and claim.outcome == "fully_recovered" and claim.closed_by == official
    assert statuses(claim) == ["verifying", "verified", "coordinating", "settled", "closed"]
    assert open_wageclaim_process(claim) is None


def test_partial_settlement_must_close_as_partly_recovered(claim, intake, mediator, official):
    claim = verify(claim, intake)
    services.wageclaim_start_coordination(claim=claim, by=mediator, place="街道办")
    first = claim.workers.first()
    services.wageclaim_settle(claim=claim, by=mediator, paid={first.pk: Decimal("1000.00")})
    with pytest.raises(ValidationError) as exc:
        services.wageclaim_close(claim=claim, by=official, outcome="fully_recovered")
    assert exc.value.error_dict["outcome"][0].code == "outcome_amounts"
    with pytest.raises(ValidationError):
        services.wageclaim_close(claim=claim, by=official, outcome="arbitration")  # settled: money outcomes only
    services.wageclaim_close(claim=claim, by=official, outcome="partly_recovered")
    assert fresh(claim).status == "closed"


def test_settlement_refusals(claim, intake, mediator):
    claim = verify(claim, intake)
    first = claim.workers.first()
    with pytest.raises(TransitionRefused):  # not coordinating yet
        services.wageclaim_settle(claim=claim, by=mediator, paid={first.pk: Decimal("1")})
    services.wageclaim_start_coordination(claim=claim, by=mediator, place="街道办")
    with pytest.raises(PermissionDenied):  # intake officers do not coordinate
        services.wageclaim_settle(claim=claim, by=intake, paid={first.pk: Decimal("1")})
    with pytest.raises(ValidationError) as exc:
        services.wageclaim_settle(claim=claim, by=mediator, paid={first.pk: Decimal("3000.11")})
    assert exc.value.error_dict["paid"][0].code == "paid_exceeds_owed"
    with pytest.raises(ValidationError) as exc:
        services.wageclaim_settle(claim=claim, by=mediator, paid={first.pk: Decimal("0")})
    assert exc.value.error_dict["paid"][0].code == "nothing_paid"
    other = report().claim.workers.first()
    with pytest.raises(ValidationError):
        services.wageclaim_settle(claim=claim, by=mediator, paid={other.pk: Decimal("1")})
    assert fresh(claim).status == "coordinating" and fresh(claim).total_paid == Decimal("0.00")


def test_unsubstantiated_needs_the_officials_approval_and_issues_the_reply_letter(claim, intake, official):
    do_task(intake, claim, WageClaimFlow.verify, {"_start": "1"})
    with pytest.raises(PermissionDenied):
        services.wageclaim_find_unsubstantiated(claim=claim, by=intake, reason="x", public_reply="y")
    do_task(intake, claim, WageClaimFlow.verify, {"decision": "unsubstantiated", "reason": "工资已于上月结清，有签字凭证。",
                                                   "public_reply": "经核实，您反映的工资已由用工单位结清。"})
    claim = fresh(claim)
    assert claim.status == "verifying" and claim.unsubstantiated_proposed_by == intake
    # The official sends it back once, then agrees after a second proposal.
    do_task(official, claim, WageClaimFlow.approve_unsubstantiated, {"approve": "no", "reason": "请核对银行流水。"})
    assert fresh(claim).unsubstantiated_proposed_by is None and open_task(claim, WageClaimFlow.verify) is not None
    do_task(intake, claim, WageClaimFlow.verify, {"decision": "unsubstantiated", "reason": "银行流水显示已付清。",
                                                   "public_reply": "经核实，您反映的工资已由用工单位结清。"})
    do_task(official, claim, WageClaimFlow.approve_unsubstantiated, {"approve": "yes"})
    claim = fresh(claim)
    assert claim.status == "unsubstantiated" and claim.closed_by == official
    assert claim.unsubstantiated_reason == "银行流水显示已付清。"
    assert GeneratedDocument.objects.for_object(claim).filter(kind="wageclaim.unsubstantiated").exists()
    assert not Deadline.objects.for_object(claim).running().exists()
    assert open_wageclaim_process(claim) is None
    assert statuses(claim) == ["verifying", "unsubstantiated"]


def test_verify_task_requires_starting_and_a_worker(db, intake):
    claim = report().claim
    response = do_task(intake, claim, WageClaimFlow.verify, {"decision": "verified", "note": "属实"}, expect=200)
    assert "开始核实" in response.content.decode()
    assert fresh(claim).status == "reported"
    # A claim without workers (from an anonymous complaint) cannot be verified until one is added.
    bare = services.wageclaim_report(channel="hotline", district=district("朝阳区"), employer_name="某公司",
                                     workers=[], allow_no_workers=True).claim
    services.wageclaim_start_verification(claim=bare, by=intake)
    with pytest.raises(TransitionRefused):
        services.wageclaim_verify(claim=bare, by=intake, note="属实")
    services.wageclaim_add_worker(claim=bare, by=intake, worker=services.Worker(name="赵", amount_owed=Decimal("800")))
    services.wageclaim_verify(claim=bare, by=intake, note="属实")
    assert fresh(bare).status == "verified"


def test_permissions_of_each_role(claim, inspector, intake, mediator, bureau):
    for user in (inspector, bureau):
        with pytest.raises(PermissionDenied):
            services.wageclaim_start_verification(claim=claim, by=user)
    services.wageclaim_start_verification(claim=claim, by=intake)
    services.wageclaim_verify(claim=claim, by=intake, note="属实")
    with pytest.raises(PermissionDenied):
        services.wageclaim_start_coordination(claim=claim, by=intake, place="市场")
    with pytest.raises(PermissionDenied):  # referrals are approved by the district official
        services.wageclaim_mark_referred(claim=claim, by=mediator)
    assert fresh(claim).status == "verified"


def test_states_refuse_out_of_order_actions(claim, intake, mediator, official):
    with pytest.raises(TransitionRefused):
        services.wageclaim_verify(claim=claim, by=intake, note="属实")
    with pytest.raises(TransitionRefused):
        services.wageclaim_start_coordination(claim=claim, by=mediator, place="市场")
    with pytest.raises(TransitionRefused):
        services.wageclaim_mark_referred(claim=claim, by=official)
    with pytest.raises(TransitionRefused):
        services.wageclaim_close(claim=claim, by=official, outcome="withdrawn")
    with pytest.raises(TransitionRefused):
        services.wageclaim_propose_unsubstantiated(claim=claim, by=intake, reason="a", public_reply="b")
    services.wageclaim_start_verification(claim=claim, by=intake)
    with pytest.raises(TransitionRefused):
        services.wageclaim_start_verification(claim=claim, by=intake)
    with pytest.raises(TransitionRefused):  # no proposal to send back
        services.wageclaim_return_to_verification(claim=claim, by=official, reason="x")
    services.wageclaim_verify(claim=claim, by=intake, note="属实")
    with pytest.raises(TransitionRefused):
        services.wageclaim_find_unsubstantiated(claim=claim, by=official, reason="a", public_reply="b")
    with pytest.raises(ValidationError):
        services.wageclaim_close(claim=claim, by=official, outcome="nonsense")
    with pytest.raises(ValidationError):
        services.wageclaim_add_worker(claim=claim, by=intake, worker=services.Worker(name="赵", amount_owed=Decimal("1")))


def test_mark_referred_is_idempotent_moves_the_flow_and_closes_with_any_outcome(claim, intake, mediator, official):
    claim = verify(claim, intake)
    services.wageclaim_start_coordination(claim=claim, by=mediator, place="市场")
    services.wageclaim_mark_referred(claim=claim, by=official, reason="用工单位拒不支付，移送劳动保障监察")
    claim = fresh(claim)
    first_at = claim.referred_at
    assert claim.status == "referred" and first_at is not None
    services.wageclaim_mark_referred(claim=claim, by=official)  # a second referral: no change, no error
    assert fresh(claim).referred_at == first_at
    assert statuses(claim).count("referred") == 1
    assert open_task(claim, WageClaimFlow.close) is not None
    # Money recovered through the referral is recorded per worker when closing.
    workers = list(claim.workers.all())
    do_task(official, claim, WageClaimFlow.close, {
        "outcome": "partly_recovered", "note": "法律援助追回部分工资",
        f"paid_{workers[0].pk}": "3000.10", f"paid_{workers[1].pk}": "",
    })
    claim = fresh(claim)
    assert claim.status == "closed" and claim.outcome == "partly_recovered"
    assert claim.total_paid == Decimal("3000.10")


def test_referred_claim_may_close_as_arbitration_or_uncollectable(claim, intake, official):
    claim = verify(claim, intake)
    services.wageclaim_mark_referred(claim=claim, by=official)
    services.wageclaim_close(claim=claim, by=official, outcome="arbitration", note="劳动者申请仲裁")
    assert fresh(claim).outcome == "arbitration"
    with pytest.raises(TransitionRefused):
        services.wageclaim_close(claim=claim, by=official, outcome="withdrawn")


# ---- conversion from complaints and mediation ------------------------------------------------------------


def test_accepting_a_wage_arrears_complaint_opens_one_linked_claim(intake):
    from casework.flows import ComplaintFlow

    complaint = submit_complaint(amount=Decimal("1800.50"), respondent_credit_code=CC).complaint
    do_complaint_task(intake, complaint, ComplaintFlow.review, {"decision": "accept"})
    claim = WageClaim.objects.get(source_complaint=complaint)
    assert claim.channel == "complaint" and claim.employer_credit_code == CC
    assert claim.workers.get().amount_owed == Decimal("1800.50") and claim.workers.get().name == "王师傅"
    assert services.wageclaim_create_from_complaint(complaint=complaint) == claim  # once per complaint
    assert list(complaint.wage_claims.all()) == [claim]


def test_other_complaint_categories_open_no_claim(intake):
    from casework.flows import ComplaintFlow

    complaint = submit_complaint(category="id_seizure").complaint
    do_complaint_task(intake, complaint, ComplaintFlow.review, {"decision": "accept"})
    assert not WageClaim.objects.exists()


def test_anonymous_wage_complaint_opens_a_claim_without_workers(intake):
    complaint = submit_complaint(anonymous=True, complainant_name="", complainant_phone="").complaint
    casework_services.complaint_accept(complaint=complaint, by=intake)
    claim = WageClaim.objects.get(source_complaint=complaint)
    assert not claim.workers.exists()


def _failed_mediation(official, mediator, applicants=None):
    from casework.services import Applicant, Claim, mediation_accept, mediation_apply, mediation_assign, mediation_fail
    from tests.casework.wage_helpers import ID_B

    case = mediation_apply(
        channel="oral", district=district("朝阳区"), respondent_name="北京某某建筑劳务有限公司", respondent_credit_code=CC,
        matters="拖欠工资", reasons="完工不结账",
        applicants=applicants or [Applicant(name="王师傅", id_number=ID, phone="13912345678")],
        claims=[Claim(kind="unpaid_wages", amount=Decimal("1500.00")), Claim(kind="overtime", amount=Decimal("200.50")),
                Claim(kind="other", amount=Decimal("99.00"))])
    mediation_accept(case=case, by=official)
    mediation_assign(case=case, by=official, mediator=mediator)
    mediation_fail(case=case, by=mediator, failure_reason="party_refused")
    return case


def test_a_failed_mediation_becomes_a_claim_through_the_staff_page(official, mediator, intake):
    case = _failed_mediation(official, mediator)
    client = Client()
    client.force_login(intake)
    url = f"/staff/wageclaim/from-mediation/{case.number}/"
    page = client.get(url)
    assert page.status_code == 200 and "1700.50" in page.content.decode()  # wages + overtime, not "other"
    applicant = case.applicants.get()
    response = client.post(url, {f"paid_{applicant.pk}": "1700.50"})
    claim = WageClaim.objects.get(source_mediation=case)
    assert response.status_code == 302 and response["Location"] == claim.get_absolute_url()
    assert claim.channel == "mediation" and claim.workers.get().id_number == ID
    assert claim.total_owed == Decimal("1700.50")
    assert client.get(url)["Location"] == claim.get_absolute_url()  # once per case


def test_mediation_in_progress_cannot_become_a_claim(official, mediator):
    from casework.services import Applicant, mediation_apply

    case = mediation_apply(channel="oral", district=district("朝阳区"), respondent_name="某公司", matters="欠薪",
                           reasons="欠薪", applicants=[Applicant(name="王", id_number=ID)], claims=[])
    with pytest.raises(ValidationError):
        services.wageclaim_create_from_mediation(case=case, by=official)
    inspector = UserFactory(roles=[Role.INSPECTOR])
    with pytest.raises(PermissionDenied):
        services.wageclaim_create_from_mediation(case=case, by=inspector)


def test_several_applicants_need_amounts_each(official, mediator):
    from casework.services import Applicant
    from tests.casework.wage_helpers import ID_B

    case = _failed_mediation(official, mediator, applicants=[Applicant(name="王", id_number=ID),
                                                             Applicant(name="李", id_number=ID_B)])
    with pytest.raises(ValidationError):
        services.wageclaim_create_from_mediation(case=case, by=official)
    a, b = case.applicants.all()
    claim = services.wageclaim_create_from_mediation(case=case, by=official,
                                                     amounts={a.pk: Decimal("1000.00"), b.pk: Decimal("700.50")})
    assert claim.total_owed == Decimal("1700.50")


# ---- deadlines ---------------------------------------------------------------------------------------------


def test_sweep_reminds_then_flags_an_unverified_claim_overdue_once_and_alerts_officials(claim, intake, official):
    from datetime import timedelta

    from core import deadlines
    from core.models import Notification

    d = Deadline.objects.for_object(claim).get(kind="wageclaim.verify")
    deadlines.sweep(now=d.remind_at + timedelta(minutes=1))
    assert Notification.objects.filter(recipient=intake, subject__contains=claim.number).exists()
    deadlines.sweep(now=d.due_at + timedelta(minutes=1))
    deadlines.sweep(now=d.due_at + timedelta(minutes=2))
    claim = fresh(claim)
    assert claim.is_overdue
    assert Notification.objects.filter(recipient=official, subject__contains="逾期督办").count() == 1
    assert AuditEvent.objects.for_object(claim).filter(action="deadline", name="overdue").count() == 1
    # Closing the matter clears the flag.
    services.wageclaim_start_verification(claim=claim, by=intake)
    services.wageclaim_find_unsubstantiated(claim=claim, by=official, reason="a", public_reply="b")
    assert fresh(claim).is_overdue is False

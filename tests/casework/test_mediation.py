"""Mediation: every transition and refusal, the conflict check, signatures before effect, the joint
extension, the 15-day sweep (once, even concurrently on PostgreSQL), optimistic concurrency, PDFs, scoping."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone

from casework import services
from casework.flows import MediationFlow, open_mediation_process
from casework.models import MediationCase, MediatorConflict
from core import deadlines
from core.documents import render_document_now
from core.fsm import TransitionRefused
from core.models import Deadline, GeneratedDocument
from core.validators import credit_code_check_char, resident_id_check_digit
from tests.core.test_documents import pdf_fonts, pdf_text
from tests.factories import Role, UserFactory, district

ID17 = "11010519900307123"
ID = ID17 + resident_id_check_digit(ID17)
CC17 = "91110105MA01ABCD1"
CC = CC17 + credit_code_check_char(CC17)


def apply(**over):
    data = dict(channel="oral", district=district("朝阳区"), respondent_name="某某劳务公司", respondent_credit_code=CC,
                matters="拖欠五天工资", reasons="完工后老板不结账",
                applicants=[services.Applicant(name="王师傅", id_number=ID, phone="13912345678", priority=True)],
                claims=[services.Claim(kind="unpaid_wages", amount=Decimal("1500.00"))])
    data.update(over)
    return services.mediation_apply(**data)


def do_task(user, case, node, data):
    """Claim and execute the case's open ``node`` task through the real views, as ``user``."""
    from viewflow.workflow import STATUS

    import config.urls  # noqa: F401

    client = Client()
    client.force_login(user)
    task = open_mediation_process(case).task_set.filter(flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED]).get()
    if task.status == STATUS.NEW:
        assert client.post(node.reverse("assign", args=[task.process_id, task.pk])).status_code == 302
    response = client.post(node.reverse("execute", args=[task.process_id, task.pk]), data)
    assert response.status_code == 302, response.status_code
    return response


def fresh(case):
    return MediationCase.objects.get(pk=case.pk)


@pytest.fixture
def case(db):
    return apply()


@pytest.fixture
def mediating(case, official, mediator):
    do_task(official, case, MediationFlow.review, {"decision": "accept"})
    do_task(official, case, MediationFlow.assign, {"mediator": mediator.pk})
    services.mediation_schedule_session(case=case, by=mediator, scheduled_at=timezone.now() + timedelta(days=1),
                                        place="朝阳零工市场调解室")
    return fresh(case)


def draft(case, mediator):
    return services.mediation_draft_agreement(
        case=case, by=mediator, facts="双方确认欠薪1500元。",
        obligations=[services.Obligation(description="支付拖欠工资", amount=Decimal("1500.00"),
                                         due_on=timezone.localdate() + timedelta(days=5), method="银行转账")])


def test_application_validates_id_number_and_credit_code(db):
    with pytest.raises(ValidationError):
        apply(applicants=[services.Applicant(name="李", id_number="110105199003071230")])
    with pytest.raises(ValidationError):
        apply(respondent_credit_code="91110105MA01ABCD1X")
    with pytest.raises(ValidationError):
        apply(matters=" ")


def test_application_starts_a_15_calendar_day_clock_and_the_flow(case):
    assert case.number.startswith("TJ-")
    d = Deadline.objects.for_object(case).get(kind="mediation.limit")
    assert d.unit == "calendar" and d.days == 15
    assert timezone.localtime(d.due_at).date() == timezone.localtime(case.received_at).date() + timedelta(days=15)
    assert case.applicants.get().id_number == ID  # encrypted at rest, readable here
    assert open_mediation_process(case) is not None


def test_mediator_cannot_decline_district_official_can(case, mediator, official):
    with pytest.raises(PermissionDenied):
        services.mediation_decline(case=case, by=mediator, reason="不属于劳动争议", advice="可申请仲裁")
    services.mediation_decline(case=case, by=official, reason="不属于劳动争议", advice="可向仲裁委申请仲裁")
    case = fresh(case)
    assert case.status == "declined"
    assert GeneratedDocument.objects.for_object(case).filter(kind="mediation.declined").exists()
    with pytest.raises(TransitionRefused):
        services.mediation_accept(case=case, by=official)


def test_conflicted_mediator_is_refused(case, official, mediator):
    services.mediation_accept(case=case, by=official)
    MediatorConflict.objects.create(mediator=mediator, credit_code=CC, note="曾任该公司员工")
    with pytest.raises(ValidationError) as exc:
        services.mediation_assign(case=case, by=official, mediator=mediator)
    assert "回避" in str(exc.value)
    assert fresh(case).status == "accepted"


def test_full_path_to_fulfilled_and_closed(mediating, mediator, tmp_path):
    case = mediating
    assert case.status == "in_mediation"
    agreement = draft(case, mediator)
    services.mediation_record_signatures(case=case, by=mediator, applicant=True, respondent=True, mediator=True,
                                         seal=True)
    services.mediation_sign_agreement(case=case, by=mediator)
    case = fresh(case)
    assert case.status == "agreement_signed"
    assert Deadline.objects.for_object(case).get(kind="mediation.limit").status == "met"
    doc = render_document_now(GeneratedDocument.objects.for_object(case).get(kind="mediation.agreement"))
    data = doc.file.open("rb").read()
    assert any("WenQuanYi" in f["name"] and f["emb"] == "yes" for f in pdf_fonts(data, tmp_path))
    text = pdf_text(data, tmp_path)
    assert "王师傅" in text and "1500.00" in text and "某某劳务公司" in text
    services.mediation_fulfil_obligation(case=case, by=mediator, obligation=agreement.obligations.get())
    assert fresh(case).status == "closed"
    assert open_mediation_process(case) is None


def test_agreement_with_a_missing_signature_does_not_become_effective(mediating, mediator):
    draft(mediating, mediator)
    services.mediation_record_signatures(case=mediating, by=mediator, applicant=True, mediator=True, seal=True)
    with pytest.raises(ValidationError) as exc:
        services.mediation_sign_agreement(case=mediating, by=mediator)
    assert "被申请人签名或盖章" in str(exc.value)
    assert fresh(mediating).status == "in_mediation"


def test_not_fulfilled_then_closed(mediating, mediator):
    draft(mediating, mediator)
    services.mediation_record_signatures(case=mediating, by=mediator, applicant=True, respondent=True,
                                         mediator=True, seal=True)
    services.mediation_sign_agreement(case=mediating, by=mediator)
    services.mediation_not_fulfilled(case=mediating, by=mediator, reason="到期未付款")
    assert fresh(mediating).status == "closed"


def test_party_refuses_ends_as_failed_with_termination_letter(mediating, mediator, tmp_path):
    services.mediation_fail(case=mediating, by=mediator, failure_reason="party_refused", reason="用人单位拒绝调解")
    case = fresh(mediating)
    assert case.status == "closed" and case.failure_reason == "party_refused"
    doc = render_document_now(GeneratedDocument.objects.for_object(case).get(kind="mediation.termination"))
    text = pdf_text(doc.file.open("rb").read(), tmp_path)
    assert "一年" in text and "第二十七条" in text.replace(" ", "")


def test_withdrawal_cancels_clock_and_process(case):
    services.mediation_withdraw(case=case, reason="已与老板私下和解")
    case = fresh(case)
    assert case.status == "withdrawn"
    assert not Deadline.objects.for_object(case).running().exists()
    assert open_mediation_process(case) is None


def test_list_shows_open_cases_unless_all_statuses_or_one_status_is_chosen(case, official):
    withdrawn = apply(respondent_name="另一家劳务公司")
    services.mediation_withdraw(case=withdrawn, reason="已与老板私下和解")
    client = Client()
    client.force_login(official)

    def listed(query=""):
        return {c.number for c in client.get("/staff/mediation/cases/" + query).context["page"].object_list}

    assert listed() == {case.number}
    assert listed("?status=all") == {case.number, withdrawn.number}
    assert listed("?status=withdrawn") == {withdrawn.number}
    assert listed("?status=nonsense") == {case.number}  # an unknown value: ignored
    assert '<option value="all" selected>' in client.get("/staff/mediation/cases/?status=all").content.decode()


def test_extension_needs_both_consents(mediating, mediator):
    new = timezone.localdate() + timedelta(days=25)
    with pytest.raises(ValidationError):
        services.mediation_extend(case=mediating, by=mediator, applicant_consent=True, respondent_consent=False,
                                  new_due_on=new, reason="需核对考勤")
    services.mediation_extend(case=mediating, by=mediator, applicant_consent=True, respondent_consent=True,
                              new_due_on=new, reason="需核对考勤")
    d = Deadline.objects.for_object(mediating).get(kind="mediation.limit")
    assert timezone.localtime(d.due_at).date() == new


def test_sweep_at_expiry_fails_the_case_and_issues_the_letter_once(mediating):
    later = timezone.now() + timedelta(days=16)
    deadlines.sweep(now=later)
    deadlines.sweep(now=later)
    case = fresh(mediating)
    assert case.status == "closed" and case.failure_reason == "time_limit"
    assert GeneratedDocument.objects.for_object(case).filter(kind="mediation.termination").count() == 1


def test_stale_form_gets_a_conflict_message_and_keeps_its_input(mediating, mediator):
    session = mediating.sessions.get()
    url = f"/staff/mediation/cases/{mediating.number}/minutes/"
    first, second = Client(), Client()
    first.force_login(mediator)
    second.force_login(mediator)
    loaded = mediating.version
    r1 = first.post(url, {"version": loaded, "session": session.pk, "minutes": "第一位调解员的笔录"})
    assert r1.status_code == 302
    r2 = second.post(url, {"version": loaded, "session": session.pk, "minutes": "第二位调解员的笔录"})
    assert r2.status_code == 409
    body = r2.content.decode()
    assert "已被他人修改" in body and "第二位调解员的笔录" in body
    session.refresh_from_db()
    assert session.minutes == "第一位调解员的笔录"


def test_district_b_gets_404_and_queries_are_bounded(mediating, official, other_official, django_assert_max_num_queries):
    for _ in range(5):
        apply()
    b = Client()
    b.force_login(other_official)
    assert b.get(mediating.get_absolute_url()).status_code == 404
    assert mediating.number not in b.get("/staff/mediation/cases/").content.decode()
    a = Client()
    a.force_login(official)
    a.get("/staff/mediation/cases/")
    with django_assert_max_num_queries(20):
        assert mediating.number in a.get("/staff/mediation/cases/").content.decode()
    with django_assert_max_num_queries(30):
        assert a.get(mediating.get_absolute_url()).status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_fail_the_case_once():
    assert connection.vendor == "postgresql"
    official = UserFactory(username="c_official", roles=[Role.DISTRICT_OFFICIAL], district=district("朝阳区"))
    mediator = UserFactory(username="c_mediator", roles=[Role.MEDIATOR], district=district("朝阳区"))
    case = apply()
    services.mediation_accept(case=case, by=official)
    services.mediation_assign(case=case, by=official, mediator=mediator)
    services.mediation_schedule_session(case=case, by=mediator, scheduled_at=timezone.now(), place="调解室")
    later = timezone.now() + timedelta(days=16)
    start, errors = threading.Barrier(2), []

    def run():
        from django.db import connection as c

        try:
            start.wait()
            deadlines.sweep(now=later)
        except Exception as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            c.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    case = fresh(case)
    # Driven by services only (no flow tasks), so nothing closes it after the failure.
    assert case.status == "failed" and case.failure_reason == "time_limit"
    assert GeneratedDocument.objects.for_object(case).filter(kind="mediation.termination").count() == 1

"""After the agreement: the satisfaction survey of a closed mediation case (one per case, link to each
applicant, one answer) and the worker's options when the employer misses a wage / injury-cost / compensation
obligation (支付令 under Art. 16, arbitration with the one-year limitation of Art. 27), on the case page and on
the public tracking page."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from casework import services
from casework.flows import MediationFlow
from casework.models import AgreementObligation, MediationCase, SatisfactionSurvey
from core.models import Notification
from tests.casework.test_mediation import CC, ID, apply, do_task, fresh
from tests.casework.test_mediation_intake import ID2

pytestmark = pytest.mark.django_db


def login(user):
    client = Client()
    client.force_login(user)
    return client


def online_case(chaoyang):
    submission = services.mediation_apply_online(
        district=chaoyang, respondent_name="某某物流公司", respondent_credit_code=CC, matters="拖欠工资和医疗费",
        reasons="两人在该公司分拣货物一个月，至今未付。", consent=True,
        applicants=[services.Applicant(name="王师傅", id_number=ID, phone="13912345678"),
                    services.Applicant(name="赵师傅", id_number=ID2, phone="13812345678")],
        claims=[services.Claim(kind="unpaid_wages", amount=Decimal("3000.00"))])
    return submission.case, submission.tracking_code


def signed(case, official, mediator, obligations):
    do_task(official, case, MediationFlow.review, {"decision": "accept"})
    do_task(official, case, MediationFlow.assign, {"mediator": mediator.pk})
    services.mediation_schedule_session(case=case, by=mediator, scheduled_at=timezone.now(), place="调解室")
    services.mediation_draft_agreement(case=case, by=mediator, facts="双方确认欠付工资和医疗费。",
                                       obligations=obligations)
    services.mediation_record_signatures(case=case, by=mediator, applicant=True, respondent=True, mediator=True,
                                         seal=True)
    services.mediation_sign_agreement(case=case, by=mediator)
    return fresh(case)


def obligation(description, amount, days=5, kind=""):
    return services.Obligation(description=description, amount=Decimal(amount) if amount else None, kind=kind,
                               due_on=timezone.localdate() + timedelta(days=days), method="银行转账")


def survey_links(case):
    texts = [n.body for n in Notification.objects.filter(object_id=case.pk, channel="sms")
             if "欢迎评价" in n.body]
    return texts, {re.search(r"/survey/([^/\s]+)/", t).group(1) for t in texts}


def track(client, code, last4="5678"):
    assert client.post("/track/", {"code": code, "last4": last4})["Location"] == "/track/mediation/"


# ---- satisfaction survey ---------------------------------------------------------------------------------


def test_a_closed_case_texts_one_survey_link_to_each_applicant_and_takes_one_answer(chaoyang, official, mediator):
    case, _code = online_case(chaoyang)
    case = signed(case, official, mediator, [obligation("支付拖欠工资", "3000.00")])
    assert not SatisfactionSurvey.objects.for_object(case).exists()  # not before closure
    services.mediation_fulfil_obligation(case=case, by=mediator, obligation=case.agreement.obligations.get())
    case = fresh(case)
    assert case.status == "closed"
    survey = SatisfactionSurvey.objects.for_object(case).get()
    assert survey.district == case.district
    texts, tokens = survey_links(case)
    assert len(texts) == 2 and len(tokens) == 1 and case.number in texts[0]
    token = tokens.pop()

    client = Client()
    page = client.get(f"/survey/{token}/").content.decode()
    assert "满意度评价" in page and case.number in page and "已结案" in page
    assert client.post(f"/survey/{token}/", {"score": "5", "comment": "调解员很耐心"}).status_code == 302
    again = client.post(f"/survey/{token}/", {"score": "1", "comment": "再评一次"})
    assert again.status_code == 200 and "您的评价已提交" in again.content.decode()
    # The page is shared with complaints; it names what was rated.
    assert "每件调解案件只能评价一次" in again.content.decode() and "每件投诉" not in again.content.decode()
    survey.refresh_from_db()
    assert survey.score == 5 and survey.comment == "调解员很耐心"
    # Closing twice (a replayed flow step) sends nothing more.
    assert SatisfactionSurvey.objects.for_object(case).count() == 1


def test_the_applicant_answers_the_survey_from_the_tracking_page(chaoyang, official, mediator):
    case, code = online_case(chaoyang)
    case = signed(case, official, mediator, [obligation("支付拖欠工资", "3000.00")])
    client = Client()
    track(client, code)
    assert "评价调解工作" not in client.get("/track/mediation/").content.decode()  # not closed yet
    services.mediation_fulfil_obligation(case=case, by=mediator, obligation=case.agreement.obligations.get())
    page = client.get("/track/mediation/").content.decode()
    assert "评价调解工作" in page and "/track/mediation/survey/" in page
    assert client.post("/track/mediation/survey/", {"score": "4", "comment": ""}).status_code == 302
    assert "每件调解案件只能评价一次" in client.get("/track/mediation/survey/").content.decode()
    assert SatisfactionSurvey.objects.for_object(case).get().score == 4
    page = client.get("/track/mediation/").content.decode()
    assert "评价调解工作" not in page and "您已评价" in page
    client.post("/track/leave/")
    assert client.get("/track/mediation/survey/").status_code == 302


def test_a_failed_case_is_surveyed_too_but_a_withdrawn_one_is_not(official, mediator):
    failed = apply()
    do_task(official, failed, MediationFlow.review, {"decision": "accept"})
    do_task(official, failed, MediationFlow.assign, {"mediator": mediator.pk})
    services.mediation_fail(case=failed, by=mediator, failure_reason="party_refused", reason="用人单位拒绝调解")
    assert fresh(failed).status == "closed" and SatisfactionSurvey.objects.for_object(failed).count() == 1
    withdrawn = apply()
    services.mediation_withdraw(case=withdrawn, reason="已私下和解")
    assert not SatisfactionSurvey.objects.for_object(withdrawn).exists()


# ---- 支付令 guidance ---------------------------------------------------------------------------------------


def test_obligation_kinds_are_read_from_the_wording():
    assert services.obligation_kind("被申请人支付申请人工资") == "wages"
    assert services.obligation_kind("支付加班费") == "wages"
    assert services.obligation_kind("支付工伤医疗费") == "injury_costs"
    assert services.obligation_kind("支付解除劳动合同经济补偿") == "compensation"
    assert services.obligation_kind("退还工服押金") == "other"


def miss(case, description):
    """Time passes: the obligation's due date is now behind us."""
    AgreementObligation.objects.filter(agreement__case=case, description=description).update(
        due_on=timezone.localdate() - timedelta(days=1))


def test_a_missed_wage_obligation_shows_the_payment_order_and_arbitration_options(chaoyang, official, mediator,
                                                                                   django_assert_max_num_queries):
    case, code = online_case(chaoyang)
    case = signed(case, official, mediator, [obligation("支付拖欠工资", "3000.00"),
                                             obligation("支付工伤医疗费", "800.00", days=10),
                                             obligation("退还工服押金", "200.00")])
    client = login(mediator)
    assert "支付令" not in client.get(case.get_absolute_url()).content.decode()  # nothing is due yet
    miss(case, "支付拖欠工资")
    miss(case, "退还工服押金")  # missed, but not a payment-order matter
    client.get(case.get_absolute_url())
    with django_assert_max_num_queries(30):
        page = client.get(case.get_absolute_url()).content.decode()
    guidance = page.split('id="payment-order"')[1].split("</section>")[0]
    assert "申请支付令" in guidance and "第十六条" in guidance and "申请仲裁" in guidance
    assert "一年" in guidance and "第二十七条" in guidance
    assert "支付拖欠工资（劳动报酬）" in guidance and "3000.00" in guidance
    assert "退还工服押金" not in guidance and "支付工伤医疗费" not in guidance

    public = Client()
    track(public, code)
    page = public.get("/track/mediation/").content.decode()
    assert "申请支付令" in page and "支付拖欠工资" in page and "第二十七条" in page


def test_the_guidance_stays_after_the_case_is_closed_as_not_fulfilled_and_goes_once_paid(official, mediator):
    case = signed(apply(), official, mediator, [obligation("支付拖欠工资", "1500.00")])
    miss(case, "支付拖欠工资")
    services.mediation_not_fulfilled(case=case, by=mediator, reason="到期未付款")
    case = fresh(case)
    assert case.status == "closed"
    assert "申请支付令" in login(official).get(case.get_absolute_url()).content.decode()

    paid = signed(apply(), official, mediator, [obligation("支付拖欠工资", "1500.00")])
    miss(paid, "支付拖欠工资")
    services.mediation_fulfil_obligation(case=paid, by=mediator, obligation=paid.agreement.obligations.get())
    assert "申请支付令" not in login(official).get(paid.get_absolute_url()).content.decode()


def test_an_explicit_kind_wins_over_the_wording(official, mediator):
    case = signed(apply(), official, mediator, [obligation("按协议付款", "500.00", kind="compensation")])
    assert case.agreement.obligations.get().kind == "compensation"
    assert MediationCase.objects.get(pk=case.pk).agreement.obligations.get().supports_payment_order


def test_the_agreement_form_takes_an_optional_kind_column_and_explains_a_bad_one(official, mediator):
    case = apply()
    do_task(official, case, MediationFlow.review, {"decision": "accept"})
    do_task(official, case, MediationFlow.assign, {"mediator": mediator.pk})
    case = fresh(case)
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    client = login(mediator)
    url = f"/staff/mediation/cases/{case.number}/agreement/"
    bad = client.post(url, {"version": case.version, "facts": "双方确认。",
                            "obligations": f"按协议付款|500|{due}|转账|赔款"})
    assert bad.status_code == 409 and "第1行的类型应为" in bad.content.decode()
    ok = client.post(url, {"version": case.version, "facts": "双方确认。",
                           "obligations": f"按协议付款|500|{due}|转账|经济补偿或者赔偿金\n支付工资|300|{due}|现金"})
    assert ok.status_code == 302
    assert [o.kind for o in fresh(case).agreement.obligations.order_by("pk")] == ["compensation", "wages"]
    page = client.get(case.get_absolute_url()).content.decode()
    assert f"按协议付款|500.00|{due}|转账|经济补偿或者赔偿金" in page

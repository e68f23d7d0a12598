"""How mediation cases come in: the staff counter/oral intake (Art. 12), a complaint turned into a mediation
case (link both ways, referral to mediation), and the public online application (several applicants, claims
as line items, bot defences, rate limits, the tracking code shown once)."""

import time
from decimal import Decimal

import pytest
from django.test import Client

from casework import services
from casework.flows import ComplaintFlow
from casework.models import Complaint, MediationCase, hash_tracking_code
from casework.public_forms import started_token
from tests.casework.helpers import do_task, submit
from tests.casework.test_mediation import CC, ID
from tests.factories import MarketFactory
from core.models import AuditEvent, Deadline
from core.validators import resident_id_check_digit

pytestmark = pytest.mark.django_db

ID2_17 = "11010519880512234"
ID2 = ID2_17 + resident_id_check_digit(ID2_17)


def login(user):
    client = Client()
    client.force_login(user)
    return client


# ---- staff intake -------------------------------------------------------------------------------------


def intake_data(**over):
    """A counter/oral intake POST: management forms for three applicant rows and three claim rows."""
    data = {
        "applicant-TOTAL_FORMS": "3", "applicant-INITIAL_FORMS": "0", "applicant-MIN_NUM_FORMS": "0",
        "applicant-MAX_NUM_FORMS": "50",
        "claim-TOTAL_FORMS": "3", "claim-INITIAL_FORMS": "0", "claim-MIN_NUM_FORMS": "0", "claim-MAX_NUM_FORMS": "50",
        "claim-0-kind": "", "claim-1-kind": "", "claim-2-kind": "",
    }
    data.update(over)
    return data


def test_an_oral_application_is_recorded_on_the_spot_with_applicant_matters_reasons_and_time(official, chaoyang):
    response = login(official).post("/staff/mediation/intake/", intake_data(**{
        "channel": "oral", "district": chaoyang.pk, "applicant-0-name": "李师傅", "applicant-0-id_number": ID,
        "applicant-0-phone": "13912345678", "applicant-0-priority": "on", "respondent_name": "某某家政公司",
        "respondent_credit_code": CC, "claim-0-kind": "unpaid_wages", "claim-0-amount": "2300.50",
        "matters": "拖欠十天工资", "reasons": "完工后未结算"}))
    assert response.status_code == 302
    case = MediationCase.objects.get()
    assert response["Location"] == case.get_absolute_url()
    assert (case.channel, case.matters, case.reasons, case.created_by) == ("oral", "拖欠十天工资", "完工后未结算", official)
    assert case.received_at is not None
    party = case.applicants.get()
    assert (party.name, party.id_number, party.priority) == ("李师傅", ID, True)
    assert case.claims.get().amount == Decimal("2300.50")
    assert Deadline.objects.for_object(case).filter(kind="mediation.limit").exists()


def test_several_workers_against_one_employer_with_several_claims_are_one_case(intake, chaoyang):
    response = login(intake).post("/staff/mediation/intake/", intake_data(**{
        "channel": "counter", "district": chaoyang.pk, "respondent_name": "某某物流公司", "respondent_credit_code": CC,
        "applicant-0-name": "王师傅", "applicant-0-id_number": ID, "applicant-0-phone": "139 1234 5678",
        "applicant-1-name": "赵师傅", "applicant-1-id_number": ID2.lower(), "applicant-1-priority": "on",
        "claim-0-kind": "unpaid_wages", "claim-0-amount": "6400", "claim-1-kind": "deposit_refund",
        "claim-1-amount": "300", "claim-1-note": "工服押金", "claim-2-kind": "overtime", "claim-2-amount": "800",
        "matters": "拖欠工资、加班费和押金", "reasons": "两人在该公司分拣一个月未结算"}))
    assert response.status_code == 302
    case = MediationCase.objects.get()
    assert [(p.name, p.id_number, p.phone, p.priority) for p in case.applicants.all()] == [
        ("王师傅", ID, "13912345678", False), ("赵师傅", ID2, "", True)]
    assert [(c.kind, c.amount, c.note) for c in case.claims.all()] == [
        ("unpaid_wages", Decimal("6400.00"), ""), ("deposit_refund", Decimal("300.00"), "工服押金"),
        ("overtime", Decimal("800.00"), "")]


def test_a_half_filled_form_keeps_every_row_and_says_what_is_missing_in_chinese(official, chaoyang):
    response = login(official).post("/staff/mediation/intake/", intake_data(**{
        "channel": "counter", "district": chaoyang.pk, "respondent_name": "某某家政公司",
        "applicant-0-name": "王师傅", "applicant-0-id_number": ID, "applicant-0-phone": "13912345678",
        "applicant-1-name": "赵师傅", "applicant-1-id_number": "110105199003071230",
        "applicant-2-id_number": ID2,
        "claim-0-kind": "unpaid_wages", "claim-0-amount": "", "claim-1-kind": "", "claim-1-amount": "300",
        "claim-2-kind": "overtime", "claim-2-amount": "abc",
        "matters": "拖欠工资", "reasons": ""}))
    assert response.status_code == 200
    body = response.content.decode()
    assert not MediationCase.objects.exists()
    for kept in ("王师傅", "13912345678", "赵师傅", "110105199003071230", ID2, "某某家政公司", "拖欠工资", 'value="300"'):
        assert kept in body, kept
    for error in ("登记未完成", "请填写申请人姓名。", "请填写请求金额。", "请选择请求类型。", "金额请填写数字"):
        assert error in body, error
    assert "身份证" in body.split("110105199003071230")[1][:400]  # the check-digit error sits by the bad number
    assert "This field" not in body and "Enter a" not in body


def test_no_applicant_or_the_same_applicant_twice_is_refused(official, chaoyang):
    base = {"channel": "counter", "district": chaoyang.pk, "respondent_name": "某某家政公司", "matters": "拖欠工资",
            "reasons": "未结算"}
    client = login(official)
    body = client.post("/staff/mediation/intake/", intake_data(**base)).content.decode()
    assert "至少填写一名申请人。" in body
    body = client.post("/staff/mediation/intake/", intake_data(**base, **{
        "applicant-0-name": "王师傅", "applicant-0-id_number": ID,
        "applicant-1-name": "王师傅", "applicant-1-id_number": ID})).content.decode()
    assert "填写了两次" in body
    assert not MediationCase.objects.exists()


def test_more_rows_keep_what_was_typed_without_flagging_it(official, chaoyang):
    response = login(official).post("/staff/mediation/intake/", intake_data(**{
        "_more": "1", "channel": "oral", "district": chaoyang.pk, "respondent_name": "某某家政公司",
        "applicant-0-name": "王师傅", "applicant-0-id_number": ID, "applicant-0-priority": "on",
        "applicant-1-name": "赵师傅", "applicant-2-name": "钱师傅", "claim-0-kind": "unpaid_wages",
        "claim-0-amount": "100"}))
    body = response.content.decode()
    assert response.status_code == 200 and not MediationCase.objects.exists()
    assert 'name="applicant-TOTAL_FORMS" value="6"' in body and 'name="claim-TOTAL_FORMS" value="4"' in body
    for kept in ("王师傅", "赵师傅", "钱师傅", "某某家政公司", ID):
        assert kept in body
    assert 'name="applicant-0-priority" id="id_applicant-0-priority" checked' in body
    assert "登记未完成" not in body


def test_the_forms_first_submit_button_registers_so_enter_does_not_add_rows(official):
    """Enter in a text field clicks the form's first submit button (HTML implicit submission); it must be 登记,
    not 增加空行 (a browser test in tests/e2e/test_mediation_journey.py presses Enter)."""
    import re

    body = login(official).get("/staff/mediation/intake/").content.decode()
    form = body[body.index('<form method="post" style="padding:16px"'):]
    buttons = re.findall(r"<button\b[^>]*>", form.split("</form>")[0])
    submits = [b for b in buttons if 'type="button"' not in b]
    assert "_more" not in submits[0] and 'type="submit"' in submits[0]
    assert sum('name="_more"' in b for b in submits) == 2  # the two 增加空行 buttons are still there


def test_intake_with_an_invalid_id_number_keeps_the_input_and_files_nothing(official, chaoyang):
    response = login(official).post("/staff/mediation/intake/", intake_data(**{
        "channel": "counter", "district": chaoyang.pk, "applicant-0-name": "李师傅",
        "applicant-0-id_number": "110105199003071230", "respondent_name": "某某家政公司",
        "matters": "拖欠工资", "reasons": "未结算"}))
    assert response.status_code == 200
    assert "某某家政公司" in response.content.decode()
    assert not MediationCase.objects.exists()


def test_intake_of_another_district_is_refused(official, haidian):
    response = login(official).post("/staff/mediation/intake/", intake_data(**{
        "channel": "counter", "district": haidian.pk, "applicant-0-name": "李师傅", "applicant-0-id_number": ID,
        "respondent_name": "某某家政公司", "matters": "拖欠工资", "reasons": "未结算"}))
    assert response.status_code == 200 and "只能登记本区" in response.content.decode()
    assert not MediationCase.objects.exists()


def test_intake_page_query_count_is_bounded(official, django_assert_max_num_queries):
    client = login(official)
    client.get("/staff/mediation/intake/")
    with django_assert_max_num_queries(15):
        assert client.get("/staff/mediation/intake/").status_code == 200


def test_intake_officers_may_record_counter_applications_and_inspectors_may_not(intake, inspector):
    assert login(intake).get("/staff/mediation/intake/").status_code == 200
    assert login(inspector).get("/staff/mediation/intake/").status_code == 403


# ---- from a complaint ---------------------------------------------------------------------------------


def _investigating(intake, official, mediator):
    complaint = submit(amount=Decimal("1800.00"), respondent_credit_code=CC).complaint
    do_task(intake, complaint, ComplaintFlow.review, {"decision": "accept"})
    do_task(official, complaint, ComplaintFlow.assign, {"assignee": mediator.pk})
    return Complaint.objects.get(pk=complaint.pk)


def test_a_complaint_becomes_a_mediation_case_linked_both_ways_and_is_referred(intake, official, mediator):
    complaint = _investigating(intake, official, mediator)
    page = login(mediator).get(complaint.get_absolute_url()).content.decode()
    assert "转为劳动争议调解" in page
    response = login(mediator).post(f"/staff/mediation/from-complaint/{complaint.number}/",
                                    {"applicant_id_number": ID})
    case = MediationCase.objects.get()
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert case.source_complaint == complaint and list(complaint.mediation_cases.all()) == [case]
    assert case.channel == "complaint" and case.respondent_name == complaint.respondent_name
    assert case.respondent_credit_code == CC
    assert case.applicants.get().name == "王师傅" and case.applicants.get().phone == "13912345678"
    assert case.claims.get().amount == Decimal("1800.00")
    complaint.refresh_from_db()
    assert complaint.referral_target == "mediation"
    assert complaint.status in (Complaint.Status.REFERRED, Complaint.Status.CLOSED)
    assert AuditEvent.objects.for_object(complaint).filter(name="mediation_opened").exists()
    assert case.number in login(mediator).get(complaint.get_absolute_url()).content.decode()


def test_a_complaint_not_yet_accepted_is_linked_but_not_referred(official):
    complaint = submit().complaint
    case = services.mediation_from_complaint(complaint=complaint, by=official, applicant_id_number=ID)
    complaint.refresh_from_db()
    assert case.source_complaint == complaint
    assert complaint.status == Complaint.Status.SUBMITTED and complaint.referral_target == ""


def test_an_anonymous_complaint_or_a_second_conversion_is_refused(official):
    from django.core.exceptions import ValidationError

    anonymous = submit(anonymous=True, complainant_name="", complainant_phone="", consent=False).complaint
    with pytest.raises(ValidationError):
        services.mediation_from_complaint(complaint=anonymous, by=official, applicant_id_number=ID)
    complaint = submit().complaint
    services.mediation_from_complaint(complaint=complaint, by=official, applicant_id_number=ID)
    with pytest.raises(ValidationError):
        services.mediation_from_complaint(complaint=complaint, by=official, applicant_id_number=ID)
    assert MediationCase.objects.count() == 1


# ---- public online application ------------------------------------------------------------------------

APPLY_URL = "/mediation/apply/"


def apply_data(**over):
    data = {
        "started": started_token(time.time() - 30), "homepage": "",
        "applicant-TOTAL_FORMS": "4", "applicant-INITIAL_FORMS": "0", "applicant-MIN_NUM_FORMS": "1",
        "applicant-MAX_NUM_FORMS": "20",
        "applicant-0-name": "王师傅", "applicant-0-id_number": ID, "applicant-0-phone": "13912345678",
        "applicant-1-name": "赵师傅", "applicant-1-id_number": ID2, "applicant-1-phone": "13812345678",
        "applicant-1-priority": "on",
        "claim-TOTAL_FORMS": "3", "claim-INITIAL_FORMS": "0", "claim-MIN_NUM_FORMS": "0", "claim-MAX_NUM_FORMS": "20",
        "claim-0-kind": "unpaid_wages", "claim-0-amount": "3000", "claim-1-kind": "deposit_refund",
        "claim-1-amount": "200", "claim-1-note": "工服押金", "claim-2-kind": "", "claim-2-amount": "",
        "applicant-2-name": "", "applicant-3-priority": "",
        "respondent_name": "某某物流公司", "respondent_credit_code": CC, "matters": "拖欠工资和押金",
        "reasons": "两人在该公司分拣货物一个月，约定月底结算，至今未付。", "consent": "on",
    }
    data.update(over)
    return data


@pytest.fixture
def market(chaoyang):
    return MarketFactory(name="太阳宫零工市场", code="tyg", district=chaoyang)


def test_two_workers_apply_online_against_one_employer_and_see_the_tracking_code_once(client, market):
    page = client.get(APPLY_URL + "?market=tyg").content.decode()
    assert "个人信息处理说明" in page and 'value="tyg" selected' in page
    response = client.post(APPLY_URL, apply_data(market="tyg"))
    assert response.status_code == 302, response.content.decode()[:2000]
    receipt = client.get(response["Location"]).content.decode()
    case = MediationCase.objects.get()
    assert case.number in receipt and case.channel == "online" and case.district == market.district
    code = receipt.split('id="tracking-code">')[1].split("<")[0]
    assert case.tracking_code_hash == hash_tracking_code(code) and case.consent_version
    assert [p.name for p in case.applicants.all()] == ["王师傅", "赵师傅"]
    assert [(c.kind, c.amount) for c in case.claims.all()] == [("unpaid_wages", Decimal("3000.00")),
                                                              ("deposit_refund", Decimal("200.00"))]
    assert code not in client.get(response["Location"]).content.decode()


def test_the_served_form_posts_untouched_rows_as_empty(client, market):
    page = client.get(APPLY_URL).content.decode()
    assert '<option value="" selected>' in page.split('name="claim-2-kind"')[1].split("</select>")[0]


def test_online_application_needs_consent_and_a_valid_applicant(client, market):
    response = client.post(APPLY_URL, apply_data(market="tyg", consent="", **{"applicant-1-id_number": "123"}))
    body = response.content.decode()
    assert response.status_code == 200 and "请阅读并同意" in body and "某某物流公司" in body
    assert not MediationCase.objects.exists()


def test_honeypot_and_a_too_fast_form_are_refused(client, market):
    assert client.post(APPLY_URL, apply_data(market="tyg", homepage="http://x")).status_code == 200
    assert client.post(APPLY_URL, apply_data(market="tyg", started=started_token())).status_code == 200
    assert not MediationCase.objects.exists()


def test_online_applications_are_rate_limited_per_ip_and_per_phone(client, market, settings):
    settings.GIGCASE_MEDIATION_RATE_IP = (1, 3600)
    assert client.post(APPLY_URL, apply_data(market="tyg")).status_code == 302
    assert client.post(APPLY_URL, apply_data(market="tyg")).status_code == 429
    settings.GIGCASE_MEDIATION_RATE_IP = (100, 3600)
    settings.GIGCASE_MEDIATION_RATE_PHONE = (1, 86400)
    other = Client(REMOTE_ADDR="10.9.9.9")
    response = other.post(APPLY_URL, apply_data(market="tyg"))
    assert response.status_code == 429 and "提交过于频繁" in response.content.decode()
    assert MediationCase.objects.count() == 1


def test_applicants_track_the_online_application_on_the_track_page(client, market, official):
    response = client.post(APPLY_URL, apply_data(market="tyg"))
    receipt = client.get(response["Location"]).content.decode()
    code = receipt.split('id="tracking-code">')[1].split("<")[0]
    case = MediationCase.objects.get()
    wrong = client.post("/track/", {"code": code, "last4": "0000"})
    assert wrong.status_code == 200 and "查询码或手机号后四位不正确" in wrong.content.decode()
    response = client.post("/track/", {"code": code, "last4": "5678"})
    assert response.status_code == 302 and response["Location"] == "/track/mediation/"
    services.mediation_accept(case=case, by=official)
    page = client.get("/track/mediation/").content.decode()
    assert case.number in page and "已受理，待安排调解" in page and "某某物流公司" in page
    assert ID not in page and "13912345678" not in page and "王师傅" not in page
    client.post("/track/leave/")
    assert client.get("/track/mediation/").status_code == 302

"""The public complaint pages: intake with its bot defences and rate limits, tracking, resubmission,
withdrawal and the satisfaction survey; and that tracking never shows anything internal."""

import io
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import reverse
from PIL import Image

from casework import services
from casework.flows import ComplaintFlow, open_process
from casework.models import Complaint, SatisfactionSurvey, hash_tracking_code
from casework.public_forms import started_token
from core.models import Attachment, Notification
from tests.casework.helpers import do_task, open_task, submit, walk_to_closed
from tests.factories import MarketFactory, Role, UserFactory

pytestmark = pytest.mark.django_db

NEW_URL = "/complaints/new/"
TRACK_URL = "/track/"


@pytest.fixture
def market(chaoyang):
    return MarketFactory(name="太阳宫零工市场", code="tyg", district=chaoyang)


@pytest.fixture
def staff(chaoyang):
    """Officers with distinctive names, so a test can prove those names never reach the public page."""
    return {
        "intake": UserFactory(username="p_intake", last_name="欧阳", first_name="受理甲", roles=[Role.INTAKE],
                              district=chaoyang),
        "official": UserFactory(username="p_official", last_name="司马", first_name="负责乙",
                                roles=[Role.DISTRICT_OFFICIAL], district=chaoyang),
        "mediator": UserFactory(username="p_mediator", last_name="诸葛", first_name="调解丙",
                                roles=[Role.MEDIATOR], district=chaoyang),
    }


def form_data(market=None, **overrides):
    data = {
        "started": started_token(time.time() - 30),
        "homepage": "",
        "market": market.code if market else "",
        "category": "wage_arrears",
        "respondent_kind": "employer",
        "respondent_name": "某某建筑劳务有限公司",
        "respondent_credit_code": "",
        "description": "在太阳宫零工市场接的活，干了三天，老板一直拖着不给工钱。",
        "occurred_on": "2026-11-20",
        "amount": "900",
        "complainant_name": "王建国",
        "complainant_phone": "13912345678",
        "consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def png_file(name="工资条.png"):
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def file_complaint(client, market, **overrides):
    response = client.post(NEW_URL, form_data(market, **overrides))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    receipt = client.get(response["Location"])
    code = re.search(r'id="tracking-code">([A-Z0-9-]+)<', receipt.content.decode()).group(1)
    return Complaint.objects.get(tracking_code_hash=hash_tracking_code(code)), code


def track(client, code, last4=""):
    return client.post(TRACK_URL, {"code": code, "last4": last4})


# ---- intake ---------------------------------------------------------------------------------------


def test_market_from_the_qr_link_is_preselected_and_its_district_named(client, market):
    response = client.get(NEW_URL, {"market": "tyg"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<option value="tyg" selected>' in html
    assert "太阳宫零工市场位于朝阳区" in html
    assert "本投诉由朝阳区人力资源和社会保障局受理和办理" in html  # consent names the recipient


def test_the_form_groups_markets_by_district_and_shows_the_full_consent_text(client, market, haidian):
    MarketFactory(name="中关村零工驿站", code="zgc", district=haidian, kind="station")
    html = client.get(NEW_URL).content.decode()
    assert '<optgroup label="朝阳区">' in html and '<optgroup label="海淀区">' in html
    for part in ("处理目的", "处理者和接收方", "保存期限", "您的权利", "个人信息保护法"):
        assert part in html


def test_a_rejected_form_keeps_everything_typed(client, market):
    response = client.post(NEW_URL, form_data(market, description="", respondent_credit_code="911101050000000001"))
    html = response.content.decode()
    assert response.status_code == 200
    assert Complaint.objects.count() == 0
    assert "提交未成功" in html
    assert 'value="王建国"' in html and 'value="13912345678"' in html
    assert 'value="某某建筑劳务有限公司"' in html and 'value="900"' in html
    assert '<option value="tyg" selected>' in html
    assert "统一社会信用代码" in response.context["form"].errors["respondent_credit_code"][0]


def test_named_complaint_needs_consent_and_a_phone(client, market):
    response = client.post(NEW_URL, form_data(market, consent=None, complainant_phone=""))
    errors = response.context["form"].errors
    assert "consent" in errors and "complainant_phone" in errors
    assert Complaint.objects.count() == 0


def test_without_a_market_the_district_is_required(client, chaoyang):
    response = client.post(NEW_URL, form_data(None))
    assert "district" in response.context["form"].errors
    response = client.post(NEW_URL, form_data(None, district=str(chaoyang.pk)))
    assert response.status_code == 302
    assert Complaint.objects.get().district == chaoyang


def test_filled_honeypot_is_refused_and_rendered_empty(client, market):
    response = client.post(NEW_URL, form_data(market, homepage="http://spam.example"))
    html = response.content.decode()
    assert response.status_code == 200
    assert Complaint.objects.count() == 0
    assert "未通过安全校验" in html
    assert 'name="homepage" id="id_homepage" value=""' in html
    assert "spam.example" not in html


def test_a_form_sent_back_within_three_seconds_is_refused(client, market):
    response = client.post(NEW_URL, form_data(market, started=started_token()))
    assert response.status_code == 200
    assert "提交过快" in response.content.decode()
    assert Complaint.objects.count() == 0


def test_a_forged_start_stamp_is_refused(client, market):
    response = client.post(NEW_URL, form_data(market, started="1700000000000"))
    assert "表单已失效" in response.content.decode()
    assert Complaint.objects.count() == 0


def test_submission_files_the_case_and_shows_the_tracking_code_once(client, market):
    data = form_data(market)
    data["files"] = [png_file()]
    response = client.post(NEW_URL, data)
    assert response.status_code == 302 and response["Location"] == reverse("public:complaint_submitted")

    page = client.get(response["Location"]).content.decode()
    code = re.search(r'id="tracking-code">([A-Z0-9-]+)<', page).group(1)
    complaint = Complaint.objects.get()
    assert complaint.tracking_code_hash == hash_tracking_code(code) and len(code.replace("-", "")) >= 12
    assert complaint.number in page
    assert "短信已排队发送" in page
    assert complaint.channel == Complaint.Channel.ONLINE and complaint.created_by is None
    assert complaint.market == market and complaint.district == market.district
    assert complaint.consent_at is not None and complaint.phone_last4 == "5678"
    assert Attachment.objects.for_object(complaint).get().is_public
    sms = Notification.objects.get(channel=Notification.Channel.SMS)
    assert code in sms.body and sms.to_address == "13912345678"

    again = client.get(reverse("public:complaint_submitted")).content.decode()
    assert code not in again and complaint.number not in again
    assert "查询码只显示一次" in again


def test_anonymous_submission_stores_no_identity_and_sends_no_sms(client, market):
    response = client.post(NEW_URL, form_data(market, anonymous="on", consent=None))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    complaint = Complaint.objects.get()
    assert complaint.anonymous and complaint.complainant_name == "" and complaint.complainant_phone == ""
    assert "不会收到短信" in page
    assert not Notification.objects.filter(channel=Notification.Channel.SMS).exists()


def test_too_many_submissions_from_one_ip_get_429_in_chinese_with_the_input_kept(client, market, settings):
    settings.GIGCASE_COMPLAINT_RATE_IP = (2, 3600)
    for phone in ("13900000001", "13900000002"):
        assert client.post(NEW_URL, form_data(market, complainant_phone=phone)).status_code == 302
    response = client.post(NEW_URL, form_data(market, complainant_phone="13900000003",
                                              description="第三次提交的内容，应当原样保留在表单里。"))
    html = response.content.decode()
    assert response.status_code == 429
    assert "提交过于频繁，请稍后再试" in html
    assert "第三次提交的内容，应当原样保留在表单里。" in html and 'value="13900000003"' in html
    assert Complaint.objects.count() == 2
    other_ip = Client(REMOTE_ADDR="10.9.9.9")
    assert other_ip.post(NEW_URL, form_data(market, complainant_phone="13900000004")).status_code == 302


def test_too_many_submissions_for_one_phone_get_429_across_ips(market, settings):
    settings.GIGCASE_COMPLAINT_RATE_PHONE = (1, 86400)
    first = Client(REMOTE_ADDR="10.0.0.1").post(NEW_URL, form_data(market))
    assert first.status_code == 302
    second = Client(REMOTE_ADDR="10.0.0.2").post(NEW_URL, form_data(market))
    assert second.status_code == 429
    assert "提交过于频繁" in second.content.decode()
    assert Complaint.objects.count() == 1


# ---- tracking -------------------------------------------------------------------------------------


def test_the_tracking_page_is_titled_for_complaints_mediation_and_wage_claims_alike(client):
    # One form finds a complaint, a mediation case or a wage claim by its code (casework.views.public.track).
    chinese = client.get(TRACK_URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<title>案件办理进度查询</title>" in chinese and "<h1>案件办理进度查询</h1>" in chinese
    assert "投诉办理进度查询" not in chinese
    english = client.get(TRACK_URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<title>Case progress</title>" in english and "<h1>Case progress</h1>" in english


def test_tracking_with_code_and_last_four_digits_shows_the_case(client, market):
    complaint, code = file_complaint(client, market)
    response = track(client, code.lower().replace("-", " "), "5678")
    assert response.status_code == 302 and response["Location"] == reverse("public:track_detail")
    html = client.get(response["Location"]).content.decode()
    assert complaint.number in html and "待受理" in html and "拖欠劳动报酬" in html
    assert "受理期限" in html


def test_wrong_digits_and_wrong_code_get_the_same_generic_message(client, market):
    _complaint, code = file_complaint(client, market)
    fresh = Client()
    wrong_digits = track(fresh, code, "0000")
    wrong_code = track(fresh, "ABCD-EFGH-JKMN-PQRS", "5678")
    message = "查询码或手机号后四位不正确，请核对后重试。"
    for response in (wrong_digits, wrong_code):
        assert response.status_code == 200
        assert message in response.content.decode()
    assert fresh.get(reverse("public:track_detail")).status_code == 302  # nothing was unlocked


def test_anonymous_case_is_tracked_by_code_alone(client, market):
    complaint, code = file_complaint(client, market, anonymous="on", consent=None)
    fresh = Client()
    response = track(fresh, code)
    assert response.status_code == 302
    assert complaint.number in fresh.get(response["Location"]).content.decode()


def test_tracking_lookups_are_rate_limited_per_ip(client, settings):
    settings.GIGCASE_TRACK_RATE_IP = (3, 600)
    for _ in range(3):
        assert track(client, "ABCD-EFGH-JKMN-PQRS", "1234").status_code == 200
    response = track(client, "ABCD-EFGH-JKMN-PQRS", "1234")
    assert response.status_code == 429
    assert "查询次数过多" in response.content.decode()


def test_tracking_page_shows_nothing_internal(client, market, staff):
    complaint, code = file_complaint(client, market)
    services.complaint_add_note(complaint=complaint, by=staff["intake"], body="内部记录：投诉人情绪激动XYZ")
    walk_to_closed(complaint, intake=staff["intake"], official=staff["official"], mediator=staff["mediator"])
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.status == Complaint.Status.CLOSED

    track(client, code, "5678")
    html = client.get(reverse("public:track_detail")).content.decode()
    assert "已办结" in html
    assert complaint.public_reply in html
    for internal in ("内部记录", "XYZ", complaint.outcome, "欧阳", "司马", "诸葛", "受理甲", "调解丙",
                     "13912345678", "p_mediator", "p_intake"):
        assert internal not in html, internal
    assert "评价办理结果" in html


def test_the_tracking_page_loads_only_the_public_columns_in_one_query(client, market, staff,
                                                                        django_assert_num_queries):
    """Data minimisation: the complainant's name and phone (encrypted), the description and the outcome are
    not even read from the database for the public page, and nothing it shows is loaded afterwards."""
    from casework.views.public import PUBLIC_FIELDS, TRACK_SESSION_KEY, PublicCase, _tracked_complaint

    complaint, code = file_complaint(client, market)
    walk_to_closed(complaint, intake=staff["intake"], official=staff["official"], mediator=staff["mediator"])
    track(client, code, "5678")
    request = RequestFactory().get("/")
    request.session = {TRACK_SESSION_KEY: client.session[TRACK_SESSION_KEY]}
    with django_assert_num_queries(1):
        loaded = _tracked_complaint(request)
        case = PublicCase.of(loaded)  # every attribute the page shows, with no deferred load
    assert case.number == complaint.number and case.district_name and case.public_reply
    deferred = loaded.get_deferred_fields()
    assert {"complainant_name", "complainant_phone", "description", "outcome", "supplement"} <= deferred
    assert not {name for name in PUBLIC_FIELDS if "__" not in name} & deferred


def test_resubmitting_material_returns_the_case_to_the_intake_queue(client, market, staff):
    complaint, code = file_complaint(client, market)
    do_task(staff["intake"], complaint, ComplaintFlow.review,
            {"decision": "request_info", "missing_items": "工资条或转账记录\n用工单位名称和地址"})
    track(client, code, "5678")
    html = client.get(reverse("public:track_detail")).content.decode()
    assert "待补正材料" in html and "工资条或转账记录" in html and "用工单位名称和地址" in html

    empty = client.post(reverse("public:complaint_resubmit"), {"supplement": ""})
    assert empty.status_code == 200 and "supplement" in empty.context["resubmit_form"].errors

    response = client.post(reverse("public:complaint_resubmit"),
                           {"supplement": "补充工资条一张，用工单位在朝阳区某路1号。", "files": [png_file("补充.png")]})
    assert response.status_code == 302
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.status == Complaint.Status.SUBMITTED
    assert "朝阳区某路1号" in complaint.supplement
    assert open_task(complaint, ComplaintFlow.review) is not None  # back in the intake queue
    page = client.get(reverse("public:track_detail")).content.decode()
    assert "补正材料已提交" in page and "待受理" in page


def test_complainant_can_withdraw_an_open_case(client, market):
    complaint, code = file_complaint(client, market)
    track(client, code, "5678")
    assert client.post(reverse("public:complaint_withdraw"), {"reason": ""}).status_code == 200
    response = client.post(reverse("public:complaint_withdraw"), {"reason": "老板已经把钱结清了。"})
    assert response.status_code == 302
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.status == Complaint.Status.WITHDRAWN
    assert open_process(complaint) is None  # its tasks left every queue
    html = client.get(reverse("public:track_detail")).content.decode()
    assert "已撤回" in html and "确认撤回" not in html


def test_actions_need_a_looked_up_case(client, market):
    complaint, _code = file_complaint(client, market)
    response = Client().post(reverse("public:complaint_withdraw"), {"reason": "试图撤回别人的投诉"})
    assert response.status_code == 302 and response["Location"] == reverse("public:track")
    assert Complaint.objects.get(pk=complaint.pk).status == Complaint.Status.SUBMITTED


# ---- survey ---------------------------------------------------------------------------------------


def _closed_case_with_survey_token(client, market, staff):
    complaint, code = file_complaint(client, market)
    walk_to_closed(complaint, intake=staff["intake"], official=staff["official"], mediator=staff["mediator"])
    sms = Notification.objects.filter(channel=Notification.Channel.SMS, body__contains="/survey/").get()
    token = re.search(r"/survey/([A-Z0-9-]+)/", sms.body).group(1)
    return Complaint.objects.get(pk=complaint.pk), code, token


def test_survey_takes_one_answer_per_case(client, market, staff):
    complaint, _code, token = _closed_case_with_survey_token(client, market, staff)
    url = reverse("public:survey", kwargs={"token": token})
    page = client.get(url).content.decode()
    assert complaint.public_reply in page and complaint.outcome not in page
    assert page.count('type="radio" name="score"') == 5

    assert client.post(url, {"comment": "没选分"}).status_code == 200
    assert client.post(url, {"score": "4", "comment": "处理及时"}).status_code == 302
    second = client.post(url, {"score": "1", "comment": "再来一次"})
    assert second.status_code == 200 and "每件投诉只能评价一次" in second.content.decode()
    assert "每件调解案件" not in second.content.decode()
    survey = SatisfactionSurvey.objects.for_object(complaint).get()
    assert (survey.score, survey.comment) == (4, "处理及时")
    assert "您的评价已提交" in client.get(url).content.decode()


def test_survey_is_reachable_from_the_tracking_page(client, market, staff):
    complaint, code, _token = _closed_case_with_survey_token(client, market, staff)
    track(client, code, "5678")
    assert client.post(reverse("public:track_survey"), {"score": "5"}).status_code == 302
    assert SatisfactionSurvey.objects.for_object(complaint).get().score == 5
    assert "您已评价本次办理" in client.get(reverse("public:track_detail")).content.decode()


def test_unknown_survey_token_is_a_chinese_404(client):
    response = client.get(reverse("public:survey", kwargs={"token": "AAAA-BBBB-CCCC-DDDD"}))
    assert response.status_code == 404
    assert "评价链接无效" in response.content.decode()


# ---- query counts ---------------------------------------------------------------------------------


def test_public_pages_run_a_bounded_number_of_queries(client, market, chaoyang, haidian,
                                                      django_assert_max_num_queries):
    for i in range(15):
        MarketFactory(code=f"x{i}", district=haidian if i % 2 else chaoyang)
    for i in range(5):
        submit(complainant_phone=f"1390000{i:04d}")
    _complaint, code = file_complaint(client, market)
    with django_assert_max_num_queries(6):
        client.get(NEW_URL, {"market": "tyg"})
    with django_assert_max_num_queries(8):
        track(client, code, "5678")
    with django_assert_max_num_queries(10):
        client.get(reverse("public:track_detail"))

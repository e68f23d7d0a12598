"""In Chromium, one labour-dispute mediation from the public application to the fulfilled agreement: two
workers apply online on a phone; ``mediator`` accepts; the district official assigns them; the mediator
schedules a session, records the minutes, drafts the agreement, records the signatures and seal (effective),
and marks the obligations fulfilled. The 调解协议书 PDF embeds the CJK font and names parties and amounts."""

import re
import subprocess
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework.flows import MediationFlow, open_mediation_process
from casework.models import MediationCase
from core.validators import credit_code_check_char, resident_id_check_digit
from tests.e2e.conftest import VISIBLE_TEXT_JS
from tests.e2e.test_complaint_journey import _fits_phone, staff, staff_page  # noqa: F401  (fixtures)
from tests.factories import MarketFactory
from tests.test_i18n import english_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ID1 = "11010519900307123" + resident_id_check_digit("11010519900307123")
ID2 = "11010519880512234" + resident_id_check_digit("11010519880512234")
CC = "91110105MA01ABCD1" + credit_code_check_char("91110105MA01ABCD1")


@pytest.fixture
def market(chaoyang):
    return MarketFactory(name="朝阳区十里堡零工市场", code="cy-slb", district=chaoyang)


def _claim_task(page, base, case, node, title):
    """Open the case's ``node`` task as this user: the task page offers 领取并继续, then its form."""
    process = open_mediation_process(case)
    task = process.task_set.get(flow_task=node, status="NEW")
    page.goto(f"{base}{node.reverse('assign', args=[process.pk, task.pk])}")
    page.get_by_role("button", name="领取并继续").click()
    page.wait_for_url(re.compile(r"/execute/"))
    expect(page.locator(".vf-card__title").first).to_have_text(title)


def test_mediation_from_online_application_to_fulfilled_agreement(live_server, phone_page, staff_page, staff,
                                                                 market, tmp_path):
    base, phone = live_server.url, phone_page

    # 1. Two workers apply on a phone against one employer, with two claims.
    phone.goto(f"{base}/mediation/apply/?market={market.code}")
    served_at = time.monotonic()
    phone.fill("input[name=applicant-0-name]", "王建国")
    phone.fill("input[name=applicant-0-id_number]", ID1)
    phone.fill("input[name=applicant-0-phone]", "13912345678")
    phone.fill("input[name=applicant-1-name]", "赵小军")
    phone.fill("input[name=applicant-1-id_number]", ID2)
    phone.fill("input[name=applicant-1-phone]", "13812345678")
    phone.fill("input[name=respondent_name]", "北京速达物流有限公司")
    phone.fill("input[name=respondent_credit_code]", CC)
    phone.select_option("select[name=claim-0-kind]", "unpaid_wages")
    phone.fill("input[name=claim-0-amount]", "6400")
    phone.select_option("select[name=claim-1-kind]", "deposit_refund")
    phone.fill("input[name=claim-1-amount]", "300")
    phone.fill("textarea[name=matters]", "拖欠工资和工服押金")
    phone.fill("textarea[name=reasons]", "两人在该公司分拣货物一个月，约定月底结算，至今未付工资，押金也未退还。")
    phone.get_by_label("我已阅读并同意上述个人信息处理说明").check()
    _fits_phone(phone)
    assert set(english_on(phone.evaluate(VISIBLE_TEXT_JS))) == set(), phone.url
    time.sleep(max(0.0, 3.2 - (time.monotonic() - served_at)))
    phone.get_by_role("button", name="提交调解申请").click()
    phone.wait_for_url(re.compile(r"/mediation/submitted/"))
    number = phone.locator("#case-number").inner_text().strip()
    assert len(phone.locator("#tracking-code").inner_text().strip()) >= 12
    case = MediationCase.objects.get(number=number)
    assert case.channel == "online" and case.applicants.count() == 2 and case.district == market.district

    # 2. The mediator accepts; the district official assigns the mediator.
    mediator = staff_page("mediator", base)
    _claim_task(mediator, base, case, MediationFlow.review, "受理审查")
    mediator.get_by_label("受理", exact=True).check()
    mediator.get_by_role("button", name="提交").click()
    expect(mediator.get_by_text("已办理：受理审查")).to_be_visible()
    district = staff_page("district", base)
    _claim_task(district, base, case, MediationFlow.assign, "指派调解员")
    district.select_option("select[name=mediator]", str(staff["mediator"].pk))
    district.get_by_role("button", name="提交").click()
    expect(district.get_by_text("已办理：指派调解员")).to_be_visible()
    case.refresh_from_db()
    assert case.status == MediationCase.Status.MEDIATOR_ASSIGNED and case.mediator == staff["mediator"]

    # 3. The mediator schedules a session and records the minutes.
    mediator.goto(f"{base}{case.get_absolute_url()}")
    when = timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT10:00")
    mediator.fill("input[name=scheduled_at]", when)
    mediator.fill("input[name=place]", "十里堡零工市场调解室")
    mediator.get_by_role("button", name="安排调解").click()
    expect(mediator.locator(".gc-messages")).to_contain_text("已安排调解，调解通知已发送。")
    mediator.fill("textarea[name=minutes]", "双方到场。被申请人认可欠付工资6400元及押金300元，同意分两笔支付。")
    mediator.get_by_role("button", name="保存笔录").click()
    expect(mediator.locator(".gc-messages")).to_contain_text("已保存调解笔录。")
    case.refresh_from_db()
    assert case.status == MediationCase.Status.IN_MEDIATION
    assert case.sessions.get().minutes.startswith("双方到场")

    # 4. The agreement: drafted, signed by both parties and the mediator, sealed, effective.
    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    mediator.fill("textarea[name=facts]", "申请人二人于被申请人处从事分拣工作，被申请人确认欠付工资及押金。")
    mediator.fill("textarea[name=obligations]",
                  f"被申请人支付申请人工资|6400.00|{due}|银行转账\n被申请人退还工服押金|300.00|{due}|现金")
    mediator.get_by_role("button", name="保存协议草稿").click()
    expect(mediator.locator(".gc-messages")).to_contain_text("已保存调解协议草稿。")
    for name in ("applicant", "respondent", "mediator", "seal"):  # 申请人、被申请人、调解员签名，调解组织印章
        mediator.locator(f"input[type=checkbox][name={name}]").check()
    mediator.get_by_role("button", name="记录并使协议生效").click()
    expect(mediator.locator(".gc-messages")).to_contain_text("已记录签名。")
    case.refresh_from_db()
    assert case.status == MediationCase.Status.AGREEMENT_SIGNED

    # 5. The obligations are performed: each marked; the case closes.
    buttons = mediator.get_by_role("button", name="登记已履行")
    for left in (1, 0):
        buttons.first.click()
        expect(buttons).to_have_count(left)  # the page came back with one obligation fewer to mark
        expect(mediator.locator(".gc-messages")).to_contain_text("已登记履行。")
    case.refresh_from_db()
    assert case.status == MediationCase.Status.CLOSED and case.fulfilment_checked_at is not None

    # 6. The 调解协议书 (rendered eagerly) downloads with the CJK font embedded, parties and amounts in it.
    mediator.reload()

    def download(title, name):
        row = mediator.locator("tr.gc-document", has_text=title)
        expect(row).to_contain_text("下载")
        with mediator.expect_download() as download_info:
            row.get_by_role("link", name="下载").click()
        pdf = tmp_path / name
        download_info.value.save_as(pdf)
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line]
        assert cjk and all(line.split()[-5] == "yes" for line in cjk), fonts
        return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout

    text = download("调解协议书", "agreement.pdf")
    for expected in (number, "王建国", "赵小军", "北京速达物流有限公司", "6400.00", "300.00"):
        assert expected in text, expected
    # The session notice (issued when the session was scheduled) names the place for both parties.
    text = download("调解通知书", "notice.pdf")
    for expected in (number, "王建国", "北京速达物流有限公司", "十里堡零工市场调解室"):
        assert expected in text, expected

    # 7. The case file: parties (masked), amounts, signatures, the timeline.
    mediator.get_by_role("button", name="生成案卷").click()
    expect(mediator.locator(".gc-messages")).to_contain_text("案卷正在生成")
    text = download("调解案卷", "dossier.pdf")
    for expected in ("劳动争议调解案卷", number, "王**", "北京速达物流有限公司", "6400.00", "300.00", "调解员签名",
                     "调解协议生效"):
        assert expected in text, expected
    assert "王建国" not in text


def test_counter_intake_adds_rows_and_enter_in_a_text_field_registers(live_server, staff_page, staff, chaoyang):
    """At the counter the intake officer adds rows for a third applicant (增加空行 keeps what was typed), then
    presses Enter in a text field: the application is registered (Enter used to click 增加空行, the form's
    first submit button, and only add rows)."""
    base = live_server.url
    intake = staff_page("intake", base)
    intake.goto(f"{base}/staff/mediation/intake/")
    intake.select_option("select[name=channel]", "counter")
    intake.select_option("select[name=district]", str(chaoyang.pk))
    intake.fill("input[name=applicant-0-name]", "王建国")
    intake.fill("input[name=applicant-0-id_number]", ID1)
    applicant_rows = intake.locator("#applicants tbody tr")
    expect(applicant_rows).to_have_count(3)
    intake.locator("#applicants").get_by_role("button", name="增加空行").click()
    expect(applicant_rows).to_have_count(4)  # the typed row and three empty ones
    expect(intake.locator("input[name=applicant-0-name]")).to_have_value("王建国")
    expect(intake.locator(".gc-messages[role=alert]")).to_have_count(0)  # nothing flagged yet
    intake.fill("input[name=applicant-1-name]", "赵小军")
    intake.fill("input[name=applicant-1-id_number]", ID2)
    intake.select_option("select[name=claim-0-kind]", "unpaid_wages")
    intake.fill("input[name=claim-0-amount]", "6400")
    intake.fill("textarea[name=matters]", "拖欠工资")
    intake.fill("textarea[name=reasons]", "两人在该公司分拣货物一个月，至今未付工资。")
    intake.fill("input[name=respondent_name]", "北京速达物流有限公司")
    intake.locator("input[name=respondent_name]").press("Enter")
    intake.wait_for_url(re.compile(r"/staff/mediation/cases/TJ-"))
    case = MediationCase.objects.get()
    assert case.channel == "counter" and case.respondent_name == "北京速达物流有限公司"
    assert sorted(case.applicants.values_list("name", flat=True)) == ["王建国", "赵小军"]
    assert list(case.claims.values_list("amount", flat=True)) == [6400]

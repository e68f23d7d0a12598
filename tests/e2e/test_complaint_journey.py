"""In Chromium, one complaint from a market's notice board to its case file: a gig worker files it on a phone
and tracks it; the intake officer accepts it, the district official assigns it, the mediator resolves it; the
complainant sees the reply on the tracking page and answers the survey; the case file PDF downloads with the
Chinese font embedded."""

import re
import subprocess
import time

import pytest
from playwright.sync_api import expect

from casework.models import Complaint, SatisfactionSurvey
from tests.e2e.conftest import CHINESE, VISIBLE_TEXT_JS
from tests.factories import MarketFactory, Role, UserFactory
from tests.test_i18n import english_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "13912345678"
REPLY = "经调查，用工单位已于本周补发拖欠的工资2400元，请注意查收。"


@pytest.fixture
def staff(chaoyang):
    return {
        "intake": UserFactory(username="intake", last_name="李", first_name="受理", roles=[Role.INTAKE],
                              district=chaoyang),
        "district": UserFactory(username="district", last_name="王", first_name="区长",
                                roles=[Role.DISTRICT_OFFICIAL], district=chaoyang),
        "mediator": UserFactory(username="mediator", last_name="赵", first_name="调解", roles=[Role.MEDIATOR],
                                district=chaoyang),
    }


@pytest.fixture
def market(chaoyang):
    return MarketFactory(name="朝阳区太阳宫零工市场", code="cy-tyg", district=chaoyang)


@pytest.fixture
def staff_page(browser):
    """staff_page("intake") is a desktop browser logged in as that user (its own cookies)."""
    contexts = []

    def open_as(username, base_url):
        context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True, **CHINESE)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{base_url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "pass-word-123")
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/staff/"))
        page.wait_for_load_state("networkidle")  # the staff home's chart and catalogue requests are done
        return page

    yield open_as
    for context in contexts:
        context.close()


def _fits_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


FILE_FORMATS = {"PDF", "JPG", "PNG"}  # named as such in Chinese text too ("PDF、JPG、PNG 或 Word")


def _chinese_only(page):
    """No English interface string (viewflow's and django-filter's catalogue) is left on the page."""
    assert set(english_on(page.evaluate(VISIBLE_TEXT_JS))) - FILE_FORMATS == set(), page.url


def _open_task(page, base_url, number, title):
    """From the case page, claim the open task ``title`` (领取并继续) and arrive on its form."""
    page.goto(f"{base_url}/staff/complaint/cases/{number}/")
    current = page.locator(".gc-card", has=page.get_by_role("heading", name="当前待办"))
    expect(current).to_contain_text(title)
    current.get_by_role("link", name="领取").click()
    page.get_by_role("button", name="领取并继续").click()
    page.wait_for_url(re.compile(r"/execute/"))
    expect(page.locator(".vf-card__title").first).to_have_text(title)


def test_complaint_from_market_page_to_case_file_pdf(live_server, phone_page, staff_page, staff, market,
                                                     screenshot, tmp_path):
    base, phone = live_server.url, phone_page

    # 1. A gig worker at the market opens its page from the poster and files a complaint on the phone.
    phone.goto(f"{base}/markets/{market.code}/")
    phone.get_by_role("link", name="在线投诉").click()
    phone.wait_for_url(re.compile(r"/complaints/new/\?market=cy-tyg"))
    served_at = time.monotonic()
    expect(phone.locator("select[name=market]")).to_have_value(market.code)
    expect(phone.locator("main")).to_contain_text("本投诉由朝阳区人力资源和社会保障局办理")
    phone.select_option("select[name=category]", Complaint.Category.WAGE_ARREARS)
    phone.fill("textarea[name=description]", "2026年3月在太阳宫零工市场接到装修搬运零活，干了6天，老板至今未付工钱2400元。")
    phone.fill("input[name=amount]", "2400")
    phone.select_option("select[name=respondent_kind]", Complaint.RespondentKind.EMPLOYER)
    phone.fill("input[name=respondent_name]", "北京某某装饰工程有限公司")
    phone.fill("input[name=complainant_name]", "张三")
    phone.fill("input[name=complainant_phone]", PHONE)
    phone.get_by_label("我已阅读并同意上述个人信息处理说明").check()
    # The honeypot is off screen (people leave it empty; bots fill it).
    expect(phone.locator("#id_homepage")).not_to_be_in_viewport()
    expect(phone.locator("#id_homepage")).to_have_value("")
    _fits_phone(phone)
    _chinese_only(phone)
    screenshot(phone, "public-complaint", full_page=True)
    # The form refuses answers sent sooner than 3 s after it was served (bots); a person is slower.
    time.sleep(max(0.0, 3.2 - (time.monotonic() - served_at)))
    phone.get_by_role("button", name="提交投诉").click()

    phone.wait_for_url(re.compile(r"/complaints/submitted/"))
    expect(phone.get_by_role("heading", name="投诉已提交")).to_be_visible()
    number = phone.locator(".gc-facts dd strong").first.inner_text().strip()
    code = phone.locator("#tracking-code").inner_text().strip()
    complaint = Complaint.objects.get(number=number)
    assert complaint.market == market and complaint.status == Complaint.Status.SUBMITTED
    assert len(code) >= 12
    _fits_phone(phone)

    # 2. Tracking with the code and the phone's last four digits.
    phone.get_by_role("link", name="查询办理进度").click()
    phone.fill("input[name=code]", code)
    phone.fill("input[name=last4]", PHONE[-4:])
    phone.get_by_role("button", name="查询").click()
    phone.wait_for_url(re.compile(r"/track/case/"))
    expect(phone.locator("#case-status")).to_have_text("待受理")
    expect(phone.locator("main")).to_contain_text(number)
    _fits_phone(phone)
    _chinese_only(phone)
    screenshot(phone, "public-tracking", full_page=True)

    # 3. The intake officer finds it in the district's queue and accepts it.
    intake = staff_page("intake", base)
    intake.goto(f"{base}/staff/complaint/queue/")
    expect(intake.locator("table")).to_contain_text(number)
    _open_task(intake, base, number, "受理审查")
    expect(intake.locator(".gc-summary")).to_contain_text("北京某某装饰工程有限公司")
    _chinese_only(intake)
    screenshot(intake, "staff-task", full_page=True)
    intake.get_by_label("受理", exact=True).check()
    intake.get_by_role("button", name="提交").click()
    expect(intake.get_by_text("已办理：受理审查")).to_be_visible()
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ACCEPTED
    assert complaint.responsible == staff["intake"]  # 首问负责

    # 4. The district official assigns it to the mediator.
    district = staff_page("district", base)
    _open_task(district, base, number, "分派承办人")
    district.select_option("select[name=assignee]", str(staff["mediator"].pk))
    district.get_by_role("button", name="提交").click()
    expect(district.get_by_text("已办理：分派承办人")).to_be_visible()
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ASSIGNED and complaint.assignee == staff["mediator"]

    # 5. The mediator opens the task from the inbox, starts the investigation and resolves the complaint.
    mediator = staff_page("mediator", base)
    mediator.goto(f"{base}/staff/complaint/inbox/")
    row = mediator.locator("tr", has_text=number)
    expect(row).to_contain_text("调查处理")
    row.locator("a[href*='/investigate/']").click()  # the task, already assigned to them
    mediator.get_by_role("button", name="开始调查").click()
    expect(mediator.get_by_text("已开始调查处理。")).to_be_visible()
    mediator.get_by_label("办理完毕，答复投诉人").check()
    mediator.get_by_label("处理结果（内部记录）").fill("电话联系用工单位负责人，约谈后单位当场承诺补发。")
    mediator.get_by_label("答复意见（投诉人可见）").fill(REPLY)
    mediator.get_by_role("button", name="提交").click()
    expect(mediator.get_by_text("已办理：调查处理")).to_be_visible()
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED

    # 6. The complainant sees the reply and the closed status, and answers the survey.
    phone.reload()
    expect(phone.locator("#case-status")).to_have_text("已办结")
    expect(phone.locator("#public-reply")).to_contain_text(REPLY)
    assert "电话联系用工单位负责人" not in phone.content()  # the internal outcome stays internal
    phone.get_by_role("link", name="评价办理结果").click()
    expect(phone.locator("#public-reply")).to_contain_text(REPLY)
    phone.get_by_label("非常满意").check()
    phone.get_by_label("意见建议").fill("处理很及时，谢谢！")
    _fits_phone(phone)
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.get_by_role("status")).to_contain_text("您的评价已提交，感谢您的参与！")
    survey = SatisfactionSurvey.objects.for_object(complaint).get()
    assert (survey.score, survey.comment) == (5, "处理很及时，谢谢！")
    phone.goto(f"{base}/track/case/")
    expect(phone.locator("main")).to_contain_text("您已评价本次办理")

    # 7. The district official generates the case file (Celery runs eagerly) and downloads the PDF.
    district.goto(f"{base}/staff/complaint/cases/{number}/")
    district.get_by_role("button", name="生成案卷PDF").click()
    expect(district.get_by_text("案卷正在生成")).to_be_visible()
    district.reload()
    documents = district.locator(".gc-card", has=district.get_by_role("heading", name="文书"))
    dossier_row = documents.locator("tr", has_text="案卷")
    expect(dossier_row).to_contain_text("已生成")
    _chinese_only(district)
    screenshot(district, "staff-case", full_page=True)
    with district.expect_download() as download_info:
        dossier_row.get_by_role("link", name="下载").click()
    pdf = tmp_path / "dossier.pdf"
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line]
    assert cjk, fonts
    # pdffonts columns: name type encoding emb sub uni object-id; "emb" is the 4th from the right.
    assert all(line.split()[-5] == "yes" for line in cjk), fonts
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert number in text
    assert "拖欠劳动报酬" in text

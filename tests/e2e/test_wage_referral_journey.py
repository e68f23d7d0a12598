"""In Chromium, a verified wage claim referred to legal aid: the officer drafts the referral from the claim page
with the minimum fields, sending is refused until the worker's consent is recorded, the district official
approves, the officer records the consent and sends; ``partner`` logs in, sees only that referral and only its
packet, accepts it and reports the recovered amount; the officer confirms it and closes the claim; the claim's
case file PDF shows the referral timeline with the CJK font embedded."""

import re
import subprocess
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Organization
from casework.models import Referral
from tests.casework.referral_helpers import ID1, verified_claim
from tests.e2e.conftest import VISIBLE_TEXT_JS
from tests.e2e.test_complaint_journey import staff, staff_page  # noqa: F401,F811  (fixtures)
from tests.factories import OrganizationFactory, Role, UserFactory
from tests.test_i18n import english_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def aid():
    return OrganizationFactory(name="北京市朝阳区法律援助中心", kind=Organization.Kind.LEGAL_AID, district=None)


@pytest.fixture
def partner_user(aid):
    return UserFactory(username="partner", last_name="周", first_name="敏", roles=[Role.LEGAL_AID], district=None,
                       organization=aid)


# Sending, accepting and reporting render a PDF on commit (Celery runs eagerly under the live server): the next
# page can take several seconds, hence the longer waits on those steps.


def _messages(page):
    return page.locator(".gc-messages")


def test_claim_referred_with_consent_accepted_and_reported_by_partner(live_server, staff_page, staff, aid,  # noqa: F811
                                                                    partner_user, tmp_path):
    base = live_server.url
    official = staff["district"]
    claim = verified_claim(by=official)
    other_claim = verified_claim(by=official, description="另一件线索：不应被接收单位看到。")

    # 1. The officer drafts a referral from the claim page: minimum fields are ticked by default.
    officer = staff_page("intake", base)
    officer.goto(f"{base}{claim.get_absolute_url()}")
    section = officer.locator("#claim-referrals")
    expect(section).to_contain_text("尚未移送")
    section.get_by_role("link", name="起草移送").click()
    officer.wait_for_url(re.compile(r"/staff/referral/new/"))
    officer.select_option("select[name=kind]", "legal_aid")
    officer.select_option("select[name=target]", str(aid.pk))
    officer.fill("textarea[name=summary]", "三名木工被拖欠两个月工资，申请法律援助。")
    for value in ("employer", "facts", "amounts", "worker_name", "worker_phone"):
        expect(officer.locator(f"input[name=packet_fields][value={value}]")).to_be_checked()
    expect(officer.locator("input[name=packet_fields][value=worker_id_number]")).not_to_be_checked()
    # Only 王建国 goes to the partner.
    for worker in claim.workers.exclude(name="王建国"):
        officer.locator(f"input[name=workers][value='{worker.pk}']").uncheck()
    assert set(english_on(officer.evaluate(VISIBLE_TEXT_JS))) == set(), officer.url
    officer.get_by_role("button", name="保存移送草稿").click()
    expect(_messages(officer)).to_contain_text("已起草移送")
    referral = claim.referrals.get()

    # 2. Sending without approval and consent is refused with the reason; nothing is lost.
    officer.get_by_role("button", name="发出移送").click()
    expect(_messages(officer)).to_contain_text("须经区级负责人批准")
    district = staff_page("district", base)
    district.goto(f"{base}{referral.get_absolute_url()}")
    district.get_by_role("button", name="批准移送").click()
    expect(_messages(district)).to_contain_text("已批准移送")
    officer.reload()
    officer.get_by_role("button", name="发出移送").click()
    expect(_messages(officer)).to_contain_text("王建国")
    expect(_messages(officer)).to_contain_text("第二十三条")
    assert Referral.objects.get(pk=referral.pk).status == "drafted"

    # 3. The worker's verbal consent is recorded; the referral is sent.
    wang = claim.workers.get(name="王建国")
    expect(officer.locator("select[name=worker]")).to_have_value(str(wang.pk))
    officer.select_option("select[name=method]", "verbal")
    officer.fill("input[name=given_at]", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    officer.fill("textarea[name=note]", "在窗口当面告知将向朝阳区法律援助中心提供姓名、电话和欠薪金额，本人同意。")
    officer.get_by_role("button", name="记录同意").click()
    expect(_messages(officer)).to_contain_text("已记录王建国的同意")
    officer.get_by_role("button", name="发出移送").click()
    expect(_messages(officer)).to_contain_text("移送已发出", timeout=30_000)
    referral.refresh_from_db()
    assert referral.status == "sent"

    # 4. ``partner`` logs in and sees only that referral, only its packet.
    partner = staff_page("partner", base)
    expect(partner).to_have_url(re.compile(r"/staff/partner/"))
    listing = partner.locator("#partner-referrals")
    expect(listing).to_contain_text(referral.number)
    expect(listing.locator("tbody tr")).to_have_count(1)
    listing.get_by_role("link", name=referral.number).click()
    body = partner.locator("body")
    expect(body).to_contain_text("王建国")
    expect(body).to_contain_text("13912345678")
    for secret in ("赵小军", "孙秘密", ID1, other_claim.number, claim.number, "另一件线索"):
        expect(body).not_to_contain_text(secret)
    assert set(english_on(partner.evaluate(VISIBLE_TEXT_JS))) == set(), partner.url
    assert partner.goto(f"{base}{claim.get_absolute_url()}").status in (403, 404)
    partner.go_back()

    # 5. The partner accepts and reports the recovered amount.
    partner.fill("input[name=partner_case_number]", "朝法援〔2026〕88号")
    partner.get_by_role("button", name="接收").click()
    expect(_messages(partner)).to_contain_text("已接收", timeout=30_000)
    partner.fill("input[name=recovered_amount]", "6400.50")
    partner.select_option("select[name=case_stage]", "negotiation")
    partner.select_option("select[name=closing_reason]", "fully_recovered")
    partner.fill("textarea[name=note]", "经律师函催告，用工单位全额支付。")
    partner.get_by_role("button", name="提交结果").click()
    expect(_messages(partner)).to_contain_text("已报告办理结果", timeout=30_000)
    referral.refresh_from_db()
    assert referral.status == "outcome_reported" and referral.recovered_amount == Decimal("6400.50")

    # 6. The officer confirms the referral; the partner's access ends at once.
    officer.goto(f"{base}{referral.get_absolute_url()}")
    expect(officer.locator("#recovered-amount")).to_have_text("6400.50")
    officer.get_by_role("button", name="确认办结").click()
    expect(_messages(officer)).to_contain_text("已确认办结", timeout=30_000)
    assert partner.goto(f"{base}{referral.get_partner_url()}").status == 403

    # 7. The district official closes the claim with the money recovered through the referral, and the
    #    claim's case file (案卷) shows the referral timeline.
    district.goto(f"{base}{claim.get_absolute_url()}")
    district.locator("li", has_text="结案").get_by_role("link", name="办理").click()
    district.wait_for_url(re.compile(r"/assign/"))
    district.get_by_role("button", name="领取并继续").click()
    district.wait_for_url(re.compile(r"/execute/"))
    district.select_option("select[name=outcome]", "partly_recovered")
    district.fill(f"input[name=paid_{wang.pk}]", "6400.50")
    district.get_by_role("button", name="提交").click()
    expect(district.get_by_text("已办理")).to_be_visible(timeout=30_000)
    claim.refresh_from_db()
    assert claim.status == "closed"
    district.goto(f"{base}{claim.get_absolute_url()}")
    expect(district.locator("#claim-referrals")).to_contain_text(referral.number)
    district.get_by_role("button", name="生成案卷").click()
    expect(_messages(district)).to_contain_text("案卷正在生成", timeout=30_000)
    district.reload()
    row = district.locator("li", has_text="欠薪线索案卷")
    expect(row).to_contain_text("下载")
    with district.expect_download() as download_info:
        row.get_by_role("link", name="下载").click()
    pdf = tmp_path / "case_file.pdf"
    download_info.value.save_as(pdf)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line]
    assert cjk and all(line.split()[-5] == "yes" for line in cjk), fonts
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                             check=True).stdout)
    for expected in ("移送记录", referral.number, "北京市朝阳区法律援助中心", "发出移送", "接收", "报告办理结果",
                     "确认办结", "6400.50"):
        assert expected in text, expected

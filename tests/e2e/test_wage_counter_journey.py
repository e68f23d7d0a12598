"""In Chromium, one wage claim at the counter: ``intake`` registers two workers of one employer (exact amounts,
an employment that ended eleven months ago), sees the arbitration-limit warning, takes up and verifies the
claim through its task; ``mediator`` coordinates and records what each worker received; ``district`` closes
it as fully recovered. The claim page shows the totals at every step."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework.flows import WageClaimFlow, open_wageclaim_process
from casework.models import WageClaim
from tests.casework.wage_helpers import CC, ID, ID_B
from tests.e2e.test_complaint_journey import staff, staff_page  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _take_task(page, base, claim, node):
    process = open_wageclaim_process(claim)
    task = process.task_set.get(flow_task=node, status="NEW")
    page.goto(f"{base}{node.reverse('assign', args=[process.pk, task.pk])}")
    page.get_by_role("button", name="领取并继续").click()
    page.wait_for_url(re.compile(r"/execute/"))


def test_counter_claim_with_two_workers_verified_settled_and_closed(live_server, staff_page, staff):
    base = live_server.url
    intake = staff_page("intake", base)

    # 1. Counter registration with two workers.
    intake.goto(f"{base}/staff/wageclaim/intake/")
    intake.fill("input[name=employer_name]", "北京宏远建筑劳务有限公司")
    intake.fill("input[name=employer_credit_code]", CC)
    intake.fill("input[name=work_place]", "望京某住宅项目工地")
    ended = timezone.localdate() - timedelta(days=335)
    intake.fill("input[name=employment_ended_on]", ended.isoformat())
    intake.fill("textarea[name=description]", "完工后拖欠两个月工资，多次催要未果。")
    intake.fill("input[name=workers-0-name]", "王建国")
    intake.fill("input[name=workers-0-id_number]", ID)
    intake.fill("input[name=workers-0-phone]", "13912345678")
    intake.fill("input[name=workers-0-amount_owed]", "4800.10")
    intake.fill("input[name=workers-1-name]", "赵小军")
    intake.fill("input[name=workers-1-id_number]", ID_B)
    intake.fill("input[name=workers-1-amount_owed]", "3650.25")
    intake.get_by_role("button", name="登记").click()
    intake.wait_for_url(re.compile(r"/staff/wageclaim/claims/QX-"))
    claim = WageClaim.objects.get()
    expect(intake.locator(".gc-limitation--near")).to_contain_text("仲裁时效将于")
    expect(intake.locator(".gc-workers")).to_contain_text("8450.35")
    expect(intake.locator(".gc-workers")).to_contain_text("王**")
    assert "13912345678" not in intake.content()

    # 2. The intake officer takes the claim up and records the finding.
    _take_task(intake, base, claim, WageClaimFlow.verify)
    with intake.expect_navigation():
        intake.get_by_role("button", name="开始核实").click()
    intake.get_by_label("欠薪情况属实").check()
    intake.fill("textarea[name=note]", "核对考勤表和微信聊天记录，欠薪属实。")
    with intake.expect_navigation():
        intake.get_by_role("button", name="提交").click()
    expect(intake.get_by_text("已办理：核实")).to_be_visible()
    claim.refresh_from_db()
    assert claim.status == "verified"

    # 3. The mediator coordinates at the market and records what each worker received.
    mediator = staff_page("mediator", base)
    mediator.goto(f"{base}{claim.get_absolute_url()}")
    mediator.fill("input[name=place]", "朝阳零工市场调解室")
    mediator.get_by_role("button", name="开始协调").click()
    expect(mediator.locator(".gc-messages")).to_contain_text("已开始协调处理")
    workers = list(claim.workers.all())
    mediator.fill(f"input[name=paid_{workers[0].pk}]", "4800.10")
    mediator.fill(f"input[name=paid_{workers[1].pk}]", "3650.25")
    mediator.get_by_role("button", name="确认支付").click()
    expect(mediator.locator(".gc-messages")).to_contain_text("已登记支付情况")
    claim.refresh_from_db()
    assert claim.status == "settled" and str(claim.total_paid) == "8450.35"

    # 4. The district official closes it.
    district = staff_page("district", base)
    _take_task(district, base, claim, WageClaimFlow.close)
    district.select_option("select[name=outcome]", "fully_recovered")
    with district.expect_navigation():
        district.get_by_role("button", name="提交").click()
    expect(district.get_by_text("已办理：结案")).to_be_visible()
    claim.refresh_from_db()
    assert claim.status == "closed" and claim.outcome == "fully_recovered"
    district.goto(f"{base}{claim.get_absolute_url()}")
    expect(district.locator("h1")).to_contain_text("全额追回")
    assert district.locator(".gc-limitation--near").count() == 0  # a closed claim no longer warns

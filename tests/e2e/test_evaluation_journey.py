"""In Chromium, one operator evaluation from the draft to the operator's exit: the district official creates
the evaluation of a service contract and sends it to the operator; the operator's staff submit the
self-assessment with evidence files; the district official scores it (it fails), a second district official
reviews it (four-eyes rule: the scorer may not); the bureau official approves the fail. The contract shows
terminated, and the evaluation report PDF downloaded from the page embeds the Chinese font."""

import re
import subprocess

import pytest
from playwright.sync_api import expect

from evaluations.models import Evaluation
from tests.core.filesamples import PDF_BYTES
from tests.e2e.conftest import CHINESE, VISIBLE_TEXT_JS
from tests.evaluations.helpers import make_contract
from tests.factories import MarketFactory, OperatorFactory, Role, UserFactory
from tests.test_i18n import english_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILE_FORMATS = {"PDF", "JPG", "PNG"}


@pytest.fixture
def rubric(transactional_db):
    """The default rubric comes from a data migration; an earlier browser test's flush removed it."""
    import importlib

    from django.apps import apps

    from evaluations.models import Rubric

    if not Rubric.objects.exists():
        importlib.import_module("evaluations.migrations.0002_default_rubric").create(apps, None)


@pytest.fixture
def people(chaoyang, rubric):
    operator = OperatorFactory(name="北京京才汇人力资源服务有限公司")
    market = MarketFactory(name="太阳宫零工驿站", code="cy-tyg", district=chaoyang, operator=operator)
    contract = make_contract(operator, [market])
    users = {
        "operator": UserFactory(username="operator", last_name="吴", first_name="刚", roles=[Role.OPERATOR],
                                district=None, organization=operator.organization),
        "district": UserFactory(username="district", last_name="刘", first_name="洋",
                                roles=[Role.DISTRICT_OFFICIAL], district=chaoyang),
        "district2": UserFactory(username="district2", last_name="郑", first_name="明",
                                 roles=[Role.DISTRICT_OFFICIAL], district=chaoyang),
        "bureau": UserFactory(username="bureau", last_name="杨", first_name="帆", roles=[Role.BUREAU_OFFICIAL],
                              district=None),
    }
    return {"contract": contract, "market": market, **users}


@pytest.fixture
def page_as(browser):
    """page_as("district", base_url) is a desktop browser logged in as that user (its own cookies)."""
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
        page.wait_for_load_state("networkidle")
        return page

    yield open_as
    for context in contexts:
        context.close()


def _chinese_only(page):
    assert set(english_on(page.evaluate(VISIBLE_TEXT_JS))) - FILE_FORMATS == set(), page.url


def _claim(page, base, evaluation, title):
    """From the evaluation page, claim the open task ``title`` (领取并继续) and arrive on its form."""
    page.goto(base + evaluation.get_absolute_url())
    current = page.locator(".gc-card", has=page.get_by_role("heading", name="当前待办"))
    expect(current).to_contain_text(title)
    current.get_by_role("link", name="领取").click()
    page.get_by_role("button", name="领取并继续").click()
    page.wait_for_url(re.compile(r"/execute/"))


def test_operator_self_assessment_to_bureau_approved_exit(live_server, page_as, people, screenshot, tmp_path):
    base, contract = live_server.url, people["contract"]

    # 1. The district official creates the evaluation of the contract for the first half of 2026 and opens it.
    district = page_as("district", base)
    district.goto(f"{base}/staff/evaluation/evaluations/new/")
    district.select_option("select[name=contract]", str(contract.pk))
    district.fill("input[name=period_start]", "2026-01-01")
    district.fill("input[name=period_end]", "2026-06-30")
    district.get_by_role("button", name="创建评价").click()
    expect(district.get_by_text("已创建评价")).to_be_visible()
    evaluation = Evaluation.objects.get(contract=contract)
    district.get_by_role("button", name="发起自评").click()
    expect(district.get_by_text("已发起自评，等待运营机构提交。")).to_be_visible()
    _chinese_only(district)

    # 2. The operator's staff find it in their list and submit the self-assessment with evidence files.
    operator = page_as("operator", base)
    operator.goto(f"{base}/staff/evaluation/evaluations/")
    operator.get_by_role("link", name=evaluation.number).click()
    operator.get_by_role("link", name="填写并提交自评").click()
    operator.get_by_label("评价期间服务人次").fill("1200")
    operator.get_by_label("自评报告").fill("上半年共服务零工人员和用工主体1200人次，举办对接活动12场。")
    evidence = tmp_path / "培训签到表.pdf"
    evidence.write_bytes(PDF_BYTES)
    for name in ("人员队伍与业务培训", "服务台账", "数据采集与报送"):
        operator.get_by_label(f"自评说明（{name}）").fill(f"{name}：已按要求落实，附佐证材料。")
        operator.get_by_label(f"自评得分（{name}）").fill("85")
    for field in operator.locator("input[type=file]").all():
        field.set_input_files(str(evidence))
    _chinese_only(operator)
    screenshot(operator, "operator-self-assessment", full_page=True)
    operator.get_by_role("button", name="提交自评").click()
    expect(operator.get_by_text("自评已提交，等待评分。")).to_be_visible()
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.SCORING and evaluation.served_count == 1200
    assert evaluation.evidence.count() == 3

    # 3. The district official scores it: the computed indicators are shown, the rest scored low.
    _claim(district, base, evaluation, "评分")
    expect(district.locator(".gc-indicators")).to_contain_text("每千服务人次查实投诉数")
    for field in district.locator("input[name^=score_]").all():
        field.fill("20")
    for field in district.locator("textarea[name^=note_]").all():
        field.fill("无相关记录，服务台账缺失。")
    _chinese_only(district)
    district.get_by_role("button", name="提交评分").click()
    expect(district.get_by_text("已办理：评分")).to_be_visible()
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.DISTRICT_REVIEW and evaluation.outcome == "fail"

    # The scorer is not offered the review (four-eyes rule); a second district official reviews it.
    district.goto(base + evaluation.get_absolute_url())
    current = district.locator(".gc-card", has=district.get_by_role("heading", name="当前待办"))
    expect(current).to_contain_text("区级审核")
    expect(current.get_by_role("link", name="领取")).to_have_count(0)
    reviewer = page_as("district2", base)
    _claim(reviewer, base, evaluation, "区级审核")
    reviewer.get_by_label("同意").check()
    reviewer.get_by_label("审核意见").fill("评分有据，同意报市局审批。")
    reviewer.get_by_role("button", name="提交审核意见").click()
    expect(reviewer.get_by_text("已办理：区级审核")).to_be_visible()

    # 4. The bureau official approves the fail: the contract is terminated and the operator exits.
    bureau = page_as("bureau", base)
    _claim(bureau, base, evaluation, "市局审批")
    expect(bureau.get_by_text("服务合同于审批之日终止", exact=False)).to_be_visible()
    bureau.get_by_label("同意").check()
    bureau.get_by_label("审核意见").fill("综合得分不合格，予以退出。")
    _chinese_only(bureau)
    bureau.get_by_role("button", name="提交审批意见").click()
    expect(bureau.get_by_text("已办理：市局审批")).to_be_visible()
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.EXITED
    contract.refresh_from_db()
    assert contract.status == "terminated"

    # 5. The evaluation page shows the exit and the terminated contract; the report PDF embeds the CJK font.
    bureau.goto(base + evaluation.get_absolute_url())
    summary = bureau.locator(".gc-card").first
    expect(summary).to_contain_text("已退出")
    expect(summary).to_contain_text(f"{contract.number} · 已终止")
    screenshot(bureau, "staff-evaluation-exited", full_page=True)
    # The contract's own page says it was terminated by exit.
    bureau.get_by_role("link", name=contract.number).click()
    expect(bureau.locator(".gc-contract-status")).to_have_text("已终止")
    expect(bureau.locator("main, body").first).to_contain_text("考核不合格退出")
    bureau.go_back()
    documents = bureau.locator(".gc-documents")
    row = documents.locator("tr", has_text="评价报告")
    expect(row).to_contain_text("已生成")
    with bureau.expect_download() as info:
        row.get_by_role("link", name="下载").click()
    path = tmp_path / "评价报告.pdf"
    info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line or "Noto" in line]
    assert cjk and all(line.split()[-5] == "yes" for line in cjk), fonts
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert evaluation.number in text and "培训签到表.pdf" in text and "杨帆" in text

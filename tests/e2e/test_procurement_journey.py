"""In Chromium on a desktop: the district official runs a selection round to its award (a panel expert who
declared a relation abstains), puts the winner's contract into effect, plans a payment milestone whose
approval is refused without a passed evaluation, and renews the contract; the operator's staff then see their
own contract (read-only, no actions) and not another operator's. Every page speaks Chinese only."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from procurement import services
from procurement.models import SelectionRound, ServiceContract
from tests.e2e.conftest import CHINESE, VISIBLE_TEXT_JS
from tests.factories import MarketFactory, OperatorFactory, Role, ServiceContractFactory, UserFactory
from tests.test_i18n import english_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desktop_as(browser):
    contexts = []

    def open_as(username, base_url):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, **CHINESE)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{base_url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "pass-word-123")
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/staff/"))
        return page

    yield open_as
    for context in contexts:
        context.close()


def _chinese_only(page):
    assert set(english_on(page.evaluate(VISIBLE_TEXT_JS))) - {"PDF"} == set(), page.url


@pytest.fixture
def world(chaoyang):
    official = UserFactory(username="district", last_name="刘", first_name="洋", roles=[Role.DISTRICT_OFFICIAL],
                           district=chaoyang)
    experts = [UserFactory(username=f"expert{i}", last_name=name, first_name="专家", roles=[Role.DISTRICT_OFFICIAL],
                           district=chaoyang) for i, name in enumerate(("周", "吴"))]
    winner = OperatorFactory(name="北京京才汇人力资源服务有限公司", licence_number="京人服证字〔2022〕第0105000217号")
    other = OperatorFactory(name="北京众工帮人力资源服务有限公司", licence_number="京人服证字〔2023〕第0112000088号")
    market = MarketFactory(name="太阳宫零工驿站", district=chaoyang, operator=winner)
    project = services.project_create(by=official, name="朝阳区零工驿站运营服务项目", district=chaoyang,
                                      markets=[market], services="零工驿站日常运营", budget="1200000.00",
                                      period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31))
    rnd = services.round_open(project=project, by=official, title="2026年度运营机构遴选",
                              opens_on=datetime.date(2025, 11, 1), closes_on=datetime.date(2025, 11, 30))
    for op in (winner, other):
        services.candidate_apply(round=rnd, operator=op, by=official, credit_code=op.credit_code,
                                 licence_number=op.licence_number)
    services.round_add_panel_member(round=rnd, user=experts[0], by=official)
    services.round_add_panel_member(round=rnd, user=experts[1], by=official, declared_relations=other.name)
    operator_user = UserFactory(username="operator", last_name="吴", first_name="刚", roles=[Role.OPERATOR],
                                district=None, organization=winner.organization)
    stranger = ServiceContractFactory(district=chaoyang, status="active")
    return {"official": official, "experts": experts, "round": rnd, "winner": winner, "other": other,
            "operator_user": operator_user, "stranger": stranger}


def test_selection_to_contract_and_the_operators_view(live_server, desktop_as, world, screenshot):
    base, rnd = live_server.url, world["round"]
    page = desktop_as("district", base)
    page.goto(base + rnd.get_absolute_url())
    page.get_by_role("button", name="截止报名，开始审查与评分").click()
    for name in (world["winner"].name, world["other"].name):
        page.locator("tr.gc-candidate", has_text=name).get_by_role("button", name="资格审查").click()
        expect(page.locator("tr.gc-candidate", has_text=name)).to_contain_text("资格审查通过")
    _chinese_only(page)

    for expert, scores in zip(world["experts"], (("90", "85.5"), ("88", None))):
        expert_page = desktop_as(expert.username, base)
        expert_page.goto(base + rnd.get_absolute_url())
        for name, score in zip((world["winner"].name, world["other"].name), scores):
            row = expert_page.locator("tr.gc-candidate", has_text=name)
            if score is None:
                expect(row).to_contain_text("已申报关联关系，回避")
                continue
            row.locator("input[name=score]").fill(score)
            row.get_by_role("button", name="提交评分").click()
            expect(expert_page.locator("tr.gc-candidate", has_text=name)).to_contain_text(score)

    page.goto(base + rnd.get_absolute_url())
    expect(page.get_by_text("当前排名（按平均分）")).to_be_visible()
    page.get_by_role("button", name="确定中选机构").click()
    expect(page.get_by_text("排名（确定时记录）")).to_be_visible()
    expect(page.locator("table", has_text="89.00")).to_contain_text(world["winner"].name)
    screenshot(page, "procurement-round", full_page=True)
    rnd.refresh_from_db()
    assert rnd.status == SelectionRound.Status.AWARDED

    contract = ServiceContract.objects.get(selection_round=rnd)
    page.get_by_role("link", name=contract.number).click()
    page.get_by_role("button", name="合同生效").click()
    expect(page.locator(".gc-contract-status")).to_have_text("履行中")
    form = page.locator("form", has=page.get_by_role("button", name="增加付款节点"))
    form.locator("input[name=title]").fill("2026年第一季度服务费")
    form.locator("input[name=amount]").fill("300000.25")
    form.locator("input[name=period_start]").fill("2026-01-01")
    form.locator("input[name=period_end]").fill("2026-03-31")
    form.get_by_role("button", name="增加付款节点").click()
    expect(page.locator("tr.gc-milestone")).to_contain_text("300000.25")
    page.locator("tr.gc-milestone").get_by_role("button", name="核准支付").click()
    expect(page.get_by_text("尚无经市局审批通过的绩效评价")).to_be_visible()
    renew = page.locator("form", has=page.get_by_role("button", name="生成续签合同"))
    renew.locator("input[name=amount]").fill("1250000.00")
    renew.locator("input[name=end_date]").fill("2027-12-31")
    renew.get_by_role("button", name="生成续签合同").click()
    expect(page.get_by_text("续签记录")).to_be_visible()
    _chinese_only(page)
    screenshot(page, "procurement-contract", full_page=True)

    operator = desktop_as("operator", base)
    operator.goto(base + "/staff/procurement/contract/list/")
    expect(operator.get_by_role("link", name=contract.number)).to_be_visible()
    expect(operator.get_by_text(world["stranger"].number)).to_have_count(0)
    operator.get_by_role("link", name=contract.number).click()
    expect(operator.locator(".gc-contract-status")).to_have_text("履行中")
    expect(operator.get_by_role("button", name="暂停履行")).to_have_count(0)
    _chinese_only(operator)
    assert operator.goto(base + world["stranger"].get_absolute_url()).status == 404

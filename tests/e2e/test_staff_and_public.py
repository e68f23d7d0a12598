"""In Chromium: a district official logs in through the login page and sees the staff frontend in Chinese;
the public market list fits a phone screen."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import VISIBLE_TEXT_JS
from tests.factories import MarketFactory, Role, UserFactory
from tests.test_i18n import _flow_apps, english_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def official(chaoyang):
    return UserFactory(username="district", last_name="王", first_name="区长", roles=[Role.DISTRICT_OFFICIAL],
                       district=chaoyang)


@pytest.fixture
def markets(chaoyang, haidian):
    return [MarketFactory(name="朝阳区太阳宫零工市场", district=chaoyang),
            MarketFactory(name="海淀区西北旺零工驿站（夜间服务点，含长名称换行测试）", district=haidian,
                          address="海淀区西北旺镇永丰路与北清路交叉口东北角停车场北侧临时用房二层")]


def test_district_official_logs_in_and_sees_the_chinese_inbox(live_server, desktop_page, official, screenshot):
    page = desktop_page
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator(".vf-page-lockscreen__sidebar-header-title")).to_contain_text("工作人员登录")
    page.fill("input[name=username]", "district")
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/staff/"))

    # The staff home lists the applications; the first flow application offers the inbox in its menu.
    menu = page.locator(".vf-page__menu")
    expect(menu).to_contain_text("退出登录")
    if _flow_apps():
        menu.get_by_role("link", name=re.compile("待办")).first.click()
        page.wait_for_url(re.compile(r"/inbox/"))
        expect(page.locator(".vf-card__title")).to_have_text("待办")
        expect(menu).to_contain_text("待领取")
        expect(menu).to_contain_text("已归档")
    else:  # no workflow application registered yet: the markets application is the staff home
        expect(menu).to_contain_text("零工市场")

    text = page.evaluate(VISIBLE_TEXT_JS)
    for english in ("Inbox", "Queue", "Archive", "Logout", "Log out", "Search", "Django"):
        assert english not in text
    assert english_on(text) == []
    screenshot(page, "staff-inbox")

    # viewflow's search box renders its label in JavaScript: it must be Chinese too.
    page.goto(f"{live_server.url}/staff/markets/market/")
    expect(page.locator("#id_page_search_label")).to_have_text("搜索…")
    assert english_on(page.evaluate(VISIBLE_TEXT_JS)) == []


def test_public_market_list_fits_a_phone_and_switches_language(live_server, phone_page, markets, screenshot):
    page = phone_page
    page.goto(f"{live_server.url}/markets/")
    for market in markets:
        expect(page.get_by_role("link", name=market.name)).to_be_visible()
    expect(page.locator(".gc-header")).to_contain_text("零工市场维权服务")
    expect(page.locator(".gc-footer a[href^='tel:']")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert english_on(page.evaluate(VISIBLE_TEXT_JS)) == []
    screenshot(page, "public-markets", full_page=True)

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".gc-header")).to_contain_text("Gig Market Rights Service")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

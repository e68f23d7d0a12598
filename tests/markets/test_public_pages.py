"""The public market pages: the published list (clause (二十三)), each site's page with its rules, hours,
contacts and complaint channels (clause (十)), and the printable QR poster."""

import re

import pytest
import segno
from django.urls import reverse

from markets.models import Market
from tests.factories import MarketFactory, district

pytestmark = pytest.mark.django_db


@pytest.fixture
def sites(db):
    return {
        "cy_market": MarketFactory(name="朝阳测试零工市场", kind=Market.Kind.MARKET, code="cy-test",
                                   opening_hours="06:00-18:00（节假日照常）", phone="010-87381201",
                                   address="朝阳区十八里店乡周庄嘉园东侧"),
        "cy_station": MarketFactory(name="太阳宫测试驿站", kind=Market.Kind.STATION, code="cy-station"),
        "hd_station": MarketFactory(name="清河测试驿站", kind=Market.Kind.STATION, code="hd-station",
                                    district=district("海淀区"), address="海淀区清河中街68号"),
        "suspended": MarketFactory(name="常营测试驿站", code="cy-suspended", status=Market.Status.SUSPENDED,
                                   status_reason="消防通道堵塞（内部说明）"),
        "closed": MarketFactory(name="酒仙桥已关闭驿站", code="cy-closed", status=Market.Status.CLOSED),
    }


def test_anonymous_visitor_sees_published_markets_with_address_hours_and_phone(client, sites):
    response = client.get(reverse("public:market_list"))
    assert response.status_code == 200
    html = response.content.decode()
    for key in ("cy_market", "cy_station", "hd_station", "suspended"):
        assert sites[key].name in html
    assert "酒仙桥已关闭驿站" not in html, "closed markets are withdrawn from the published list"
    assert "朝阳区十八里店乡周庄嘉园东侧" in html
    assert "06:00-18:00（节假日照常）" in html
    assert 'href="tel:010-87381201"' in html
    assert "零工驿站" in html and "零工市场" in html
    assert sites["cy_market"].get_absolute_url() in html


def test_list_filters_by_district(client, sites):
    haidian = district("海淀区")
    html = client.get(reverse("public:market_list"), {"district": haidian.pk}).content.decode()
    assert "清河测试驿站" in html
    assert "朝阳测试零工市场" not in html and "太阳宫测试驿站" not in html


def test_list_filters_by_kind(client, sites):
    html = client.get(reverse("public:market_list"), {"kind": Market.Kind.STATION}).content.decode()
    assert "太阳宫测试驿站" in html and "清河测试驿站" in html
    assert "朝阳测试零工市场" not in html


def test_list_filters_combine_district_and_kind(client, sites):
    params = {"district": district("朝阳区").pk, "kind": Market.Kind.STATION}
    html = client.get(reverse("public:market_list"), params).content.decode()
    assert "太阳宫测试驿站" in html
    assert "清河测试驿站" not in html and "朝阳测试零工市场" not in html


def test_an_invalid_filter_value_lists_everything_instead_of_failing(client, sites):
    response = client.get(reverse("public:market_list"), {"district": "99999", "kind": "casino"})
    assert response.status_code == 200
    assert "清河测试驿站" in response.content.decode() and "朝阳测试零工市场" in response.content.decode()


def test_list_of_twenty_markets_uses_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    MarketFactory.create_batch(20)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("public:market_list"))
    assert response.content.decode().count('class="gc-market"') == 20


def test_list_page_is_laid_out_for_phones(client, sites):
    html = client.get(reverse("public:market_list")).content.decode()
    assert 'name="viewport"' in html and "width=device-width" in html


def test_detail_page_publishes_hours_contacts_services_rules_and_complaint_channels(client, sites, settings):
    settings.GIGCASE_PUBLIC_HOTLINE = "12333"
    market = sites["cy_market"]
    Market.objects.filter(pk=market.pk).update(
        services="求职登记、供需对接", facilities="遮风避雨候工大厅\n工具寄存柜", rules="本场所免费服务，不收取押金。",
        complaint_phone="010-87382333")
    response = client.get(reverse("public:market_detail", kwargs={"code": market.code}))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("朝阳测试零工市场", "06:00-18:00（节假日照常）", "010-87381201", "求职登记、供需对接",
                 "工具寄存柜", "本场所免费服务，不收取押金。", market.operator.name):
        assert text in html, text
    assert 'href="tel:010-87382333"' in html, "the market's own complaint phone"
    assert 'href="tel:12333"' in html, "the 12333 hotline"
    assert 'href="/complaints/new/?market=cy-test"' in html and "在线投诉" in html
    assert f'href="{reverse("public:market_poster", kwargs={"code": "cy-test"})}"' in html
    assert "打印二维码海报" in html
    assert "暂停运营" not in html


def test_suspended_market_page_shows_a_visible_suspension_notice_without_internal_reason(client, sites):
    html = client.get(reverse("public:market_detail", kwargs={"code": "cy-suspended"})).content.decode()
    assert re.search(r'class="gc-notice"[^>]*>\s*暂停运营', html)
    assert "消防通道堵塞（内部说明）" not in html


@pytest.mark.parametrize("route", ["public:market_detail", "public:market_poster"])
def test_closed_market_pages_answer_404(client, sites, route):
    assert client.get(reverse(route, kwargs={"code": "cy-closed"})).status_code == 404


def test_unknown_market_code_answers_404(client, db):
    assert client.get(reverse("public:market_detail", kwargs={"code": "no-such-market"})).status_code == 404


def test_poster_qr_code_encodes_the_complaint_url_for_this_market(client, sites, settings):
    settings.GIGCASE_SITE_URL = "https://gigcase.example.cn/"
    response = client.get(reverse("public:market_poster", kwargs={"code": "cy-test"}))
    assert response.status_code == 200
    html = response.content.decode()
    expected_url = "https://gigcase.example.cn/complaints/new/?market=cy-test"
    assert expected_url in html, "the URL is printed under the code for people without a scanner"
    # segno is deterministic: the same URL gives the same modules. Comparing the drawn path (relative moves
    # after the first, border-dependent "M x y") proves the code encodes exactly this URL.
    drawn = re.search(r'<svg[^>]*class="segno"[^>]*>.*?</svg>', html, re.S).group(0)
    assert _modules(drawn) == _modules(segno.make(expected_url, error="m").svg_inline())
    assert _modules(drawn) != _modules(segno.make(expected_url.replace("cy-test", "cy-other"), error="m").svg_inline())


def _modules(svg: str) -> str:
    path = re.search(r' d="([^"]+)"', svg).group(1)
    return re.sub(r"^M[\d.]+ [\d.]+", "", path)


def test_poster_is_a_printable_a4_page(client, sites):
    html = client.get(reverse("public:market_poster", kwargs={"code": "cy-test"})).content.decode()
    assert "size: A4" in html
    assert "朝阳测试零工市场" in html and "12333" in html


def test_home_page_links_to_the_market_list_and_the_complaint_form(client, db):
    response = client.get(reverse("public:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{reverse("public:market_list")}"' in html
    assert 'href="/complaints/new/"' in html

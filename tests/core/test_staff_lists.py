"""The staff list pages built on core.lists.FilteredListView (inspections, notices, evaluations, service
contracts, procurement projects): each filter narrows the list the way the page offers it, the page links keep
the filters, and the records stay scoped to the user."""

import datetime
import html
import re

import pytest

import config.urls  # noqa: F401  (viewflow wires node URL namespaces when the URLconf loads)
from evaluations.models import Evaluation, Outcome
from inspections.models import Inspection
from procurement import services as procurement_services
from procurement.models import ServiceContract
from tests.evaluations.helpers import create_and_open, make_contract
from tests.factories import MarketFactory, OperatorFactory, Role, ServiceContractFactory, UserFactory, district
from tests.inspections.helpers import client_for, plan
from tests.procurement.helpers import active_contract, project

pytestmark = pytest.mark.django_db

INSPECTIONS = "/staff/inspection/inspections/"
EVALUATIONS = "/staff/evaluation/evaluations/"
CONTRACTS = "/staff/procurement/contract/list/"
PROJECTS = "/staff/procurement/project/list/"


def listed(client, url):
    """The numbers of the records the list page at ``url`` shows, in order (from the page it renders)."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return [obj.number for obj in response.context["page"].object_list]


def page_links(client, url):
    """The query strings of the page's pager links."""
    return [html.unescape(link) for link in re.findall(r'href="\?([^"]*page=\d+)"', client.get(url).content.decode())]


# ---- inspections -----------------------------------------------------------------------------------------


def test_inspection_list_filters(inspector, official):
    chaoyang = district("朝阳区")
    sun = plan(inspector, market=MarketFactory(name="太阳宫零工驿站", district=chaoyang))
    other_inspector = UserFactory(username="t_lists_insp2", roles=[Role.INSPECTOR], district=chaoyang)
    theirs = plan(other_inspector, market=MarketFactory(name="双井零工市场", district=chaoyang), by=official)
    late = plan(inspector, market=MarketFactory(name="东坝零工驿站", district=chaoyang))
    Inspection.objects.filter(pk=late.pk).update(is_overdue=True)
    cancelled = plan(inspector, market=MarketFactory(name="常营零工驿站", district=chaoyang))
    from inspections import services

    services.inspection_cancel(inspection=cancelled, by=official, reason="市场停业。")
    haidian = plan(UserFactory(username="t_lists_insp_hd", roles=[Role.INSPECTOR], district=district("海淀区")),
                   market=MarketFactory(name="西北旺零工市场", district=district("海淀区")))
    client = client_for(official)
    open_ones = listed(client, INSPECTIONS)
    assert set(open_ones) == {sun.number, theirs.number, late.number}  # open only; not another district's
    assert open_ones[0] == late.number  # overdue first
    assert set(listed(client, INSPECTIONS + "?status=all")) == {
        sun.number, theirs.number, late.number, cancelled.number}
    assert listed(client, INSPECTIONS + "?status=cancelled") == [cancelled.number]
    assert listed(client, INSPECTIONS + "?overdue=1") == [late.number]
    assert set(listed(client_for(inspector), INSPECTIONS + "?mine=1")) == {sun.number, late.number}
    assert listed(client, INSPECTIONS + "?q=太阳宫") == [sun.number]
    assert listed(client, INSPECTIONS + "?q=" + theirs.number.lower()) == [theirs.number]
    assert haidian.number not in listed(client, INSPECTIONS + "?status=all&q=" + haidian.number)
    page = client.get(INSPECTIONS + "?status=all&overdue=1&q=东坝").content.decode()
    assert 'value="all" selected' in page and "checked" in page and 'value="东坝"' in page


def test_notice_list_answers_for_staff_and_pages(inspector, official):
    response = client_for(official).get("/staff/inspection/notices/")
    assert response.status_code == 200 and "暂无整改通知" in response.content.decode()


# ---- evaluations -----------------------------------------------------------------------------------------


def test_evaluation_list_filters(official):
    operator = OperatorFactory(name="京才汇人力资源公司")
    markets = [MarketFactory(operator=operator, name="望京零工驿站", district=district("朝阳区")),
               MarketFactory(operator=operator, name="望京西零工驿站", district=district("朝阳区"))]
    first = create_and_open(official, contract=make_contract(operator=operator, markets=markets))
    second = create_and_open(official, contract=make_contract())
    third = create_and_open(official, contract=make_contract())
    Evaluation.objects.filter(pk=second.pk).update(is_overdue=True, outcome=Outcome.PASS)
    from evaluations import services

    services.evaluation_cancel(evaluation=third, by=official, reason="评价期间有误。")
    client = client_for(official)
    open_ones = listed(client, EVALUATIONS)
    assert set(open_ones) == {first.number, second.number} and open_ones[0] == second.number
    assert set(listed(client, EVALUATIONS + "?status=all")) == {first.number, second.number, third.number}
    assert listed(client, EVALUATIONS + "?status=cancelled") == [third.number]
    assert listed(client, EVALUATIONS + "?overdue=1") == [second.number]
    assert listed(client, EVALUATIONS + "?outcome=pass") == [second.number]
    assert listed(client, EVALUATIONS + "?outcome=nonsense") == open_ones  # an unknown value: ignored
    assert listed(client, EVALUATIONS + "?q=京才汇") == [first.number]
    # Both markets match: the evaluation is listed once (and counted once by the pager).
    response = client.get(EVALUATIONS + "?q=望京")
    assert [e.number for e in response.context["page"]] == [first.number]
    assert response.context["page"].paginator.count == 1
    assert listed(client_for(UserFactory(username="t_lists_hd", roles=[Role.DISTRICT_OFFICIAL],
                                         district=district("海淀区"))), EVALUATIONS + "?status=all") == []


# ---- procurement -----------------------------------------------------------------------------------------


def test_contract_list_filters(official, bureau):
    active = active_contract(official, operator=OperatorFactory(name="安业人力资源公司"))
    draft = ServiceContractFactory(district=official.district)
    suspended = active_contract(official)
    procurement_services.contract_suspend(contract=suspended, by=official, reason="整改期间")
    haidian = ServiceContractFactory(district=district("海淀区"))
    client = client_for(official)
    assert set(listed(client, CONTRACTS)) == {active.number, draft.number, suspended.number}
    assert listed(client, CONTRACTS + "?status=suspended") == [suspended.number]
    assert listed(client, CONTRACTS + "?status=all") == listed(client, CONTRACTS)
    assert listed(client, CONTRACTS + "?q=安业") == [active.number]
    assert listed(client, CONTRACTS + "?q=" + draft.number) == [draft.number]
    bureau_client = client_for(bureau)
    assert haidian.number in listed(bureau_client, CONTRACTS)
    assert listed(bureau_client, CONTRACTS + "?district=%d" % district("海淀区").pk) == [haidian.number]
    assert 'name="district"' in bureau_client.get(CONTRACTS).content.decode()
    assert 'name="district"' not in client.get(CONTRACTS).content.decode()  # a district sees only its own


def test_contract_list_pages_keep_the_filters(official):
    for _ in range(27):
        ServiceContractFactory(district=official.district, status=ServiceContract.Status.ACTIVE)
    ServiceContractFactory(district=official.district)
    client = client_for(official)
    links = page_links(client, CONTRACTS + "?status=active&q=HT")
    assert links == ["status=active&q=HT&page=2"]
    second = client.get(CONTRACTS + "?" + links[0])
    assert second.context["page"].number == 2 and len(second.context["page"].object_list) == 2
    assert page_links(client, CONTRACTS + "?" + links[0]) == ["status=active&q=HT&page=1"]


def test_project_list_filters(official, bureau, other_official):
    mine = project(official)
    theirs = procurement_services.project_create(
        by=other_official, name="海淀区零工驿站运营项目", district=other_official.district,
        markets=[MarketFactory(district=other_official.district)], services="零工驿站日常运营",
        budget="800000.00", period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31))
    client = client_for(official)
    body = client.get(PROJECTS).content.decode()
    assert mine.name in body and theirs.name not in body
    bureau_client = client_for(bureau)
    body = bureau_client.get(PROJECTS + "?district=%d" % other_official.district.pk).content.decode()
    assert theirs.name in body and mine.name not in body
    body = bureau_client.get(PROJECTS + "?q=海淀").content.decode()
    assert theirs.name in body and mine.name not in body

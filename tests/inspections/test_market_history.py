"""A market's inspection record: ``selectors.market_history`` / ``pass_rate`` / ``public_summary``, the
panel on the staff market page and the summary on the public market page (no findings there), with a
fixed number of queries however many inspections a market has."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inspections import selectors
from inspections.models import Inspection, NoticeItem
from tests.factories import MarketFactory
from tests.inspections.helpers import (client_for, file_and_submit, issue, operator_for, plan, reinspect,
                                       respond)

pytestmark = pytest.mark.django_db

NOTE = "二号安全出口被货物堵塞"


def _passed(inspector, market, day):
    inspection = plan(inspector, market=market, planned_for=datetime.date(2026, 11, day))
    return file_and_submit(inspector, inspection)


def _failed(inspector, market, day):
    inspection = plan(inspector, market=market, planned_for=datetime.date(2026, 11, day))
    from tests.inspections.helpers import answers_all, do_task
    from inspections.flows import InspectionFlow

    fail = inspection.checklist.items.first()
    data = answers_all(inspection, fail=fail, note=NOTE)
    data["_submit"] = "1"
    do_task(inspector, inspection, InspectionFlow.fill, data)
    issue(inspector, inspection)
    return Inspection.objects.get(pk=inspection.pk)


@pytest.fixture
def market():
    return MarketFactory(name="朝阳区检查记录测试市场", code="cy-history")


@pytest.fixture
def record(inspector, market):
    """Two passed inspections, one that needed rectification (notice open), one planned only."""
    passed = [_passed(inspector, market, 2), _passed(inspector, market, 9)]
    failed = _failed(inspector, market, 16)
    planned = plan(inspector, market=market, planned_for=datetime.date(2026, 11, 30))
    return {"passed": passed, "failed": failed, "planned": planned}


def test_pass_rate_is_passed_over_concluded(record, market, inspector):
    MarketFactory()  # other markets never count
    _passed(inspector, MarketFactory(), 3)
    rate = selectors.pass_rate(market)
    assert (rate.concluded, rate.passed) == (3, 2)  # the planned one has no result yet
    assert rate.percent == 67 and abs(rate.rate - 2 / 3) < 1e-9
    empty = selectors.pass_rate(MarketFactory())
    assert (empty.concluded, empty.rate, empty.percent) == (0, None, None)


def test_pass_rate_over_a_period_counts_by_conclusion_time(record, market):
    failed = record["failed"]
    Inspection.objects.filter(pk=failed.pk).update(concluded_at=timezone.now() + datetime.timedelta(days=40))
    later = timezone.now() + datetime.timedelta(days=30)
    assert selectors.pass_rate(market, until=later) == selectors.PassRate(concluded=2, passed=2)
    assert selectors.pass_rate(market, since=later) == selectors.PassRate(concluded=1, passed=0)


def test_history_lists_results_and_open_items_until_rectified(record, market, inspector):
    history = selectors.market_history(market)
    by_number = {row.inspection.number: row for row in history.inspections}
    assert history.total == 4 and len(by_number) == 4
    assert [r.inspection.planned_for.day for r in history.inspections] == [30, 16, 9, 2]  # newest first
    assert {by_number[i.number].result for i in record["passed"]} == {selectors.Result.PASSED}
    assert by_number[record["failed"].number].result == selectors.Result.RECTIFYING
    assert by_number[record["failed"].number].failed == 1
    assert by_number[record["planned"].number].result == selectors.Result.PENDING
    assert history.last.inspection == record["failed"]
    assert [item.notice.inspection_id for item in history.open_items] == [record["failed"].pk]

    notice = record["failed"].notice
    respond(operator_for(market), notice)
    assert [i.state for i in selectors.market_history(market).open_items] == [NoticeItem.State.ANSWERED]
    reinspect(inspector, record["failed"])
    history = selectors.market_history(market)
    assert history.open_items == []
    assert {r.inspection.pk: r.result for r in history.inspections}[record["failed"].pk] == selectors.Result.RECTIFIED
    assert selectors.pass_rate(market).passed == 2  # fixing the items does not turn a failed inspection into a pass


def _count(func, *args):
    with CaptureQueriesContext(connection) as ctx:
        func(*args)
    return len(ctx.captured_queries)


def test_selectors_run_a_fixed_number_of_queries(record, market, inspector):
    history_before, public_before = _count(selectors.market_history, market), _count(selectors.public_summary, market)
    for day in (4, 5, 6):
        _passed(inspector, market, day)
    _failed(inspector, market, 7)
    assert _count(selectors.market_history, market) == history_before <= 5
    assert _count(selectors.public_summary, market) == public_before == 2


def test_staff_market_page_shows_the_panel(record, market, official, other_official):
    url = f"/staff/markets/market/{market.pk}/detail/"
    response = client_for(official).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="market-inspections"' in html
    assert "67%" in html and "3次检查中2次合格" in html
    assert record["failed"].get_absolute_url() in html  # the inspection pages are linked for staff
    assert record["failed"].notice.number in html and "发现隐患，整改中" in html
    assert client_for(other_official).get(url).status_code == 404  # another district's market


def test_operator_staff_see_their_market_history_without_inspection_links(record, market):
    response = client_for(operator_for(market)).get(f"/staff/markets/market/{market.pk}/detail/")
    assert response.status_code == 200
    html = response.content.decode()
    assert record["failed"].number in html and record["failed"].get_absolute_url() not in html
    assert record["failed"].notice.get_absolute_url() in html


def test_public_market_page_shows_only_the_summary(record, market, client):
    html = client.get(f"/markets/{market.code}/").content.decode()
    assert 'id="safety-inspections"' in html
    submitted = timezone.localtime(record["failed"].submitted_at)
    assert f"{submitted.year}年{submitted.month}月{submitted.day}日（发现隐患，整改中）" in html
    assert "67%（3次检查中2次合格）" in html
    # No findings, requirements or inspection numbers on the public page.
    assert NOTE not in html and record["failed"].notice.items.get().requirement not in html
    assert record["failed"].number not in html


def test_public_market_page_without_inspections(client, market):
    html = client.get(f"/markets/{market.code}/").content.decode()
    assert "暂无检查结论" in html

"""The computed indicators equal a hand calculation on a fixture set: two evaluated markets of one operator,
a third market of another operator, cases inside and outside the period (its edges in Beijing time), and
cases that must not count (rejected, withdrawn, still open, cancelled, not yet due)."""

import datetime
import itertools
import secrets
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType

from casework.models import Complaint, SatisfactionSurvey
from evaluations import indicators, services
from evaluations.models import Evaluation, Outcome
from inspections.models import (Finding, Inspection, NoticeItem, NoticeItemResponse, RectificationNotice, Section)
from inspections.services import current_checklist
from tests.evaluations.helpers import PERIOD, make_contract, operator_staff
from tests.factories import MarketFactory, OperatorFactory, district

pytestmark = pytest.mark.django_db

BJ = ZoneInfo("Asia/Shanghai")
_n = itertools.count(1)


def at(y, m, d, h=12, mi=0):
    return datetime.datetime(y, m, d, h, mi, tzinfo=BJ)


def complaint(market, *, category="wage_arrears", status="closed", submitted, accepted=True):
    return Complaint.objects.create(
        number=f"TS-2026-9{next(_n):05d}", tracking_code_hash=secrets.token_hex(32), channel="hotline",
        district=market.district, market=market, respondent_kind="operator", category=category,
        description="测试投诉", status=status, submitted_at=submitted,
        accepted_at=submitted + datetime.timedelta(days=1) if accepted else None)


def survey(case, score, answered):
    return SatisfactionSurvey.objects.create(
        content_type=ContentType.objects.get_for_model(case), object_id=case.pk, token_hash=secrets.token_hex(32),
        district=case.district, market=case.market, score=score, answered_at=answered)


def inspection(market, inspector, *, concluded, status="closed", findings=()):
    checklist = current_checklist()
    insp = Inspection.objects.create(number=f"JC-2026-9{next(_n):05d}", market=market, district=market.district,
                                     checklist=checklist, inspector=inspector, planned_for=PERIOD[0], status=status,
                                     concluded_at=concluded)
    items = {}
    for item, result in findings:
        items[item.pk] = Finding.objects.create(inspection=insp, item=item, result=result,
                                                severity="major" if result == "fail" else "")
    return insp, items


@pytest.fixture
def world(inspector, official):
    operator = OperatorFactory()
    a = MarketFactory(operator=operator, district=district("朝阳区"))
    b = MarketFactory(operator=operator, district=district("朝阳区"))
    c = MarketFactory(district=district("朝阳区"))  # another operator's market: never counted
    contract = make_contract(operator, [a, b])
    checklist = current_checklist()
    published = list(checklist.items.filter(section=Section.PUBLISHED).order_by("sort_order"))
    fire = list(checklist.items.filter(section="fire").order_by("sort_order"))
    assert len(published) == 3 and len(fire) >= 3

    c1 = complaint(a, submitted=at(2026, 2, 1))                                          # counts
    c2 = complaint(b, category="illegal_fees", status="resolved", submitted=at(2026, 3, 1))  # counts, fee
    c3 = complaint(a, category="illegal_fees", status="referred", submitted=at(2026, 4, 1))  # counts, fee
    complaint(a, category="illegal_fees", status="rejected", submitted=at(2026, 4, 2), accepted=False)
    complaint(a, status="withdrawn", submitted=at(2026, 4, 3))                          # withdrawn
    c6 = complaint(a, status="investigating", submitted=at(2026, 4, 4))                  # still open
    complaint(a, submitted=at(2025, 12, 31, 23, 30))                                     # before the period
    c8 = complaint(c, submitted=at(2026, 3, 3))                                          # other market
    c9 = complaint(a, submitted=at(2026, 6, 30, 23, 30))                                 # last evening counts

    survey(c1, 5, at(2026, 3, 1))
    survey(c2, 4, at(2026, 4, 1))
    survey(c3, 2, at(2026, 5, 1))
    survey(c8, 1, at(2026, 5, 1))                  # other market
    survey(c9, 1, at(2026, 7, 2))                  # answered after the period
    survey(c6, None, None)                         # never answered

    i1, _ = inspection(a, inspector, concluded=at(2026, 2, 10), findings=[(p, "pass") for p in published])
    i2, f2 = inspection(b, inspector, concluded=at(2026, 3, 10), status="notice_issued", findings=[
        (fire[0], "fail"), (fire[1], "fail"), (fire[2], "fail"),
        (published[0], "fail"), (published[1], "pass"), (published[2], "pass")])
    i3, _ = inspection(a, inspector, concluded=at(2026, 5, 10),
                       findings=[(published[0], "pass"), (published[1], "pass"), (published[2], "na")])
    inspection(a, inspector, concluded=None, status="cancelled")
    inspection(c, inspector, concluded=at(2026, 3, 1), findings=[(published[0], "fail")])
    inspection(a, inspector, concluded=at(2026, 7, 5), findings=[(fire[0], "fail")])

    notice = RectificationNotice.objects.create(inspection=i2, number="ZG-2026-900001", market=b,
                                                issued_by=inspector, issued_at=at(2026, 3, 11))
    item_ok = NoticeItem.objects.create(notice=notice, finding=f2[fire[0].pk], severity="major", requirement="甲",
                                        days=7, deadline_at=at(2026, 3, 18, 23, 59))
    item_late = NoticeItem.objects.create(notice=notice, finding=f2[fire[1].pk], severity="critical",
                                          requirement="乙", days=1, deadline_at=at(2026, 3, 12, 23, 59))
    NoticeItem.objects.create(notice=notice, finding=f2[fire[2].pk], severity="major", requirement="丙", days=7,
                              deadline_at=at(2026, 3, 20, 23, 59))                        # never answered: late
    NoticeItem.objects.create(notice=notice, finding=f2[published[0].pk], severity="minor", requirement="丁",
                              days=15, deadline_at=datetime.datetime(2099, 1, 1, tzinfo=BJ))  # not due yet
    staff = operator_staff(operator)
    NoticeItemResponse.objects.create(item=item_ok, round=1, text="已整改", submitted_by=staff,
                                      submitted_at=at(2026, 3, 17))
    NoticeItemResponse.objects.create(item=item_late, round=1, text="已整改", submitted_by=staff,
                                      submitted_at=at(2026, 3, 14))

    evaluation = services.evaluation_create(by=official, period_start=PERIOD[0], period_end=PERIOD[1],
                                            contract=contract)
    Evaluation.objects.filter(pk=evaluation.pk).update(served_count=2000)
    evaluation.refresh_from_db()
    return {"evaluation": evaluation, "complaints": [c1, c2, c3, c9], "fees": [c2, c3],
            "surveys": [c1, c2, c3], "inspections": [i1, i2, i3], "notice": notice, "staff": staff}


def _numbers(computed):
    return [s["number"] for s in computed.sources]


def test_complaints_per_thousand_served(world):
    result = indicators.compute(world["evaluation"], "complaints_per_1000")
    # 4 substantiated complaints (c1, c2, c3, c9) × 1000 ÷ 2000 served.
    assert result.value == Decimal("2.00")
    assert _numbers(result) == [c.number for c in world["complaints"]]
    assert result.sources[0]["url"] == world["complaints"][0].get_absolute_url()


def test_complaints_per_thousand_needs_the_served_count(world):
    evaluation = world["evaluation"]
    Evaluation.objects.filter(pk=evaluation.pk).update(served_count=None)
    evaluation.refresh_from_db()
    result = indicators.compute(evaluation, "complaints_per_1000")
    assert result.value is None and len(result.sources) == 4


def test_free_service_counts_substantiated_fee_complaints(world):
    result = indicators.compute(world["evaluation"], "free_service")
    assert result.value == Decimal("2")
    assert _numbers(result) == [c.number for c in world["fees"]]


def test_satisfaction_average(world):
    result = indicators.compute(world["evaluation"], "satisfaction")
    assert result.value == Decimal("3.67")  # (5 + 4 + 2) / 3
    assert _numbers(result) == [c.number for c in world["surveys"]]


def test_inspection_pass_rate(world):
    result = indicators.compute(world["evaluation"], "inspection_pass_rate")
    assert result.value == Decimal("66.67")  # i1 and i3 of three concluded
    assert _numbers(result) == [i.number for i in world["inspections"]]


def test_information_published(world):
    result = indicators.compute(world["evaluation"], "information_published")
    assert result.value == Decimal("87.50")  # 7 of 8 answered 信息公开 items passed (one n/a left out)
    assert _numbers(result) == [i.number for i in world["inspections"]]


def test_rectification_on_time(world):
    result = indicators.compute(world["evaluation"], "rectification_on_time")
    assert result.value == Decimal("33.33")  # one of three due items answered by its deadline
    assert _numbers(result) == [world["notice"].number]


def test_scores_weighted_total_and_outcome_by_hand(world, official, reviewer):
    evaluation = world["evaluation"]
    services.evaluation_open(evaluation=evaluation, by=official)
    Evaluation.objects.filter(pk=evaluation.pk).update(served_count=None)
    services.evaluation_submit_self_assessment(
        evaluation=evaluation, by=world["staff"], served_count=2000, summary="自评",
        statements={i.pk: ("说明", "90") for i in services.scored_indicators(evaluation)})
    scores = {s.indicator.code: s for s in evaluation.scores.select_related("indicator")}
    assert {code: s.score for code, s in scores.items()} == {
        "complaints_per_1000": Decimal("60.00"),      # 2 between 5 (0) and 0 (100)
        "satisfaction": Decimal("33.50"),             # 3.67 between 3 and 5
        "inspection_pass_rate": Decimal("16.68"),     # 66.67 between 60 and 100
        "rectification_on_time": Decimal("0.00"),     # 33.33 below 50
        "information_published": Decimal("68.75"),    # 87.5 between 60 and 100
        "free_service": Decimal("33.33"),             # 2 between 3 (0) and 0 (100)
    }
    scored = {i.pk: ("80", "") for i in services.scored_indicators(evaluation)}
    evaluation = services.evaluation_submit_scores(evaluation=evaluation, by=official, scores=scored)
    # 9.00 + 5.03 + 2.50 + 0 + 6.88 + 3.33 + (10 + 8 + 7) × 0.8 = 46.74
    assert evaluation.total_score == Decimal("46.74")
    assert evaluation.outcome == Outcome.FAIL


def test_detail_page_links_the_source_cases(world, official):
    from tests.evaluations.helpers import client_for

    evaluation = world["evaluation"]
    services.evaluation_open(evaluation=evaluation, by=official)
    services.evaluation_submit_self_assessment(
        evaluation=evaluation, by=world["staff"], served_count=2000, summary="自评",
        statements={i.pk: ("说明", None) for i in services.scored_indicators(evaluation)})
    body = client_for(official).get(evaluation.get_absolute_url()).content.decode()
    for case in world["complaints"] + world["inspections"] + [world["notice"]]:
        assert f'href="{case.get_absolute_url()}"' in body

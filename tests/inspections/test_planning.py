"""Planning: monthly inspections of crowded venues, schedules for the others, and the ad-hoc inspection a
safety-hazard complaint creates."""

import pytest

from inspections import services
from inspections.flows import InspectionFlow, open_task
from inspections.models import Inspection, InspectionSchedule
from markets.models import Market
from tests.factories import MarketFactory

pytestmark = pytest.mark.django_db


def test_monthly_plan_covers_open_crowded_venues_once(inspector):
    crowded = MarketFactory(is_crowded_venue=True)
    quiet = MarketFactory(is_crowded_venue=False)
    scheduled_quiet = MarketFactory(is_crowded_venue=False)
    InspectionSchedule.objects.create(market=scheduled_quiet, every_months=3)
    planned = services.inspection_plan_month(year=2026, month=12)
    markets = {i.market_id for i in planned}
    assert crowded.pk in markets and scheduled_quiet.pk in markets and quiet.pk not in markets
    assert all(i.inspector == inspector and i.planned_for.month == 12 for i in planned)
    assert all(open_task(i, InspectionFlow.fill) is not None for i in planned)
    assert services.inspection_plan_month(year=2026, month=12) == []  # idempotent
    january = {i.market_id for i in services.inspection_plan_month(year=2027, month=1)}
    assert crowded.pk in january and scheduled_quiet.pk not in january  # every 3 months


def test_monthly_plan_skips_suspended_markets_and_districts_without_inspectors(inspector, haidian):
    suspended = MarketFactory()
    Market.objects.filter(pk=suspended.pk).update(status=Market.Status.SUSPENDED)
    elsewhere = MarketFactory(district=haidian, code="hd-1")
    markets = {i.market_id for i in services.inspection_plan_month(year=2026, month=12)}
    assert suspended.pk not in markets and elsewhere.pk not in markets


def test_safety_hazard_complaint_creates_one_ad_hoc_inspection(inspector):
    from tests.casework.helpers import submit

    market = MarketFactory()
    complaint = submit(category="safety_hazard", market=market, description="市场安全出口被杂物堵住。").complaint
    inspection = services.inspection_plan_from_complaint(complaint=complaint)
    assert inspection.source == Inspection.Source.COMPLAINT and inspection.complaint == complaint
    assert inspection.market == market and inspection.inspector == inspector
    assert services.inspection_plan_from_complaint(complaint=complaint) == inspection
    wage = submit(category="wage_arrears", market=market).complaint
    assert services.inspection_plan_from_complaint(complaint=wage) is None

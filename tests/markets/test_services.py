"""Registry writes go through markets.services and leave an audit trail."""

import pytest
from django.test import Client

from core.fsm import TransitionRefused
from core.models import AuditEvent
from markets import services
from markets.models import Market
from tests.factories import MarketFactory

pytestmark = pytest.mark.django_db


def test_staff_edit_is_audited_with_before_and_after(official):
    market = MarketFactory(name="旧名称")
    client = Client()
    client.force_login(official)
    url = f"/staff/markets/market/{market.pk}/change/"
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"name": "新名称", "district": market.district_id, "operator": market.operator_id})
    response = client.post(url, data)
    assert response.status_code == 302, getattr(response, "context", {}) and response.context["form"].errors
    event = AuditEvent.objects.for_object(market).get(action="update")
    assert event.data["changes"]["name"] == {"from": "旧名称", "to": "新名称"} and event.actor == official


def test_suspend_resume_close_are_transitions_with_reasons(official):
    market = MarketFactory()
    services.market_suspend(market=market, by=official, reason="消防通道堵塞")
    market.refresh_from_db()
    assert market.status == Market.Status.SUSPENDED and market.status_reason == "消防通道堵塞"
    with pytest.raises(TransitionRefused):
        services.market_suspend(market=market, by=official, reason="again")
    services.market_resume(market=market, by=official)
    services.market_close(market=market, by=official, reason="撤并")
    states = [e.to_state for e in AuditEvent.objects.for_object(market).filter(action="transition")]
    assert states == ["suspended", "open", "closed"]

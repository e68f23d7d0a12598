"""Staff editing of the markets registry (viewflow viewsets): scoped lookups, no moving a market out of
one's district, and no editing of the status field."""

import pytest
from django.test import Client

from markets.models import Market
from tests.factories import MarketFactory, district

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def form_data(market, **overrides):
    data = {
        "kind": market.kind, "name": market.name, "code": market.code, "district": market.district_id,
        "street": market.street, "address": market.address, "latitude": "", "longitude": "",
        "opening_hours": market.opening_hours, "phone": market.phone, "complaint_phone": market.complaint_phone,
        "operator": market.operator_id, "services": "", "facilities": "", "rules": "", "is_crowded_venue": "on",
    }
    data.update(overrides)
    return data


def test_district_official_edits_a_market_of_their_district(official):
    market = MarketFactory(district=district("朝阳区"))
    url = f"/staff/markets/market/{market.pk}/change/"
    response = client_for(official).post(url, form_data(market, opening_hours="07:00-19:00"))
    assert response.status_code == 302
    market.refresh_from_db()
    assert market.opening_hours == "07:00-19:00"


def test_district_official_cannot_move_a_market_to_another_district(official):
    market = MarketFactory(district=district("朝阳区"))
    url = f"/staff/markets/market/{market.pk}/change/"
    response = client_for(official).post(url, form_data(market, district=district("海淀区").pk))
    assert response.status_code == 200
    assert "district" in response.context["form"].errors
    market.refresh_from_db()
    assert market.district == district("朝阳区")


def test_other_district_cannot_edit_the_market(other_official):
    market = MarketFactory(district=district("朝阳区"))
    url = f"/staff/markets/market/{market.pk}/change/"
    response = client_for(other_official).post(url, form_data(market, district=district("海淀区").pk))
    assert response.status_code == 404
    market.refresh_from_db()
    assert market.district == district("朝阳区")


def test_status_is_not_editable_in_the_form(official):
    market = MarketFactory(district=district("朝阳区"))
    url = f"/staff/markets/market/{market.pk}/change/"
    client = client_for(official)
    assert "status" not in client.get(url).context["form"].fields
    client.post(url, form_data(market, status=Market.Status.CLOSED))
    market.refresh_from_db()
    assert market.status == Market.Status.OPEN


def test_system_administrator_may_create_a_market_in_any_district(db):
    from tests.factories import OperatorFactory, Role, UserFactory

    admin = UserFactory(roles=[Role.ADMIN], district=None)
    operator = OperatorFactory()
    data = {
        "kind": Market.Kind.STATION, "name": "新建测试驿站", "code": "new-station", "district": district("海淀区").pk,
        "street": "清河街道", "address": "海淀区清河中街1号", "opening_hours": "08:00-17:00", "phone": "010-62900000",
        "complaint_phone": "", "operator": operator.pk, "latitude": "", "longitude": "",
        "services": "", "facilities": "", "rules": "", "is_crowded_venue": "on",
    }
    response = client_for(admin).post("/staff/markets/market/add/", data)
    assert response.status_code == 302
    created = Market.objects.get(code="new-station")
    assert created.district == district("海淀区") and created.status == Market.Status.OPEN


def test_operator_credit_code_is_validated_and_upper_cased(db):
    from markets.forms import OperatorForm
    from tests.factories import make_credit_code

    good = make_credit_code(42)
    form = OperatorForm(data={"name": "某人力资源公司", "kind": "purchased", "credit_code": good.lower()})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["credit_code"] == good
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    form = OperatorForm(data={"name": "某人力资源公司", "kind": "purchased", "credit_code": bad})
    assert not form.is_valid()
    assert form.errors.as_data()["credit_code"][0].code == "uscc_checksum"

"""``visible_to(user)`` for markets and operators, role by role: district staff see their district,
citywide roles everything, operators only their own markets, partners and everyone else nothing."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Organization
from markets.models import Market, Operator
from tests.factories import MarketFactory, OperatorFactory, OrganizationFactory, Role, UserFactory, district

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    op_a, op_b = OperatorFactory(name="甲运营公司"), OperatorFactory(name="乙运营公司")
    return {
        "op_a": op_a,
        "op_b": op_b,
        "a1": MarketFactory(district=district("朝阳区"), operator=op_a),
        "a2": MarketFactory(district=district("朝阳区"), operator=op_b),
        "b1": MarketFactory(district=district("海淀区"), operator=op_a),
        "b2": MarketFactory(district=district("海淀区"), operator=op_b),
    }


def names(qs):
    return set(qs.values_list("pk", flat=True))


@pytest.mark.parametrize("role", [Role.INTAKE, Role.MEDIATOR, Role.INSPECTOR, Role.DISTRICT_OFFICIAL])
def test_district_staff_see_only_their_district_markets(world, role):
    a_user = UserFactory(roles=[role], district=district("朝阳区"))
    b_user = UserFactory(roles=[role], district=district("海淀区"))
    assert names(Market.objects.visible_to(a_user)) == {world["a1"].pk, world["a2"].pk}
    assert names(Market.objects.visible_to(b_user)) == {world["b1"].pk, world["b2"].pk}


@pytest.mark.parametrize("role", [Role.BUREAU_OFFICIAL, Role.ADMIN])
def test_citywide_roles_see_every_market(world, role):
    user = UserFactory(roles=[role], district=None)
    assert Market.objects.visible_to(user).count() == 4


def test_superuser_sees_every_market(world):
    user = UserFactory(district=None, is_superuser=True)
    assert Market.objects.visible_to(user).count() == 4


def test_operator_user_sees_only_its_own_markets_in_any_district(world):
    user = UserFactory(roles=[Role.OPERATOR], district=None, organization=world["op_a"].organization)
    assert names(Market.objects.visible_to(user)) == {world["a1"].pk, world["b1"].pk}


def test_operator_user_sees_only_its_own_operator_record(world):
    user = UserFactory(roles=[Role.OPERATOR], district=None, organization=world["op_a"].organization)
    assert list(Operator.objects.visible_to(user)) == [world["op_a"]]


def test_partner_sees_no_markets_and_no_operators(world):
    org = OrganizationFactory(kind=Organization.Kind.LEGAL_AID, district=None)
    user = UserFactory(roles=[Role.LEGAL_AID], district=None, organization=org)
    assert not Market.objects.visible_to(user).exists()
    assert not Operator.objects.visible_to(user).exists()


def test_staff_of_any_district_see_every_operator(world):
    user = UserFactory(roles=[Role.INTAKE], district=district("海淀区"))
    assert names(Operator.objects.visible_to(user)) == {world["op_a"].pk, world["op_b"].pk}


def test_district_role_without_a_district_sees_nothing(world):
    # A misconfigured account (district staff role but no district) must fail closed, not see the city.
    user = UserFactory(roles=[Role.DISTRICT_OFFICIAL], district=None)
    assert not Market.objects.visible_to(user).exists()
    assert not Operator.objects.visible_to(user).exists()


def test_user_without_role_sees_nothing(world):
    user = UserFactory(roles=[], district=district("朝阳区"))
    assert not Market.objects.visible_to(user).exists()
    assert not Operator.objects.visible_to(user).exists()


def test_deactivated_user_sees_nothing(world):
    user = UserFactory(roles=[Role.DISTRICT_OFFICIAL], district=district("朝阳区"), is_active=False)
    assert not Market.objects.visible_to(user).exists()


def test_anonymous_sees_nothing(world):
    assert not Market.objects.visible_to(AnonymousUser()).exists()
    assert not Operator.objects.visible_to(AnonymousUser()).exists()


def test_operator_role_in_an_organization_without_operator_sees_nothing(world):
    org = OrganizationFactory(kind=Organization.Kind.OPERATOR, district=None)
    user = UserFactory(roles=[Role.OPERATOR], district=None, organization=org)
    assert not Market.objects.visible_to(user).exists()

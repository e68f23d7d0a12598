"""Users for every role in two districts, so scoping tests can compare district A with district B."""

import pytest

from accounts.models import Organization
from tests.factories import OrganizationFactory, Role, UserFactory, district


@pytest.fixture
def chaoyang():
    return district("朝阳区")


@pytest.fixture
def haidian():
    return district("海淀区")


@pytest.fixture
def intake(db, chaoyang):
    return UserFactory(username="t_intake", roles=[Role.INTAKE], district=chaoyang)


@pytest.fixture
def mediator(db, chaoyang):
    return UserFactory(username="t_mediator", roles=[Role.MEDIATOR], district=chaoyang)


@pytest.fixture
def inspector(db, chaoyang):
    return UserFactory(username="t_inspector", roles=[Role.INSPECTOR], district=chaoyang)


@pytest.fixture
def official(db, chaoyang):
    return UserFactory(username="t_district", roles=[Role.DISTRICT_OFFICIAL], district=chaoyang)


@pytest.fixture
def other_official(db, haidian):
    return UserFactory(username="t_district_b", roles=[Role.DISTRICT_OFFICIAL], district=haidian)


@pytest.fixture
def other_intake(db, haidian):
    return UserFactory(username="t_intake_b", roles=[Role.INTAKE], district=haidian)


@pytest.fixture
def bureau(db):
    return UserFactory(username="t_bureau", roles=[Role.BUREAU_OFFICIAL], district=None)


@pytest.fixture
def partner(db):
    org = OrganizationFactory(name="测试法律援助中心", kind=Organization.Kind.LEGAL_AID, district=None)
    return UserFactory(username="t_partner", roles=[Role.LEGAL_AID], district=None, organization=org)


@pytest.fixture
def operator_user(db):
    from tests.factories import OperatorFactory

    op = OperatorFactory()
    return UserFactory(username="t_operator", roles=[Role.OPERATOR], district=None, organization=op.organization)

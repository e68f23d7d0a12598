import pytest

from tests.evaluations.helpers import make_contract, operator_staff
from tests.factories import Role, UserFactory


@pytest.fixture
def reviewer(db, chaoyang):
    """A second district official: reviews what ``official`` scored (four-eyes rule)."""
    return UserFactory(username="t_district_2", roles=[Role.DISTRICT_OFFICIAL], district=chaoyang)


@pytest.fixture
def contract(db):
    return make_contract()


@pytest.fixture
def contract_staff(contract):
    return operator_staff(contract.operator, username="t_contract_op")

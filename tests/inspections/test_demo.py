"""``inspections.demo.seed``: inspections in every state, made through services and flow tasks; idempotent."""

import io

import pytest

from inspections import demo
from inspections.models import Inspection, RectificationNotice
from markets.models import Market
from tests.factories import MarketFactory, OperatorFactory, Role, UserFactory

pytestmark = pytest.mark.django_db
S = Inspection.Status


def test_seed_makes_every_state_and_is_idempotent(chaoyang):
    op = OperatorFactory()
    for n in range(10):
        MarketFactory(code=f"demo-{n}", district=chaoyang, operator=op)
    UserFactory(username="inspector", roles=[Role.INSPECTOR], district=chaoyang)
    UserFactory(username="district", roles=[Role.DISTRICT_OFFICIAL], district=chaoyang)
    UserFactory(username="operator", roles=[Role.OPERATOR], district=None, organization=op.organization)
    demo.seed(stdout=io.StringIO(), cases=3)
    statuses = set(Inspection.objects.values_list("status", flat=True))
    assert statuses >= {S.PLANNED, S.IN_PROGRESS, S.CLOSED, S.NOTICE_ISSUED, S.RESPONDED, S.ESCALATED}
    assert set(RectificationNotice.objects.values_list("status", flat=True)) == set(RectificationNotice.Status.values)
    assert Market.objects.filter(status=Market.Status.SUSPENDED).count() == 1
    assert RectificationNotice.objects.filter(is_overdue=True, status="escalated").exists()
    count = Inspection.objects.count()
    demo.seed(stdout=io.StringIO(), cases=3)
    assert Inspection.objects.count() == count

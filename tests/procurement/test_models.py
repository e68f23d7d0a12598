"""Procurement models: who sees which contract, database constraints, declared panel relations."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from procurement.models import (Candidate, PanelMember, PanelScore, SelectionRound, ServiceContract,
                                ServiceProject)
from tests.factories import MarketFactory, OperatorFactory, Role, ServiceContractFactory, UserFactory, district

pytestmark = pytest.mark.django_db


def test_contract_visible_to_by_role(official, other_official, bureau, partner, operator_user):
    own = ServiceContractFactory(operator=operator_user.organization.operator)
    other = ServiceContractFactory(district=district("海淀区"))
    assert list(ServiceContract.objects.visible_to(official)) == [own]
    assert list(ServiceContract.objects.visible_to(other_official)) == [other]
    assert set(ServiceContract.objects.visible_to(bureau)) == {own, other}
    assert list(ServiceContract.objects.visible_to(operator_user)) == [own]
    assert not ServiceContract.objects.visible_to(partner).exists()


def test_project_and_round_visible_to_district_staff_only(official, other_official, bureau, operator_user):
    project = ServiceProject.objects.create(
        name="朝阳区零工市场运营服务", district=district("朝阳区"), services="运营", budget=Decimal("100.00"),
        period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31))
    rnd = SelectionRound.objects.create(project=project, title="2026年遴选", opens_on=datetime.date(2026, 1, 1),
                                        closes_on=datetime.date(2026, 1, 31))
    assert list(ServiceProject.objects.visible_to(official)) == [project]
    assert list(SelectionRound.objects.visible_to(bureau)) == [rnd]
    assert not SelectionRound.objects.visible_to(other_official).exists()
    assert not ServiceProject.objects.visible_to(operator_user).exists()


def test_terminated_contract_needs_a_date_and_kind():
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceContractFactory(status=ServiceContract.Status.TERMINATED)


def test_contract_period_and_amount_constraints():
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceContractFactory(start_date=datetime.date(2026, 2, 1), end_date=datetime.date(2026, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceContractFactory(amount=Decimal("-0.01"))


def test_declared_relation_by_name_or_credit_code(official):
    project = ServiceProject.objects.create(
        name="项目", district=district("朝阳区"), services="运营", budget=Decimal("1.00"),
        period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31))
    rnd = SelectionRound.objects.create(project=project, title="遴选", opens_on=datetime.date(2026, 1, 1),
                                        closes_on=datetime.date(2026, 1, 31))
    a, b = OperatorFactory(), OperatorFactory()
    ca = Candidate.objects.create(round=rnd, operator=a, credit_code=a.credit_code)
    cb = Candidate.objects.create(round=rnd, operator=b, credit_code=b.credit_code)
    by_name = PanelMember.objects.create(round=rnd, user=official, declared_relations=f"  {a.name} \n")
    by_code = PanelMember.objects.create(round=rnd, user=UserFactory(roles=[Role.DISTRICT_OFFICIAL]),
                                         declared_relations=b.credit_code.lower())
    assert by_name.is_related_to(ca) and not by_name.is_related_to(cb)
    assert by_code.is_related_to(cb) and not by_code.is_related_to(ca)
    PanelScore.objects.create(candidate=ca, member=by_code, score=Decimal("80.50"))
    with pytest.raises(IntegrityError), transaction.atomic():
        PanelScore.objects.create(candidate=ca, member=by_code, score=Decimal("81.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        PanelScore.objects.create(candidate=cb, member=by_name, score=Decimal("100.01"))


def test_market_needs_operator_defaults_false():
    assert MarketFactory().needs_operator is False

"""Funds tied to performance: a payment milestone is approved only when an evaluation covering its period
passed (excellent or pass, approved by the bureau); exact decimals; the exit bars the operator from the
next selection. Evaluations are driven through their real flow (tests.evaluations.helpers)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from procurement import services
from procurement.models import PaymentMilestone
from tests.evaluations.helpers import approve, create_and_open, operator_staff, walk_to_approval
from tests.factories import Role, UserFactory
from tests.procurement.helpers import active_contract, apply, review, selection

pytestmark = pytest.mark.django_db

H1 = (datetime.date(2026, 1, 1), datetime.date(2026, 6, 30))


@pytest.fixture
def reviewer(db, chaoyang):
    return UserFactory(username="t_district_2", roles=[Role.DISTRICT_OFFICIAL], district=chaoyang)


def _milestone(official, contract, start, end, amount):
    return services.milestone_add(contract=contract, by=official, title="服务费", amount=Decimal(amount),
                                  period_start=start, period_end=end)


def _evaluate(contract, official, reviewer, bureau, *, points, period=H1, captured=None):
    evaluation = create_and_open(official, contract=contract, period=period)
    walk_to_approval(evaluation, operator_user=operator_staff(contract.operator), scorer=official,
                     reviewer=reviewer, points=points)
    with captured(execute=True):
        approve(bureau, evaluation, requirements="完善服务台账。")
    return evaluation


def test_a_passed_evaluation_covering_the_period_allows_payment(official, reviewer, bureau,
                                                                django_capture_on_commit_callbacks):
    contract = active_contract(official)
    q1 = _milestone(official, contract, datetime.date(2026, 1, 1), datetime.date(2026, 3, 31), "300000.25")
    q3 = _milestone(official, contract, datetime.date(2026, 7, 1), datetime.date(2026, 9, 30), "299999.75")
    evaluation = create_and_open(official, contract=contract, period=H1)
    walk_to_approval(evaluation, operator_user=operator_staff(contract.operator), scorer=official,
                     reviewer=reviewer, points="80")
    with pytest.raises(ValidationError, match="尚无经市局审批通过的绩效评价"):  # not before the bureau approved
        services.milestone_approve(milestone=q1, by=official)
    with django_capture_on_commit_callbacks(execute=True):
        approve(bureau, evaluation)
    q1 = services.milestone_approve(milestone=q1, by=official)
    assert q1.status == PaymentMilestone.Status.APPROVED and q1.evaluation_number == evaluation.number
    with pytest.raises(ValidationError, match="2026年7月1日至2026年9月30日"):  # the evaluation does not cover Q3
        services.milestone_approve(milestone=q3, by=official)
    with pytest.raises(ValidationError, match="支付凭证号"):
        services.milestone_mark_paid(milestone=q1, by=official, paid_on=datetime.date.today(), reference=" ")
    q1 = services.milestone_mark_paid(milestone=q1, by=official, paid_on=datetime.date.today(), reference="PZ-0001")
    q1.refresh_from_db()
    assert (q1.status, q1.amount, q1.payment_reference) == ("paid", Decimal("300000.25"), "PZ-0001")


def test_rectification_outcome_does_not_allow_payment(official, reviewer, bureau,
                                                      django_capture_on_commit_callbacks):
    contract = active_contract(official)
    q1 = _milestone(official, contract, datetime.date(2026, 1, 1), datetime.date(2026, 3, 31), "1000.00")
    evaluation = _evaluate(contract, official, reviewer, bureau, points="60",
                           captured=django_capture_on_commit_callbacks)
    assert evaluation.outcome not in ("excellent", "pass")
    with pytest.raises(ValidationError, match="尚无经市局审批通过的绩效评价"):
        services.milestone_approve(milestone=q1, by=official)


def test_failed_evaluation_exits_and_bars_the_operator_from_the_next_selection(
        official, reviewer, bureau, django_capture_on_commit_callbacks):
    contract = active_contract(official)
    operator = contract.operator
    operator.licence_number = "京人服证字〔2024〕第0105000001号"
    operator.save()
    _evaluate(contract, official, reviewer, bureau, points="20", captured=django_capture_on_commit_callbacks)
    contract.refresh_from_db()
    assert (contract.status, contract.termination_kind) == ("terminated", "exit")
    assert all(m.needs_operator for m in contract.markets.all())
    rnd, _c, _m = selection(official, operators=0)
    (candidate,) = review(official, rnd, [apply(official, rnd, operator)])
    assert candidate.qualification == "disqualified"
    assert candidate.qualification_reasons[0].startswith(f"服务合同{contract.number}于")


def test_demo_settles_the_milestones_its_evaluations_cover(settings, monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    from procurement import demo

    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-2026")
    call_command("seed_demo", stdout=StringIO())
    demo.settle_milestones()  # idempotent whether or not the evaluations demo already called it
    assert demo.settle_milestones() == []
    approved = PaymentMilestone.objects.exclude(status=PaymentMilestone.Status.PLANNED)
    assert {m.status for m in approved} == {"approved", "paid"}
    for milestone in approved:
        assert milestone.evaluation_number.startswith("PJ-")

"""Service contracts: every transition and refusal, renewal chain, exit marks the markets, payment
milestones with exact decimals and the evaluation gate."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.fsm import TransitionRefused
from core.models import AuditEvent
from procurement import services
from procurement.models import PaymentMilestone, ServiceContract
from tests.factories import MarketFactory, OperatorFactory, ServiceContractFactory
from tests.procurement.helpers import active_contract

pytestmark = pytest.mark.django_db

S = ServiceContract.Status


def _statuses(contract):
    return [(e.from_state, e.to_state) for e in AuditEvent.objects.for_object(contract).filter(action="transition")]


def test_create_numbers_and_activation_assigns_the_markets(official):
    op = OperatorFactory()
    market = MarketFactory(district=official.district)  # run by another operator until now
    contract = services.contract_create(by=official, operator=op, district=official.district, markets=[market],
                                        amount=Decimal("360000.50"), start_date=datetime.date(2026, 1, 1),
                                        end_date=datetime.date(2026, 12, 31))
    assert contract.number.startswith("HT-2026-") and len(contract.number) == 14
    assert contract.status == S.DRAFT and contract.amount == Decimal("360000.50")
    contract = services.contract_activate(contract=contract, by=official)
    market.refresh_from_db()
    assert contract.status == S.ACTIVE and market.operator == op
    assert AuditEvent.objects.for_object(market).filter(name="assign_operator").count() == 1


def test_contracts_only_for_the_own_district(other_official, bureau):
    with pytest.raises(PermissionDenied, match="只能为本区签订合同"):
        services.contract_create(by=other_official, operator=OperatorFactory(), district=official_district(),
                                 markets=[MarketFactory()], amount="1.00", start_date=datetime.date(2026, 1, 1),
                                 end_date=datetime.date(2026, 12, 31))
    with pytest.raises(PermissionDenied):  # the bureau approves, it does not contract
        services.contract_create(by=bureau, operator=OperatorFactory(), district=official_district(),
                                 markets=[MarketFactory()], amount="1.00", start_date=datetime.date(2026, 1, 1),
                                 end_date=datetime.date(2026, 12, 31))


def official_district():
    from tests.factories import district

    return district("朝阳区")


def test_expire_task_runs_the_sweep(official):
    from procurement.tasks import expire_contracts_task

    today = datetime.date.today()
    over = active_contract(official, start_date=today - datetime.timedelta(days=40),
                           end_date=today - datetime.timedelta(days=2))
    assert expire_contracts_task() == 1 and expire_contracts_task() == 0
    over.refresh_from_db()
    assert over.status == S.EXPIRED


def test_amount_with_more_than_two_decimals_is_refused(official):
    with pytest.raises(ValidationError):
        services.contract_create(by=official, operator=OperatorFactory(), district=official.district,
                                 markets=[MarketFactory()], amount="1.005", start_date=datetime.date(2026, 1, 1),
                                 end_date=datetime.date(2026, 12, 31))


def test_overlapping_contract_for_the_same_market_cannot_take_effect(official):
    market = MarketFactory(district=official.district)
    first = active_contract(official, markets=[market])
    second = ServiceContractFactory(district=official.district, markets=[market])
    with pytest.raises(ValidationError, match=first.number):
        services.contract_activate(contract=second, by=official)


def test_every_transition(official):
    contract = active_contract(official)
    contract = services.contract_suspend(contract=contract, by=official, reason="安全隐患整改期间")
    assert contract.status == S.SUSPENDED and contract.suspension_reason == "安全隐患整改期间"
    contract = services.contract_resume(contract=contract, by=official)
    assert contract.status == S.ACTIVE and contract.suspension_reason == ""
    contract = services.contract_suspend(contract=contract, by=official, reason="再次暂停")
    contract = services.contract_terminate(contract=contract, by=official, on_date=datetime.date(2026, 6, 30),
                                           reason="双方协商一致解除", kind="mutual")
    assert (contract.status, contract.termination_kind, contract.terminated_on) == (
        S.TERMINATED, "mutual", datetime.date(2026, 6, 30))
    assert _statuses(contract) == [("draft", "active"), ("active", "suspended"), ("suspended", "active"),
                                   ("active", "suspended"), ("suspended", "terminated")]


def test_refusals_from_the_wrong_state(official):
    draft = ServiceContractFactory(district=official.district)
    with pytest.raises(TransitionRefused, match="暂停履行"):
        services.contract_suspend(contract=draft, by=official, reason="x")
    with pytest.raises(TransitionRefused, match="终止合同"):
        services.contract_terminate(contract=draft, by=official, on_date=datetime.date(2026, 2, 1), reason="x",
                                    kind="other")
    active = active_contract(official)
    with pytest.raises(TransitionRefused, match="合同生效"):
        services.contract_activate(contract=active, by=official)
    with pytest.raises(TransitionRefused, match="恢复履行"):
        services.contract_resume(contract=active, by=official)
    with pytest.raises(ValidationError):
        services.contract_suspend(contract=active, by=official, reason=" ")
    with pytest.raises(ValidationError):
        services.contract_terminate(contract=active, by=official, on_date=datetime.date(2026, 2, 1), reason="x",
                                    kind="whatever")
    with pytest.raises(ValidationError):
        services.contract_terminate(contract=active, by=official, on_date=datetime.date(2025, 2, 1), reason="x",
                                    kind="other")


def test_permissions(official, inspector, bureau, operator_user):
    draft = ServiceContractFactory(district=official.district)
    for user in (inspector, bureau, operator_user):
        with pytest.raises(PermissionDenied):
            services.contract_activate(contract=draft, by=user)
    active = services.contract_activate(contract=draft, by=official)
    with pytest.raises(PermissionDenied):
        services.contract_terminate(contract=active, by=operator_user, on_date=datetime.date(2026, 3, 1),
                                    reason="x", kind="other")
    # the bureau approves exits, which terminate the contract
    services.contract_terminate(contract=active, by=bureau, on_date=datetime.date(2026, 3, 1), reason="退出",
                                kind="exit")


def test_expire_only_after_the_end_date(official):
    today = datetime.date.today()
    running = active_contract(official, start_date=today - datetime.timedelta(days=10), end_date=today)
    with pytest.raises(TransitionRefused, match="合同到期"):
        services.contract_expire(contract=running, by=official)
    over = active_contract(official, start_date=today - datetime.timedelta(days=400),
                           end_date=today - datetime.timedelta(days=1))
    assert services.contracts_expire_due() == 1
    over.refresh_from_db()
    running.refresh_from_db()
    assert over.status == S.EXPIRED and over.expired_on == over.end_date and running.status == S.ACTIVE
    with pytest.raises(TransitionRefused):
        services.contract_suspend(contract=over, by=official, reason="x")


def test_exit_marks_every_market_as_needing_an_operator(official, bureau):
    markets = [MarketFactory(district=official.district) for _ in range(2)]
    contract = active_contract(official, markets=markets)
    services.contract_terminate(contract=contract, by=bureau, on_date=datetime.date(2026, 5, 31),
                                reason="绩效评价不合格", kind="exit")
    for market in markets:
        market.refresh_from_db()
        assert market.needs_operator and market.needs_operator_since == datetime.date(2026, 5, 31)
        assert AuditEvent.objects.for_object(market).filter(name="needs_operator").count() == 1
    # a new contract for the market clears the flag
    successor = ServiceContractFactory(district=official.district, markets=[markets[0]],
                                       start_date=datetime.date(2026, 6, 1), end_date=datetime.date(2027, 5, 31))
    services.contract_activate(contract=successor, by=official)
    markets[0].refresh_from_db()
    assert not markets[0].needs_operator and markets[0].operator == successor.operator


def test_mutual_termination_leaves_the_markets_alone(official):
    market = MarketFactory(district=official.district)
    contract = active_contract(official, markets=[market])
    services.contract_terminate(contract=contract, by=official, on_date=datetime.date(2026, 5, 31), reason="协商",
                                kind="mutual")
    market.refresh_from_db()
    assert not market.needs_operator


def test_renewal_chain(official):
    first = active_contract(official)
    second = services.contract_renew(contract=first, by=official, amount=Decimal("1300000.00"),
                                     end_date=datetime.date(2027, 12, 31))
    assert second.previous == first and second.start_date == datetime.date(2027, 1, 1)
    assert second.status == S.DRAFT and second.operator == first.operator
    assert set(second.markets.all()) == set(first.markets.all()) and second.amount == Decimal("1300000.00")
    with pytest.raises(ValidationError, match="已续签"):
        services.contract_renew(contract=first, by=official, amount="1", end_date=datetime.date(2028, 1, 1))
    services.contract_activate(contract=second, by=official)  # no overlap with the first
    third = services.contract_renew(contract=second, by=official, amount="1400000",
                                    end_date=datetime.date(2028, 12, 31))
    assert services.renewal_chain(second) == [first, second, third]
    assert services.renewal_chain(first) == [first, second, third]


def test_terminated_or_draft_contract_cannot_be_renewed(official):
    draft = ServiceContractFactory(district=official.district)
    with pytest.raises(ValidationError, match="不能续签"):
        services.contract_renew(contract=draft, by=official, amount="1", end_date=datetime.date(2027, 12, 31))
    gone = active_contract(official)
    services.contract_terminate(contract=gone, by=official, on_date=datetime.date(2026, 3, 1), reason="退出",
                                kind="exit")
    with pytest.raises(ValidationError, match="不能续签"):
        services.contract_renew(contract=gone, by=official, amount="1", end_date=datetime.date(2027, 12, 31))


# ---- milestones ---------------------------------------------------------------------------------------


def _milestone(official, contract, amount="300000.25", start=(2026, 1, 1), end=(2026, 3, 31)):
    return services.milestone_add(contract=contract, by=official, title="第一季度服务费", amount=Decimal(amount),
                                  period_start=datetime.date(*start), period_end=datetime.date(*end))


def test_milestones_stay_within_the_contract_amount_and_period(official):
    contract = active_contract(official, amount=Decimal("1000000.00"))
    _milestone(official, contract, "600000.00")
    _milestone(official, contract, "399999.99", (2026, 4, 1), (2026, 6, 30))
    with pytest.raises(ValidationError, match="超过合同金额"):
        _milestone(official, contract, "0.02", (2026, 7, 1), (2026, 9, 30))
    _milestone(official, contract, "0.01", (2026, 7, 1), (2026, 9, 30))
    assert sum(m.amount for m in contract.milestones.all()) == Decimal("1000000.00")
    with pytest.raises(ValidationError, match="考核期须在合同服务期内"):
        _milestone(official, active_contract(official), "1.00", (2025, 12, 1), (2026, 1, 31))


def test_payment_is_blocked_without_a_passed_evaluation(official):
    contract = active_contract(official)
    milestone = _milestone(official, contract)
    with pytest.raises(ValidationError, match="尚无经市局审批通过的绩效评价") as refused:
        services.milestone_approve(milestone=milestone, by=official)
    assert "2026年1月1日至2026年3月31日" in str(refused.value)
    milestone.refresh_from_db()
    assert milestone.status == PaymentMilestone.Status.PLANNED
    with pytest.raises(TransitionRefused, match="登记付款"):
        services.milestone_mark_paid(milestone=milestone, by=official, paid_on=datetime.date(2026, 4, 20),
                                     reference="PZ-1")


def test_only_payment_officers_approve(official, operator_user, bureau):
    milestone = _milestone(official, active_contract(official))
    for user in (operator_user, bureau):
        with pytest.raises(PermissionDenied):
            services.milestone_approve(milestone=milestone, by=user)


def test_services_refuse_another_districts_official(official, other_official, bureau):
    contract = active_contract(official)
    milestone = _milestone(official, contract)
    for call in (lambda: services.contract_suspend(contract=contract, by=other_official, reason="x"),
                 lambda: services.contract_terminate(contract=contract, by=other_official,
                                                     on_date=datetime.date(2026, 3, 1), reason="x", kind="other"),
                 lambda: services.contract_renew(contract=contract, by=other_official, amount="1",
                                                 end_date=datetime.date(2027, 12, 31)),
                 lambda: services.milestone_approve(milestone=milestone, by=other_official)):
        with pytest.raises(PermissionDenied, match="其他区"):
            call()
    contract.refresh_from_db()
    assert contract.status == S.ACTIVE

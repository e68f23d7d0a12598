"""The evaluation lifecycle through the pages and tasks: every transition, its refusals and the four-eyes
rule; the outcomes' consequences (closed and counted for payment; rectification and a linked follow-up;
exit terminating the contract; a public body never exits)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_fsm import can_proceed

from core.fsm import TransitionRefused
from core.models import AuditEvent, Deadline
from evaluations import services
from evaluations.flows import EvaluationFlow, open_process, open_task
from evaluations.models import Approval, Evaluation, Evidence, Outcome
from evaluations.selectors import passed_evaluation_covering
from tests.evaluations.helpers import (PERIOD, approve, client_for, create_and_open, make_contract, operator_staff,
                                       public_body, review, score, self_assess, walk_to_approval)
from tests.factories import Role, UserFactory

pytestmark = pytest.mark.django_db

S = Evaluation.Status


def _statuses(evaluation):
    return [e.to_state for e in AuditEvent.objects.for_object(evaluation).order_by("id")
            if e.action == AuditEvent.Action.TRANSITION]


def test_create_and_open_through_the_pages(official, contract):
    client = client_for(official)
    response = client.post("/staff/evaluation/evaluations/new/", {
        "contract": contract.pk, "period_start": "2026-01-01", "period_end": "2026-06-30"})
    assert response.status_code == 302, response.context["form"].errors
    evaluation = Evaluation.objects.get()
    assert evaluation.number.startswith("PJ-") and len(evaluation.number) == len("PJ-2026-000001")
    assert evaluation.status == S.DRAFT and evaluation.operator == contract.operator
    assert set(evaluation.markets.all()) == set(contract.markets.all())
    assert evaluation.rubric.is_frozen
    response = client.post(f"/staff/evaluation/evaluations/{evaluation.number}/open/")
    evaluation.refresh_from_db()
    assert evaluation.status == S.SELF_ASSESSMENT
    assert open_task(evaluation, EvaluationFlow.self_assess) is not None
    assert Deadline.objects.for_object(evaluation).get().kind == services.SELF_ASSESSMENT_KIND
    assert evaluation.due_at is not None


def test_one_evaluation_per_contract_and_period(official, contract):
    services.evaluation_create(by=official, period_start=PERIOD[0], period_end=PERIOD[1], contract=contract)
    with pytest.raises(ValidationError):
        services.evaluation_create(by=official, period_start=PERIOD[0], period_end=PERIOD[1], contract=contract)


def test_a_purchased_operator_needs_a_contract(official):
    from tests.factories import MarketFactory

    market = MarketFactory()
    with pytest.raises(ValidationError):
        services.evaluation_create(by=official, period_start=PERIOD[0], period_end=PERIOD[1],
                                   operator=market.operator, markets=[market])


def test_pass_walks_every_state_and_counts_for_payment(official, reviewer, bureau, contract, contract_staff,
                                                       django_capture_on_commit_callbacks):
    evaluation = create_and_open(official, contract=contract)
    self_assess(contract_staff, evaluation)
    assert evaluation.status == S.SCORING
    assert evaluation.served_count == 1000 and evaluation.self_submitted_by == contract_staff
    assert Evidence.objects.filter(evaluation=evaluation).count() == 3
    assert evaluation.scores.filter(indicator__kind="computed").count() == 6  # computed on submission
    assert evaluation.due_at is None  # the self-assessment deadline was met
    score(official, evaluation, points="80")
    assert evaluation.status == S.DISTRICT_REVIEW
    # 25 full-mark weights (no complaints) + 75 weights at 80 % = 85.
    assert evaluation.total_score == 85 and evaluation.outcome == Outcome.PASS
    assert evaluation.scored_by == official
    review(reviewer, evaluation)
    assert evaluation.status == S.BUREAU_APPROVAL
    assert passed_evaluation_covering(contract, *PERIOD) is None  # not before the bureau approved
    with django_capture_on_commit_callbacks(execute=True):
        approve(bureau, evaluation)
    assert evaluation.status == S.CLOSED and evaluation.approved_by == bureau
    assert _statuses(evaluation) == [S.SELF_ASSESSMENT, S.SCORING, S.DISTRICT_REVIEW, S.BUREAU_APPROVAL, S.CLOSED]
    assert list(evaluation.approvals.values_list("stage", "decision")) == [
        (Approval.Stage.DISTRICT_REVIEW, Approval.Decision.APPROVE),
        (Approval.Stage.BUREAU_APPROVAL, Approval.Decision.APPROVE)]
    assert open_process(evaluation) is None  # the flow ended
    assert passed_evaluation_covering(contract, datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)) == evaluation
    assert passed_evaluation_covering(contract, datetime.date(2026, 6, 1), datetime.date(2026, 7, 31)) is None


def test_excellent_outcome(official, reviewer, bureau, contract, contract_staff):
    evaluation = create_and_open(official, contract=contract)
    walk_to_approval(evaluation, operator_user=contract_staff, scorer=official, reviewer=reviewer, points="90")
    assert evaluation.outcome == Outcome.EXCELLENT and evaluation.total_score == 92.5
    approve(bureau, evaluation)
    assert evaluation.status == S.CLOSED
    assert passed_evaluation_covering(contract, *PERIOD) == evaluation


def test_review_and_approval_can_send_it_back_to_scoring(official, reviewer, bureau, contract, contract_staff):
    evaluation = create_and_open(official, contract=contract)
    self_assess(contract_staff, evaluation)
    score(official, evaluation)
    response = review(reviewer, evaluation, approve=False, opinion="", expect_redirect=False)
    assert response.status_code == 200  # a return needs a reason
    review(reviewer, evaluation, approve=False, opinion="培训记录不完整，请重新评分。")
    assert evaluation.status == S.SCORING
    score(official, evaluation, points="70")
    review(reviewer, evaluation)
    approve(bureau, evaluation, approve=False, opinion="数据报送得分偏高。")
    assert evaluation.status == S.SCORING
    score(official, evaluation, points="80")
    review(reviewer, evaluation)
    approve(bureau, evaluation)
    assert evaluation.status == S.CLOSED
    assert _statuses(evaluation) == [S.SELF_ASSESSMENT, S.SCORING, S.DISTRICT_REVIEW, S.SCORING, S.DISTRICT_REVIEW,
                                     S.BUREAU_APPROVAL, S.SCORING, S.DISTRICT_REVIEW, S.BUREAU_APPROVAL, S.CLOSED]
    assert evaluation.approvals.filter(decision=Approval.Decision.RETURN).count() == 2


# ---- four eyes -----------------------------------------------------------------------------------------


def test_the_scorer_cannot_review(official, reviewer, contract, contract_staff):
    evaluation = create_and_open(official, contract=contract)
    self_assess(contract_staff, evaluation)
    score(official, evaluation)
    with pytest.raises(PermissionDenied, match="四眼原则"):
        services.evaluation_review(evaluation=evaluation, by=official, approve=True, opinion="")
    # The review task is not even offered to the scorer.
    task = open_task(evaluation, EvaluationFlow.review)
    assert not EvaluationFlow.review.can_assign(official, task)
    assert EvaluationFlow.review.can_assign(reviewer, task)
    response = client_for(official).post(EvaluationFlow.review.reverse("assign", args=[task.process_id, task.pk]))
    assert response.status_code in (302, 403, 404)
    task.refresh_from_db()
    assert task.owner_id is None
    evaluation.refresh_from_db()
    assert evaluation.status == S.DISTRICT_REVIEW


def test_the_scorer_cannot_approve_even_as_a_bureau_official(chaoyang, official, reviewer, contract, contract_staff):
    both = UserFactory(username="t_both", roles=[Role.DISTRICT_OFFICIAL, Role.BUREAU_OFFICIAL], district=chaoyang)
    evaluation = create_and_open(official, contract=contract)
    self_assess(contract_staff, evaluation)
    score(both, evaluation)
    review(reviewer, evaluation)
    with pytest.raises(PermissionDenied, match="四眼原则"):
        services.evaluation_approve(evaluation=evaluation, by=both, approve=True)
    task = open_task(evaluation, EvaluationFlow.approve)
    assert not EvaluationFlow.approve.can_assign(both, task)
    # The transition itself refuses too (legality lives on the model).
    evaluation.refresh_from_db()
    from django_fsm import has_transition_perm

    assert not has_transition_perm(evaluation.approve_pass, both)


def test_only_a_bureau_official_approves(official, reviewer, chaoyang, contract, contract_staff):
    evaluation = create_and_open(official, contract=contract)
    walk_to_approval(evaluation, operator_user=contract_staff, scorer=official, reviewer=reviewer)
    third = UserFactory(username="t_district_3", roles=[Role.DISTRICT_OFFICIAL], district=chaoyang)
    with pytest.raises(PermissionDenied):
        services.evaluation_approve(evaluation=evaluation, by=third, approve=True)
    task = open_task(evaluation, EvaluationFlow.approve)
    assert not EvaluationFlow.approve.can_assign(reviewer, task)


# ---- refusals --------------------------------------------------------------------------------------------


def test_refused_transitions(official, reviewer, bureau, contract, contract_staff):
    evaluation = services.evaluation_create(by=official, period_start=PERIOD[0], period_end=PERIOD[1],
                                            contract=contract)
    with pytest.raises(TransitionRefused):  # not open yet
        services.evaluation_submit_self_assessment(evaluation=evaluation, by=contract_staff, served_count=10,
                                                   summary="x", statements={})
    with pytest.raises(PermissionDenied):  # operators do not open evaluations
        services.evaluation_open(evaluation=evaluation, by=contract_staff)
    services.evaluation_open(evaluation=evaluation, by=official)
    with pytest.raises(TransitionRefused):
        services.evaluation_open(evaluation=evaluation, by=official)
    with pytest.raises(TransitionRefused):  # no scoring before the self-assessment
        services.evaluation_submit_scores(evaluation=evaluation, by=official, scores={})
    with pytest.raises(ValidationError):  # every scored indicator needs a statement
        services.evaluation_submit_self_assessment(evaluation=evaluation, by=contract_staff, served_count=10,
                                                   summary="自评", statements={})
    with pytest.raises(ValidationError):
        services.evaluation_submit_self_assessment(evaluation=evaluation, by=contract_staff, served_count=0,
                                                   summary="自评", statements={})
    self_assess(contract_staff, evaluation)
    with pytest.raises(TransitionRefused):  # submitted once
        services.evaluation_submit_self_assessment(
            evaluation=evaluation, by=contract_staff, served_count=10, summary="自评",
            statements={i.pk: ("说明", None) for i in services.scored_indicators(evaluation)})
    with pytest.raises(ValidationError):  # evaluator-scored indicators need a score
        services.evaluation_submit_scores(evaluation=evaluation, by=official, scores={})
    with pytest.raises(PermissionDenied):  # the bureau does not score
        services.evaluation_submit_scores(
            evaluation=evaluation, by=bureau,
            scores={i.pk: ("80", "说明") for i in evaluation.rubric.indicators.all()})
    with pytest.raises(TransitionRefused):  # no approval before the review
        services.evaluation_approve(evaluation=evaluation, by=bureau, approve=True)
    with pytest.raises(TransitionRefused):
        services.evaluation_submit_plan(evaluation=evaluation, by=contract_staff, plan="计划",
                                        complete_by=datetime.date.today() + datetime.timedelta(days=30))
    score(official, evaluation)
    with pytest.raises(TransitionRefused):  # no cancelling once scored
        services.evaluation_cancel(evaluation=evaluation, by=official, reason="误建")


def test_another_operator_cannot_submit_the_self_assessment(official, contract, contract_staff):
    evaluation = create_and_open(official, contract=contract)
    other = operator_staff(make_contract().operator, username="t_other_op")
    response = client_for(other).get(f"/staff/evaluation/evaluations/{evaluation.number}/self-assessment/")
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        services.evaluation_submit_self_assessment(
            evaluation=evaluation, by=other, served_count=10, summary="自评",
            statements={i.pk: ("说明", None) for i in services.scored_indicators(evaluation)})
    # Staff cannot submit it for the operator either.
    response = client_for(official).get(f"/staff/evaluation/evaluations/{evaluation.number}/self-assessment/")
    assert response.status_code == 403


def test_cancel_before_scoring_ends_the_flow(official, contract):
    evaluation = create_and_open(official, contract=contract)
    with pytest.raises(ValidationError):
        services.evaluation_cancel(evaluation=evaluation, by=official, reason=" ")
    response = client_for(official).post(f"/staff/evaluation/evaluations/{evaluation.number}/cancel/",
                                         {"reason": "评价期间填错，重新发起。"})
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == S.CANCELLED and open_process(evaluation) is None
    assert evaluation.due_at is None
    # The period may be evaluated again.
    services.evaluation_create(by=official, period_start=PERIOD[0], period_end=PERIOD[1], contract=contract)


# ---- outcomes ----------------------------------------------------------------------------------------------


def test_rectify_plan_and_follow_up(official, reviewer, bureau, contract, contract_staff,
                                    django_capture_on_commit_callbacks):
    # The follow-up starts at the approval (today): the contract must still run then, whatever today is.
    from procurement.models import ServiceContract

    ServiceContract.objects.filter(pk=contract.pk).update(
        end_date=max(contract.end_date, datetime.date.today() + datetime.timedelta(days=30)))
    contract.refresh_from_db()
    evaluation = create_and_open(official, contract=contract)
    walk_to_approval(evaluation, operator_user=contract_staff, scorer=official, reviewer=reviewer, points="60")
    assert evaluation.outcome == Outcome.RECTIFY and evaluation.total_score == 70
    response = approve(bureau, evaluation, requirements="", opinion="", expect_redirect=False)
    assert response.status_code == 200  # rectification needs requirements
    with django_capture_on_commit_callbacks(execute=True):
        approve(bureau, evaluation, requirements="补齐培训台账，每月报送数据。")
    assert evaluation.status == S.RECTIFICATION
    plan_deadline = Deadline.objects.for_object(evaluation).get(kind=services.PLAN_KIND)
    assert evaluation.due_at == plan_deadline.due_at
    assert passed_evaluation_covering(contract, *PERIOD) is None
    # The operator submits its plan on its page.
    page = f"/staff/evaluation/evaluations/{evaluation.number}/plan/"
    complete_by = datetime.date.today() + datetime.timedelta(days=60)
    response = client_for(contract_staff).post(page, {"plan": "一、建立培训台账；二、指定数据报送专人。",
                                                      "complete_by": complete_by.isoformat()})
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == S.FOLLOW_UP_PENDING and evaluation.plan_complete_by == complete_by
    assert evaluation.due_at is None
    # The district starts the follow-up evaluation; the original closes and links to it.
    from tests.evaluations.helpers import do_task

    do_task(official, evaluation, EvaluationFlow.follow_up, {})
    assert evaluation.status == S.CLOSED
    follow_up = evaluation.follow_ups.get()
    assert follow_up.status == S.DRAFT and follow_up.contract == contract
    assert follow_up.period_end == min(complete_by, contract.end_date)  # the default stops at the term's end
    assert _statuses(evaluation)[-3:] == [S.RECTIFICATION, S.FOLLOW_UP_PENDING, S.CLOSED]
    assert open_process(evaluation) is None


def test_fail_under_a_contract_exits_and_terminates_the_contract(official, reviewer, bureau, contract,
                                                                  contract_staff, django_capture_on_commit_callbacks):
    from django.utils import timezone

    evaluation = create_and_open(official, contract=contract)
    walk_to_approval(evaluation, operator_user=contract_staff, scorer=official, reviewer=reviewer, points="20")
    assert evaluation.outcome == Outcome.FAIL and evaluation.total_score == 40
    with django_capture_on_commit_callbacks(execute=True):
        approve(bureau, evaluation, opinion="综合得分40分，不合格，予以退出。")
    assert evaluation.status == S.EXITED
    assert evaluation.exit_on == timezone.localdate()
    contract.refresh_from_db()
    assert contract.status == "terminated"
    assert (contract.termination_kind, contract.terminated_on) == ("exit", evaluation.exit_on)
    # The operator is barred: procurement derives the bar from exits.
    from procurement.models import ServiceContract

    assert ServiceContract.objects.exits_since(evaluation.exit_on).filter(operator=contract.operator).exists()
    # Its markets need a new operator.
    assert all(m.needs_operator for m in contract.markets.all())
    assert open_process(evaluation) is None


def test_a_public_body_never_exits(official, reviewer, bureau):
    operator, market = public_body()
    staff = operator_staff(operator)
    evaluation = create_and_open(official, operator=operator, markets=[market])
    assert evaluation.contract is None and evaluation.is_public_body
    walk_to_approval(evaluation, operator_user=staff, scorer=official, reviewer=reviewer, points="20")
    assert evaluation.outcome == Outcome.FAIL
    assert not can_proceed(evaluation.approve_exit)  # the exit transition does not apply to a public body
    approve(bureau, evaluation, requirements="重新配备专职工作人员，完善服务台账。")
    assert evaluation.status == S.RECTIFICATION
    assert evaluation.exit_on is None

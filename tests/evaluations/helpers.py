"""Drive the evaluation flow the way people do: through the task views and the operator's pages."""

import datetime

from django.test import Client

import config.urls  # noqa: F401  (viewflow wires node URL namespaces when the URLconf loads)
from viewflow.workflow import STATUS

from evaluations import services
from evaluations.flows import EvaluationFlow, open_task
from evaluations.models import Evaluation
from markets.models import Operator
from tests.core.filesamples import PDF_BYTES, upload
from tests.factories import MarketFactory, OperatorFactory, Role, UserFactory, district

PERIOD = (datetime.date(2026, 1, 1), datetime.date(2026, 6, 30))


def make_contract(operator=None, markets=None, **kwargs):
    """An active service contract of ``operator`` for ``markets`` (a new Chaoyang market by default)."""
    from tests.factories import ServiceContractFactory

    operator = operator or OperatorFactory()
    markets = markets or [MarketFactory(operator=operator, district=district("朝阳区"))]
    kwargs.setdefault("status", "active")
    return ServiceContractFactory(operator=operator, markets=markets, district=markets[0].district, **kwargs)


def public_body(**kwargs):
    """A public employment service running a Chaoyang market itself."""
    operator = OperatorFactory(kind=Operator.Kind.PUBLIC, **kwargs)
    market = MarketFactory(operator=operator, district=district("朝阳区"))
    return operator, market


def operator_staff(operator, username=None):
    return UserFactory(username=username or f"op_{operator.pk}", roles=[Role.OPERATOR], district=None,
                       organization=operator.organization)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def create_and_open(official, *, contract=None, operator=None, markets=None, period=PERIOD):
    evaluation = services.evaluation_create(by=official, period_start=period[0], period_end=period[1],
                                            contract=contract, operator=operator, markets=markets)
    return services.evaluation_open(evaluation=evaluation, by=official)


def self_assess(operator_user, evaluation, *, served=1000, with_file=True, expect_redirect=True):
    """Post the operator's portal form (every scored indicator answered, one file each)."""
    data = {"served_count": served, "summary": "本期共举办招聘对接活动12场，服务零工人员和用工主体。"}
    for indicator in services.scored_indicators(evaluation):
        data[f"statement_{indicator.pk}"] = f"{indicator.name}：按要求落实。"
        data[f"self_score_{indicator.pk}"] = "85"
        if with_file:
            data[f"files_{indicator.pk}"] = upload(f"{indicator.code}.pdf", PDF_BYTES)
    response = client_for(operator_user).post(
        f"/staff/evaluation/evaluations/{evaluation.number}/self-assessment/", data)
    if expect_redirect:
        assert response.status_code == 302, (response.status_code, response.context and response.context["form"].errors)
    evaluation.refresh_from_db()
    return response


def do_task(user, evaluation, node, data, *, expect_redirect=True):
    """Claim the task if needed, then post the form as ``user``. Returns the response."""
    client = client_for(user)
    task = open_task(evaluation, node)
    assert task is not None, f"no open {node.name} task"
    if task.status == STATUS.NEW:
        response = client.post(node.reverse("assign", args=[task.process_id, task.pk]))
        assert response.status_code == 302, response.status_code
    response = client.post(node.reverse("execute", args=[task.process_id, task.pk]), data)
    if expect_redirect:
        assert response.status_code == 302, (response.status_code, response.context and response.context.get("form")
                                             and response.context["form"].errors)
    evaluation.refresh_from_db()
    return response


def score(scorer, evaluation, *, points="80", note="材料齐全。"):
    """Score every indicator the evaluator scores with ``points``."""
    data = {"note": "按指标体系评分。"}
    existing = {s.indicator_id: s for s in evaluation.scores.all()}
    for indicator in evaluation.rubric.indicators.all():
        if services.needs_evaluator_score(indicator, existing.get(indicator.pk)):
            data[f"score_{indicator.pk}"] = points
            data[f"note_{indicator.pk}"] = note
    return do_task(scorer, evaluation, EvaluationFlow.score, data)


def review(reviewer, evaluation, *, approve=True, opinion="同意。", **kwargs):
    return do_task(reviewer, evaluation, EvaluationFlow.review,
                   {"decision": "approve" if approve else "return", "opinion": opinion}, **kwargs)


def approve(approver, evaluation, *, approve=True, opinion="同意。", requirements="", **kwargs):
    return do_task(approver, evaluation, EvaluationFlow.approve,
                   {"decision": "approve" if approve else "return", "opinion": opinion,
                    "requirements": requirements}, **kwargs)


def walk_to_approval(evaluation, *, operator_user, scorer, reviewer, points="80"):
    self_assess(operator_user, evaluation)
    score(scorer, evaluation, points=points)
    review(reviewer, evaluation)
    assert evaluation.status == Evaluation.Status.BUREAU_APPROVAL
    return evaluation

"""``evaluations.demo.seed`` (after ``seed_demo``'s base data and procurement's contracts): evaluations in every
state through services and flow tasks, with the four-eyes rule kept; idempotent; and seed_demo runs it after
procurement's demo."""

import io

import pytest
from django.core.management import call_command

from evaluations import demo
from evaluations.models import Evaluation

pytestmark = pytest.mark.django_db
S = Evaluation.Status


def test_seed_makes_every_state_and_is_idempotent(settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", "--cases", "0", stdout=out)  # procurement's demo, then this one
    assert "绩效评价：" in out.getvalue(), out.getvalue()
    assert set(Evaluation.objects.values_list("status", flat=True)) == set(S.values)
    assert set(Evaluation.objects.filter(status=S.CLOSED).values_list("outcome", flat=True)) >= {
        "excellent", "pass", "rectify"}
    assert Evaluation.objects.filter(status=S.FOLLOW_UP_PENDING, contract__isnull=True).exists()  # a public body
    exited = Evaluation.objects.get(status=S.EXITED)
    exited.contract.refresh_from_db()
    assert exited.contract.status == "terminated" and exited.contract.operator.name == demo.EXIT_OPERATOR
    # The milestones that the passed 2025 evaluations cover were approved for payment.
    from procurement.models import PaymentMilestone

    approved = PaymentMilestone.objects.exclude(status="planned")
    assert approved.exists() and all(m.evaluation_number.startswith("PJ-") for m in approved)
    for evaluation in Evaluation.objects.exclude(scored_by=None):
        assert evaluation.approvals.filter(decided_by=evaluation.scored_by).count() == 0  # four eyes
    count = Evaluation.objects.count()
    demo.seed(stdout=io.StringIO())
    assert Evaluation.objects.count() == count


def test_seed_demo_runs_evaluations_after_procurement():
    from django.apps import apps

    from core.management.commands.seed_demo import _demo_order

    names = [c.name for c in _demo_order(apps.get_app_configs())]
    assert names.index("evaluations") == names.index("procurement") + 1

"""Reads of evaluations that other apps make (procurement's payment-milestone gate)."""

from .models import Evaluation


def passed_evaluation_covering(contract, period_start, period_end):
    """The approved evaluation of ``contract`` with outcome excellent or pass whose period covers
    ``period_start``..``period_end``, or None: a payment milestone for that period may be approved only
    when there is one (funds tied to performance, clause (九)). The newest approval wins."""
    return (Evaluation.objects
            .filter(contract=contract, status=Evaluation.Status.CLOSED, outcome__in=Evaluation.PASSING,
                    approved_at__isnull=False, period_start__lte=period_start, period_end__gte=period_end)
            .order_by("-approved_at", "-pk").first())

"""Celery entry points of the inspections app. Tasks take plain values, re-read state and are safe to run
twice (``inspection_plan_month`` plans a market at most once a month)."""

from celery import shared_task
from django.utils import timezone


@shared_task(name="inspections.tasks.plan_inspections_task")
def plan_inspections_task(year: int | None = None, month: int | None = None) -> list[str]:
    """Plan the routine inspections of ``year``/``month`` (default: the current month in Beijing time) and
    return the new inspections' numbers. Run by beat on the 1st of each month; a missed or repeated run
    plans nothing twice."""
    from .services import inspection_plan_month

    if year is None or month is None:
        today = timezone.localdate()
        year, month = today.year, today.month
    return [inspection.number for inspection in inspection_plan_month(year=year, month=month)]

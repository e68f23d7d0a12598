"""Celery entry points of the procurement app. Tasks take plain values, re-read state and are safe to run
twice."""

from celery import shared_task


@shared_task(name="procurement.tasks.expire_contracts_task")
def expire_contracts_task() -> int:
    """Expire every running service contract whose period ended (run daily by beat); returns how many."""
    from .services import contracts_expire_due

    return contracts_expire_due()

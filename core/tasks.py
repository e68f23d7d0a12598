"""Celery entry points of the core app. Each task lives next to its logic and is re-exported here so that
``autodiscover_tasks`` finds it; tasks take IDs and are idempotent."""

from .deadlines import check_calendar_loaded_task, sweep_deadlines_task  # noqa: F401
from .documents import render_document_task  # noqa: F401
from .notify import send_notification_task  # noqa: F401
from .queue import run_batch_task  # noqa: F401

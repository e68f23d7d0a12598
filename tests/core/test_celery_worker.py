"""A real Celery worker on Redis (production's setup, not the eager embedded default) picks notification
tasks up by ID, sends each once, and survives the same message twice."""

import time

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings

from config.celery_app import app as project_app
from core.models import Notification
from core.notify import notify_sms, send_notification_task
from tests.core.test_notify import PHONE, RecordingSMSBackend

# The worker thread has its own database connection: it sees only committed rows, hence transaction=True.
uses_worker_db = pytest.mark.django_db(transaction=True)


def _wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def redis_app(redis_url):
    """The project's Celery configuration with a Redis broker and eager mode off, as a separate app made
    current for this test only (the project app and its eager config are left untouched)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()  # no messages left over from an earlier run
    app = Celery("gigcase-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=redis_url, result_backend=redis_url, task_always_eager=False,
                    broker_connection_retry_on_startup=False)
    app.set_current()
    try:
        yield app
    finally:
        app.close()
        project_app.set_current()
        project_app.set_default()
        client.flushdb()
        client.close()


@pytest.fixture
def worker(redis_app):
    with start_worker(redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as w:
        yield w


@pytest.fixture
def recording_backend(settings):
    settings.GIGCASE_SMS_BACKEND = "tests.core.test_notify.RecordingSMSBackend"
    RecordingSMSBackend.sent = []
    yield RecordingSMSBackend
    RecordingSMSBackend.sent = []


@pytest.mark.redis
def test_the_test_app_really_uses_the_broker(redis_app, redis_url):
    assert redis_app.conf.task_always_eager is False
    assert redis_app.conf.broker_url == redis_url
    assert send_notification_task._get_current_object().app is redis_app
    # The production settings this test stands for.
    assert redis_app.conf.task_acks_late is True
    assert redis_app.conf.task_reject_on_worker_lost is True
    assert redis_app.conf.worker_prefetch_multiplier == 1


@pytest.mark.redis
@uses_worker_db
def test_worker_sends_a_queued_notification(worker, recording_backend):
    n = notify_sms(PHONE, "您的投诉已受理，受理编号 TS-2026-000001。")  # autocommit: enqueued at once

    assert _wait_for(lambda: Notification.objects.get(pk=n.pk).status == Notification.Status.SENT), (
        "the worker did not send the notification in time")
    n.refresh_from_db()
    assert n.sent_at is not None
    assert recording_backend.sent == [(n.pk, PHONE, "您的投诉已受理，受理编号 TS-2026-000001。")]


@pytest.mark.redis
@uses_worker_db
def test_the_same_task_delivered_twice_sends_once(worker, recording_backend):
    n = Notification.objects.create(channel=Notification.Channel.SMS, to_address=PHONE, body="提醒")
    first = send_notification_task.delay(notification_id=n.pk)
    second = send_notification_task.delay(notification_id=n.pk)
    assert first.get(timeout=20) == Notification.Status.SENT
    assert second.get(timeout=20) == Notification.Status.SENT
    assert recording_backend.sent == [(n.pk, PHONE, "提醒")]


def test_default_backend_is_the_database_backend():
    assert django_settings.GIGCASE_SMS_BACKEND == "core.notify.DatabaseSMSBackend"


def test_a_worker_finds_every_scheduled_and_queued_task_by_name():
    """What `celery -A config worker` registers through autodiscovery: the beat schedule and the on-commit
    calls refer to tasks by name, so a missing registration only shows up in production."""
    project_app.loader.import_default_modules()
    names = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    names.add("core.tasks.send_notification_task")
    assert names <= set(project_app.tasks)


def test_project_app_stays_eager_for_the_embedded_default():
    """Runs after the worker tests in this module: they must have left the project app as it was."""
    assert project_app.conf.task_always_eager is True
    assert send_notification_task._get_current_object().app is project_app

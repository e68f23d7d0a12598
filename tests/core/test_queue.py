"""core.queue: the tasks a transaction queues inside ``one_message()`` reach the broker as one message after
commit, which a real worker fans out into the original tasks; a rolled-back savepoint's task is dropped."""

import json

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from core.models import Notification
from core.notify import notify_sms
from core.queue import one_message
from tests.core.test_celery_worker import _wait_for, recording_backend, redis_app  # noqa: F401
from tests.core.test_notify import PHONE

uses_worker_db = pytest.mark.django_db(transaction=True)
OTHER = "13912345678"


def _messages(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        return [json.loads(raw)["headers"]["task"] for raw in client.lrange("celery", 0, -1)]
    finally:
        client.close()


@pytest.mark.redis
@uses_worker_db
def test_two_tasks_one_publish_then_the_worker_runs_both(redis_app, redis_url, recording_backend):  # noqa: F811
    with transaction.atomic(), one_message():
        first = notify_sms(PHONE, "一")
        second = notify_sms(OTHER, "二")
        assert _messages(redis_url) == []  # nothing before commit
    assert _messages(redis_url) == ["core.tasks.run_batch_task"]
    with start_worker(redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        assert _wait_for(lambda: Notification.objects.filter(
            pk__in=[first.pk, second.pk], status=Notification.Status.SENT).count() == 2)
    assert sorted(recording_backend.sent) == sorted([(first.pk, PHONE, "一"), (second.pk, OTHER, "二")])


@pytest.mark.redis
@uses_worker_db
def test_a_rolled_back_savepoint_drops_its_task(redis_app, redis_url):  # noqa: F811
    with transaction.atomic(), one_message():
        kept = notify_sms(PHONE, "保留")
        with pytest.raises(RuntimeError), transaction.atomic():
            notify_sms(OTHER, "回滚")
            raise RuntimeError
    # One task left: published as itself, not as a batch.
    assert _messages(redis_url) == ["core.tasks.send_notification_task"]
    assert list(Notification.objects.values_list("pk", flat=True)) == [kept.pk]


@pytest.mark.redis
@uses_worker_db
def test_a_block_that_raises_publishes_nothing(redis_app, redis_url):  # noqa: F811
    with pytest.raises(RuntimeError), transaction.atomic(), one_message():
        notify_sms(PHONE, "回滚")
        raise RuntimeError
    assert _messages(redis_url) == []
    assert not Notification.objects.exists()

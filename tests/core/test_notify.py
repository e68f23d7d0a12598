"""Notifications: queued on commit, sent once through the configured backend, retried then marked failed,
deduplicated by key, phone numbers masked in logs. Celery runs eagerly here (the embedded default);
tests/core/test_celery_worker.py runs the same task on a real worker."""

import logging
import threading

import pytest
from django.core import mail
from django.db import connection, transaction

from core.models import AuditEvent, Notification
from core.notify import ConsoleSMSBackend, notify_sms, notify_user, send_notification_task
from tests.factories import MarketFactory, UserFactory

PHONE = "13912345678"

pytestmark = pytest.mark.django_db


class RecordingSMSBackend:
    """A gateway stand-in that remembers what it delivered (shared by the worker test)."""

    sent: list[tuple[int, str, str]] = []

    def send(self, notification):
        self.sent.append((notification.pk, notification.to_address, notification.body))


class FlakySMSBackend:
    """Fails ``failures_left`` times, then delivers: a gateway with a bad minute."""

    attempts = 0
    failures_left = 0

    def send(self, notification):
        type(self).attempts += 1
        if type(self).failures_left > 0:
            type(self).failures_left -= 1
            raise ConnectionError(f"gateway down while sending to {notification.to_address}")


@pytest.fixture
def recording_backend(settings):
    settings.GIGCASE_SMS_BACKEND = "tests.core.test_notify.RecordingSMSBackend"
    RecordingSMSBackend.sent = []
    yield RecordingSMSBackend
    RecordingSMSBackend.sent = []


@pytest.fixture
def flaky_backend(settings):
    settings.GIGCASE_SMS_BACKEND = "tests.core.test_notify.FlakySMSBackend"
    FlakySMSBackend.attempts = 0
    FlakySMSBackend.failures_left = 0
    return FlakySMSBackend


# ---- queueing ---------------------------------------------------------------------------------


def test_sms_is_queued_and_sent_only_after_commit(django_capture_on_commit_callbacks, recording_backend):
    with django_capture_on_commit_callbacks() as callbacks:
        n = notify_sms(PHONE, "您的投诉已受理。", dedupe_key="c:1:accepted")
        assert Notification.objects.get(pk=n.pk).status == Notification.Status.QUEUED
        assert recording_backend.sent == []
    assert len(callbacks) == 1

    callbacks[0]()
    n.refresh_from_db()
    assert n.status == Notification.Status.SENT and n.sent_at is not None
    assert (n.channel, n.to_address, n.error) == (Notification.Channel.SMS, PHONE, "")
    assert recording_backend.sent == [(n.pk, PHONE, "您的投诉已受理。")]


def test_default_database_backend_marks_the_row_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        n = notify_sms(PHONE, "您的投诉已受理。")
    n.refresh_from_db()
    assert n.status == Notification.Status.SENT


def test_rolled_back_caller_sends_nothing(django_capture_on_commit_callbacks, recording_backend):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            notify_sms(PHONE, "不会发出")
            raise RuntimeError("the service failed after queueing")
    assert not Notification.objects.exists()
    assert recording_backend.sent == []


def test_dedupe_key_returns_the_first_row_and_does_not_enqueue_again(django_capture_on_commit_callbacks,
                                                                      recording_backend):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = notify_sms(PHONE, "提醒", dedupe_key="deadline:7:remind")
    with django_capture_on_commit_callbacks(execute=True) as again:
        second = notify_sms(PHONE, "提醒", dedupe_key="deadline:7:remind")
    assert second.pk == first.pk
    assert (len(callbacks), len(again)) == (1, 0)
    assert Notification.objects.count() == 1
    assert len(recording_backend.sent) == 1


def test_notify_sms_needs_a_number():
    with pytest.raises(ValueError):
        notify_sms("", "无号码")


def test_inbox_message_is_the_row_itself(django_capture_on_commit_callbacks, intake):
    market = MarketFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        n = notify_user(intake, "新投诉待受理", "TS-2026-000001 待受理", target=market)
    assert callbacks == []  # nothing for a worker to do
    n = Notification.objects.get(pk=n.pk)
    assert (n.channel, n.status, n.recipient) == (Notification.Channel.INBOX, Notification.Status.SENT, intake)
    assert n.target == market
    assert list(intake.notifications.all()) == [n]


def test_email_goes_through_django_mail(django_capture_on_commit_callbacks, db):
    user = UserFactory(email="mediator@example.gov.cn")
    with django_capture_on_commit_callbacks(execute=True):
        n = notify_user(user, "调解期限将至", "TJ-2026-000003 还有 3 个工作日到期。",
                        channel=Notification.Channel.EMAIL)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["mediator@example.gov.cn"]
    assert mail.outbox[0].subject == "调解期限将至"
    n.refresh_from_db()
    assert n.status == Notification.Status.SENT


def test_email_to_a_user_without_address_is_refused(db):
    with pytest.raises(ValueError):
        notify_user(UserFactory(email=""), "x", "y", channel=Notification.Channel.EMAIL)


# ---- the task ---------------------------------------------------------------------------------


def _queued(**kwargs):
    return Notification.objects.create(channel=Notification.Channel.SMS, to_address=PHONE, body="您好", **kwargs)


def test_task_is_idempotent(recording_backend):
    n = _queued()
    send_notification_task.apply(kwargs={"notification_id": n.pk})
    send_notification_task.apply(kwargs={"notification_id": n.pk})
    assert recording_backend.sent == [(n.pk, PHONE, "您好")]


def test_task_for_a_missing_row_does_nothing(recording_backend):
    result = send_notification_task.apply(kwargs={"notification_id": 999999})
    assert result.successful() and result.result is None
    assert recording_backend.sent == []


def test_transient_failure_is_retried_and_then_sent(flaky_backend):
    flaky_backend.failures_left = 2
    n = _queued()
    send_notification_task.apply(kwargs={"notification_id": n.pk})
    n.refresh_from_db()
    assert flaky_backend.attempts == 3
    assert n.status == Notification.Status.SENT and n.error == ""


def test_retries_are_bounded_and_the_row_is_marked_failed(flaky_backend, caplog):
    flaky_backend.failures_left = 100
    n = _queued()
    with caplog.at_level(logging.WARNING, logger="core.notify"):
        result = send_notification_task.apply(kwargs={"notification_id": n.pk})
    assert result.failed()
    assert flaky_backend.attempts == 1 + send_notification_task.max_retries == 6
    n.refresh_from_db()
    assert n.status == Notification.Status.FAILED and n.sent_at is None
    assert n.error == "ConnectionError: gateway down while sending to 139****5678"
    assert "139****5678" in caplog.text and PHONE not in caplog.text


def test_console_backend_logs_the_body_with_the_number_masked(caplog):
    n = _queued()
    with caplog.at_level(logging.INFO, logger="core.notify"):
        ConsoleSMSBackend().send(n)
    assert "139****5678" in caplog.text and "您好" in caplog.text
    assert PHONE not in caplog.text


def test_sending_about_a_case_leaves_a_masked_audit_row(django_capture_on_commit_callbacks):
    market = MarketFactory()
    with django_capture_on_commit_callbacks(execute=True):
        n = notify_sms(PHONE, "市场暂停运营", target=market)
    event = AuditEvent.objects.for_object(market).get()
    assert event.action == AuditEvent.Action.NOTIFY
    assert event.data["notification"] == n.pk and event.data["to"] == "139****5678"
    assert PHONE not in event.canonical()


# ---- concurrency ------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_with_one_dedupe_key_get_one_row(recording_backend):
    barrier = threading.Barrier(8)
    results, errors = [], []

    def call():
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                results.append(notify_sms(PHONE, "同一提醒", dedupe_key="race:1").pk)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert len(results) == 8 and len(set(results)) == 1
    assert Notification.objects.count() == 1

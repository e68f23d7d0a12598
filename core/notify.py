"""Outbound notifications: SMS to the public, e-mail and in-app messages to staff.

``notify_sms`` / ``notify_user`` write a ``core.Notification`` row (the record of what was sent) and
enqueue ``send_notification_task`` on commit; the task re-reads the row under a lock and sends it through
the configured backend, so running it twice never sends twice. There is no SMS gateway in this project:
the default ``DatabaseSMSBackend`` only marks the row sent so staff can see what would have gone out. A
real gateway plugs in through ``settings.GIGCASE_SMS_BACKEND`` (a class with ``send(notification)`` that
raises on failure). Phone numbers are masked in every log line.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .masking import mask_phone
from .models import AuditEvent, Notification
from .queue import enqueue_on_commit
from .statements import insert_returning

logger = logging.getLogger(__name__)


# ---- backends ---------------------------------------------------------------------------------


class BaseSMSBackend:
    """The SMS backend interface: ``send`` delivers one message or raises (the task then retries)."""

    def send(self, notification: Notification) -> None:
        raise NotImplementedError


class DatabaseSMSBackend(BaseSMSBackend):
    """The default: no gateway, the Notification row itself is the record (the task marks it sent)."""

    def send(self, notification: Notification) -> None:
        logger.info("SMS #%s recorded for %s (no gateway configured)", notification.pk,
                    mask_phone(notification.to_address))


class ConsoleSMSBackend(BaseSMSBackend):
    """For development: writes the message to the log. The body is logged, the number is masked."""

    def send(self, notification: Notification) -> None:
        logger.warning("SMS #%s to %s: %s", notification.pk, mask_phone(notification.to_address),
                       notification.body)


def get_sms_backend() -> BaseSMSBackend:
    return import_string(settings.GIGCASE_SMS_BACKEND)()


# ---- queueing ---------------------------------------------------------------------------------


def notify_sms(phone, body, *, target=None, dedupe_key=None) -> Notification:
    """Queue an SMS to ``phone`` about ``target`` (optional). With ``dedupe_key``, a second call with the
    same key returns the first row and sends nothing (e.g. ``"complaint:12:accepted"``)."""
    if not phone:
        raise ValueError("notify_sms needs a phone number")
    return _queue(channel=Notification.Channel.SMS, to_address=phone, subject="", body=body,
                  target=target, dedupe_key=dedupe_key)


def notify_user(user, subject, body, *, target=None, dedupe_key=None,
                channel=Notification.Channel.INBOX) -> Notification:
    """Send ``user`` an in-app message (the default; the row is the message) or, with
    ``channel=Notification.Channel.EMAIL``, an e-mail to ``user.email``. Same ``dedupe_key`` rule."""
    to_address = ""
    if channel == Notification.Channel.EMAIL:
        if not user.email:
            raise ValueError("notify_user(channel=EMAIL) needs a user with an e-mail address")
        to_address = user.email
    elif channel == Notification.Channel.SMS:
        raise ValueError("use notify_sms for text messages")
    return _queue(channel=channel, recipient=user, to_address=to_address, subject=subject, body=body,
                  target=target, dedupe_key=dedupe_key)


@transaction.atomic(savepoint=False)  # one statement below; nothing to catch
def _queue(*, channel, body, subject="", to_address="", recipient=None, target=None, dedupe_key=None):
    # No look-up of the dedupe key first and no savepoint: the unique index answers it in the insert itself
    # (ON CONFLICT DO NOTHING, so losing a race leaves the caller's transaction usable); a duplicate returns
    # the existing row below. One round trip for the common case of a new key.
    inbox = channel == Notification.Channel.INBOX
    notification = Notification(
        channel=channel, recipient=recipient, to_address=to_address, subject=subject[:200], body=body,
        target=target, dedupe_key=dedupe_key or None,
        # An in-app message is delivered by existing: there is nothing for a worker to do.
        status=Notification.Status.SENT if inbox else Notification.Status.QUEUED,
        sent_at=timezone.now() if inbox else None,
    )
    if insert_returning(notification, on_conflict="(dedupe_key) DO NOTHING") is None:
        existing = Notification.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
        raise IntegrityError(f"notification with dedupe key {dedupe_key!r} neither inserted nor found")
    if not inbox:
        enqueue_on_commit(send_notification_task, notification_id=notification.pk)
    return notification


def notify_users_many(messages) -> int:
    """Queue many in-app messages at once (the deadline sweep): ``messages`` is an iterable of
    ``(user, subject, body, target, dedupe_key)``. One INSERT; a message whose ``dedupe_key`` exists already
    is skipped, as ``notify_user`` would return the existing row and send nothing. In-app messages are
    delivered by existing, so no task is queued (SMS and e-mail go through ``notify_sms``/``notify_user``,
    one task each). Returns how many rows were written."""
    now = timezone.now()
    rows = [
        Notification(channel=Notification.Channel.INBOX, recipient=user, to_address="", subject=subject[:200],
                     body=body, target=target, dedupe_key=dedupe_key or None, status=Notification.Status.SENT,
                     sent_at=now, created_at=now)
        for user, subject, body, target, dedupe_key in messages
    ]
    if not rows:
        return 0
    keys = [r.dedupe_key for r in rows if r.dedupe_key]
    existing = set(Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)) if keys else set()
    fresh, seen = [], set()
    for row in rows:
        if row.dedupe_key and (row.dedupe_key in existing or row.dedupe_key in seen):
            continue
        seen.add(row.dedupe_key)
        fresh.append(row)
    # ignore_conflicts: a concurrent writer of the same key wins, as in _queue.
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


# ---- sending ----------------------------------------------------------------------------------


def _deliver(notification: Notification) -> None:
    if notification.channel == Notification.Channel.SMS:
        get_sms_backend().send(notification)
    elif notification.channel == Notification.Channel.EMAIL:
        send_mail(notification.subject, notification.body, settings.DEFAULT_FROM_EMAIL,
                  [notification.to_address], fail_silently=False)
    # INBOX: the row is the message.


class NotificationNotSent(Exception):
    """A delivery attempt failed (the message is masked; the row's ``error`` holds the same text)."""


def _masked(text: str, notification: Notification) -> str:
    if notification.channel == Notification.Channel.SMS and notification.to_address:
        return text.replace(notification.to_address, mask_phone(notification.to_address))
    return text


def _describe(notification: Notification) -> str:
    if notification.channel == Notification.Channel.SMS:
        return mask_phone(notification.to_address)
    return f"user {notification.recipient_id}" if notification.recipient_id else "-"


@shared_task(name="core.tasks.send_notification_task", bind=True, autoretry_for=(Exception,),
             retry_backoff=True, max_retries=5)
def send_notification_task(self, notification_id):
    """Send one queued notification. Safe to run twice (and after a worker loss): the row is locked while
    sending and a sent row is left alone. A failure is recorded on the row and retried with backoff;
    after the last retry the row is marked failed."""
    failure = None
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None:
            logger.warning("notification #%s no longer exists; nothing to send", notification_id)
            return None
        if notification.status == Notification.Status.SENT:
            return notification.status
        try:
            _deliver(notification)
        except Exception as exc:  # noqa: BLE001 - any backend error is a failed attempt, retried below
            # Gateways like to quote the number back; neither the row nor Celery's log may show it.
            failure = NotificationNotSent(_masked(f"notification #{notification.pk}: {type(exc).__name__}: {exc}",
                                                  notification))
            final = self.request.retries >= self.max_retries
            notification.error = _masked(f"{type(exc).__name__}: {exc}", notification)[:2000]
            if final:
                notification.status = Notification.Status.FAILED
            notification.save(update_fields=["status", "error"])
            logger.warning("notification #%s (%s to %s) attempt %s failed: %s", notification.pk,
                           notification.channel, _describe(notification), self.request.retries + 1,
                           type(exc).__name__)
        else:
            notification.status = Notification.Status.SENT
            notification.sent_at = timezone.now()
            notification.error = ""
            notification.save(update_fields=["status", "sent_at", "error"])
            target = notification.target if notification.object_id else None
            if target is not None:
                # The case timeline shows that the party was notified (proof of 告知), never the full number.
                AuditEvent.record(target, AuditEvent.Action.NOTIFY, name=notification.channel, data={
                    "notification": notification.pk, "channel": notification.channel,
                    "to": _describe(notification), "subject": notification.subject,
                })
    if failure is not None:
        # Outside the atomic block, so the recorded error is committed; autoretry takes over. "from None":
        # the original traceback would repeat the unmasked message in the worker log.
        raise failure from None
    return notification.status

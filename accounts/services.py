"""Writers for account security: two-factor devices and the login trail.

Each change to a user's second factor is an AuditEvent on the user, in the same transaction."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditEvent

TOTP_DEVICE_NAME = _("身份验证器")


def totp_confirmed_device(user) -> TOTPDevice | None:
    """The user's confirmed TOTP device, if two-factor login is on."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def totp_pending_device(user) -> TOTPDevice | None:
    """A device created by ``totp_setup_start`` and not yet confirmed with a code."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=False).first()


@transaction.atomic
def totp_setup_start(*, user) -> TOTPDevice:
    """Create a fresh, unconfirmed TOTP device with a new random secret for ``user``.

    An earlier unfinished set-up is discarded, so at most one pending secret exists. The device does not
    count for login until ``totp_setup_confirm``."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=str(TOTP_DEVICE_NAME), confirmed=False)


@transaction.atomic
def totp_setup_cancel(*, user) -> None:
    """Abandon an unfinished set-up: the pending secret is deleted, confirmed devices are untouched."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()


@transaction.atomic
def totp_setup_confirm(*, device: TOTPDevice, by) -> TOTPDevice:
    """Turn two-factor login on. Call after the user proved with a code that the app holds the secret
    (``TokenForm`` verified it against ``device``)."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    # One second factor per user: an older confirmed device would be a second, forgotten way in.
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    AuditEvent.record(device.user, AuditEvent.Action.UPDATE, by=by, name="2fa_enabled")
    return device


@transaction.atomic
def totp_disable(*, user, by) -> int:
    """Turn two-factor login off: remove every TOTP device of ``user``. Call only after the user proved
    possession with a current code. Returns the number of devices removed."""
    count, _details = TOTPDevice.objects.filter(user=user).delete()
    AuditEvent.record(user, AuditEvent.Action.UPDATE, by=by, name="2fa_disabled")
    return count


@transaction.atomic
def login_record(*, user, step: str) -> None:
    """Write the login trail: ``step`` is ``password`` (first factor passed) or ``otp`` (second)."""
    AuditEvent.record(user, AuditEvent.Action.LOGIN, by=user, name=step)

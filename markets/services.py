"""Writes to the markets registry: the only place markets and operators are created, edited, suspended,
resumed or closed, each with an audit row (before/after for edits)."""

from django.db import transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from core.fsm import apply_transition
from core.models import AuditEvent

from .models import Market


def _diff(before: dict, after: dict) -> dict:
    return {k: {"from": before.get(k), "to": v} for k, v in after.items() if before.get(k) != v}


@transaction.atomic
def registry_save(*, form, by):
    """Save a staff create/edit form of a Market or Operator; the audit row records what changed."""
    instance = form.instance
    creating = instance.pk is None
    before = {} if creating else model_to_dict(type(instance).objects.get(pk=instance.pk))
    obj = form.save()
    after = model_to_dict(obj)
    AuditEvent.record(
        obj, AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE, by=by,
        data={"changes": _diff(before, {k: after[k] for k in form.changed_data if k in after})
              if not creating else {k: after[k] for k in form.changed_data if k in after}},
    )
    return obj


@transaction.atomic
def market_suspend(*, market: Market, by, reason: str) -> Market:
    """Suspend a market (failed inspection or the district official's decision); its public page says so."""
    market = Market.objects.select_for_update().get(pk=market.pk)
    apply_transition(market, "suspend", by=by, label=_("暂停运营"), reason=reason)
    market.save(update_fields=["status", "status_reason"])
    return market


@transaction.atomic
def market_resume(*, market: Market, by, reason: str = "") -> Market:
    market = Market.objects.select_for_update().get(pk=market.pk)
    apply_transition(market, "resume", by=by, label=_("恢复运营"), reason=reason)
    market.save(update_fields=["status", "status_reason"])
    return market


@transaction.atomic
def market_close(*, market: Market, by, reason: str) -> Market:
    market = Market.objects.select_for_update().get(pk=market.pk)
    apply_transition(market, "close", by=by, label=_("关闭"), reason=reason)
    market.save(update_fields=["status", "status_reason"])
    return market

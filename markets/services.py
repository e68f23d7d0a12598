"""Writes to the markets registry: the only place markets and operators are created, edited, suspended,
resumed or closed, each with an audit row (before/after for edits)."""

from django.db import transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from core.fsm import apply_transition
from core.models import AuditEvent

from .models import Market, Operator


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


@transaction.atomic
def market_mark_needs_operator(*, market: Market, by, on_date, reason: str) -> Market:
    """The market's operator left (exit after a failed evaluation): it needs a new operator, chosen by a
    new selection. The current operator stays recorded until a new contract takes effect."""
    market = Market.objects.select_for_update().get(pk=market.pk)
    if market.needs_operator:
        return market
    market.needs_operator, market.needs_operator_since = True, on_date
    market.save(update_fields=["needs_operator", "needs_operator_since"])
    AuditEvent.record(market, AuditEvent.Action.UPDATE, by=by, name="needs_operator", reason=reason,
                      data={"needs_operator": True, "since": on_date})
    return market


@transaction.atomic
def market_assign_operator(*, market: Market, operator: Operator, by, reason: str = "") -> Market:
    """A service contract for the market took effect: its operator runs the market from now on."""
    market = Market.objects.select_for_update().get(pk=market.pk)
    if market.operator_id == operator.pk and not market.needs_operator:
        return market
    before = market.operator_id
    market.operator, market.needs_operator, market.needs_operator_since = operator, False, None
    market.save(update_fields=["operator", "needs_operator", "needs_operator_since"])
    AuditEvent.record(market, AuditEvent.Action.UPDATE, by=by, name="assign_operator", reason=reason,
                      data={"changes": {"operator": {"from": before, "to": operator.pk}}})
    return market

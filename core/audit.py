"""Every django-fsm transition writes one AuditEvent, inside the same transaction as the change.

Transitions take keyword-only ``by`` (the acting user) and optionally ``reason``; this receiver reads
them from the call so services do not repeat the bookkeeping."""

from .models import AuditEvent


def record_transition(sender, instance, name, source, target, method_kwargs=None, **kwargs):
    if kwargs.get("exception") is not None:
        return  # the transition failed and its transaction is rolling back
    method_kwargs = method_kwargs or {}
    AuditEvent.record(
        instance,
        AuditEvent.Action.TRANSITION,
        by=method_kwargs.get("by"),
        name=name,
        from_state=str(source) if source is not None else "",
        to_state=str(target) if target is not None else "",
        reason=method_kwargs.get("reason") or "",
        data={k: v for k, v in method_kwargs.items() if k not in ("by", "reason") and _jsonable(v)},
    )


def _jsonable(value):
    return isinstance(value, (str, int, float, bool, type(None), list, dict))

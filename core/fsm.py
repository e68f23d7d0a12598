"""Calling django-fsm transitions from services: legality is checked here once, with a translated message.

django-fsm checks source states and conditions when a transition runs, but ``permission`` only when asked;
``apply_transition`` asks, so no service can forget to."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm


class TransitionRefused(Exception):
    """The case is not in a state that allows this action (often: someone else acted first)."""

    def __init__(self, obj, action_label):
        self.obj = obj
        status = obj.get_status_display() if hasattr(obj, "get_status_display") else getattr(obj, "status", "")
        super().__init__(
            _("“%(action)s”无法执行：%(obj)s 当前状态为“%(status)s”，可能已由他人处理，请刷新后查看。")
            % {"action": action_label, "obj": obj, "status": status}
        )


def apply_transition(obj, name: str, *, by=None, label: str | None = None, **kwargs):
    """Run transition ``name`` on ``obj`` (locked by the caller) after checking state, conditions and,
    when ``by`` is a user, the transition's permission."""
    method = getattr(obj, name)
    if not can_proceed(method):
        raise TransitionRefused(obj, label or name)
    if by is not None and not has_transition_perm(method, by):
        raise PermissionDenied(_("您没有权限执行此操作。"))
    return method(by=by, **kwargs)


class RefreshableFSMMixin:
    """Lets ``refresh_from_db()`` reload a protected FSMField.

    django-fsm refuses any assignment to a protected field once it is loaded, and Django's refresh is an
    assignment; re-reading committed state is not a transition, so the loaded value is dropped first."""

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        from django_fsm import FSMFieldMixin

        for field in self._meta.concrete_fields:
            if isinstance(field, FSMFieldMixin) and (fields is None or field.attname in fields):
                self.__dict__.pop(field.attname, None)
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("基础服务")

    def ready(self):
        from django_fsm.signals import post_transition

        from . import audit

        post_transition.connect(audit.record_transition, dispatch_uid="core.audit.record_transition")

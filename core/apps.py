from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


#: The project's own apps: their models get ``core.choices.choice_display`` for their ``get_FOO_display``.
PROJECT_APPS = ("core", "accounts", "markets", "casework", "inspections", "evaluations", "procurement")


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("基础服务")

    def ready(self):
        from django_fsm.signals import post_transition

        from . import audit
        from .choices import install_choice_labels

        post_transition.connect(audit.record_transition, dispatch_uid="core.audit.record_transition")
        # Every model is loaded before any ready() runs; later apps' ready() may rely on the labels too.
        install_choice_labels(model for label in PROJECT_APPS for model in apps.get_app_config(label).get_models())

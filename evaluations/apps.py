from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("绩效评价")

    def ready(self):
        from core.deadlines import register_deadline_handler

        from . import documents  # noqa: F401  (registers the evaluation PDF kinds)
        from . import services

        register_deadline_handler("evaluation.", on_remind=services.on_deadline_remind,
                                  on_overdue=services.on_deadline_overdue)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("安全检查")

    def ready(self):
        from core.deadlines import register_deadline_handler

        from . import documents  # noqa: F401  (registers the inspection PDF kinds)
        from . import services

        register_deadline_handler("inspection.", on_remind=services.on_deadline_remind,
                                  on_overdue=services.on_deadline_overdue)

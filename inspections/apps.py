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

        from casework.signals import complaint_accepted

        # An accepted safety-hazard complaint about a market plans an ad-hoc inspection of it.
        complaint_accepted.connect(_plan_inspection, dispatch_uid="inspections.plan_from_complaint")


def _plan_inspection(sender, complaint, by, **kwargs):
    from .services import inspection_plan_from_complaint

    inspection_plan_from_complaint(complaint=complaint, by=by)

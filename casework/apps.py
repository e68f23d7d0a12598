from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("维权案件")

    def ready(self):
        from core.deadlines import register_deadline_handler

        from . import documents  # noqa: F401  (registers the complaint PDF kinds)
        from . import services

        register_deadline_handler("complaint.", on_remind=services.on_deadline_remind,
                                  on_overdue=services.on_deadline_overdue,
                                  on_remind_many=services.on_deadline_remind_many,
                                  on_overdue_many=services.on_deadline_overdue_many)
        # The complainant's own limit for missing material: not a staff limit, so no escalation.
        register_deadline_handler("complaint.info", on_remind=services.on_info_remind,
                                  on_overdue=services.on_info_overdue)
        from .services import mediation as mediation_services
        from . import employer_index, wage_documents  # noqa: F401  (registers the wage-claim PDF kinds)
        from .services import wage as wage_services
        from .signals import complaint_accepted

        employer_index.connect()
        register_deadline_handler("wageclaim.", on_remind=wage_services.on_deadline_remind,
                                  on_overdue=wage_services.on_deadline_overdue)
        # An accepted wage-arrears complaint opens its wage claim (issue 5).
        complaint_accepted.connect(wage_services.on_complaint_accepted, dispatch_uid="casework.wageclaim_from_complaint")

        register_deadline_handler("mediation.", on_remind=mediation_services.on_limit_remind,
                                  on_overdue=mediation_services.on_limit_overdue)
        from . import referral_documents  # noqa: F401  (registers the referral PDF kinds)
        from .services import referrals as referral_services

        register_deadline_handler("referral.", on_remind=referral_services.on_deadline_remind,
                                  on_overdue=referral_services.on_deadline_overdue)

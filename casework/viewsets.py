"""The casework Applications of the staff site: complaints and mediation. The scoped inbox, queue, archive
and menu counters come from core.workflow.ScopedFlowAppViewset; here are each flow's own pages."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from core.workflow import ScopedFlowAppViewset

from .flows import ComplaintFlow, MediationFlow
from .views import mediation as mediation_views
from .views import mediation_intake as mediation_intake_views
from .views import mediation_workload as mediation_workload_views
from .views import staff


class ComplaintFlowViewset(ScopedFlowAppViewset):
    title = _("投诉举报")
    icon = "report"
    menu_template_name = "casework/complaint/flow_menu.html"

    complaint_list_path = path("cases/", staff.complaint_list, name="complaint_list")
    complaint_intake_path = path("cases/new/", staff.complaint_intake, name="complaint_intake")
    complaint_detail_path = path("cases/<str:number>/", staff.complaint_detail, name="complaint_detail")
    complaint_note_path = path("cases/<str:number>/note/", staff.complaint_add_note, name="complaint_note")
    complaint_reassign_path = path("cases/<str:number>/reassign/", staff.complaint_reassign,
                                   name="complaint_reassign")
    complaint_extend_path = path("cases/<str:number>/extend/", staff.complaint_extend, name="complaint_extend")
    complaint_reopen_path = path("cases/<str:number>/reopen/", staff.complaint_reopen, name="complaint_reopen")
    complaint_withdraw_path = path("cases/<str:number>/withdraw/", staff.complaint_withdraw,
                                   name="complaint_withdraw")
    complaint_reveal_path = path("cases/<str:number>/reveal/", staff.complaint_reveal, name="complaint_reveal")
    complaint_dossier_path = path("cases/<str:number>/dossier/", staff.complaint_dossier, name="complaint_dossier")

    def __init__(self, **kwargs):
        super().__init__(ComplaintFlow, **kwargs)


# ---- labour-dispute mediation ------------------------------------------------------------------------------

class MediationFlowViewset(ScopedFlowAppViewset):
    title = _("劳动争议调解")
    icon = "handshake"
    menu_template_name = "casework/mediation/flow_menu.html"

    mediation_list_path = path("cases/", mediation_views.mediation_list, name="mediation_list")
    mediation_intake_path = path("intake/", mediation_intake_views.mediation_intake, name="mediation_intake")
    mediation_from_complaint_path = path("from-complaint/<str:number>/",
                                         mediation_intake_views.mediation_from_complaint,
                                         name="mediation_from_complaint")
    mediation_detail_path = path("cases/<str:number>/", mediation_views.mediation_detail, name="mediation_detail")
    mediation_session_path = path("cases/<str:number>/session/", mediation_views.mediation_session,
                                  name="mediation_session")
    mediation_minutes_path = path("cases/<str:number>/minutes/", mediation_views.mediation_minutes,
                                  name="mediation_minutes")
    mediation_agreement_path = path("cases/<str:number>/agreement/", mediation_views.mediation_agreement,
                                    name="mediation_agreement")
    mediation_signatures_path = path("cases/<str:number>/signatures/", mediation_views.mediation_signatures,
                                     name="mediation_signatures")
    mediation_extend_path = path("cases/<str:number>/extend/", mediation_views.mediation_extend,
                                 name="mediation_extend")
    mediation_fail_path = path("cases/<str:number>/fail/", mediation_views.mediation_fail, name="mediation_fail")
    mediation_reassign_path = path("cases/<str:number>/reassign/", mediation_views.mediation_reassign,
                                   name="mediation_reassign")
    mediation_fulfil_path = path("cases/<str:number>/fulfil/", mediation_views.mediation_fulfil,
                                 name="mediation_fulfil")
    mediation_dossier_path = path("cases/<str:number>/dossier/", mediation_views.mediation_dossier,
                                  name="mediation_dossier")
    mediation_workload_path = path("workload/", mediation_workload_views.mediation_workload,
                                   name="mediation_workload")
    mediation_workload_reassign_path = path("workload/<str:number>/reassign/",
                                            mediation_workload_views.mediation_workload_reassign,
                                            name="mediation_workload_reassign")

    def __init__(self, **kwargs):
        super().__init__(MediationFlow, **kwargs)


# ---- wage-arrears claims ---------------------------------------------------------------------------------

from django.db.models import OuterRef, Subquery  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.utils.html import format_html  # noqa: E402

from core.workflow import ScopedInboxView, ScopedQueueView  # noqa: E402

from .flows import WageClaimFlow  # noqa: E402
from .models import WageClaim  # noqa: E402
from .repeat_offenders import flag_rows  # noqa: E402
from .views import wage as wage_views  # noqa: E402


class EmployerColumnMixin:
    """Wage inbox and queue: the employer of each task's claim, with the repeat-offender badge (counted
    once per page)."""

    columns = ("task_id", "task_title", "case", "employer", "due", "created")

    def get_queryset(self):
        case = WageClaim.objects.filter(pk=OuterRef("process__artifact_object_id"))
        return super().get_queryset().annotate(case_employer=Subquery(case.values("employer_name")[:1]),
                                               case_employer_code=Subquery(case.values("employer_credit_code")[:1]))

    def get_page_data(self, page):
        # ``page`` is a Page, or the queryset itself when the list is not paginated.
        rows = flag_rows(getattr(page, "object_list", page), self.request.user, name_attr="case_employer",
                         code_attr="case_employer_code")
        if hasattr(page, "object_list"):
            page.object_list = rows
        return super().get_page_data(rows)

    def employer(self, task):
        name = getattr(task, "case_employer", None) or "—"
        if getattr(task, "repeat_offender", None):
            # The badge first: the column is cut to one line with an ellipsis, and the flag must stay visible.
            return format_html("{} {}", render_to_string("casework/_repeat_offender.html", {"row": task}), name)
        return name

    employer.short_description = _("用工单位")


class WageInboxView(EmployerColumnMixin, ScopedInboxView):
    pass


class WageQueueView(EmployerColumnMixin, ScopedQueueView):
    pass


class WageClaimFlowViewset(ScopedFlowAppViewset):
    title = _("欠薪线索")
    icon = "payments"
    inbox_view_class = WageInboxView
    queue_view_class = WageQueueView
    menu_template_name = "casework/wageclaim/flow_menu.html"

    wageclaim_list_path = path("claims/", wage_views.wageclaim_list, name="wageclaim_list")
    wageclaim_intake_path = path("intake/", wage_views.wageclaim_intake, name="wageclaim_intake")
    wageclaim_from_mediation_path = path("from-mediation/<str:number>/", wage_views.wageclaim_from_mediation,
                                         name="wageclaim_from_mediation")
    wageclaim_detail_path = path("claims/<str:number>/", wage_views.wageclaim_detail, name="wageclaim_detail")
    wageclaim_coordinate_path = path("claims/<str:number>/coordinate/", wage_views.wageclaim_coordinate,
                                     name="wageclaim_coordinate")
    wageclaim_settle_path = path("claims/<str:number>/settle/", wage_views.wageclaim_settle, name="wageclaim_settle")
    wageclaim_add_worker_path = path("claims/<str:number>/workers/", wage_views.wageclaim_add_worker,
                                     name="wageclaim_add_worker")
    wageclaim_upload_path = path("claims/<str:number>/evidence/", wage_views.wageclaim_upload,
                                 name="wageclaim_upload")
    wageclaim_reveal_path = path("claims/<str:number>/reveal/", wage_views.wageclaim_reveal, name="wageclaim_reveal")
    wageclaim_case_file_path = path("claims/<str:number>/case-file/", wage_views.wageclaim_case_file,
                                    name="wageclaim_case_file")
    employer_by_code_path = path("employers/code/<str:code>/", wage_views.employer_by_code, name="employer_by_code")
    employer_by_name_path = path("employers/name/<str:key>/", wage_views.employer_by_name, name="employer_by_name")

    def __init__(self, **kwargs):
        super().__init__(WageClaimFlow, **kwargs)

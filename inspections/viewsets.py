"""The inspections Application of the staff site: the inspection flow's inbox, queue and archive (scoped to
what the user may see, overdue and nearest deadline first), plus the inspection and notice pages."""

from django.db.models import F, OuterRef, Subquery
from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow.views import (DashboardTaskListView, FlowArchiveListView,
                                          FlowInboxListView, FlowQueueListView)

from core.workflow import ScopedChartView, ScopedProcessListView, scope_by_artifact

from .flows import InspectionFlow
from .models import Inspection
from .views import staff


def _scoped(queryset, user, prefix="process__"):
    """Keep the tasks (or processes) whose inspection the user may see (viewflow has no object scoping)."""
    return scope_by_artifact(queryset, Inspection.objects.visible_to(user), prefix=prefix)


class _TaskScopeMixin:
    def get_queryset(self):
        qs = _scoped(super().get_queryset(), self.request.user)
        case = Inspection.objects.filter(pk=OuterRef("process__artifact_object_id"))
        return qs.annotate(
            case_overdue=Subquery(case.values("is_overdue")[:1]),
            case_due=Subquery(case.values("due_at")[:1]),
        ).order_by("-case_overdue", F("case_due").asc(nulls_last=True), "-created")


class ScopedInboxView(_TaskScopeMixin, FlowInboxListView):
    pass


class ScopedQueueView(_TaskScopeMixin, FlowQueueListView):
    pass


class ScopedArchiveView(_TaskScopeMixin, FlowArchiveListView):
    pass


class ScopedTaskListView(_TaskScopeMixin, DashboardTaskListView):
    pass






class InspectionFlowViewset(FlowAppViewset):
    title = _("安全检查")
    icon = "fact_check"
    inbox_view_class = ScopedInboxView
    queue_view_class = ScopedQueueView
    archive_view_class = ScopedArchiveView
    task_list_view_class = ScopedTaskListView
    process_list_view_class = ScopedProcessListView
    chart_view_class = ScopedChartView

    inspection_list_path = path("inspections/", staff.inspection_list, name="inspection_list")
    inspection_plan_path = path("inspections/new/", staff.inspection_plan, name="inspection_plan")
    inspection_detail_path = path("inspections/<str:number>/", staff.inspection_detail, name="inspection_detail")
    inspection_draft_path = path("inspections/<str:number>/draft/", staff.inspection_draft,
                                 name="inspection_draft")
    inspection_photo_path = path("inspections/<str:number>/photo/", staff.inspection_photo,
                                 name="inspection_photo")
    inspection_cancel_path = path("inspections/<str:number>/cancel/", staff.inspection_cancel,
                                  name="inspection_cancel")
    inspection_decide_path = path("inspections/<str:number>/decide/", staff.inspection_decide,
                                  name="inspection_decide")
    inspection_dossier_path = path("inspections/<str:number>/dossier/", staff.inspection_dossier,
                                   name="inspection_dossier")
    inspection_resume_market_path = path("inspections/<str:number>/resume-market/", staff.inspection_resume_market,
                                         name="inspection_resume_market")
    notice_list_path = path("notices/", staff.notice_list, name="notice_list")
    notice_detail_path = path("notices/<str:number>/", staff.notice_detail, name="notice_detail")

    def __init__(self, **kwargs):
        super().__init__(InspectionFlow, **kwargs)

    def get_context_data(self, request):
        """The menu's inbox/queue counters, scoped like the lists (viewflow counts every district's tasks)."""
        context = super().get_context_data(request)
        return {key: _scoped(qs, request.user) for key, qs in context.items()}

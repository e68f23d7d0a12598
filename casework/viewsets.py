"""The casework Application of the staff site: the complaint flow's inbox, queue and archive (scoped to
what the user may see and sorted by urgency), plus the case list, case page and actions."""

from django.db.models import F, OuterRef, Subquery
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow.views import (DashboardTaskListView, FlowArchiveListView,
                                          FlowInboxListView, FlowQueueListView)

from core.workflow import ScopedChartView, ScopedProcessListView, scope_by_artifact

from .filters import ComplaintArchiveFilter, ComplaintTaskFilter
from .flows import ComplaintFlow
from .models import Complaint
from .views import staff


def _scoped(queryset, user, prefix="process__"):
    """Keep the tasks (or processes) whose complaint the user may see (viewflow has no object scoping)."""
    return scope_by_artifact(queryset, Complaint.objects.visible_to(user), prefix=prefix)


def _task_counts(request) -> dict:
    return request.__dict__.setdefault("_gigcase_task_counts", {})


class _CountedTasks:
    """A menu counter: the scoped tasks, whose ``count()`` runs at most once per request. The inbox and queue
    pages store the count their paginator already made (same tasks, unfiltered), so the badge next to the
    page's own menu entry costs no second COUNT (bench report 2026-11-26)."""

    def __init__(self, request, key, queryset):
        self._request, self._key, self.queryset = request, key, queryset

    def count(self):
        counts = _task_counts(self._request)
        if self._key not in counts:
            counts[self._key] = self.queryset.count()
        return counts[self._key]

    def __iter__(self):
        return iter(self.queryset)

    def __getattr__(self, name):
        return getattr(self.queryset, name)


class _TaskScopeMixin:
    #: the menu counter this list shows unfiltered ("user_inbox"/"user_queue"), shared with the menu badge
    menu_count_key = None
    def dispatch(self, request, *args, **kwargs):
        # viewflow's StoreRequestPathMixin assigns the "back" location on every GET, which saves the session
        # (an UPDATE per page view); write it only when it changes (issue 8's benchmark).
        from viewflow.workflow.flow.views.mixins import StoreRequestPathMixin

        path = request.get_full_path()
        if request.session.get("vf-pin-location") != path:
            request.session["vf-pin-location"] = path
        if isinstance(self, StoreRequestPathMixin):
            return super(StoreRequestPathMixin, self).dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = context.get("paginator")
        # Only an unfiltered first look is the same set of tasks as the menu's counter.
        if self.menu_count_key and paginator is not None and set(self.request.GET) <= {"page"}:
            _task_counts(self.request).setdefault(self.menu_count_key, paginator.count)
        return context

    def get_queryset(self):
        qs = _scoped(super().get_queryset(), self.request.user)
        # Most urgent first: overdue, priority cases (第十四条), then the nearest due date.
        case = Complaint.objects.filter(pk=OuterRef("process__artifact_object_id"))
        return qs.annotate(
            case_number=Subquery(case.values("number")[:1]),
            case_overdue=Subquery(case.values("is_overdue")[:1]),
            case_priority=Subquery(case.values("priority")[:1]),
            case_due=Subquery(case.values("due_at")[:1]),
        ).order_by("-case_overdue", "-case_priority", F("case_due").asc(nulls_last=True), "-created")


class _CaseColumnsMixin:
    """Inbox and queue show which case a task is for and when it is due (限时办结)."""

    columns = ("task_id", "task_title", "case", "due", "created")

    def case(self, task):
        return format_html('<a href="{}">{}</a>', Complaint(number=task.case_number).get_absolute_url(),
                           task.case_number) if task.case_number else "—"

    case.short_description = _("案件编号")

    def due(self, task):
        if task.case_due is None:
            return "—"
        label = timezone.localtime(task.case_due).strftime("%Y年%m月%d日")
        if task.case_overdue:
            return format_html('{} <strong style="color:#b71c1c">{}</strong>', label, _("已逾期"))
        if task.case_priority:
            return format_html('{} <strong style="color:#e65100">{}</strong>', label, _("优先"))
        return label

    due.short_description = _("办理期限")


class ScopedInboxView(_CaseColumnsMixin, _TaskScopeMixin, FlowInboxListView):
    filterset_class = ComplaintTaskFilter
    menu_count_key = "complaint:user_inbox"


class ScopedQueueView(_CaseColumnsMixin, _TaskScopeMixin, FlowQueueListView):
    filterset_class = ComplaintTaskFilter
    menu_count_key = "complaint:user_queue"


class ScopedArchiveView(_TaskScopeMixin, FlowArchiveListView):
    filterset_class = ComplaintArchiveFilter


class ScopedTaskListView(_TaskScopeMixin, DashboardTaskListView):
    filterset_class = ComplaintTaskFilter






class ComplaintFlowViewset(FlowAppViewset):
    title = _("投诉举报")
    icon = "report"
    inbox_view_class = ScopedInboxView
    queue_view_class = ScopedQueueView
    archive_view_class = ScopedArchiveView
    task_list_view_class = ScopedTaskListView
    process_list_view_class = ScopedProcessListView
    chart_view_class = ScopedChartView

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

    def get_context_data(self, request):
        """The menu's inbox/queue counters, scoped like the lists (viewflow counts every district's tasks)."""
        context = super().get_context_data(request)
        return {key: _CountedTasks(request, f"complaint:{key}", _scoped(qs, request.user))
                for key, qs in context.items()}


# ---- labour-dispute mediation ------------------------------------------------------------------------------

from .flows import MediationFlow  # noqa: E402
from .models import MediationCase  # noqa: E402
from .views import mediation as mediation_views  # noqa: E402
from .views import mediation_intake as mediation_intake_views  # noqa: E402


def _scoped_mediation(queryset, user, prefix="process__"):
    return scope_by_artifact(queryset, MediationCase.objects.visible_to(user), prefix=prefix)


class _MediationScope:
    def get_queryset(self):
        return _scoped_mediation(super().get_queryset(), self.request.user)


class MediationInboxView(_MediationScope, FlowInboxListView):
    pass


class MediationQueueView(_MediationScope, FlowQueueListView):
    pass


class MediationArchiveView(_MediationScope, FlowArchiveListView):
    pass


class MediationTaskListView(_MediationScope, DashboardTaskListView):
    pass






class MediationFlowViewset(FlowAppViewset):
    title = _("劳动争议调解")
    icon = "handshake"
    inbox_view_class = MediationInboxView
    queue_view_class = MediationQueueView
    archive_view_class = MediationArchiveView
    task_list_view_class = MediationTaskListView
    process_list_view_class = ScopedProcessListView
    chart_view_class = ScopedChartView

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

    def __init__(self, **kwargs):
        super().__init__(MediationFlow, **kwargs)

    def get_context_data(self, request):
        context = super().get_context_data(request)
        return {key: _scoped_mediation(qs, request.user) for key, qs in context.items()}

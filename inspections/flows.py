"""Who acts next on an inspection. Legality lives on the Inspection/RectificationNotice transitions; each
node here calls one service.

    start ─► fill (the inspector files the checklist on the phone, saved as they go) ─► conclude
             ├─ passed ─────────────────► finish ─► end
             └─ rectification required ─► issue_notice (inspector) ─► await_response (operator answers
                  on the notice page) ─► reinspect (inspector) ─► rectified? ─► finish ─► end
                                                        └─ some answers rejected ─► await_response
    Escalation (a critical finding at once, or an overdue item via the deadline sweep) and the district
    official's decision on it happen beside the flow: the operator cannot answer while the notice is
    escalated, so ``await_response`` simply waits until the decision returns the notice to them.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import STATUS, flow, lock

from core.workflow import ScopedView, committed_user, ensure_visible, status_is

from . import services
from .models import Inspection, InspectionProcess
from .views import tasks as views


class InspectionFlow(flow.Flow):
    """安全检查与整改

    现场安全检查、整改通知、运营机构反馈与复查的办理流程。
    """

    process_class = InspectionProcess
    artifact_model = Inspection
    lock_impl = lock.select_for_update_lock
    process_title = _("安全检查与整改")
    process_description = _("现场安全检查、下达整改通知、运营机构反馈与复查。")

    start = flow.StartHandle(this.start_process).Next(this.fill)

    fill = (
        ScopedView(views.FillTaskView.as_view())
        .Annotation(title=_("现场检查"))
        .Assign(committed_user(Inspection, "inspector"))
        .Next(this.conclude)
    )
    conclude = flow.Function(this.conclude_inspection).Annotation(title=_("检查结论")).Next(this.route_result)
    route_result = (
        flow.Switch()
        .Annotation(title=_("是否合格"))
        .Case(this.finish, status_is(Inspection, Inspection.Status.PASSED))
        .Case(this.issue_notice, status_is(Inspection, Inspection.Status.RECTIFICATION_REQUIRED))
        .Default(this.end)
    )
    issue_notice = (
        ScopedView(views.IssueNoticeTaskView.as_view())
        .Annotation(title=_("下达整改通知"))
        .Assign(committed_user(Inspection, "inspector"))
        .Next(this.await_response)
    )
    await_response = flow.Handle(this.receive_response).Annotation(title=_("等待整改反馈")).Next(this.reinspect)
    reinspect = (
        ScopedView(views.ReinspectTaskView.as_view())
        .Annotation(title=_("复查"))
        .Assign(committed_user(Inspection, "inspector"))
        .Next(this.route_review)
    )
    route_review = (
        flow.If(status_is(Inspection, Inspection.Status.RECTIFIED))
        .Annotation(title=_("复查结论"))
        .Then(this.finish)
        .Else(this.await_response)
    )
    finish = flow.Function(this.close_inspection).Annotation(title=_("办结")).Next(this.end)
    end = flow.End()

    def start_process(self, activation, inspection):
        activation.process.artifact = inspection
        return activation.process

    def conclude_inspection(self, activation):
        services.inspection_conclude(inspection=activation.process.artifact)

    def receive_response(self, activation, notice, by, answers, files=None):
        services.notice_respond(notice=notice, by=by, answers=answers, files=files)

    def close_inspection(self, activation):
        services.inspection_close(inspection=activation.process.artifact)

    # -- scoping: viewflow does no object-level checks by default -------------------------------

    def has_view_permission(self, user, obj=None):
        # Operator staff see the application too: its notice pages are theirs (the flow lists stay empty).
        if not (user.is_authenticated and (user.has_perm("inspections.view_inspection")
                                           or user.has_perm("inspections.view_rectificationnotice"))):
            return False
        if obj is not None:
            ensure_visible(Inspection, user, obj)
        return True

    def has_manage_permission(self, user, obj=None):
        if obj is not None:
            ensure_visible(Inspection, user, obj)
        return user.is_authenticated and user.is_superuser


def open_process(inspection):
    """The inspection's running process, if any."""
    return (InspectionProcess.objects.filter(artifact_object_id=inspection.pk, flow_class=InspectionFlow)
            .exclude(status__in=[STATUS.DONE, STATUS.CANCELED]).order_by("-pk").first())


def open_task(inspection, node):
    process = open_process(inspection)
    if process is None:
        return None
    return process.task_set.filter(flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED]).first()


def cancel_open_processes(inspection):
    process = open_process(inspection)
    if process is not None:
        InspectionFlow.instance.cancel(process)


def respond_to_notice(notice, *, by, answers, files=None):
    """The operator answers the notice: completes the waiting ``await_response`` task (the service checks
    the answers and the notice's state)."""
    task = open_task(notice.inspection, InspectionFlow.await_response)
    if task is None:
        # Not waiting (e.g. escalated and not yet decided, or no process): the service refuses or records it.
        services.notice_respond(notice=notice, by=by, answers=answers, files=files)
    else:
        InspectionFlow.await_response.run(task, notice=notice, by=by, answers=answers, files=files)
    notice.refresh_from_db()
    return notice

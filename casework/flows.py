"""Who acts next on a complaint. Legality lives on Complaint's transitions; each node here calls one service.

    start ─► review (intake queue of the district: accept / one-time request for material / propose
             │        rejection / merge into a duplicate)
             ├─ accepted ──────────► assign (district official) ─► investigate (assignee) ─► finish ─► end
             ├─ info requested ────► await_info (complainant resubmits on the tracking page) ─► review
             ├─ rejection proposed ► approve_rejection (district official) ─► end | review
             └─ merged ────────────► end
    reopen_start (district official, within 30 days of closure) ─► investigate
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import STATUS, flow, lock

from core.workflow import ScopedView, committed_user, ensure_visible, status_is

from . import services, views
from .models import Complaint, ComplaintProcess


class ComplaintFlow(flow.Flow):
    """投诉举报办理

    从受理、分派、调查到办结的投诉举报办理流程（首问负责、限时办结、一次性告知）。
    """

    process_class = ComplaintProcess
    artifact_model = Complaint
    lock_impl = lock.select_for_update_lock
    process_title = _("投诉举报办理")
    process_description = _("从受理、分派、调查到办结的投诉举报办理流程。")

    start = flow.StartHandle(this.start_process).Annotation(title=_("提交投诉")).Next(this.review)
    reopen_start = flow.StartHandle(this.start_process).Annotation(title=_("重新办理")).Next(this.investigate)

    review = (
        ScopedView(views.ReviewTaskView.as_view())
        .Annotation(title=_("受理审查"))
        .Permission("casework.accept_complaint")
        .Next(this.route_review)
    )
    route_review = (
        flow.Switch()
        .Annotation(title=_("审查结果"))
        .Case(this.assign, status_is(Complaint, Complaint.Status.ACCEPTED))
        .Case(this.await_info, status_is(Complaint, Complaint.Status.INFO_REQUESTED))
        .Case(this.approve_rejection, status_is(Complaint, Complaint.Status.REJECTION_PROPOSED))
        .Default(this.end)
    )
    await_info = flow.Handle(this.receive_info).Annotation(title=_("等待补正")).Next(this.review)
    approve_rejection = (
        ScopedView(views.ApproveRejectionTaskView.as_view())
        .Annotation(title=_("审批不予受理"))
        .Permission("casework.approve_rejection_complaint")
        .Next(this.route_rejection)
    )
    route_rejection = (
        flow.If(status_is(Complaint, Complaint.Status.REJECTED))
        .Annotation(title=_("是否批准"))
        .Then(this.end)
        .Else(this.review)
    )
    assign = (
        ScopedView(views.AssignTaskView.as_view())
        .Annotation(title=_("分派承办人"))
        .Permission("casework.assign_complaint")
        .Next(this.investigate)
    )
    investigate = (
        ScopedView(views.InvestigateTaskView.as_view())
        .Annotation(title=_("调查处理"))
        .Assign(committed_user(Complaint, "assignee"))
        .Next(this.finish)
    )
    finish = flow.Function(this.close_complaint).Annotation(title=_("办结")).Next(this.end)
    end = flow.End().Annotation(title=_("结束"))

    def start_process(self, activation, complaint):
        activation.process.artifact = complaint
        return activation.process

    def receive_info(self, activation, supplement=None, files=(), lapsed=False):
        if lapsed:
            services.complaint_info_lapsed(complaint=activation.process.artifact)
        else:
            services.complaint_resubmit(complaint=activation.process.artifact, supplement=supplement, files=files)

    def close_complaint(self, activation):
        services.complaint_close(complaint=activation.process.artifact)

    # -- scoping: viewflow does no object-level checks by default -------------------------------

    def has_view_permission(self, user, obj=None):
        if not (user.is_authenticated and user.has_perm("casework.view_complaint")):
            return False
        if obj is not None:
            ensure_visible(Complaint, user, obj)
        return True

    def has_manage_permission(self, user, obj=None):
        if obj is not None:
            ensure_visible(Complaint, user, obj)
        return user.is_authenticated and user.is_superuser


def open_process(complaint):
    """The complaint's running process, if any."""
    return (ComplaintProcess.objects.filter(artifact_object_id=complaint.pk,
                                            flow_class=ComplaintFlow)
            .exclude(status__in=[STATUS.DONE, STATUS.CANCELED]).order_by("-pk").first())


def cancel_open_processes(complaint):
    """Cancel the running process (withdrawal): its open tasks disappear from every inbox and queue."""
    process = open_process(complaint)
    if process is not None:
        ComplaintFlow.instance.cancel(process)


def resume_after_info(complaint, *, supplement, files=()):
    """Complete the waiting ``await_info`` task with the complainant's material."""
    process = open_process(complaint)
    task = process and process.task_set.filter(flow_task=ComplaintFlow.await_info, status=STATUS.NEW).first()
    if task is None:
        # Not waiting (e.g. a staff-started case without a process): still record the material.
        return services.complaint_resubmit(complaint=complaint, supplement=supplement, files=files)
    ComplaintFlow.await_info.run(task, supplement=supplement, files=files)
    complaint.refresh_from_db()
    return complaint


def info_lapsed(complaint):
    """End the waiting ``await_info`` task because the complainant's limit passed (the deadline sweep)."""
    process = open_process(complaint)
    task = process and process.task_set.filter(flow_task=ComplaintFlow.await_info, status=STATUS.NEW).first()
    if task is None:
        return services.complaint_info_lapsed(complaint=complaint)
    ComplaintFlow.await_info.run(task, lapsed=True)
    complaint.refresh_from_db()
    return complaint


def reassign_investigation(complaint):
    """After a reassignment, move the open investigation task to the new assignee."""
    process = open_process(complaint)
    if process is None:
        return
    for task in process.task_set.filter(flow_task=ComplaintFlow.investigate,
                                        status__in=[STATUS.NEW, STATUS.ASSIGNED]):
        task.owner = complaint.assignee
        task.status = STATUS.ASSIGNED
        task.save(update_fields=["owner", "status"])


# ---- labour-dispute mediation (劳动争议调解) --------------------------------------------------------------

from .models import MediationCase, MediationProcess  # noqa: E402
from .views import mediation_tasks  # noqa: E402


class MediationFlow(flow.Flow):
    """劳动争议调解

    从受理、指派调解员、调解到协议履行或调解终止的劳动争议调解流程（十五日调解期限）。

        start ─► review (accept / decline) ─► assign (district official) ─► await_outcome
        await_outcome (sessions, minutes, agreement on the case page; or the 15-day sweep)
            ├─ agreement signed ─► await_fulfilment ─► finish ─► end
            └─ failed ───────────────────────────────► finish ─► end
    """

    process_class = MediationProcess
    artifact_model = MediationCase
    lock_impl = lock.select_for_update_lock
    process_title = _("劳动争议调解")
    process_description = _("从受理、指派调解员、调解到协议履行或调解终止的劳动争议调解流程。")

    start = flow.StartHandle(this.start_process).Annotation(title=_("提出调解申请")).Next(this.review)
    review = (
        ScopedView(mediation_tasks.ReviewTaskView.as_view())
        .Annotation(title=_("受理审查"))
        .Permission("casework.accept_mediation")
        .Next(this.route_review)
    )
    route_review = (
        flow.If(status_is(MediationCase, MediationCase.Status.ACCEPTED))
        .Annotation(title=_("是否受理"))
        .Then(this.assign)
        .Else(this.end)
    )
    assign = (
        ScopedView(mediation_tasks.AssignTaskView.as_view())
        .Annotation(title=_("指派调解员"))
        .Permission("casework.assign_mediation")
        .Next(this.await_outcome)
    )
    await_outcome = flow.Handle(this.outcome_reached).Annotation(title=_("调解")).Next(this.route_outcome)
    route_outcome = (
        flow.If(status_is(MediationCase, MediationCase.Status.AGREEMENT_SIGNED))
        .Annotation(title=_("是否达成协议"))
        .Then(this.await_fulfilment)
        .Else(this.finish)
    )
    await_fulfilment = flow.Handle(this.outcome_reached).Annotation(title=_("协议履行")).Next(this.finish)
    finish = flow.Function(this.close_case).Annotation(title=_("结案")).Next(this.end)
    end = flow.End().Annotation(title=_("结束"))

    def start_process(self, activation, case):
        activation.process.artifact = case
        return activation.process

    def outcome_reached(self, activation):
        """The service already changed the case; the flow only moves on."""

    def close_case(self, activation):
        services.mediation_close(case=activation.process.artifact)

    def has_view_permission(self, user, obj=None):
        if not (user.is_authenticated and user.has_perm("casework.view_mediationcase")):
            return False
        if obj is not None:
            ensure_visible(MediationCase, user, obj)
        return True

    def has_manage_permission(self, user, obj=None):
        if obj is not None:
            ensure_visible(MediationCase, user, obj)
        return user.is_authenticated and user.is_superuser


def open_mediation_process(case):
    return (MediationProcess.objects.filter(artifact_object_id=case.pk, flow_class=MediationFlow)
            .exclude(status__in=[STATUS.DONE, STATUS.CANCELED]).order_by("-pk").first())


def cancel_open_mediation(case):
    process = open_mediation_process(case)
    if process is not None:
        MediationFlow.instance.cancel(process)


def mediation_outcome_reached(case):
    """Complete the waiting handle (mediation ended, or the obligations were settled) so the flow moves on."""
    process = open_mediation_process(case)
    if process is None:
        return
    from django.db.models import Q

    task = process.task_set.filter(Q(flow_task=MediationFlow.await_outcome) | Q(flow_task=MediationFlow.await_fulfilment),
                                   status=STATUS.NEW).first()
    if task is not None:
        task.flow_task.run(task)


# ---- wage-arrears claims (欠薪线索) ---------------------------------------------------------------------

from .models import WageClaim, WageClaimProcess  # noqa: E402
from .views import wage_tasks  # noqa: E402


class WageClaimFlow(flow.Flow):
    """欠薪线索办理

    从登记、核实、协调支付或移送到结案的欠薪线索办理流程。

        start ─► verify (take up, then: verified | propose unsubstantiated)
            ├─ verified ──────────► await_resolution (coordination and payment on the claim page, or a
            │                        referral sent) ─► close (district official: outcome) ─► end
            └─ still verifying ───► approve_unsubstantiated (district official) ─► end | verify
    """

    process_class = WageClaimProcess
    artifact_model = WageClaim
    lock_impl = lock.select_for_update_lock
    process_title = _("欠薪线索办理")
    process_description = _("从登记、核实、协调支付或移送到结案的欠薪线索办理流程。")

    start = flow.StartHandle(this.start_process).Annotation(title=_("登记欠薪线索")).Next(this.verify)
    verify = (
        ScopedView(wage_tasks.VerifyTaskView.as_view())
        .Annotation(title=_("核实"))
        .Permission("casework.verify_wageclaim")
        .Next(this.route_verification)
    )
    route_verification = (
        flow.Switch()
        .Annotation(title=_("核实结论"))
        .Case(this.await_resolution, status_is(WageClaim, WageClaim.Status.VERIFIED))
        .Case(this.approve_unsubstantiated, status_is(WageClaim, WageClaim.Status.VERIFYING))
        .Default(this.end)
    )
    approve_unsubstantiated = (
        ScopedView(wage_tasks.ApproveUnsubstantiatedTaskView.as_view())
        .Annotation(title=_("审批不成立"))
        .Permission("casework.close_wageclaim")
        .Next(this.route_unsubstantiated)
    )
    route_unsubstantiated = (
        flow.If(status_is(WageClaim, WageClaim.Status.UNSUBSTANTIATED))
        .Annotation(title=_("是否认定不成立"))
        .Then(this.end)
        .Else(this.verify)
    )
    await_resolution = (
        flow.Handle(this.resolution_reached).Annotation(title=_("协调支付或移送")).Next(this.close)
    )
    close = (
        ScopedView(wage_tasks.CloseTaskView.as_view())
        .Annotation(title=_("结案"))
        .Permission("casework.close_wageclaim")
        .Next(this.end)
    )
    end = flow.End().Annotation(title=_("结束"))

    def start_process(self, activation, claim):
        activation.process.artifact = claim
        return activation.process

    def resolution_reached(self, activation):
        """The service already settled or referred the claim; the flow only moves on."""

    def has_view_permission(self, user, obj=None):
        if not (user.is_authenticated and user.has_perm("casework.view_wageclaim")):
            return False
        if obj is not None:
            ensure_visible(WageClaim, user, obj)
        return True

    def has_manage_permission(self, user, obj=None):
        if obj is not None:
            ensure_visible(WageClaim, user, obj)
        return user.is_authenticated and user.is_superuser


def open_wageclaim_process(claim):
    return (WageClaimProcess.objects.filter(artifact_object_id=claim.pk, flow_class=WageClaimFlow)
            .exclude(status__in=[STATUS.DONE, STATUS.CANCELED]).order_by("-pk").first())


def wageclaim_resolution_reached(claim):
    """Complete the waiting ``await_resolution`` handle (settled, or a referral was sent)."""
    process = open_wageclaim_process(claim)
    if process is None:
        return
    task = process.task_set.filter(flow_task=WageClaimFlow.await_resolution, status=STATUS.NEW).first()
    if task is not None:
        WageClaimFlow.await_resolution.run(task)

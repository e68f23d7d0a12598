"""Who acts next on an evaluation. Legality (the four-eyes rule included) lives on the Evaluation's
transitions; each node here calls one service.

    start (a district official sends the draft to the operator) ─► self_assess (the operator submits on its
    portal page) ─► score (district evaluator) ─► review (another district official)
        ├─ returned ─► score
        └─ passed ──► approve (bureau official, never the scorer)
                       ├─ returned ─────────────► score
                       ├─ rectification ────────► await_plan (the operator submits a plan on its page)
                       │                           ─► follow_up (district official starts the follow-up
                       │                              evaluation) ─► end
                       └─ closed / exited ──────► end
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import STATUS, flow, lock

from core.workflow import ScopedView, ensure_visible, status_is

from . import services
from .models import Evaluation, EvaluationProcess
from .views import tasks as views


class FourEyesView(ScopedView):
    """A review or approval task the evaluation's scorer can neither claim nor execute."""

    def _not_scorer(self, user, task):
        scorer = (Evaluation.objects.filter(pk=task.process.artifact_object_id)
                  .values_list("scored_by_id", flat=True).first())
        return scorer is None or scorer != user.pk

    def can_assign(self, user, task):
        return super().can_assign(user, task) and self._not_scorer(user, task)

    def can_execute(self, user, task):
        return super().can_execute(user, task) and self._not_scorer(user, task)


class EvaluationFlow(flow.Flow):
    """绩效评价

    运营机构自评、评分、区级审核、市局审批，以及限期整改或退出的办理流程。
    """

    process_class = EvaluationProcess
    artifact_model = Evaluation
    lock_impl = lock.select_for_update_lock
    process_title = _("绩效评价")
    process_description = _("运营机构自评、评分、区级审核、市局审批，以及限期整改或退出。")

    start = flow.StartHandle(this.start_process).Annotation(title=_("发起评价")).Next(this.self_assess)
    self_assess = flow.Handle(this.receive_self_assessment).Annotation(title=_("运营机构自评")).Next(this.score)
    score = (
        ScopedView(views.ScoreTaskView.as_view())
        .Annotation(title=_("评分"))
        .Permission("evaluations.score_evaluation")
        .Next(this.review)
    )
    review = (
        FourEyesView(views.ReviewTaskView.as_view())
        .Annotation(title=_("区级审核"))
        .Permission("evaluations.review_evaluation")
        .Next(this.route_review)
    )
    route_review = (
        flow.If(status_is(Evaluation, Evaluation.Status.BUREAU_APPROVAL))
        .Annotation(title=_("审核结果"))
        .Then(this.approve)
        .Else(this.score)
    )
    approve = (
        FourEyesView(views.ApproveTaskView.as_view())
        .Annotation(title=_("市局审批"))
        .Permission("evaluations.approve_evaluation")
        .Next(this.route_approval)
    )
    route_approval = (
        flow.Switch()
        .Annotation(title=_("审批结果"))
        .Case(this.score, status_is(Evaluation, Evaluation.Status.SCORING))
        .Case(this.await_plan, status_is(Evaluation, Evaluation.Status.RECTIFICATION))
        .Default(this.end)
    )
    await_plan = flow.Handle(this.receive_plan).Annotation(title=_("等待整改计划")).Next(this.follow_up)
    follow_up = (
        ScopedView(views.FollowUpTaskView.as_view())
        .Annotation(title=_("启动跟踪评价"))
        .Permission("evaluations.add_evaluation")
        .Next(this.end)
    )
    end = flow.End().Annotation(title=_("结束"))

    def start_process(self, activation, evaluation):
        activation.process.artifact = evaluation
        return activation.process

    def receive_self_assessment(self, activation, by, **data):
        services.evaluation_submit_self_assessment(evaluation=activation.process.artifact, by=by, **data)

    def receive_plan(self, activation, by, plan, complete_by):
        services.evaluation_submit_plan(evaluation=activation.process.artifact, by=by, plan=plan,
                                        complete_by=complete_by)

    # -- scoping: viewflow does no object-level checks by default -------------------------------

    def has_view_permission(self, user, obj=None):
        if not (user.is_authenticated and user.has_perm("evaluations.view_evaluation")):
            return False
        if obj is not None:
            ensure_visible(Evaluation, user, obj)
        return True

    def has_manage_permission(self, user, obj=None):
        if obj is not None:
            ensure_visible(Evaluation, user, obj)
        return user.is_authenticated and user.is_superuser


def open_process(evaluation):
    """The evaluation's running process, if any."""
    return (EvaluationProcess.objects.filter(artifact_object_id=evaluation.pk, flow_class=EvaluationFlow)
            .exclude(status__in=[STATUS.DONE, STATUS.CANCELED]).order_by("-pk").first())


def open_task(evaluation, node):
    process = open_process(evaluation)
    if process is None:
        return None
    return process.task_set.filter(flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED]).first()


def cancel_open_processes(evaluation):
    process = open_process(evaluation)
    if process is not None:
        EvaluationFlow.instance.cancel(process)


def submit_self_assessment(evaluation, *, by, **data):
    """The operator's portal page: completes the waiting ``self_assess`` task (the service checks the
    content and the evaluation's state)."""
    task = open_task(evaluation, EvaluationFlow.self_assess)
    if task is None:
        services.evaluation_submit_self_assessment(evaluation=evaluation, by=by, **data)
    else:
        EvaluationFlow.self_assess.run(task, by=by, **data)
    evaluation.refresh_from_db()
    return evaluation


def submit_plan(evaluation, *, by, plan, complete_by):
    """The operator's portal page: completes the waiting ``await_plan`` task."""
    task = open_task(evaluation, EvaluationFlow.await_plan)
    if task is None:
        services.evaluation_submit_plan(evaluation=evaluation, by=by, plan=plan, complete_by=complete_by)
    else:
        EvaluationFlow.await_plan.run(task, by=by, plan=plan, complete_by=complete_by)
    evaluation.refresh_from_db()
    return evaluation

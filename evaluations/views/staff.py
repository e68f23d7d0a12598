"""Pages of evaluations outside the flow's tasks: the scoped list, creating one, the evaluation page, the
operator's portal pages (self-assessment with evidence, rectification plan) and the actions outside the flow.

Every lookup starts from ``Evaluation.objects.visible_to(user)``: an out-of-scope evaluation answers 404
(ADR 0001), also for operator staff asking for another operator's evaluation."""

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from viewflow.workflow import STATUS

from core.documents import documents_for
from core.fsm import TransitionRefused
from core.lists import ChoiceFilter, FilteredListView, OverdueFilter, SearchFilter, StatusFilter
from core.models import AuditEvent, Deadline
from core.workflow import add_service_errors

from .. import services
from ..flows import open_process, submit_plan, submit_self_assessment
from ..forms import CreateForm, PlanForm, ReasonForm, SelfAssessmentForm, public_operators
from ..models import Evaluation, Outcome


def _evaluation_or_404(request, number):
    return get_object_or_404(Evaluation.objects.visible_to(request.user).with_list_data(), number=number)


class EvaluationListView(FilteredListView):
    """The evaluations the user may see: open ones first; filter by status, outcome, operator, overdue."""

    model = Evaluation
    permissions = ("evaluations.view_evaluation",)
    template_name = "evaluations/evaluation_list.html"
    filters = (
        StatusFilter(Evaluation.Status.choices),
        ChoiceFilter("outcome", field="outcome", choices=Outcome.choices, label=gettext_lazy("评价结果"),
                     empty_label=gettext_lazy("全部结果")),
        OverdueFilter(),
        SearchFilter("number", "operator__name", "markets__name", label=gettext_lazy("评价编号、运营机构或市场名称"),
                     distinct=True),
    )
    ordering = ("-is_overdue", "due_at", "-period_end", "-pk")

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_create=self.request.user.has_perm("evaluations.add_evaluation"),
                                        **kwargs)


evaluation_list = EvaluationListView.as_view()


def _contracts_for(user):
    """The service contracts the user may evaluate (procurement's scoping when it has one)."""
    ServiceContract = apps.get_model("procurement", "ServiceContract")
    manager = ServiceContract._default_manager
    qs = manager.visible_to(user) if hasattr(manager, "visible_to") else manager.all()
    return qs.exclude(status="draft").select_related("operator").order_by("-pk")


def evaluation_create(request):
    """Create an evaluation (draft) of a contract, or of a public body running its own markets."""
    if not request.user.has_perm("evaluations.add_evaluation"):
        raise PermissionDenied
    form = CreateForm(request.POST or None, contracts=_contracts_for(request.user),
                      operators=public_operators(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        operator = data.get("operator")
        try:
            evaluation = services.evaluation_create(
                by=request.user, period_start=data["period_start"], period_end=data["period_end"],
                contract=data.get("contract"), operator=operator,
                markets=_own_markets(request.user, operator) if operator else None)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已创建评价 %(number)s。") % {"number": evaluation.number})
            return redirect(evaluation.get_absolute_url())
    return render(request, "evaluations/evaluation_create.html", {"form": form})


def _own_markets(user, operator):
    """The open markets of a public body that ``user`` may see (a district official: those of the district)."""
    from markets.models import Market

    return list(Market.objects.visible_to(user).filter(operator=operator).exclude(status=Market.Status.CLOSED))


def _task_url(task, user):
    node = task.flow_task
    if task.status == STATUS.ASSIGNED and task.owner_id == user.pk:
        return node.reverse("index", args=[task.process_id, task.pk])
    if task.status == STATUS.NEW and hasattr(node, "can_assign") and node.can_assign(user, task):
        return node.reverse("assign", args=[task.process_id, task.pk])
    return None


def _status_label(code):
    return Evaluation.Status(code).label if code in Evaluation.Status.values else code


def evaluation_detail(request, number):
    """The evaluation page: summary, indicator table (computed values with their source cases, evidence,
    scores), approvals, deadlines, open tasks, documents and the timeline from the audit chain."""
    evaluation = _evaluation_or_404(request, number)
    user = request.user
    is_operator = evaluation.is_operator_staff(user)
    process = open_process(evaluation)
    tasks = []
    if process is not None and not is_operator:
        tasks = list(process.task_set.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED]).select_related("owner"))
    rows = evaluation.indicator_rows()
    weighted = [r["score"].weighted for r in rows if r["score"] is not None and r["score"].score is not None]
    return render(request, "evaluations/evaluation_detail.html", {
        "evaluation": evaluation,
        "markets": list(evaluation.markets.all()),
        "rows": rows,
        "weighted_sum": sum(weighted) if weighted else None,
        "approvals": list(evaluation.approvals.select_related("decided_by")),
        "follow_ups": list(evaluation.follow_ups.all()),
        "open_tasks": [(t, _task_url(t, user)) for t in tasks],
        "deadlines": Deadline.objects.for_object(evaluation).order_by("due_at"),
        "documents": documents_for(evaluation),
        "timeline": [(e, _status_label(e.to_state)) for e in AuditEvent.objects.for_object(evaluation).timeline()],
        "reason_form": ReasonForm(),
        "is_operator": is_operator,
        "can": {
            "open": evaluation.status == Evaluation.Status.DRAFT and user.has_perm("evaluations.add_evaluation"),
            "cancel": evaluation.status in Evaluation.CANCELLABLE and user.has_perm("evaluations.add_evaluation"),
            "self_assess": evaluation.status == Evaluation.Status.SELF_ASSESSMENT
            and evaluation._may_self_assess(user),
            "plan": evaluation.status == Evaluation.Status.RECTIFICATION and evaluation._may_self_assess(user),
            "dossier": services.may_export_dossier(evaluation, user),
            "report": not is_operator and (user.has_perm("evaluations.score_evaluation")
                                           or user.has_perm("evaluations.review_evaluation")
                                           or user.has_perm("evaluations.approve_evaluation")),
        },
    })


def _act(request, evaluation, action, success):
    try:
        action()
    except (ValidationError, TransitionRefused, PermissionDenied) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, success)
    return redirect(evaluation.get_absolute_url())


@require_POST
def evaluation_open(request, number):
    evaluation = _evaluation_or_404(request, number)
    if not request.user.has_perm("evaluations.add_evaluation"):
        raise PermissionDenied
    return _act(request, evaluation, lambda: services.evaluation_open(evaluation=evaluation, by=request.user),
                _("已发起自评，等待运营机构提交。"))


@require_POST
def evaluation_cancel(request, number):
    evaluation = _evaluation_or_404(request, number)
    if not request.user.has_perm("evaluations.add_evaluation"):
        raise PermissionDenied
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请说明取消理由。"))
        return redirect(evaluation.get_absolute_url())
    return _act(request, evaluation, lambda: services.evaluation_cancel(
        evaluation=evaluation, by=request.user, reason=form.cleaned_data["reason"]), _("评价已取消。"))


@require_POST
def evaluation_report(request, number):
    evaluation = _evaluation_or_404(request, number)
    return _act(request, evaluation, lambda: services.evaluation_request_report(evaluation=evaluation,
                                                                                 by=request.user),
                _("评价报告正在生成，完成后可在“文书”中下载。"))


@require_POST
def evaluation_dossier(request, number):
    evaluation = _evaluation_or_404(request, number)
    return _act(request, evaluation, lambda: services.evaluation_request_dossier(evaluation=evaluation,
                                                                                  by=request.user),
                _("案卷正在生成，完成后可在“文书”中下载。"))


# ---- the operator's portal pages --------------------------------------------------------------------


def evaluation_self_assessment(request, number):
    """The operator's staff submit the self-assessment: served count, report, and per scored indicator a
    statement, self-score and evidence files."""
    evaluation = _evaluation_or_404(request, number)
    if not evaluation._may_self_assess(request.user):
        raise PermissionDenied
    if evaluation.status != Evaluation.Status.SELF_ASSESSMENT:
        messages.info(request, _("该评价当前不在自评阶段。"))
        return redirect(evaluation.get_absolute_url())
    indicators = services.scored_indicators(evaluation)
    form = SelfAssessmentForm(request.POST or None, request.FILES or None, indicators=indicators)
    if request.method == "POST" and form.is_valid():
        try:
            submit_self_assessment(evaluation, by=request.user, served_count=form.cleaned_data["served_count"],
                                   summary=form.cleaned_data["summary"], statements=form.statements(),
                                   files=form.evidence())
        except ValidationError as exc:
            add_service_errors(form, exc)
        except TransitionRefused as exc:
            messages.error(request, str(exc))
            return redirect(evaluation.get_absolute_url())
        else:
            messages.success(request, _("自评已提交，等待评分。"))
            return redirect(evaluation.get_absolute_url())
    return render(request, "evaluations/self_assessment.html", {
        "evaluation": evaluation, "form": form, "markets": list(evaluation.markets.all()),
        "computed": [i for i in evaluation.rubric.indicators.all() if i.is_computed],
    })


def evaluation_plan(request, number):
    """The operator's staff submit the rectification plan after a 限期整改 outcome."""
    evaluation = _evaluation_or_404(request, number)
    if not evaluation._may_self_assess(request.user):
        raise PermissionDenied
    if evaluation.status != Evaluation.Status.RECTIFICATION:
        messages.info(request, _("该评价当前无需提交整改计划。"))
        return redirect(evaluation.get_absolute_url())
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            submit_plan(evaluation, by=request.user, plan=form.cleaned_data["plan"],
                        complete_by=form.cleaned_data["complete_by"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except TransitionRefused as exc:
            messages.error(request, str(exc))
            return redirect(evaluation.get_absolute_url())
        else:
            messages.success(request, _("整改计划已提交。"))
            return redirect(evaluation.get_absolute_url())
    return render(request, "evaluations/plan.html", {"evaluation": evaluation, "form": form})


"""Views of the evaluation flow's human tasks. Each validates a form, calls one service and completes the
task; a refused transition (someone else acted first) or the four-eyes rule becomes a message, never a 500."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from core.workflow import ServiceTaskView

from .. import services
from ..forms import ApproveForm, DecisionForm, FollowUpForm, ScoreForm
from ..models import Evaluation


class EvaluationTaskView(ServiceTaskView):
    artifact_model = Evaluation
    artifact_context_name = "evaluation"

    def get_artifact_queryset(self):
        return Evaluation.objects.with_list_data()

    @property
    def evaluation(self) -> Evaluation:
        return self.artifact

    def get_context_data(self, **kwargs):
        kwargs.setdefault("rows", self.evaluation.indicator_rows())
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except PermissionDenied as exc:
            messages.error(self.request, str(exc) or _("您没有权限执行此操作。"))
            return HttpResponseRedirect(self.evaluation.get_absolute_url())


class ScoreTaskView(EvaluationTaskView):
    """评分: the computed indicators are shown with their source cases; the evaluator scores the rest."""

    form_class = ScoreForm

    def _to_score(self):
        scores = {s.indicator_id: s for s in self.evaluation.scores.all()}
        return [i for i in self.evaluation.rubric.indicators.all()
                if services.needs_evaluator_score(i, scores.get(i.pk))], scores

    def get_form_kwargs(self):
        indicators, scores = self._to_score()
        return {**super().get_form_kwargs(), "indicators": indicators, "scores": scores}

    def post(self, request, *args, **kwargs):
        if "_recompute" in request.POST:
            try:
                services.evaluation_recompute(evaluation=self.evaluation, by=request.user)
                messages.success(request, _("已按最新案件数据重新计算。"))
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            return HttpResponseRedirect(request.get_full_path())
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        services.evaluation_submit_scores(evaluation=self.evaluation, by=self.request.user, scores=form.scores(),
                                          note=form.cleaned_data["note"])


class ReviewTaskView(EvaluationTaskView):
    form_class = DecisionForm

    def perform(self, form):
        services.evaluation_review(evaluation=self.evaluation, by=self.request.user, approve=form.approved(),
                                   opinion=form.cleaned_data["opinion"])


class ApproveTaskView(EvaluationTaskView):
    form_class = ApproveForm

    def perform(self, form):
        services.evaluation_approve(evaluation=self.evaluation, by=self.request.user, approve=form.approved(),
                                    opinion=form.cleaned_data["opinion"],
                                    requirements=form.cleaned_data["requirements"])


class FollowUpTaskView(EvaluationTaskView):
    form_class = FollowUpForm

    def perform(self, form):
        self.follow_up = services.evaluation_start_follow_up(
            evaluation=self.evaluation, by=self.request.user, period_start=form.cleaned_data["period_start"],
            period_end=form.cleaned_data["period_end"])

    def get_success_url(self):
        follow_up = getattr(self, "follow_up", None)
        return follow_up.get_absolute_url() if follow_up is not None else super().get_success_url()


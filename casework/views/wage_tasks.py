"""Views of the wage-claim flow's human tasks: verification, the official's decision on an unfounded claim,
and closing. Each validates a form and calls one service; coordination and payments happen on the claim
page (they complete the flow's waiting step)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from core.fsm import TransitionRefused
from core.workflow import ServiceTaskView

from ..models import WageClaim
from ..services import wage as services
from ..wage_forms import ApproveUnsubstantiatedForm, CloseForm, VerifyForm


class WageTaskView(ServiceTaskView):
    artifact_model = WageClaim
    artifact_context_name = "claim"

    @property
    def claim(self):
        return self.artifact


class VerifyTaskView(WageTaskView):
    """核实: take the claim up (one click), then record the finding."""

    form_class = VerifyForm

    def post(self, request, *args, **kwargs):
        if "_start" in request.POST:
            try:
                services.wageclaim_start_verification(claim=self.claim, by=request.user)
                messages.success(request, _("已开始核实。"))
            except TransitionRefused as exc:
                messages.error(request, str(exc))
            return HttpResponseRedirect(request.get_full_path())
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        data, claim, user = form.cleaned_data, self.claim, self.request.user
        if claim.status == WageClaim.Status.REPORTED:
            raise ValidationError(_("请先点击“开始核实”，再填写核实结论。"), code="not_started")
        if data["decision"] == "verified":
            services.wageclaim_verify(claim=claim, by=user, note=data["note"])
        else:
            services.wageclaim_propose_unsubstantiated(claim=claim, by=user, reason=data["reason"],
                                                       public_reply=data["public_reply"])


class ApproveUnsubstantiatedTaskView(WageTaskView):
    form_class = ApproveUnsubstantiatedForm

    def perform(self, form):
        if form.cleaned_data["approve"]:
            services.wageclaim_find_unsubstantiated(claim=self.claim, by=self.request.user)
        else:
            services.wageclaim_return_to_verification(claim=self.claim, by=self.request.user,
                                                      reason=form.cleaned_data["reason"])


class CloseTaskView(WageTaskView):
    """结案: the outcome, and money recovered through a referral per worker."""

    form_class = CloseForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "workers": self.claim.workers.all()}

    def perform(self, form):
        services.wageclaim_close(claim=self.claim, by=self.request.user, outcome=form.cleaned_data["outcome"],
                                 note=form.cleaned_data["note"], paid=form.paid())

"""Views of the complaint flow's human tasks. Each validates a form, calls one service and completes the
task; a refused transition (someone else acted first) becomes a message, never a 500."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from core.fsm import TransitionRefused
from core.workflow import ServiceTaskView

from .. import services
from ..forms import AssignForm, InvestigateForm, RejectionApprovalForm, ReviewForm
from ..models import Complaint


class ComplaintTaskView(ServiceTaskView):
    """Base of the complaint task views: ``perform(form)`` calls one complaint service."""

    artifact_model = Complaint
    artifact_context_name = "complaint"

    @property
    def complaint(self):
        return self.artifact


class ReviewTaskView(ComplaintTaskView):
    """受理审查: accept, ask for everything missing at once, propose rejection, or merge a duplicate."""

    form_class = ReviewForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["duplicates"] = services.find_duplicates(self.complaint)
        return kwargs

    def get_context_data(self, **kwargs):
        kwargs["duplicates"] = services.find_duplicates(self.complaint)[:10]
        kwargs["info_lapsed_at"] = services.info_lapsed_at(self.complaint)
        return super().get_context_data(**kwargs)

    def perform(self, form):
        user, complaint, data = self.request.user, self.complaint, form.cleaned_data
        decision = data["decision"]
        if decision == ReviewForm.Decision.ACCEPT:
            services.complaint_accept(complaint=complaint, by=user)
        elif decision == ReviewForm.Decision.REQUEST_INFO:
            services.complaint_request_info(complaint=complaint, by=user, missing_items=data["missing_items_list"])
        elif decision == ReviewForm.Decision.PROPOSE_REJECTION:
            services.complaint_propose_rejection(complaint=complaint, by=user, reason=data["reason"])
        else:
            services.complaint_merge(complaint=complaint, by=user, into=data["merge_into"])


class ApproveRejectionTaskView(ComplaintTaskView):
    form_class = RejectionApprovalForm

    def perform(self, form):
        if form.cleaned_data["approve"]:
            services.complaint_approve_rejection(complaint=self.complaint, by=self.request.user)
        else:
            services.complaint_decline_rejection(complaint=self.complaint, by=self.request.user,
                                                 reason=form.cleaned_data["reason"])


class AssignTaskView(ComplaintTaskView):
    form_class = AssignForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "assignees": services.eligible_assignees(self.complaint)}

    def perform(self, form):
        services.complaint_assign(complaint=self.complaint, by=self.request.user,
                                  assignee=form.cleaned_data["assignee"], reason=form.cleaned_data["reason"])


class InvestigateTaskView(ComplaintTaskView):
    """The assignee starts the investigation (one click), then resolves or refers."""

    form_class = InvestigateForm

    def post(self, request, *args, **kwargs):
        if "_start" in request.POST:
            try:
                services.complaint_start_investigation(complaint=self.complaint, by=request.user)
                messages.success(request, _("已开始调查处理。"))
            except TransitionRefused as exc:
                messages.error(request, str(exc))
            return HttpResponseRedirect(request.get_full_path())
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        data, complaint, user = form.cleaned_data, self.complaint, self.request.user
        if complaint.status == complaint.Status.ASSIGNED:
            raise ValidationError(_("请先点击“开始调查”，再填写处理结果。"), code="not_started")
        if data["decision"] == InvestigateForm.Decision.RESOLVE:
            services.complaint_resolve(complaint=complaint, by=user, outcome=data["outcome"],
                                       public_reply=data["public_reply"])
        else:
            services.complaint_refer(complaint=complaint, by=user, target=data["referral_target"],
                                     organization=data["referral_organization"],
                                     public_reply=data["public_reply"], reason=data["outcome"])

"""Views of the mediation flow's human tasks: the district queue's review and the mediator assignment. Each
validates a form and calls one service; the mediation itself happens on the case page."""

from core.workflow import ServiceTaskView

from .. import services
from ..forms import MediationReviewForm, MediatorForm
from ..models import MediationCase


class MediationTaskView(ServiceTaskView):
    artifact_model = MediationCase
    artifact_context_name = "case"

    @property
    def case(self):
        return self.artifact


class ReviewTaskView(MediationTaskView):
    """受理审查: accept, or (district official) decline with reasons and advice on arbitration."""

    form_class = MediationReviewForm

    def perform(self, form):
        data = form.cleaned_data
        if data["decision"] == "accept":
            services.mediation_accept(case=self.case, by=self.request.user)
        else:
            services.mediation_decline(case=self.case, by=self.request.user, reason=data["reason"],
                                       advice=data["advice"])


class AssignTaskView(MediationTaskView):
    form_class = MediatorForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "mediators": services.eligible_mediators(self.case)}

    def perform(self, form):
        services.mediation_assign(case=self.case, by=self.request.user, mediator=form.cleaned_data["mediator"],
                                  reason=form.cleaned_data["reason"])

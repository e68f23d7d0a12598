"""Views of the casework app: ``tasks`` (the flow's human steps), ``staff`` (case pages and actions) and
``public`` (intake, tracking and surveys for the public)."""

from .tasks import ApproveRejectionTaskView, AssignTaskView, InvestigateTaskView, ReviewTaskView

__all__ = ["ApproveRejectionTaskView", "AssignTaskView", "InvestigateTaskView", "ReviewTaskView"]

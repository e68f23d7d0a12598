"""The evaluations Application of the staff site: the evaluation flow's inbox, queue and archive (from
core.workflow.ScopedFlowAppViewset), plus the evaluation pages and the operator's portal pages."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from core.workflow import ScopedFlowAppViewset

from .flows import EvaluationFlow
from .views import staff


class EvaluationFlowViewset(ScopedFlowAppViewset):
    title = _("绩效评价")
    icon = "assessment"

    evaluation_list_path = path("evaluations/", staff.evaluation_list, name="evaluation_list")
    evaluation_create_path = path("evaluations/new/", staff.evaluation_create, name="evaluation_create")
    evaluation_detail_path = path("evaluations/<str:number>/", staff.evaluation_detail, name="evaluation_detail")
    evaluation_open_path = path("evaluations/<str:number>/open/", staff.evaluation_open, name="evaluation_open")
    evaluation_cancel_path = path("evaluations/<str:number>/cancel/", staff.evaluation_cancel,
                                  name="evaluation_cancel")
    evaluation_report_path = path("evaluations/<str:number>/report/", staff.evaluation_report,
                                  name="evaluation_report")
    evaluation_dossier_path = path("evaluations/<str:number>/dossier/", staff.evaluation_dossier,
                                   name="evaluation_dossier")
    evaluation_self_assessment_path = path("evaluations/<str:number>/self-assessment/",
                                           staff.evaluation_self_assessment, name="evaluation_self_assessment")
    evaluation_plan_path = path("evaluations/<str:number>/plan/", staff.evaluation_plan, name="evaluation_plan")

    def __init__(self, **kwargs):
        super().__init__(EvaluationFlow, **kwargs)

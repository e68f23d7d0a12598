"""The inspections Application of the staff site: the inspection flow's inbox, queue and archive (from
core.workflow.ScopedFlowAppViewset), plus the inspection and notice pages."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from core.workflow import ScopedFlowAppViewset

from .flows import InspectionFlow
from .views import staff


class InspectionFlowViewset(ScopedFlowAppViewset):
    title = _("安全检查")
    icon = "fact_check"

    inspection_list_path = path("inspections/", staff.inspection_list, name="inspection_list")
    inspection_plan_path = path("inspections/new/", staff.inspection_plan, name="inspection_plan")
    inspection_detail_path = path("inspections/<str:number>/", staff.inspection_detail, name="inspection_detail")
    inspection_draft_path = path("inspections/<str:number>/draft/", staff.inspection_draft,
                                 name="inspection_draft")
    inspection_photo_path = path("inspections/<str:number>/photo/", staff.inspection_photo,
                                 name="inspection_photo")
    inspection_cancel_path = path("inspections/<str:number>/cancel/", staff.inspection_cancel,
                                  name="inspection_cancel")
    inspection_decide_path = path("inspections/<str:number>/decide/", staff.inspection_decide,
                                  name="inspection_decide")
    inspection_dossier_path = path("inspections/<str:number>/dossier/", staff.inspection_dossier,
                                   name="inspection_dossier")
    inspection_resume_market_path = path("inspections/<str:number>/resume-market/", staff.inspection_resume_market,
                                         name="inspection_resume_market")
    notice_list_path = path("notices/", staff.notice_list, name="notice_list")
    notice_detail_path = path("notices/<str:number>/", staff.notice_detail, name="notice_detail")

    def __init__(self, **kwargs):
        super().__init__(InspectionFlow, **kwargs)

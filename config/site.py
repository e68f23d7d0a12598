"""The staff frontend: viewflow's Material Site with one Application per app."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Site

from casework.referral_viewsets import PartnerApp, ReferralApp, site_index_view
from casework.viewsets import ComplaintFlowViewset, MediationFlowViewset, WageClaimFlowViewset
from evaluations.viewsets import EvaluationFlowViewset
from inspections.viewsets import InspectionFlowViewset
from markets.viewsets import MarketsApp
from procurement.viewsets import ProcurementApp


class GigCaseSite(Site):
    @property
    def index_path(self):
        # Partner users (external organisations) land on their referral inbox.
        return path("", site_index_view(self), name="index")


site = GigCaseSite(
    title=_("零工市场维权与监管"),
    primary_color="#b71c1c",
    secondary_color="#5d4037",
    viewsets=[
        ComplaintFlowViewset(),
        MediationFlowViewset(),
        WageClaimFlowViewset(),
        InspectionFlowViewset(),
        EvaluationFlowViewset(),
        MarketsApp(),
        ProcurementApp(),
        ReferralApp(),
        PartnerApp(),
    ],
)

"""The staff frontend: viewflow's Material Site with one Application per app."""

from django.utils.translation import gettext_lazy as _
from viewflow.urls import Site

from casework.viewsets import ComplaintFlowViewset, MediationFlowViewset, WageClaimFlowViewset
from inspections.viewsets import InspectionFlowViewset
from markets.viewsets import MarketsApp
from procurement.viewsets import ProcurementApp

site = Site(
    title=_("零工市场维权与监管"),
    primary_color="#b71c1c",
    secondary_color="#5d4037",
    viewsets=[
        ComplaintFlowViewset(),
        MediationFlowViewset(),
        WageClaimFlowViewset(),
        InspectionFlowViewset(),
        MarketsApp(),
        ProcurementApp(),
    ],
)

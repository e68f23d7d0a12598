"""Public pages: the published list of markets and stations (clause (二十三)) and each site's page with
hours, contacts and complaint channels (clause (十))."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, render

from accounts.models import District

from .models import Market


@login_not_required
def market_list(request):
    markets = Market.objects.published().select_related("district", "operator")
    district = request.GET.get("district") or ""
    kind = request.GET.get("kind") or ""
    if district.isdigit():
        markets = markets.filter(district_id=int(district))
    if kind in Market.Kind.values:
        markets = markets.filter(kind=kind)
    return render(request, "public/market_list.html", {
        "markets": markets,
        "districts": District.objects.all(),
        "kinds": Market.Kind.choices,
        "selected_district": district,
        "selected_kind": kind,
    })


@login_not_required
def market_detail(request, code):
    market = get_object_or_404(Market.objects.published().select_related("district", "operator"), code=code)
    return render(request, "public/market_detail.html", {"market": market})

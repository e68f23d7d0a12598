"""Public pages: the published list of markets and stations (clause (二十三)), each site's page with
rules, hours, services, contacts and complaint channels (clause (十)), and a printable QR poster that
sends a phone straight to the complaint form for that site."""

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, render
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from .forms import MarketFilterForm
from .models import Market

#: The complaint form's path. The complaints work adds the route; until then this is a plain path so
#: that posters printed today keep working once it exists.
COMPLAINT_PATH = "/complaints/new/"


def complaint_path(market) -> str:
    return f"{COMPLAINT_PATH}?{urlencode({'market': market.code})}"


def complaint_url(market) -> str:
    """The absolute URL a poster's QR code points to."""
    return settings.GIGCASE_SITE_URL.rstrip("/") + complaint_path(market)


def _published():
    return Market.objects.published().select_related("district", "operator")


@login_not_required
def market_list(request):
    form = MarketFilterForm(request.GET or None)
    markets = form.filter(_published()) if form.is_bound else _published()
    return render(request, "public/market_list.html", {"form": form, "markets": list(markets)})


@login_not_required
def market_detail(request, code):
    market = get_object_or_404(_published(), code=code)
    return render(request, "public/market_detail.html", {
        "market": market,
        "complaint_path": complaint_path(market),
    })


@login_not_required
def market_poster(request, code):
    market = get_object_or_404(_published(), code=code)
    url = complaint_url(market)
    # segno builds the SVG from the URL alone (the market code is a slug), so it is safe to inline.
    qr_svg = mark_safe(segno.make(url, error="m").svg_inline(omitsize=True, border=2))
    return render(request, "public/market_poster.html", {"market": market, "complaint_url": url, "qr_svg": qr_svg})

"""Template tags that put a market's inspection record on pages of other apps (the staff market page, the
public market page) without those apps importing inspections: the pages load this library."""

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("inspections/_market_history.html", takes_context=True)
def market_inspection_history(context, market):
    """Staff: the market's recent inspections, open rectification items and pass rate. Links go to the
    inspection pages for staff who may open them, and to the notice pages for the operator's staff."""
    user = context["request"].user
    return {
        "history": selectors.market_history(market),
        "link_inspections": user.has_perm("inspections.view_inspection"),
        "link_notices": user.has_perm("inspections.view_rectificationnotice")
        or user.has_perm("inspections.view_inspection"),
    }


@register.inclusion_tag("inspections/_market_public_summary.html")
def market_safety_summary(market):
    """Public: the latest inspection's date and result and the pass rate; never the findings."""
    return {"summary": selectors.public_summary(market)}

"""Template tags of referrals: the referral section of the wage claim page."""

from django import template

register = template.Library()


@register.simple_tag
def claim_referrals(claim):
    """The claim's referrals for its page, newest first."""
    return list(claim.referrals.select_related("target").order_by("-created_at", "-pk"))

"""Public tracking of a wage claim (no account): reached through /track/ with the claim's tracking code and
the last four digits of a worker's phone (``casework.views.public.track`` falls back to ``find_tracked``).
Only the whitelist of ``public_view`` reaches the template: no worker's name, ID or phone, no officer, no
internal notes. A claim opened from a complaint is tracked with the complaint's own code, on its page."""

import secrets
import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from ..models import WageClaim, hash_tracking_code

TRACK_SESSION_KEY = "casework.public.wageclaim_track"

#: What the workers are told about each state.
PUBLIC_STATUS = {
    WageClaim.Status.REPORTED: gettext_lazy("已登记，待核实"),
    WageClaim.Status.VERIFYING: gettext_lazy("核实中"),
    WageClaim.Status.UNSUBSTANTIATED: gettext_lazy("经核实不成立"),
    WageClaim.Status.VERIFIED: gettext_lazy("经核实属实，正在处理"),
    WageClaim.Status.COORDINATING: gettext_lazy("正在协调用工单位支付"),
    WageClaim.Status.SETTLED: gettext_lazy("用工单位已支付，待结案"),
    WageClaim.Status.REFERRED: gettext_lazy("已移送相关部门或法律援助机构处理"),
    WageClaim.Status.CLOSED: gettext_lazy("已结案"),
}


def find_tracked(code: str, last4: str):
    """The claim with this tracking code if ``last4`` ends a worker's phone (or the claim has no phone on
    record, e.g. a hotline report); else None. Compared in constant time."""
    claim = (WageClaim.objects.filter(tracking_code_hash=hash_tracking_code(code), source_complaint__isnull=True)
             .exclude(tracking_code_hash="").first())
    if claim is None:
        return None
    phones = [w.phone[-4:] for w in claim.workers.all() if w.phone]
    if not phones:
        return claim
    return claim if any(secrets.compare_digest(p, (last4 or "").strip()) for p in phones) else None


def remember(request, claim):
    request.session[TRACK_SESSION_KEY] = {"id": claim.pk, "at": time.time()}


def public_view(claim) -> dict:
    open_ = claim.is_open
    return {
        "number": claim.number,
        "status": claim.status,
        "status_label": str(PUBLIC_STATUS.get(claim.status, claim.get_status_display())),
        "district_name": claim.district.name,
        "employer_name": claim.employer_name,
        "received_at": claim.received_at,
        "due_at": claim.due_at if open_ else None,
        "workers": claim.workers.count(),
        "total_owed": claim.total_owed,
        "total_paid": claim.total_paid,
        "public_reply": claim.public_reply if claim.status == WageClaim.Status.UNSUBSTANTIATED else "",
        "outcome_label": claim.get_outcome_display() if claim.status == WageClaim.Status.CLOSED else "",
        "closed_at": claim.closed_at if not open_ else None,
        "employment_ongoing": claim.employment_ongoing,
        "limitation_date": claim.limitation_date,
    }


def _tracked(request):
    entry = request.session.get(TRACK_SESSION_KEY)
    ttl = getattr(settings, "GIGCASE_TRACK_SESSION_SECONDS", 30 * 60)
    claim = None
    if entry and time.time() - entry.get("at", 0) <= ttl:
        claim = WageClaim.objects.select_related("district").filter(pk=entry.get("id")).first()
    if claim is None:
        request.session.pop(TRACK_SESSION_KEY, None)
    return claim


@login_not_required
@never_cache
def wageclaim_track_detail(request):
    claim = _tracked(request)
    if claim is None:
        return redirect("public:track")
    return render(request, "public/wageclaim_track_detail.html", {"case": public_view(claim)})

"""Public mediation application (no account): one or more workers against one employer, claims as line items.
Bot defences and rate limits as on the complaint form (shared ``casework.ratelimit``); the case number and
tracking code are shown once. Tracking of mediation cases on /track/ is not wired yet (complaints only)."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.context import client_ip
from core.workflow import add_service_errors

from .. import ratelimit, services
from ..public_forms import HONEYPOT_FIELD, published_markets
from ..public_mediation_forms import ApplicantFormSet, ClaimFormSet, MediationApplicationForm

SUBMITTED_SESSION_KEY = "casework.public.mediation_submitted"


def ip_limit():
    return ratelimit.setting_limit("GIGCASE_MEDIATION_RATE_IP", (5, 3600))


def phone_limit():
    return ratelimit.setting_limit("GIGCASE_MEDIATION_RATE_PHONE", (3, 86400))


def _render(request, form, applicants, claims, *, rate_limited=False):
    market = form.cleaned_data.get("market") if hasattr(form, "cleaned_data") else None
    return render(request, "public/mediation_apply.html", {
        "form": form, "applicants": applicants, "claims": claims, "rate_limited": rate_limited,
        "honeypot_name": HONEYPOT_FIELD, "consent_version": services.CONSENT_VERSION,
        "handling_district": market.district if market else None,
    }, status=429 if rate_limited else 200)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def mediation_apply(request):
    """申请劳动争议调解 (mobile-first)."""
    markets = list(published_markets())
    if request.method == "GET":
        code = request.GET.get("market", "")
        initial = {"market": code} if code and any(m.code == code for m in markets) else {}
        return _render(request, MediationApplicationForm(initial=initial, markets=markets),
                       ApplicantFormSet(prefix="applicant"), ClaimFormSet(prefix="claim"))
    form = MediationApplicationForm(request.POST, markets=markets)
    applicants = ApplicantFormSet(request.POST, prefix="applicant")
    claims = ClaimFormSet(request.POST, prefix="claim")
    ip = client_ip(request)
    if ratelimit.is_over("mediation-ip", ip, ip_limit()):
        return _render(request, form, applicants, claims, rate_limited=True)
    valid = form.is_valid() & applicants.is_valid() & claims.is_valid()  # all three show their errors
    if not valid:
        return _render(request, form, applicants, claims)
    people = [a.cleaned_data for a in applicants if a.cleaned_data and not a.cleaned_data.get("DELETE")]
    phones = [p["phone"] for p in people]
    if any(ratelimit.is_over("mediation-phone", phone, phone_limit()) for phone in phones):
        return _render(request, form, applicants, claims, rate_limited=True)
    data = form.cleaned_data
    try:
        submission = services.mediation_apply_online(
            district=data["district"], market=data["market"], respondent_name=data["respondent_name"],
            respondent_credit_code=data["respondent_credit_code"], respondent_contact=data["respondent_contact"],
            matters=data["matters"], reasons=data["reasons"], consent=data["consent"],
            applicants=[services.Applicant(name=p["name"], id_number=p["id_number"], phone=p["phone"],
                                           priority=p["priority"]) for p in people],
            claims=[services.Claim(kind=c.cleaned_data["kind"], amount=c.cleaned_data["amount"],
                                   note=c.cleaned_data["note"]) for c in claims if c.cleaned_data])
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _render(request, form, applicants, claims)
    ratelimit.count("mediation-ip", ip, ip_limit())
    for phone in phones:
        ratelimit.count("mediation-phone", phone, phone_limit())
    case = submission.case
    request.session[SUBMITTED_SESSION_KEY] = {"number": case.number, "code": submission.tracking_code,
                                              "district": case.district.name}
    return redirect("public:mediation_submitted")


@login_not_required
@never_cache
def mediation_submitted(request):
    """Case number and tracking code, shown exactly once."""
    receipt = request.session.pop(SUBMITTED_SESSION_KEY, None)
    return render(request, "public/mediation_submitted.html", {"receipt": receipt})

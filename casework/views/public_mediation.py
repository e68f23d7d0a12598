"""Public mediation application (no account): one or more workers against one employer, claims as line items.
Bot defences and rate limits as on the complaint form (shared ``casework.ratelimit``); the case number and
tracking code are shown once. The applicants track the case on /track/ (code and a phone's last four digits;
``casework.views.public.track`` falls back to ``find_tracked``)."""

import time


from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.context import client_ip
from core.workflow import add_service_errors

from .. import ratelimit, services
from ..models import MediationCase, SatisfactionSurvey, hash_tracking_code
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


# ---- tracking (reached through /track/ with the tracking code and a phone's last four digits) -----------

TRACK_SESSION_KEY = "casework.public.mediation_track"

#: What the applicants are told about each state (internal steps folded together).
PUBLIC_STATUS = {
    MediationCase.Status.APPLIED: gettext_lazy("待受理"),
    MediationCase.Status.ACCEPTED: gettext_lazy("已受理，待安排调解"),
    MediationCase.Status.DECLINED: gettext_lazy("不予受理"),
    MediationCase.Status.MEDIATOR_ASSIGNED: gettext_lazy("已受理，待安排调解"),
    MediationCase.Status.IN_MEDIATION: gettext_lazy("调解中"),
    MediationCase.Status.AGREEMENT_SIGNED: gettext_lazy("已达成调解协议，待履行"),
    MediationCase.Status.FULFILLED: gettext_lazy("协议已履行"),
    MediationCase.Status.NOT_FULFILLED: gettext_lazy("协议未履行"),
    MediationCase.Status.FAILED: gettext_lazy("调解不成"),
    MediationCase.Status.CLOSED: gettext_lazy("已结案"),
    MediationCase.Status.WITHDRAWN: gettext_lazy("已撤回"),
}


def find_tracked(code: str, last4: str):
    """The online application with this tracking code, if ``last4`` ends one applicant's phone; else None."""
    if not last4:
        return None
    case = MediationCase.objects.filter(tracking_code_hash=hash_tracking_code(code)).exclude(
        tracking_code_hash="").first()
    if case is not None and any(p.phone and p.phone[-4:] == last4 for p in case.applicants.all()):
        return case
    return None


def remember(request, case):
    request.session[TRACK_SESSION_KEY] = {"id": case.pk, "at": time.time()}


def public_view(case, survey=None) -> dict:
    """The whitelist of what the applicants see (no officers' names, no minutes, no other party's data)."""
    open_ = case.is_open
    return {
        "number": case.number,
        "status": case.status,
        "status_label": str(PUBLIC_STATUS.get(case.status, case.get_status_display())),
        "district_name": case.district.name,
        "respondent_name": case.respondent_name,
        "received_at": case.received_at,
        "due_at": case.due_at if open_ else None,
        "sessions": [(s.scheduled_at, s.place) for s in case.sessions.all()] if open_ else [],
        "decline_reasons": case.decline_reasons if case.status == MediationCase.Status.DECLINED else "",
        "arbitration_advice": case.arbitration_advice if case.status == MediationCase.Status.DECLINED else "",
        "failed": bool(case.failure_reason),
        "closed_at": case.closed_at if not open_ else None,
        "missed": [{"description": o.description, "kind_label": str(o.get_kind_display()), "amount": o.amount,
                    "due_on": o.due_on} for o in services.missed_payment_obligations(case)],
        "survey_open": bool(case.status == MediationCase.Status.CLOSED and survey is not None
                            and survey.answered_at is None),
        "survey_answered": bool(survey is not None and survey.answered_at is not None),
    }


@login_not_required
@never_cache
def mediation_track_detail(request):
    case = _tracked(request)
    if case is None:
        return redirect("public:track")
    survey = SatisfactionSurvey.objects.for_object(case).first()
    return render(request, "public/mediation_track_detail.html", {"case": public_view(case, survey)})


def _tracked(request):
    """The case the tracking session names, if the session is fresh; else None (and the session is dropped)."""
    entry = request.session.get(TRACK_SESSION_KEY)
    ttl = getattr(settings, "GIGCASE_TRACK_SESSION_SECONDS", 30 * 60)
    case = None
    if entry and time.time() - entry.get("at", 0) <= ttl:
        case = MediationCase.objects.select_related("district").filter(pk=entry.get("id")).first()
    if case is None:
        request.session.pop(TRACK_SESSION_KEY, None)
    return case


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def mediation_track_survey(request):
    """The closed case's satisfaction survey reached from the tracking page (the SMS token is stored hashed)."""
    from .public import _survey_page

    case = _tracked(request)
    if case is None:
        return redirect("public:track")
    return _survey_page(request, SatisfactionSurvey.objects.for_object(case).first(),
                        action_url=reverse("public:mediation_track_survey"))

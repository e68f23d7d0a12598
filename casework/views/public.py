"""Public complaint pages (no account): file a complaint, track it with the tracking code, supply missing
material, withdraw, and answer the satisfaction survey.

What the public sees of a case is built in one place, ``PublicCase.of``: a whitelist of fields. Templates
of these pages never receive the Complaint itself, so staff notes, the internal outcome, officers' names
and the audit trail cannot leak through a template edit.

After a successful lookup the case id is kept in the session for a while, so the case page and its POST
actions need no secret in the URL (URLs end up in browser history and server logs)."""

import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.context import client_ip
from core.fsm import TransitionRefused
from core.workflow import add_service_errors

from .. import ratelimit, services
from . import public_mediation, public_wage
from ..models import Complaint, SatisfactionSurvey, hash_tracking_code
from ..public_forms import (
    HONEYPOT_FIELD, ComplaintForm, ResubmitForm, SurveyForm, TrackForm, WithdrawForm, published_markets,
)

SUBMITTED_SESSION_KEY = "casework.public.submitted"
TRACK_SESSION_KEY = "casework.public.track"
FLASH_SESSION_KEY = "casework.public.flash"

#: What the public is told about each state. Internal stages (a proposed rejection awaiting approval, the
#: split between assignment and investigation) are not the complainant's concern.
PUBLIC_STATUS = {
    Complaint.Status.SUBMITTED: gettext_lazy("待受理"),
    Complaint.Status.INFO_REQUESTED: gettext_lazy("待补正材料"),
    Complaint.Status.REJECTION_PROPOSED: gettext_lazy("待受理"),
    Complaint.Status.REJECTED: gettext_lazy("不予受理"),
    Complaint.Status.ACCEPTED: gettext_lazy("已受理"),
    Complaint.Status.ASSIGNED: gettext_lazy("办理中"),
    Complaint.Status.INVESTIGATING: gettext_lazy("办理中"),
    Complaint.Status.RESOLVED: gettext_lazy("已处理，待办结"),
    Complaint.Status.REFERRED: gettext_lazy("已转办"),
    Complaint.Status.CLOSED: gettext_lazy("已办结"),
    Complaint.Status.WITHDRAWN: gettext_lazy("已撤回"),
    Complaint.Status.MERGED: gettext_lazy("已合并办理"),
}
_REPLY_STATES = (Complaint.Status.RESOLVED, Complaint.Status.REFERRED, Complaint.Status.CLOSED)


# ---- rate limits (Django cache counters; fixed windows) ---------------------------------------------


_limit = ratelimit.setting_limit
_over = ratelimit.is_over
_count = ratelimit.count


def complaint_ip_limit():
    return _limit("GIGCASE_COMPLAINT_RATE_IP", (5, 3600))


def complaint_phone_limit():
    return _limit("GIGCASE_COMPLAINT_RATE_PHONE", (3, 86400))


def track_ip_limit():
    return _limit("GIGCASE_TRACK_RATE_IP", (10, 600))


# ---- what the public may see ------------------------------------------------------------------------


#: The complaint's columns ``PublicCase.of`` reads, the only ones the tracking page loads (``_tracked_complaint``).
PUBLIC_FIELDS = ("number", "status", "category", "district__name", "market__name", "anonymous", "submitted_at",
                 "accepted_at", "due_at", "due_provisional", "missing_items", "info_requested_at",
                 "rejection_reasons", "public_reply", "referral_organization", "closed_at")


@dataclass(frozen=True)
class PublicCase:
    """The public projection of a complaint (a whitelist)."""

    number: str
    status: str
    status_label: str
    category_label: str
    district_name: str
    market_name: str
    anonymous: bool
    submitted_at: datetime
    accepted_at: datetime | None
    due_at: datetime | None
    due_label: str
    due_provisional: bool
    missing_items: tuple
    info_requested_at: datetime | None
    rejection_reasons: str
    public_reply: str
    referral_organization: str
    closed_at: datetime | None
    can_withdraw: bool
    can_resubmit: bool
    can_survey: bool
    survey_answered: bool

    @classmethod
    def of(cls, complaint: Complaint) -> "PublicCase":
        """``complaint`` as ``_tracked_complaint`` loads it: with its district, market and survey state."""
        status = complaint.status
        open_ = complaint.is_open
        if status in (Complaint.Status.SUBMITTED, Complaint.Status.REJECTION_PROPOSED):
            due_label = _("受理期限")
        elif status == Complaint.Status.INFO_REQUESTED:
            due_label = _("补正期限")
        else:
            due_label = _("办结期限")
        return cls(
            number=complaint.number,
            status=status,
            status_label=str(PUBLIC_STATUS.get(status, complaint.get_status_display())),
            category_label=complaint.get_category_display(),
            district_name=complaint.district.name,
            market_name=complaint.market.name if complaint.market_id else "",
            anonymous=complaint.anonymous,
            submitted_at=complaint.submitted_at,
            accepted_at=complaint.accepted_at,
            due_at=complaint.due_at if open_ else None,
            due_label=due_label,
            due_provisional=bool(complaint.due_provisional and open_ and complaint.due_at),
            missing_items=tuple(complaint.missing_items or ()) if status == Complaint.Status.INFO_REQUESTED else (),
            info_requested_at=complaint.info_requested_at if status == Complaint.Status.INFO_REQUESTED else None,
            rejection_reasons=complaint.rejection_reasons if status == Complaint.Status.REJECTED else "",
            public_reply=complaint.public_reply if status in _REPLY_STATES else "",
            referral_organization=(complaint.referral_organization if status in _REPLY_STATES else ""),
            closed_at=complaint.closed_at if not open_ else None,
            can_withdraw=status in Complaint.WITHDRAWABLE,
            can_resubmit=status == Complaint.Status.INFO_REQUESTED,
            can_survey=bool(status == Complaint.Status.CLOSED and complaint.survey_sent
                            and complaint.survey_answered_at is None),
            survey_answered=bool(status == Complaint.Status.CLOSED and complaint.survey_answered_at is not None),
        )


def _survey_for(complaint):
    if complaint.status != Complaint.Status.CLOSED:
        return None
    return SatisfactionSurvey.objects.for_object(complaint).first()


def _tracked_complaint(request):
    """The complaint this browser looked up, if the lookup is recent enough; else None."""
    entry = request.session.get(TRACK_SESSION_KEY)
    if not entry:
        return None
    ttl = getattr(settings, "GIGCASE_TRACK_SESSION_SECONDS", 30 * 60)
    if time.time() - entry.get("at", 0) > ttl:
        request.session.pop(TRACK_SESSION_KEY, None)
        return None
    # One query for the whole page: the case, its district and market, and whether a survey was sent/answered.
    # Only the columns PublicCase shows: the public page never loads (or decrypts) the complainant's name and
    # phone, the description or the internal notes.
    surveys = SatisfactionSurvey.objects.filter(content_type=ContentType.objects.get_for_model(Complaint),
                                                object_id=OuterRef("pk"))
    return (Complaint.objects.select_related("district", "market").only(*PUBLIC_FIELDS).filter(pk=entry.get("id"))
            .annotate(survey_sent=Exists(surveys), survey_answered_at=Subquery(surveys.values("answered_at")[:1]))
            .first())


def _flash(request, text, level="success"):
    request.session[FLASH_SESSION_KEY] = {"text": str(text), "level": level}


def _pop_flash(request):
    return request.session.pop(FLASH_SESSION_KEY, None)


# ---- intake -----------------------------------------------------------------------------------------


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def complaint_new(request):
    """The complaint form; ``?market=<code>`` pre-fills the market (from a market page or its QR poster)."""
    markets = list(published_markets())
    if request.method == "GET":
        initial = {}
        code = request.GET.get("market", "")
        if code and any(m.code == code for m in markets):
            initial["market"] = code
        return _render_form(request, ComplaintForm(initial=initial, markets=markets))

    form = ComplaintForm(request.POST, request.FILES, markets=markets)
    ip = client_ip(request)
    if _over("complaint-ip", ip, complaint_ip_limit()):
        return _render_form(request, form, rate_limited=True)
    if not form.is_valid():
        return _render_form(request, form)
    data = form.cleaned_data
    if _over("complaint-phone", data["complainant_phone"], complaint_phone_limit()):
        return _render_form(request, form, rate_limited=True)
    try:
        # The service is atomic (a savepoint here): a refused attachment undoes the half-filed case.
        submission = services.complaint_submit(
            channel=Complaint.Channel.ONLINE, by=None,
            district=data["district"], market=data["market"], category=data["category"],
            description=data["description"], respondent_kind=data["respondent_kind"],
            respondent_name=data["respondent_name"], respondent_credit_code=data["respondent_credit_code"],
            anonymous=data["anonymous"], complainant_name=data["complainant_name"],
            complainant_phone=data["complainant_phone"], occurred_on=data["occurred_on"],
            amount=data["amount"], consent=data["consent"], files=data["files"],
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _render_form(request, form)
    _count("complaint-ip", ip, complaint_ip_limit())
    _count("complaint-phone", data["complainant_phone"], complaint_phone_limit())
    complaint = submission.complaint
    # Shown once on the next page, then dropped from the session (only its hash is stored anywhere).
    request.session[SUBMITTED_SESSION_KEY] = {
        "number": complaint.number,
        "code": submission.tracking_code,
        "sms": bool(complaint.complainant_phone),
        "district": complaint.district.name,
    }
    return redirect("public:complaint_submitted")


def _render_form(request, form, *, rate_limited=False):
    market = form.selected_market()
    district = market.district if market else None
    if district is None and form.is_bound and str(form.data.get("district", "")).isdigit():
        district = form.fields["district"].queryset.filter(pk=int(form.data["district"])).first()
    context = {
        "form": form,
        "market": market,
        "handling_district": district,
        "rate_limited": rate_limited,
        "files_dropped": form.is_bound and bool(request.FILES),
        "honeypot_name": HONEYPOT_FIELD,
        "consent_version": services.CONSENT_VERSION,
    }
    status = 429 if rate_limited else 200
    return render(request, "public/complaint_new.html", context, status=status)


@login_not_required
@never_cache
def complaint_submitted(request):
    """Case number and tracking code, shown exactly once."""
    receipt = request.session.pop(SUBMITTED_SESSION_KEY, None)
    return render(request, "public/complaint_submitted.html", {"receipt": receipt})


# ---- tracking ---------------------------------------------------------------------------------------


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def track(request):
    """Look a case up by tracking code and the phone's last four digits (the code alone if anonymous)."""
    if request.method == "GET":
        return render(request, "public/track.html", {"form": TrackForm(), "flash": _pop_flash(request)})
    form = TrackForm(request.POST)
    ip = client_ip(request)
    if _over("track-ip", ip, track_ip_limit()):
        return render(request, "public/track.html", {"form": form, "rate_limited": True}, status=429)
    if form.is_valid():
        complaint = (Complaint.objects.only("pk", "anonymous", "phone_last4")
                     .filter(tracking_code_hash=hash_tracking_code(form.cleaned_data["code"])).first())
        # One message for a wrong code and for wrong digits: the page must not confirm that a code exists.
        if complaint is not None and complaint.check_tracking(form.cleaned_data["last4"]):
            request.session[TRACK_SESSION_KEY] = {"id": complaint.pk, "at": time.time()}
            return redirect("public:track_detail")
        mediation = public_mediation.find_tracked(form.cleaned_data["code"], form.cleaned_data["last4"])
        if mediation is not None:  # an online mediation application (same code format, same page)
            public_mediation.remember(request, mediation)
            return redirect("public:mediation_track_detail")
        claim = public_wage.find_tracked(form.cleaned_data["code"], form.cleaned_data["last4"])
        if claim is not None:  # a wage claim registered at the counter or by hotline (issue 5)
            public_wage.remember(request, claim)
            return redirect("public:wageclaim_track_detail")
        _count("track-ip", ip, track_ip_limit())
        form.add_error(None, ValidationError(_("查询码或手机号后四位不正确，请核对后重试。"), code="not_found"))
    return render(request, "public/track.html", {"form": form})


@login_not_required
@never_cache
def track_detail(request):
    complaint = _tracked_complaint(request)
    if complaint is None:
        _flash(request, _("查询已超时，请重新输入查询码。"), "info")
        return redirect("public:track")
    case = PublicCase.of(complaint)
    return render(request, "public/track_detail.html", {
        "case": case,
        "flash": _pop_flash(request),
        "resubmit_form": ResubmitForm() if case.can_resubmit else None,
        "withdraw_form": WithdrawForm() if case.can_withdraw else None,
        "hotline": settings.GIGCASE_PUBLIC_HOTLINE,
    })


@login_not_required
@never_cache
@require_POST
def track_leave(request):
    """Forget the looked-up case in this browser (a shared phone at the market)."""
    request.session.pop(TRACK_SESSION_KEY, None)
    request.session.pop(public_mediation.TRACK_SESSION_KEY, None)
    request.session.pop(public_wage.TRACK_SESSION_KEY, None)
    return redirect("public:track")


def _detail_with_form_errors(request, complaint, **forms):
    case = PublicCase.of(complaint)
    context = {
        "case": case,
        "resubmit_form": ResubmitForm() if case.can_resubmit else None,
        "withdraw_form": WithdrawForm() if case.can_withdraw else None,
        "hotline": settings.GIGCASE_PUBLIC_HOTLINE,
    }
    context.update(forms)
    return render(request, "public/track_detail.html", context)


@login_not_required
@never_cache
@require_POST
def complaint_resubmit(request):
    """Supply the missing material (补正); the case returns to the intake queue."""
    complaint = _tracked_complaint(request)
    if complaint is None:
        _flash(request, _("查询已超时，请重新输入查询码。"), "info")
        return redirect("public:track")
    if complaint.status != Complaint.Status.INFO_REQUESTED:
        _flash(request, _("该投诉当前无需补正材料。"), "error")
        return redirect("public:track_detail")
    form = ResubmitForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail_with_form_errors(request, complaint, resubmit_form=form)
    from ..flows import resume_after_info  # flows imports the task views: import late

    try:
        with transaction.atomic():
            resume_after_info(complaint, supplement=form.cleaned_data["supplement"], files=form.cleaned_data["files"])
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _detail_with_form_errors(request, complaint, resubmit_form=form)
    except TransitionRefused:
        _flash(request, _("该投诉当前无需补正材料。"), "error")
        return redirect("public:track_detail")
    _flash(request, _("补正材料已提交，投诉已重新进入受理审查。"))
    return redirect("public:track_detail")


@login_not_required
@never_cache
@require_POST
def complaint_withdraw(request):
    """The complainant withdraws the complaint (any open state before an outcome)."""
    complaint = _tracked_complaint(request)
    if complaint is None:
        _flash(request, _("查询已超时，请重新输入查询码。"), "info")
        return redirect("public:track")
    if complaint.status not in Complaint.WITHDRAWABLE:
        _flash(request, _("该投诉当前不能撤回。"), "error")
        return redirect("public:track_detail")
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _detail_with_form_errors(request, complaint, withdraw_form=form)
    try:
        with transaction.atomic():
            services.complaint_withdraw(complaint=complaint, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _detail_with_form_errors(request, complaint, withdraw_form=form)
    except TransitionRefused:
        _flash(request, _("该投诉当前不能撤回。"), "error")
        return redirect("public:track_detail")
    _flash(request, _("投诉已撤回。"))
    return redirect("public:track_detail")


# ---- satisfaction survey ----------------------------------------------------------------------------


def _survey_page(request, survey, *, action_url, not_found_status=404):
    if survey is None:
        return render(request, "public/survey_invalid.html", status=not_found_status)
    complaint = survey.target
    if request.method == "POST" and survey.answered_at is None:
        form = SurveyForm(request.POST)
        if form.is_valid():
            try:
                services.survey_answer(survey=survey, score=form.cleaned_data["score"],
                                       comment=form.cleaned_data["comment"])
            except ValidationError as exc:
                if getattr(exc, "code", None) != "already_answered":
                    add_service_errors(form, exc)
                    return _render_survey(request, survey, complaint, form, action_url)
            return redirect(action_url)
        return _render_survey(request, survey, complaint, form, action_url)
    return _render_survey(request, survey, complaint, SurveyForm(), action_url)


def _answered_note(target) -> str:
    """The thank-you line after an answer, naming what was rated (the page serves every kind of case)."""
    from ..models import MediationCase

    if isinstance(target, Complaint):
        return _("您的评价已提交，感谢您的参与！每件投诉只能评价一次。")
    if isinstance(target, MediationCase):
        return _("您的评价已提交，感谢您的参与！每件调解案件只能评价一次。")
    return _("您的评价已提交，感谢您的参与！每件案件只能评价一次。")


def _render_survey(request, survey, complaint, form, action_url):
    if isinstance(complaint, Complaint):
        complaint.survey_sent, complaint.survey_answered_at = True, survey.answered_at
        case = PublicCase.of(complaint)
    else:
        case = _other_case(complaint, survey)
    return render(request, "public/survey.html", {
        "survey": {"answered": survey.answered_at is not None, "score": survey.score,
                   "answered_note": _answered_note(complaint)},
        "case": case,
        "form": form,
        "action_url": action_url,
    })


def _other_case(target, survey):
    """The survey page's case facts for a closed mediation case (its own public whitelist)."""
    from ..models import MediationCase
    from .public_mediation import public_view

    return public_view(target, survey) if isinstance(target, MediationCase) else None


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def survey(request, token):
    """The satisfaction survey from the closing SMS: 1–5 and a comment, one answer per case."""
    found = SatisfactionSurvey.objects.filter(token_hash=hash_tracking_code(token)).first()
    return _survey_page(request, found, action_url=reverse("public:survey", kwargs={"token": token}))


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def track_survey(request):
    """The same survey reached from the tracking page (the SMS token is stored only as a hash)."""
    complaint = _tracked_complaint(request)
    if complaint is None:
        _flash(request, _("查询已超时，请重新输入查询码。"), "info")
        return redirect("public:track")
    return _survey_page(request, _survey_for(complaint), action_url=reverse("public:track_survey"))


__all__ = ["complaint_new", "complaint_submitted", "track", "track_detail", "track_leave", "complaint_resubmit",
           "complaint_withdraw", "survey", "track_survey", "PublicCase"]

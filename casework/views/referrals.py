"""Staff pages of referrals: the district's list, drafting from a wage claim, the referral page with its
packet, consents, approval, sending, revoking and confirming, and its timeline.

Every lookup starts from ``Referral.objects.visible_to(user)`` (or the claim's ``visible_to``): out of scope is
404 (accounts.scoping). Views validate a form, call one service and redirect with a message."""

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.fsm import TransitionRefused
from core.models import Attachment, Deadline, GeneratedDocument
from core.lists import FilteredListView, OverdueFilter, StatusFilter
from core.workflow import add_service_errors

from ..models.referrals import Referral
from ..referral_documents import referral_events
from ..referral_forms import ConsentForm, ReasonForm, ReferralDraftForm
from ..services import referrals as services


def _require_view(user):
    if not user.has_perm("casework.view_referral"):
        raise PermissionDenied


def _referral_or_404(request, number):
    _require_view(request.user)
    return get_object_or_404(Referral.objects.visible_to(request.user).with_list_data()
                             .select_related("approved_by", "sent_by", "drafted_by", "accepted_by"), number=number)


class ReferralListView(FilteredListView):
    """The district's referrals, overdue first, then by deadline, newest first; filter by status, overdue."""

    model = Referral
    permissions = ("casework.view_referral",)
    template_name = "casework/referral/list.html"
    filters = (StatusFilter(Referral.Status.choices, open_by_default=False),
               OverdueFilter(label=gettext_lazy("仅看逾期")))
    ordering = ("-is_overdue", F("due_at").asc(nulls_last=True), "-created_at", "-pk")


referral_list = ReferralListView.as_view()


def referral_new(request, claim_number):
    """Draft a referral of a wage claim (GET: the form with the minimum fields ticked)."""
    if not request.user.has_perm("casework.draft_referral"):
        raise PermissionDenied
    WageClaim = apps.get_model("casework", "WageClaim")
    claim = get_object_or_404(WageClaim.objects.visible_to(request.user), number=claim_number)
    form = ReferralDraftForm(request.POST or None, claim=claim)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            referral = services.referral_draft(
                claim=claim, by=request.user, kind=d["kind"], target=d["target"], summary=d["summary"],
                crime_basis=d["crime_basis"], packet_fields=d["packet_fields"], workers=list(d["workers"]),
                attachments=list(d["attachments"]))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已起草移送 %(number)s。请记录劳动者同意并报区级负责人批准后发出。")
                             % {"number": referral.number})
            return redirect(referral.get_absolute_url())
    return render(request, "casework/referral/new.html", {"claim": claim, "form": form},
                  status=400 if form.errors else 200)


def referral_detail(request, number, **bound):
    referral = _referral_or_404(request, number)
    user = request.user
    updates = list(referral.updates.select_related("author"))
    update_files = {}
    for a in Attachment.objects.filter(content_type__app_label="casework", content_type__model="referralupdate",
                                       object_id__in=[u.pk for u in updates]):
        update_files.setdefault(a.object_id, []).append(a)
    for u in updates:
        u.files = update_files.get(u.pk, [])
    consents = list(referral.consents.select_related("worker", "organization", "recorded_by"))
    consent_files = {}
    for a in Attachment.objects.filter(content_type__app_label="casework", content_type__model="referralconsent",
                                       object_id__in=[c.pk for c in consents]):
        consent_files.setdefault(a.object_id, []).append(a)
    for c in consents:
        c.files = consent_files.get(c.pk, [])
        c.valid = c.organization_id == referral.target_id
    drafted = referral.status == Referral.Status.DRAFTED
    context = {
        "referral": referral,
        "claim": referral.claim,
        "packet": services.packet_for(referral, reveal=False),
        "consents": consents,
        "missing_consents": referral.workers_without_consent() if drafted else [],
        "updates": updates,
        "deadlines": list(Deadline.objects.for_object(referral).order_by("started_at", "pk")),
        "documents": list(GeneratedDocument.objects.for_object(referral).order_by("created_at", "pk")),
        "timeline": referral_events(referral),
        "can_draft": drafted and user.has_perm("casework.draft_referral"),
        "can_approve": drafted and not referral.approved_at and user.has_perm("casework.approve_referral"),
        "can_revoke": referral.status in Referral.REVOCABLE and user.has_perm("casework.approve_referral"),
        "can_complete": referral.status == Referral.Status.OUTCOME_REPORTED
        and user.has_perm("casework.draft_referral"),
        "consent_form": bound.get("consent_form") or ConsentForm(referral=referral),
        "revoke_form": bound.get("revoke_form") or ReasonForm(),
    }
    status = 400 if any(f.errors for f in bound.values()) else 200
    return render(request, "casework/referral/detail.html", context, status=status)


def _act(request, number, action, success):
    referral = _referral_or_404(request, number)
    try:
        action(referral)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except (TransitionRefused, PermissionDenied) as exc:
        messages.error(request, str(exc) or _("您没有权限执行此操作。"))
    else:
        messages.success(request, success)
    return redirect(referral.get_absolute_url())


@require_POST
def referral_consent(request, number):
    referral = _referral_or_404(request, number)
    form = ConsentForm(request.POST, request.FILES, referral=referral)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.referral_record_consent(referral=referral, by=request.user, worker=d["worker"],
                                             method=d["method"], given_at=d["given_at"], note=d["note"],
                                             form_file=d["form_file"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect(referral.get_absolute_url())
        else:
            messages.success(request, _("已记录%(name)s的同意。") % {"name": d["worker"].name})
            return redirect(referral.get_absolute_url())
    return referral_detail(request, number, consent_form=form)


@require_POST
def referral_approve(request, number):
    return _act(request, number, lambda r: services.referral_approve(referral=r, by=request.user), _("已批准移送。"))


@require_POST
def referral_send(request, number):
    return _act(request, number, lambda r: services.referral_send(referral=r, by=request.user),
                _("移送已发出，移送函正在生成。"))


@require_POST
def referral_complete(request, number):
    return _act(request, number, lambda r: services.referral_complete(referral=r, by=request.user),
                _("已确认办结。"))


@require_POST
def referral_revoke(request, number):
    referral = _referral_or_404(request, number)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.referral_revoke(referral=referral, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except (TransitionRefused, PermissionDenied) as exc:
            messages.error(request, str(exc) or _("您没有权限执行此操作。"))
            return redirect(referral.get_absolute_url())
        else:
            messages.success(request, _("移送已撤回，接收单位已无权查看。"))
            return redirect(referral.get_absolute_url())
    return referral_detail(request, number, revoke_form=form)

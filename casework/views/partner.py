"""The receiving organisation's portal (legal aid, labour inspection, police users with the partner role).

A partner user reaches only referrals sent to its own organisation (``Referral.objects.for_partner``), and
opens one only while it is live for them (sent … outcome reported). Another organisation's referral is 404
(its existence is not revealed); its own referral once declined, revoked or done is 403 on the very next
request: access ends at once, whatever session is open. Pages show the packet only: the claim's other
fields, other workers and files not chosen for the packet are never read into them."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.file_views import _file_response
from core.fsm import TransitionRefused
from core.models import Attachment, AuditEvent, Deadline, GeneratedDocument
from core.workflow import add_service_errors

from ..models.referrals import Referral, ReferralUpdate, is_partner_user
from ..referral_forms import AcceptForm, OutcomeForm, ReasonForm, UpdateForm
from ..services import referrals as services

PAGE_SIZE = 25
TABS = {
    "new": (Referral.Status.SENT,),
    "active": (Referral.Status.ACCEPTED, Referral.Status.IN_PROGRESS, Referral.Status.OUTCOME_REPORTED),
    "ended": Referral.CLOSED_STATES,
}


def _require_partner(user):
    if not is_partner_user(user):
        raise PermissionDenied


def _live_referral(request, number) -> Referral:
    """The user's organisation's referral ``number`` if it is live for them; 404 for any other
    organisation's, 403 for its own once declined, revoked or done."""
    _require_partner(request.user)
    referral = (Referral.objects.for_partner(request.user).select_related("target", "district", "claim")
                .filter(number=number).first())
    if referral is None:
        raise Http404
    if referral.status not in Referral.PARTNER_LIVE:
        raise PermissionDenied(_("移送%(number)s已%(status)s，贵单位对该案材料的访问已终止。")
                               % {"number": referral.number, "status": referral.get_status_display()})
    return referral


def partner_list(request):
    """The organisation's referrals in three tabs: new, in progress, ended (number and state only).

    Not a ``core.lists.FilteredListView``: its records are ``Referral.objects.for_partner`` (every referral
    ever sent to the organisation, ended ones included), not ``visible_to`` (live ones only), which that view
    takes as the scope a filter may only narrow; a tab is always one of three state groups, drawn as links,
    with no empty or "all" choice; the rows depend on the tab; the page opens by role, not permission."""
    _require_partner(request.user)
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "new"
    qs = (Referral.objects.for_partner(request.user).filter(status__in=TABS[tab]).select_related("district")
          .order_by("-sent_at", "-pk"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "casework/partner/list.html", {"page": page, "tab": tab, "tabs": [
        ("new", _("新移送")), ("active", _("办理中")), ("ended", _("已结束"))]})


def partner_detail(request, number, **bound):
    referral = _live_referral(request, number)
    updates = list(referral.updates.select_related("author"))
    files = {}
    for a in Attachment.objects.filter(content_type__app_label="casework", content_type__model="referralupdate",
                                       object_id__in=[u.pk for u in updates]):
        files.setdefault(a.object_id, []).append(a)
    for u in updates:
        u.files = files.get(u.pk, [])
    status = referral.status
    context = {
        "referral": referral,
        "packet": services.packet_for(referral, reveal=True),
        "updates": updates,
        "deadlines": list(Deadline.objects.for_object(referral).order_by("started_at", "pk")),
        "documents": list(GeneratedDocument.objects.for_object(referral).filter(status="ready")
                          .order_by("created_at", "pk")),
        "can_answer": status == Referral.Status.SENT,
        "can_update": status in (Referral.Status.ACCEPTED, Referral.Status.IN_PROGRESS),
        "can_extend": referral.kind == Referral.Kind.LABOUR_INSPECTION and status in (
            Referral.Status.ACCEPTED, Referral.Status.IN_PROGRESS),
        "accept_form": bound.get("accept_form") or AcceptForm(),
        "decline_form": bound.get("decline_form") or ReasonForm(),
        "update_form": bound.get("update_form") or UpdateForm(),
        "outcome_form": bound.get("outcome_form") or OutcomeForm(),
        "extend_form": bound.get("extend_form") or ReasonForm(),
    }
    AuditEvent.record(referral, AuditEvent.Action.VIEW_PII, by=request.user, name="partner_view")
    return render(request, "casework/partner/detail.html", context,
                  status=400 if any(f.errors for f in bound.values()) else 200)


def _post(request, number, form, name, action, success):
    referral = _live_referral(request, number)
    if form.is_valid():
        try:
            action(referral, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except TransitionRefused as exc:
            messages.error(request, str(exc))
            return redirect(referral.get_partner_url())
        else:
            messages.success(request, success)
            return redirect(referral.get_partner_url())
    return partner_detail(request, number, **{name: form})


@require_POST
def partner_accept(request, number):
    return _post(request, number, AcceptForm(request.POST), "accept_form", lambda r, d: services.referral_accept(
        referral=r, by=request.user, partner_case_number=d["partner_case_number"]), _("已接收，受理回执正在生成。"))


@require_POST
def partner_decline(request, number):
    referral = _live_referral(request, number)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.referral_decline(referral=referral, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except TransitionRefused as exc:
            messages.error(request, str(exc))
            return redirect(referral.get_partner_url())
        else:
            messages.success(request, _("已退回移送 %(number)s。") % {"number": referral.number})
            return redirect("partner:referral_list")
    return partner_detail(request, number, decline_form=form)


@require_POST
def partner_update(request, number):
    def action(referral, d):
        services.referral_add_update(referral=referral, by=request.user, note=d["note"],
                                     files=[d["file"]] if d["file"] else [])

    return _post(request, number, UpdateForm(request.POST, request.FILES), "update_form", action,
                 _("已报告办理进展。"))


@require_POST
def partner_outcome(request, number):
    def action(referral, d):
        services.referral_report_outcome(referral=referral, by=request.user, recovered_amount=d["recovered_amount"],
                                         case_stage=d["case_stage"], closing_reason=d["closing_reason"],
                                         note=d["note"])

    return _post(request, number, OutcomeForm(request.POST), "outcome_form", action, _("已报告办理结果。"))


@require_POST
def partner_extend(request, number):
    return _post(request, number, ReasonForm(request.POST), "extend_form",
                 lambda r, d: services.referral_extend_investigation(referral=r, by=request.user, reason=d["reason"]),
                 _("办案期限已延长三十个工作日。"))


@require_GET
def partner_file(request, number, pk):
    """A file of the packet (chosen by the officer) or of the referral's own progress updates; nothing else."""
    referral = _live_referral(request, number)
    attachment = referral.attachments.filter(pk=pk).first()
    if attachment is None:
        attachment = Attachment.objects.filter(
            pk=pk, content_type__app_label="casework", content_type__model="referralupdate",
            object_id__in=ReferralUpdate.objects.filter(referral=referral).values("pk")).first()
    if attachment is None:
        raise Http404
    response = _file_response(attachment.file, filename=attachment.original_name, content_type=attachment.mime_type)
    AuditEvent.record(referral, AuditEvent.Action.DOWNLOAD, by=request.user, name="attachment", data={
        "attachment_id": attachment.pk, "file": attachment.original_name, "sha256": attachment.sha256})
    return response

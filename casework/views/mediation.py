"""Staff pages of mediation cases: the list, the case page, and the mediator's edits (sessions, minutes,
agreement, signatures, extension, ending). Querysets start from ``MediationCase.objects.visible_to(user)``:
out of scope is 404. Edit forms carry the case version; a stale one is re-shown with its input kept."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.fsm import TransitionRefused
from core import documents as core_documents
from core.models import AuditEvent, Deadline
from core.lists import FilteredListView, FlagFilter, StatusFilter
from core.workflow import add_service_errors

from .. import services
from ..documents import mediation_documents, mediation_timeline_rows
from ..forms import (AgreementForm, ExtensionForm, FailForm, MediatorForm, MinutesForm, SessionForm,
                     SignaturesForm)
from ..models import MediationCase, MediationSession


def _case_or_404(request, number):
    return get_object_or_404(MediationCase.objects.visible_to(request.user).with_list_data(), number=number)


class MediationListView(FilteredListView):
    """The district's mediation cases, nearest deadline first; filter by status (open ones by default, or
    all), the mediator's own."""

    model = MediationCase
    permissions = ("casework.view_mediationcase",)
    template_name = "casework/mediation/list.html"
    filters = (
        StatusFilter(MediationCase.Status.choices, empty_label=gettext_lazy("未结案")),
        FlagFilter("mine", label=gettext_lazy("我调解的"), condition=lambda user: Q(mediator=user)),
    )
    ordering = (F("due_at").asc(nulls_last=True), "id")


mediation_list = MediationListView.as_view()


def _forms(case, request, **bound):
    """Unbound forms at the case's current version, with any bound (rejected) one replacing its default."""
    forms = {
        "session_form": SessionForm(initial={"version": case.version}),
        "agreement_form": AgreementForm(initial={"version": case.version, **_agreement_initial(case)}),
        "signatures_form": SignaturesForm(initial={"version": case.version}),
        "extension_form": ExtensionForm(),
        "fail_form": FailForm(),
        "reassign_form": MediatorForm(mediators=services.eligible_mediators(case)),
    }
    forms.update(bound)
    return forms


def _agreement_initial(case):
    agreement = getattr(case, "agreement", None)
    if agreement is None:
        return {}
    lines = [f"{o.description}|{o.amount or ''}|{o.due_on.isoformat()}|{o.method}|{o.get_kind_display()}"
             for o in agreement.obligations.all()]
    return {"facts": agreement.facts, "obligations": "\n".join(lines)}


def mediation_detail(request, number, **bound):
    case = _case_or_404(request, number)
    user = request.user
    agreement = getattr(case, "agreement", None)
    obligations = list(agreement.obligations.all()) if agreement else []
    context = {
        "case": case,
        "applicants": list(case.applicants.all()),
        "claims": list(case.claims.all()),
        "sessions": list(case.sessions.all()),
        "agreement": agreement,
        "obligations": obligations,
        "missed": [{"description": o.description, "kind_label": o.get_kind_display(), "amount": o.amount,
                    "due_on": o.due_on} for o in services.missed_payment_obligations(case, obligations)],
        "extensions": list(case.extensions.all()),
        "deadlines": list(Deadline.objects.for_object(case).order_by("started_at")),
        "documents": list(mediation_documents(case)),
        "timeline": mediation_timeline_rows(case),
        "is_mediator": user.pk == case.mediator_id and case.status in MediationCase.MEDIATING,
        "can_reassign": user.has_perm("casework.assign_mediation") and case.status in MediationCase.MEDIATING,
        "can_dossier": user.has_perm("core.export_data") or user.pk == case.mediator_id
        or user.has_perm("casework.assign_mediation"),
        "can_fulfil": case.status == MediationCase.Status.AGREEMENT_SIGNED
        and (user.pk == case.mediator_id or user.has_perm("casework.assign_mediation")),
        **_forms(case, request, **bound),
    }
    status = 409 if any(f.errors for f in bound.values()) else 200
    return render(request, "casework/mediation/detail.html", context, status=status)


def _edit(request, number, form_class, form_name, action, success):
    """POST an edit form: on a service refusal (including a stale version) re-show the page with the input."""
    case = _case_or_404(request, number)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(case, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except TransitionRefused as exc:
            messages.error(request, str(exc))
            return redirect(case.get_absolute_url())
        else:
            messages.success(request, success)
            return redirect(case.get_absolute_url())
    return mediation_detail(request, number, **{form_name: form})


@require_POST
def mediation_session(request, number):
    return _edit(request, number, SessionForm, "session_form", lambda case, d: services.mediation_schedule_session(
        case=case, by=request.user, scheduled_at=d["scheduled_at"], place=d["place"], online=d["online"],
        participants=d["participants"], version=d["version"]),
        _("已安排调解，调解通知已发送。"))


@require_POST
def mediation_minutes(request, number):
    def action(case, d):
        session = get_object_or_404(MediationSession, pk=d["session"], case=case)
        services.mediation_record_minutes(case=case, by=request.user, session=session, minutes=d["minutes"],
                                          applicant_absent=d["applicant_absent"],
                                          respondent_absent=d["respondent_absent"], version=d["version"])

    return _edit(request, number, MinutesForm, "minutes_form", action, _("已保存调解笔录。"))


@require_POST
def mediation_agreement(request, number):
    return _edit(request, number, AgreementForm, "agreement_form", lambda case, d: services.mediation_draft_agreement(
        case=case, by=request.user, facts=d["facts"], obligations=d["obligations"], version=d["version"]),
        _("已保存调解协议草稿。"))


@require_POST
def mediation_signatures(request, number):
    def action(case, d):
        services.mediation_record_signatures(case=case, by=request.user, applicant=d["applicant"],
                                             respondent=d["respondent"], mediator=d["mediator"], seal=d["seal"],
                                             version=d["version"])
        if request.POST.get("_effective"):
            services.mediation_sign_agreement(case=case, by=request.user)

    return _edit(request, number, SignaturesForm, "signatures_form", action, _("已记录签名。"))


@require_POST
def mediation_extend(request, number):
    return _edit(request, number, ExtensionForm, "extension_form", lambda case, d: services.mediation_extend(
        case=case, by=request.user, applicant_consent=d["applicant_consent"],
        respondent_consent=d["respondent_consent"], new_due_on=d["new_due_on"], reason=d["reason"]),
        _("已延长调解期限。"))


@require_POST
def mediation_fail(request, number):
    return _edit(request, number, FailForm, "fail_form", lambda case, d: services.mediation_fail(
        case=case, by=request.user, failure_reason=d["failure_reason"], reason=d["reason"]),
        _("调解已终止，调解终止书正在生成。"))


@require_POST
def mediation_reassign(request, number):
    case = _case_or_404(request, number)
    return _edit(request, number, lambda data: MediatorForm(data, mediators=services.eligible_mediators(case)),
                 "reassign_form", lambda case, d: services.mediation_reassign(
                     case=case, by=request.user, mediator=d["mediator"], reason=d["reason"]), _("已改派调解员。"))


@require_POST
def mediation_fulfil(request, number):
    case = _case_or_404(request, number)
    agreement = getattr(case, "agreement", None)
    obligation = agreement and agreement.obligations.filter(pk=request.POST.get("obligation")).first()
    if obligation is None:
        messages.error(request, _("请选择要登记履行的义务。"))
        return redirect(case.get_absolute_url())
    try:
        services.mediation_fulfil_obligation(case=case, by=request.user, obligation=obligation)
    except (ValidationError, TransitionRefused) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("已登记履行。"))
    return redirect(case.get_absolute_url())


@require_POST
def mediation_dossier(request, number):
    """Queue the case file (调解案卷) as a PDF; the case page shows its progress."""
    case = _case_or_404(request, number)
    user = request.user
    if not (user.has_perm("core.export_data") or user.pk == case.mediator_id
            or user.has_perm("casework.assign_mediation")):
        raise PermissionDenied
    core_documents.request_document(case, kind="mediation.dossier", by=user)
    AuditEvent.record(case, AuditEvent.Action.EXPORT, by=user, name="dossier")
    messages.success(request, _("案卷正在生成，完成后可在“文书”中下载。"))
    return redirect(case.get_absolute_url())

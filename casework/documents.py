"""The complaint documents (PDF): what each letter says is in its template under ``templates/casework/pdf/``;
this module registers each kind with ``core.documents`` and builds its context from the complaint.

Imported from ``CaseworkConfig.ready`` so the kinds exist before any service asks for a document.

Letters go to the complainant or a receiving authority and name the complainant; phone numbers are always
masked (a receiving authority asks the bureau for them). The case file (案卷) masks names and phones as well:
it is an export, and whoever needs the full data opens the case with the reveal permission (audited)."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.deadlines import compute_due
from core.documents import audit_timeline, register_document
from core.masking import mask_phone
from core.models import Attachment, AuditEvent, Deadline, GeneratedDocument

from .models import Complaint, MediationCase, MediationSession

#: Working days the complainant is given to supply missing material, unless a running ``complaint.info``
#: deadline says otherwise. The law sets the bureau's limits, not this one: a district may change it.
RESUBMIT_DAYS_DEFAULT = 10

#: Readable names of the audit trail's event names (transitions and other recorded events).
EVENT_LABELS = {
    "request_info": _("一次性告知补正"),
    "resubmit": _("补正材料"),
    "info_lapsed": _("补正期限届满"),
    "accept": _("受理"),
    "propose_rejection": _("提出不予受理"),
    "approve_rejection": _("批准不予受理"),
    "decline_rejection": _("不同意不予受理"),
    "merge": _("合并"),
    "merged_in": _("并入重复投诉"),
    "assign": _("分派"),
    "start_investigation": _("开始调查"),
    "resolve": _("办理完毕"),
    "refer": _("转办"),
    "close": _("办结"),
    "reopen": _("重新办理"),
    "withdraw": _("撤回"),
    "withdrawal_recorded_by_staff": _("工作人员代为登记撤回"),
    "attach": _("上传附件"),
    "overdue": _("逾期督办"),
    "survey_answered": _("满意度评价"),
    "deadline_start": _("期限开始"),
    "deadline_met": _("期限已完成"),
    "deadline_cancel": _("期限取消"),
    "deadline_extend": _("期限延长"),
    "deadline_suspend": _("期限中止"),
    "deadline_resume": _("期限恢复"),
    "deadline_recompute": _("期限重新计算"),
    "retry": _("重新生成文书"),
    "dossier": _("导出案卷"),
    "note": _("办理记录"),
    "contact": _("联系记录"),
    "site_visit": _("现场核查"),
}

_STATUS_LABELS = dict(Complaint.Status.choices)


def bureau_name(complaint: Complaint) -> str:
    return f"{complaint.district.name}人力资源和社会保障局"


def complainant_addressee(complaint: Complaint) -> str:
    return str(_("投诉人")) if complaint.anonymous or not complaint.complainant_name else complaint.complainant_name


def resubmit_due(complaint: Complaint):
    """When the missing material is due: a running ``complaint.info`` deadline if one exists, else
    RESUBMIT_DAYS working days after the request. Returns ``(due_at, provisional)``."""
    deadline = Deadline.objects.for_object(complaint).running().filter(kind="complaint.info").first()
    if deadline is not None:
        return deadline.due_at, deadline.provisional
    days = getattr(settings, "GIGCASE_COMPLAINT_RESUBMIT_DAYS", RESUBMIT_DAYS_DEFAULT)
    return compute_due(complaint.info_requested_at or timezone.now(), days, Deadline.Unit.WORKING)


def _base(complaint: Complaint) -> dict:
    return {
        "complaint": complaint,
        "case_number": complaint.number,
        "bureau": bureau_name(complaint),
        "addressee": complainant_addressee(complaint),
        "respondent": complaint.respondent_name or str(_("被投诉对象")),
        "hotline": settings.GIGCASE_PUBLIC_HOTLINE,
        "issued_on": timezone.now(),
    }


def acceptance_context(complaint: Complaint) -> dict:
    return {**_base(complaint), "resolve_days": 60, "extension_days": 30}


def rejection_context(complaint: Complaint) -> dict:
    reasons = [line.strip() for line in complaint.rejection_reasons.splitlines() if line.strip()]
    return {**_base(complaint), "reasons": reasons}


def info_request_context(complaint: Complaint) -> dict:
    due_at, provisional = resubmit_due(complaint)
    return {**_base(complaint), "items": list(complaint.missing_items or []), "resubmit_due": due_at,
            "resubmit_due_provisional": provisional}


def referral_context(complaint: Complaint) -> dict:
    return {**_base(complaint), "target_label": complaint.get_referral_target_display(),
            "complainant_masked": complaint.masked_name, "phone_masked": complaint.masked_phone}


def outcome_context(complaint: Complaint) -> dict:
    return _base(complaint)


def _actor_label(complaint: Complaint):
    def label(event: AuditEvent) -> str:
        # No user: either the complainant acting on the public pages or the system (sweeps, flow steps).
        by_public = (
            event.name in ("resubmit", "withdraw")
            or event.action == AuditEvent.Action.UPLOAD
            or (event.action == AuditEvent.Action.CREATE and complaint.channel == Complaint.Channel.ONLINE)
        )
        return str(_("投诉人")) if by_public else str(_("系统"))

    return label


def _event_label(name: str) -> str:
    if name in EVENT_LABELS:
        return str(EVENT_LABELS[name])
    if name in KINDS:  # a document event is named by its kind
        return str(KINDS[name][1])
    return name


def timeline_rows(complaint: Complaint) -> list[dict]:
    """The case's audit trail, oldest first, in words (for the case file)."""
    return audit_timeline(
        AuditEvent.objects.for_object(complaint).timeline(),
        event_label=lambda event: _event_label(event.name),
        state_label=lambda event, state: _STATUS_LABELS.get(state, state),
        actor_label=_actor_label(complaint),
    )


def dossier_context(complaint: Complaint) -> dict:
    documents = (GeneratedDocument.objects.for_object(complaint).exclude(kind="complaint.dossier")
                 .order_by("created_at", "pk"))
    attachments = Attachment.objects.for_object(complaint).order_by("uploaded_at", "pk")
    return {
        **_base(complaint),
        "complainant_masked": complaint.masked_name,
        "phone_masked": mask_phone(complaint.complainant_phone),
        "responsible": complaint.responsible,
        "assignee": complaint.assignee,
        "timeline": timeline_rows(complaint),
        "documents": list(documents),
        "attachments": list(attachments),
        "notes": list(complaint.notes.select_related("author").order_by("created_at", "pk")),
    }


KINDS = {
    "complaint.acceptance": ("casework/pdf/complaint_acceptance.html", _("受理通知书"), acceptance_context),
    "complaint.rejection": ("casework/pdf/complaint_rejection.html", _("不予受理通知书"), rejection_context),
    "complaint.info_request": ("casework/pdf/complaint_info_request.html", _("补正通知书"), info_request_context),
    "complaint.referral": ("casework/pdf/complaint_referral.html", _("转办函"), referral_context),
    "complaint.outcome": ("casework/pdf/complaint_outcome.html", _("办结告知书"), outcome_context),
    "complaint.dossier": ("casework/pdf/complaint_dossier.html", _("案卷"), dossier_context),
}

for _kind, (_template, _title, _context) in KINDS.items():
    register_document(_kind, template_name=_template, title=_title, context=_context)


# ---- labour-dispute mediation ------------------------------------------------------------------------------


def _mediation_base(case) -> dict:
    return {
        "case": case, "case_number": case.number, "bureau": bureau_name(case),
        "body": f"{case.district.name}劳动争议调解组织", "applicants": list(case.applicants.all()),
        "claims": list(case.claims.all()), "hotline": settings.GIGCASE_PUBLIC_HOTLINE, "issued_on": timezone.now(),
    }


def mediation_agreement_context(case) -> dict:
    agreement = case.agreement
    return {**_mediation_base(case), "agreement": agreement, "obligations": list(agreement.obligations.all())}


def mediation_session_context(session) -> dict:
    """调解通知书 and 调解笔录 hang on the session: one of each per session."""
    case = session.case
    number = list(case.sessions.values_list("pk", flat=True)).index(session.pk) + 1
    return {**_mediation_base(case), "session": session, "session_number": number, "mediator": case.mediator}


def _session_title(label):
    def title(session) -> str:
        local = timezone.localtime(session.scheduled_at)
        return f"{label}（{local.year}年{local.month}月{local.day}日 {local:%H:%M}）"
    return title


#: Readable names of the mediation audit events (transitions and other recorded events).
MEDIATION_EVENT_LABELS = {
    "create": _("登记申请"),
    "accept": _("受理"),
    "decline": _("不予受理"),
    "assign": _("指派调解员"),
    "reassign": _("改派调解员"),
    "start_mediation": _("开始调解"),
    "session_scheduled": _("安排调解"),
    "minutes_recorded": _("记录调解笔录"),
    "agreement_drafted": _("起草调解协议"),
    "signatures_recorded": _("记录签名和印章"),
    "sign_agreement": _("调解协议生效"),
    "obligation_fulfilled": _("登记义务履行"),
    "mark_fulfilled": _("协议已履行"),
    "mark_not_fulfilled": _("协议未履行"),
    "fail": _("调解终止"),
    "close": _("结案"),
    "withdraw": _("撤回"),
    "withdrawal_recorded_by_staff": _("工作人员代为登记撤回"),
    "from_complaint": _("由投诉转入"),
    "survey_answered": _("满意度评价"),
    "wageclaim_opened": _("转为欠薪线索"),
    # objects of downloads and notices (the action names the deed)
    "document": _("文书"),
    "attachment": _("附件"),
    "sms": _("短信"),
    "email": _("邮件"),
    "inbox": _("站内消息"),
}

_MEDIATION_STATUS_LABELS = dict(MediationCase.Status.choices)


def _mediation_event_label(name: str) -> str:
    for labels in (MEDIATION_EVENT_LABELS, EVENT_LABELS):
        if name in labels:
            return str(labels[name])
    if name in MEDIATION_KINDS:
        return str(MEDIATION_KINDS[name][1])
    return name


def mediation_timeline_rows(case) -> list[dict]:
    """The case's audit trail, oldest first, in words (for the case file)."""
    return audit_timeline(
        AuditEvent.objects.for_object(case).timeline(),
        event_label=lambda event: _mediation_event_label(event.name),
        state_label=lambda event, state: _MEDIATION_STATUS_LABELS.get(state, state),
        actor_label=lambda event: str(_("申请人") if event.name == "withdraw" else _("系统")),
    )


def mediation_documents(case):
    """Every document of the case and of its sessions (notices, minutes), oldest first, in one query."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q

    session_ids = [s.pk for s in case.sessions.all()]
    return (GeneratedDocument.objects.filter(
        Q(content_type=ContentType.objects.get_for_model(MediationCase), object_id=case.pk)
        | Q(content_type=ContentType.objects.get_for_model(MediationSession), object_id__in=session_ids))
        .select_related("requested_by").order_by("created_at", "pk"))


def mediation_dossier_context(case) -> dict:
    agreement = getattr(case, "agreement", None)
    return {
        **_mediation_base(case),
        "sessions": list(case.sessions.all()),
        "agreement": agreement,
        "obligations": list(agreement.obligations.all()) if agreement else [],
        "extensions": list(case.extensions.all()),
        "timeline": mediation_timeline_rows(case),
        "documents": [d for d in mediation_documents(case) if d.kind != "mediation.dossier"],
        "attachments": list(Attachment.objects.for_object(case).order_by("uploaded_at", "pk")),
    }


MEDIATION_KINDS = {
    "mediation.acceptance": ("casework/pdf/mediation_acceptance.html", _("受理通知书"), _mediation_base),
    "mediation.declined": ("casework/pdf/mediation_declined.html", _("不予受理通知书"), _mediation_base),
    "mediation.agreement": ("casework/pdf/mediation_agreement.html", _("调解协议书"), mediation_agreement_context),
    "mediation.termination": ("casework/pdf/mediation_termination.html", _("调解终止书及仲裁告知书"),
                              _mediation_base),
    "mediation.session_notice": ("casework/pdf/mediation_session_notice.html", _("调解通知书"),
                                 mediation_session_context),
    "mediation.minutes": ("casework/pdf/mediation_minutes.html", _("调解笔录"), mediation_session_context),
    "mediation.dossier": ("casework/pdf/mediation_dossier.html", _("调解案卷"), mediation_dossier_context),
}

_SESSION_KINDS = ("mediation.session_notice", "mediation.minutes")

for _kind, (_template, _title, _context) in MEDIATION_KINDS.items():
    register_document(_kind, template_name=_template,
                      title=_session_title(_title) if _kind in _SESSION_KINDS else _title, context=_context)

"""The referral documents (PDF): 移送函 (with the consent record, or for the police the suspected offence),
受理回执 from the receiving organisation, and the outcome report; plus the referral timeline that the wage
claim's case file includes.

Every referral document is addressed to, and downloadable by, the receiving organisation while the referral
is live for it (``Referral.objects.visible_to``): each shows the packet (``services.referrals.packet_for``),
never another field of the claim, another worker or a file not chosen for it."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.documents import register_document
from core.models import AuditEvent

from .models.referrals import Referral
from .wage_documents import extra_case_file_context

#: Readable names of the referral's audit events (its transitions and recorded steps).
EVENT_LABELS = {
    "send": _("发出移送"),
    "approve": _("批准移送"),
    "consent_recorded": _("记录个人信息提供同意"),
    "accept": _("接收"),
    "decline": _("退回"),
    "report_progress": _("报告办理进展"),
    "report_outcome": _("报告办理结果"),
    "complete": _("确认办结"),
    "revoke": _("撤回移送"),
    "overdue": _("逾期督办"),
    "deadline_start": _("期限开始"),
    "deadline_met": _("期限已完成"),
    "deadline_cancel": _("期限取消"),
    "deadline_extend": _("期限延长"),
    "attach": _("上传材料"),
    "referral.letter": _("移送函"),
    "referral.receipt": _("受理回执"),
    "referral.outcome": _("移送办理结果报告"),
}
_STATUS = dict(Referral.Status.choices)


def issuer(referral: Referral) -> str:
    return f"北京市{referral.district.name}人力资源和社会保障局"


def _base(referral: Referral) -> dict:
    from .services.referrals import packet_for

    return {
        "referral": referral, "case_number": referral.number, "issuer": issuer(referral),
        "packet": packet_for(referral, reveal=True), "hotline": settings.GIGCASE_PUBLIC_HOTLINE,
        "issued_on": timezone.now(),
    }


def letter_context(referral: Referral) -> dict:
    consents = []
    if referral.kind != Referral.Kind.POLICE:
        consents = list(referral.consents.filter(organization_id=referral.target_id)
                        .select_related("worker", "recorded_by", "organization"))
    return {**_base(referral), "consents": consents}


def referral_events(referral: Referral) -> list[dict]:
    """A referral's audit trail in words, oldest first."""
    rows = []
    for event in AuditEvent.objects.for_object(referral).timeline():
        if event.action == AuditEvent.Action.DOWNLOAD:
            continue
        label = EVENT_LABELS.get(event.name)
        if label is None and event.action == AuditEvent.Action.CREATE:
            label = _("起草移送")
        rows.append({"at": event.created_at, "actor": event.actor_name or str(_("系统")), "org": event.actor_org,
                     "name": str(label or event.get_action_display()),
                     "to_state": str(_STATUS.get(event.to_state, "")) if event.to_state else "",
                     "reason": event.reason})
    return rows


def referral_timeline(claim) -> list[dict]:
    """Every referral of ``claim`` with its trail, for the claim's case file and page."""
    return [{"referral": r, "events": referral_events(r)}
            for r in claim.referrals.select_related("target").order_by("created_at", "pk")]


KINDS = {
    "referral.letter": ("casework/pdf/referral_letter.html", _("移送函"), letter_context),
    "referral.receipt": ("casework/pdf/referral_receipt.html", _("受理回执"), _base),
    "referral.outcome": ("casework/pdf/referral_outcome.html", _("移送办理结果报告"), _base),
}

for _kind, (_template, _title, _context) in KINDS.items():
    register_document(_kind, template_name=_template, title=_title, context=_context)


def _case_file_referrals(claim) -> dict:
    return {"referrals": referral_timeline(claim)}


# The wage claim's case file (案卷) shows every referral with its trail (templates/casework/pdf/_wage_referrals.html).
if _case_file_referrals not in extra_case_file_context:
    extra_case_file_context.append(_case_file_referrals)

"""Wage-claim documents (PDF): the case file (案卷) and the reply letter for an unfounded claim
(不成立告知书). Registered with ``core.documents`` from ``CaseworkConfig.ready``.

The case file masks every worker's name, ID number and phone (it is an export); amounts are printed from
the Decimal fields as stored. The referral timeline is added by the referral module through the template's
``casework/pdf/_wage_referrals.html`` block when ``referrals`` is in the context (``extra_case_file_context``
lets it contribute without touching this module)."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.documents import audit_timeline, register_document
from core.models import Attachment, AuditEvent, GeneratedDocument

from .documents import EVENT_LABELS, bureau_name
from .models import WageClaim

_STATUS_LABELS = dict(WageClaim.Status.choices)

WAGE_EVENT_LABELS = {
    **EVENT_LABELS,
    "start_verification": _("开始核实"),
    "verify": _("核实成立"),
    "unsubstantiated_proposed": _("拟认定不成立"),
    "unsubstantiated_declined": _("不同意认定不成立"),
    "find_unsubstantiated": _("认定不成立"),
    "start_coordination": _("开始协调"),
    "settle": _("确认支付"),
    "payments_recorded": _("登记支付金额"),
    "refer": _("移送"),
    "close": _("结案"),
    "worker_added": _("增加劳动者"),
    "wageclaim_opened": _("转为欠薪线索"),
}

#: Callables ``(claim) -> dict`` merged into the case file's context (the referral module registers one
#: that returns ``{"referrals": [...]}``).
extra_case_file_context: list = []


def timeline_rows(claim: WageClaim) -> list[dict]:
    """The claim's audit trail, oldest first, in words (core/pdf/_timeline.html)."""
    return audit_timeline(
        AuditEvent.objects.for_object(claim).timeline(),
        event_label=lambda event: WAGE_EVENT_LABELS.get(event.name, event.name),
        state_label=lambda event, state: _STATUS_LABELS.get(state, state),
    )


def _base(claim: WageClaim) -> dict:
    workers = list(claim.workers.all())
    return {
        "claim": claim, "case_number": claim.number, "bureau": bureau_name(claim), "workers": workers,
        "total_owed": claim.total_owed, "total_paid": claim.total_paid,
        "hotline": settings.GIGCASE_PUBLIC_HOTLINE, "issued_on": timezone.now(),
    }


def case_file_context(claim: WageClaim) -> dict:
    documents = (GeneratedDocument.objects.for_object(claim).exclude(kind="wageclaim.case_file")
                 .order_by("created_at", "pk"))
    context = {
        **_base(claim),
        "timeline": timeline_rows(claim),
        "documents": list(documents),
        "attachments": list(Attachment.objects.for_object(claim).order_by("uploaded_at", "pk")),
        "limitation_date": claim.limitation_date,
    }
    for contribute in extra_case_file_context:
        context.update(contribute(claim))
    return context


def unsubstantiated_context(claim: WageClaim) -> dict:
    first = claim.workers.first()
    return {**_base(claim), "addressee": first.name if first else str(_("劳动者")),
            "limitation_date": claim.limitation_date}


KINDS = {
    "wageclaim.case_file": ("casework/pdf/wageclaim_case_file.html", _("欠薪线索案卷"), case_file_context),
    "wageclaim.unsubstantiated": ("casework/pdf/wageclaim_unsubstantiated.html", _("欠薪线索核实不成立告知书"),
                                  unsubstantiated_context),
}

for _kind, (_template, _title, _context) in KINDS.items():
    register_document(_kind, template_name=_template, title=_title, context=_context)

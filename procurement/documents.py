"""Procurement documents (PDF): 合同摘要, the contract summary (parties, markets, period, amount, payment
milestones, renewal chain and termination). It hangs on the ServiceContract, so operator staff may download
their own contract's summary (downloads follow ``ServiceContract.objects.visible_to``)."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.documents import audit_timeline, register_document
from core.models import AuditEvent

from .models import ServiceContract

#: Readable names of the audit trail's event names on a contract.
EVENT_LABELS = {
    "activate": _("合同生效"),
    "suspend": _("暂停履行"),
    "resume": _("恢复履行"),
    "terminate": _("终止合同"),
    "expire": _("合同到期"),
    "milestone_add": _("增加付款节点"),
}
_STATES = dict(ServiceContract.Status.choices)


def contract_timeline(contract: ServiceContract) -> list[dict]:
    return audit_timeline(AuditEvent.objects.for_object(contract).order_by("pk"),
                          event_label=lambda e: EVENT_LABELS.get(e.name, e.name),
                          state_label=lambda e, state: _STATES.get(state, state))


def contract_summary_context(contract: ServiceContract) -> dict:
    from .services import renewal_chain

    contract = (ServiceContract.objects.select_related("district", "operator", "project", "selection_round")
                .get(pk=contract.pk))
    milestones = list(contract.milestones.all())
    return {
        "contract": contract,
        "case_number": contract.number,
        "markets": list(contract.markets.select_related("district")),
        "milestones": milestones,
        "planned_total": sum((m.amount for m in milestones), start=Decimal("0.00")),
        "chain": renewal_chain(contract),
        "timeline": contract_timeline(contract),
        "bureau": f"{contract.district.name}人力资源和社会保障局",
        "issued_on": timezone.now(),
    }


register_document("procurement.contract_summary", template_name="procurement/pdf/contract_summary.html",
                  title=lambda c: _("合同摘要 %(number)s") % {"number": c.number}, context=contract_summary_context)

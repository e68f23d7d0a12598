"""Referral use cases: the only writers of Referral, ReferralConsent and ReferralUpdate.

The district drafts a referral of a wage claim to a named organisation with the fields it needs (the packet),
records each worker's separate consent to give their data to that organisation (个人信息保护法 Art. 23),
has it approved by the district official and sends it; the organisation accepts or declines, reports progress
and the outcome; the district confirms it done, or revokes it at any time before.

Clocks (core.deadlines, working days on the Chinese calendar):

* legal aid: accept within ``LEGAL_AID_ACCEPT_DAYS`` (3) working days of sending (the district's service
  norm for partners), else the district official is alerted and the referral flagged overdue;
* labour inspection: accept within 5 working days (关于实施《劳动保障监察条例》若干规定 Art. 18), then investigate
  within 60 working days, +30 once with approval (劳动保障监察条例 Art. 17);
* police: decide within 3 days of receipt whether to open a case (行政执法机关移送涉嫌犯罪案件的规定 Art. 8)."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from accounts.roles import Role
from core import deadlines, documents, notify
from core.fsm import apply_transition
from core.models import Attachment, AuditEvent, Deadline
from core.numbering import next_case_number
from core.statements import lock_row
from core.uploads import attach_file

from ..models.referrals import PACKET_FIELDS, Referral, ReferralConsent, ReferralUpdate, is_partner_user

ACCEPT_KIND = "referral.accept"
INVESTIGATE_KIND = "referral.investigate"
LEGAL_AID_ACCEPT_DAYS = 3
INSPECTION_ACCEPT_DAYS = 5
POLICE_ACCEPT_DAYS = 3
INVESTIGATE_DAYS = 60
INVESTIGATE_EXTENSION_DAYS = 30

#: (days, unit, label) of the acceptance clock per referral kind.
ACCEPT_CLOCK = {
    Referral.Kind.LEGAL_AID: (LEGAL_AID_ACCEPT_DAYS, Deadline.Unit.WORKING, "法律援助机构接收期限（三个工作日）"),
    Referral.Kind.LABOUR_INSPECTION: (INSPECTION_ACCEPT_DAYS, Deadline.Unit.WORKING,
                                      "劳动保障监察受理期限（五个工作日）"),
    Referral.Kind.POLICE: (POLICE_ACCEPT_DAYS, Deadline.Unit.CALENDAR, "公安机关立案审查期限（三日）"),
}


def _locked(referral: Referral) -> Referral:
    return lock_row(Referral, referral.pk)


def _required(value, field_name, message):
    if not (value or "").strip():
        raise ValidationError({field_name: message}, code="required")
    return value.strip()


# ---- the packet -----------------------------------------------------------------------------------------


@dataclass
class Packet:
    """What the receiving organisation gets: only the chosen keys are ever filled in."""

    fields: list
    claim_number: str = ""
    values: dict = field(default_factory=dict)  # claim-level keys → text
    workers: list = field(default_factory=list)  # one dict per worker with only the chosen worker keys
    total_owed: Decimal | None = None
    attachments: list = field(default_factory=list)


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _employer(claim) -> str:
    name, code = _text(claim.employer_name), _text(claim.employer_credit_code)
    return f"{name}（{_('统一社会信用代码')}：{code}）" if name and code else name


def _workplace(claim) -> str:
    market = claim.market.name if claim.market_id else ""
    parts = [_text(claim.work_place), market]
    return "；".join(p for p in parts if p)


def _period(claim) -> str:
    start, end = claim.period_start, claim.period_end
    fmt = "%Y年%m月%d日"
    if start and end:
        return f"{start:{fmt}}—{end:{fmt}}"
    if start:
        return _("%(start)s起") % {"start": f"{start:{fmt}}"}
    return ""


_CLAIM_VALUES = {
    "employer": _employer,
    "employer_address": lambda c: _text(c.employer_address),
    "workplace": _workplace,
    "period": _period,
    "facts": lambda c: _text(c.description),
}


def packet_for(referral: Referral, *, reveal: bool = True) -> Packet:
    """The packet as the partner sees it (``reveal``: full phone and ID number, which the worker agreed to
    give them) or as a staff preview (masked). Keys not chosen are never read into it."""
    from core.masking import mask_id_number, mask_phone

    chosen = set(referral.packet_fields or [])
    packet = Packet(fields=referral.field_labels(), claim_number=referral.claim.number)
    for key, read in _CLAIM_VALUES.items():
        if key in chosen:
            packet.values[key] = read(referral.claim)
    worker_keys = chosen & {"worker_name", "worker_phone", "worker_id_number", "amounts"}
    if worker_keys:
        total = Decimal("0")
        for worker in referral.workers.all():
            row = {}
            if "worker_name" in chosen:
                row["name"] = worker.name
            if "worker_phone" in chosen:
                row["phone"] = worker.phone if reveal else mask_phone(worker.phone)
            if "worker_id_number" in chosen:
                row["id_number"] = worker.id_number if reveal else mask_id_number(worker.id_number)
            if "amounts" in chosen:
                owed = worker.amount_owed or Decimal("0")
                row["amount_owed"] = owed
                row["amount_paid"] = worker.amount_paid
                total += owed
            packet.workers.append(row)
        if "amounts" in chosen:
            packet.total_owed = total
    packet.attachments = list(referral.attachments.all())
    return packet


# ---- drafting, consent, approval, sending -----------------------------------------------------------------


def eligible_targets(kind):
    """Active organisations of the kind a referral of ``kind`` goes to."""
    return Organization.objects.filter(kind=Referral.TARGET_KIND.get(kind, "-"), is_active=True).order_by("name")


def _claim_referable(claim) -> bool:
    """A claim is referred once verified (while coordinating, or again after an earlier referral)."""
    return claim.status in type(claim).REFERABLE


@transaction.atomic
def referral_draft(*, claim, by, kind, target, summary, packet_fields=None, workers=None, attachments=(),
                   crime_basis="") -> Referral:
    """Draft a referral of ``claim`` to ``target`` with the chosen packet (default: the minimum fields and
    every worker of the claim). Nothing is sent yet."""
    if not by.has_perm("casework.draft_referral"):
        raise PermissionDenied(_("您没有权限起草移送。"))
    if kind not in Referral.Kind.values:
        raise ValidationError({"kind": _("请选择移送类型。")}, code="invalid")
    if target is None or not eligible_targets(kind).filter(pk=target.pk).exists():
        raise ValidationError({"target": _("接收单位与移送类型不符或已停用。")}, code="target_kind")
    summary = _required(summary, "summary", _("请填写移送事由。"))
    if kind == Referral.Kind.POLICE:
        crime_basis = _required(crime_basis, "crime_basis", _("移送公安机关须写明涉嫌犯罪的事实及依据。"))
    from ..models.referrals import DEFAULT_PACKET_FIELDS

    fields = list(DEFAULT_PACKET_FIELDS if packet_fields is None else packet_fields)
    unknown = set(fields) - set(PACKET_FIELDS)
    if unknown or not fields:
        raise ValidationError({"packet_fields": _("请选择移送材料包含的信息。")}, code="packet_fields")
    fields = [k for k in PACKET_FIELDS if k in fields]  # stable order
    if not _claim_referable(claim):
        raise ValidationError(_("欠薪线索经核实成立后才能移送（当前状态：%(status)s）。")
                              % {"status": claim.get_status_display()}, code="claim_not_referable")
    claim_workers = list(claim.workers.all())
    chosen = claim_workers if workers is None else [w for w in claim_workers if w.pk in {x.pk for x in workers}]
    if workers is not None and len(chosen) != len(list(workers)):
        raise ValidationError({"workers": _("所选劳动者不属于该欠薪线索。")}, code="workers")
    if not chosen:
        raise ValidationError({"workers": _("至少选择一名劳动者。")}, code="workers")
    claim_files = Attachment.objects.for_object(claim)
    files = list(attachments or ())
    if files and claim_files.filter(pk__in=[a.pk for a in files]).count() != len(files):
        raise ValidationError({"attachments": _("所选材料不属于该欠薪线索。")}, code="attachments")
    referral = Referral.objects.create(
        number=next_case_number("YS"), claim=claim, district_id=claim.district_id, kind=kind, target=target,
        summary=summary, crime_basis=(crime_basis or "").strip(), packet_fields=fields, drafted_by=by,
    )
    referral.workers.set(chosen)
    referral.attachments.set(files)
    AuditEvent.record(referral, AuditEvent.Action.CREATE, by=by, to_state=referral.status,
                      data={"claim": claim.number, "target": target.name, "fields": fields,
                            "workers": [w.pk for w in chosen], "attachments": [a.pk for a in files]})
    AuditEvent.record(claim, AuditEvent.Action.NOTE, by=by, name="referral_drafted",
                      data={"referral": referral.number, "target": target.name})
    return referral


@transaction.atomic
def referral_record_consent(*, referral: Referral, by, worker, method, given_at=None, note="",
                            form_file=None) -> ReferralConsent:
    """Record one worker's separate consent to give their data to the referral's named organisation: a signed
    form (uploaded, attached to the consent row) or a verbal consent written down by the officer."""
    if not by.has_perm("casework.draft_referral"):
        raise PermissionDenied(_("您没有权限记录同意。"))
    referral = _locked(referral)
    if referral.status != Referral.Status.DRAFTED:
        raise ValidationError(_("移送已发出，不能再补记同意。"), code="not_drafted")
    if not referral.workers.filter(pk=worker.pk).exists():
        raise ValidationError({"worker": _("该劳动者不在本次移送范围内。")}, code="worker")
    if method not in ReferralConsent.Method.values:
        raise ValidationError({"method": _("请选择同意方式。")}, code="invalid")
    if method == ReferralConsent.Method.SIGNED_FORM and form_file is None:
        raise ValidationError({"form_file": _("书面同意须上传劳动者签字的同意书。")}, code="form_required")
    if method == ReferralConsent.Method.VERBAL:
        note = _required(note, "note", _("口头同意须记录告知内容、时间和在场人员。"))
    given_at = given_at or timezone.now()
    if given_at > timezone.now():
        raise ValidationError({"given_at": _("同意时间不能晚于现在。")}, code="future")
    consent, created = ReferralConsent.objects.get_or_create(
        referral=referral, worker=worker, organization_id=referral.target_id,
        defaults={"method": method, "given_at": given_at, "note": (note or "").strip(), "recorded_by": by})
    if not created:
        raise ValidationError({"worker": _("该劳动者的同意已记录。")}, code="duplicate")
    if form_file is not None:
        attach_file(consent, form_file, by=by, description=_("个人信息提供同意书"))
    AuditEvent.record(referral, AuditEvent.Action.NOTE, by=by, name="consent_recorded",
                      data={"consent": consent.pk, "worker": worker.pk, "organization": referral.target.name,
                            "method": method, "given_at": given_at.isoformat()})
    return consent


@transaction.atomic
def referral_approve(*, referral: Referral, by) -> Referral:
    """The district official approves the referral (ARCHITECTURE: officials approve referrals)."""
    if not by.has_perm("casework.approve_referral"):
        raise PermissionDenied(_("移送须由区级负责人批准。"))
    referral = _locked(referral)
    if referral.status != Referral.Status.DRAFTED:
        raise ValidationError(_("只有草拟中的移送需要批准。"), code="not_drafted")
    if referral.approved_at is None:
        referral.approved_by, referral.approved_at = by, timezone.now()
        referral.save(update_fields=["approved_by", "approved_at", "updated_at"])
        AuditEvent.record(referral, AuditEvent.Action.NOTE, by=by, name="approve")
    return referral


def _mark_claim_referred(referral, by):
    """The claim becomes ``referred`` with its first sent referral (idempotent on the wage side). The claim's
    transition needs the approval permission: it runs as the official who approved this referral."""
    from .wage import wageclaim_mark_referred

    wageclaim_mark_referred(claim=referral.claim, by=referral.approved_by or by,
                            reason=_("移送%(org)s（%(number)s）") % {"org": referral.target.name,
                                                                  "number": referral.number})


def _partner_users(referral):
    return list(User.objects.filter(organization_id=referral.target_id, is_active=True,
                                    groups__name=Role.LEGAL_AID).distinct())


def _district_officials(referral):
    return list(User.objects.filter(district_id=referral.district_id, is_active=True,
                                    groups__name=Role.DISTRICT_OFFICIAL).distinct())


@transaction.atomic
def referral_send(*, referral: Referral, by) -> Referral:
    """Send the referral: refused, with the names, while any worker whose data go in the packet has not
    consented to this organisation, or before the official's approval. Starts the acceptance clock, marks
    the claim referred, issues the 移送函 and tells the organisation's users."""
    referral = _locked(referral)
    if referral.status == Referral.Status.DRAFTED:
        if not referral.is_approved():
            raise ValidationError(_("移送须经区级负责人批准后才能发出。"), code="not_approved")
        missing = referral.workers_without_consent()
        if missing:
            raise ValidationError(
                _("以下劳动者尚未同意向“%(org)s”提供其个人信息（个人信息保护法第二十三条），不能发出移送："
                  "%(names)s。请先记录其单独同意。") % {"org": referral.target.name,
                                                   "names": "、".join(w.name for w in missing)},
                code="consent_missing")
    apply_transition(referral, "send", by=by, label=_("发出移送"))
    referral.save(update_fields=["status", "sent_by", "sent_at", "updated_at"])
    days, unit, label = ACCEPT_CLOCK[referral.kind]
    deadlines.start_deadline(referral, kind=ACCEPT_KIND, label=label, days=days, unit=unit,
                             started_at=referral.sent_at, remind_days_before=1, by=by)
    _mark_claim_referred(referral, by)
    AuditEvent.record(referral.claim, AuditEvent.Action.NOTE, by=by, name="referral_sent",
                      data={"referral": referral.number, "target": referral.target.name})
    documents.request_document(referral, kind="referral.letter", by=by)
    for user in _partner_users(referral):
        notify.notify_user(user, _("新移送案件 %(number)s") % {"number": referral.number},
                           _("%(district)s移送欠薪案件%(number)s，请在期限内接收或退回。")
                           % {"district": referral.district.name, "number": referral.number},
                           target=referral, dedupe_key=f"referral:{referral.pk}:sent:{user.pk}")
    return referral


# ---- the receiving organisation -------------------------------------------------------------------------


def _tell_district(referral, subject, body, key):
    recipients = {u.pk: u for u in _district_officials(referral)}
    if referral.sent_by_id:
        recipients.setdefault(referral.sent_by_id, referral.sent_by)
    for user in recipients.values():
        notify.notify_user(user, subject, body, target=referral, dedupe_key=f"referral:{referral.pk}:{key}:{user.pk}")


@transaction.atomic
def referral_accept(*, referral: Referral, by, partner_case_number="") -> Referral:
    """The organisation accepts: the acceptance clock is met, a labour-inspection transfer starts its
    60-working-day investigation clock, and the 受理回执 is issued."""
    referral = _locked(referral)
    apply_transition(referral, "accept", by=by, label=_("接收"), partner_case_number=(partner_case_number or "").strip())
    referral.is_overdue = False
    referral.save(update_fields=["status", "accepted_by", "accepted_at", "partner_case_number", "is_overdue",
                                 "updated_at"])
    deadlines.meet_deadlines(referral, kinds=[ACCEPT_KIND], by=by, sync=False)
    if referral.kind == Referral.Kind.LABOUR_INSPECTION:
        deadlines.start_deadline(referral, kind=INVESTIGATE_KIND, label="劳动保障监察办案期限（六十个工作日）",
                                 days=INVESTIGATE_DAYS, unit=Deadline.Unit.WORKING, started_at=referral.accepted_at,
                                 remind_days_before=10, by=by, sync=False)
    deadlines.sync_entity_due_at(referral)
    documents.request_document(referral, kind="referral.receipt", by=by)
    _tell_district(referral, _("移送已接收：%(number)s") % {"number": referral.number},
                   _("%(org)s已接收移送案件%(number)s。") % {"org": referral.target.name, "number": referral.number},
                   "accepted")
    return referral


@transaction.atomic
def referral_decline(*, referral: Referral, by, reason) -> Referral:
    """The organisation declines with its reasons; its access ends, and the district may refer again (a new
    referral)."""
    reason = _required(reason, "reason", _("请填写退回理由。"))
    referral = _locked(referral)
    apply_transition(referral, "decline", by=by, label=_("退回"), reason=reason)
    referral.is_overdue = False
    referral.save(update_fields=["status", "declined_at", "decline_reason", "is_overdue", "updated_at"])
    deadlines.meet_deadlines(referral, kinds=[ACCEPT_KIND], by=by, sync=False)
    deadlines.cancel_deadlines(referral, by=by)
    _tell_district(referral, _("移送被退回：%(number)s") % {"number": referral.number},
                   _("%(org)s退回了移送案件%(number)s，理由：%(reason)s。如需继续办理，请重新移送。")
                   % {"org": referral.target.name, "number": referral.number, "reason": reason}, "declined")
    return referral


def _require_partner(referral, by):
    if not (is_partner_user(by) and by.organization_id == referral.target_id):
        raise PermissionDenied(_("只有接收单位可以办理此事项。"))


@transaction.atomic
def referral_add_update(*, referral: Referral, by, note, files=()) -> ReferralUpdate:
    """A progress note from the organisation, with documents; the first one puts an accepted referral in
    progress."""
    note = _required(note, "note", _("请填写办理进展。"))
    referral = _locked(referral)
    _require_partner(referral, by)
    apply_transition(referral, "report_progress", by=by, label=_("报告办理进展"))
    referral.save(update_fields=["status", "updated_at"])
    update = ReferralUpdate.objects.create(referral=referral, author=by, note=note)
    for f in files:
        attach_file(update, f, by=by, description=_("办理进展材料"))
    return update


def _decimal(value, field_name):
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field_name: _("请填写金额（元），最多两位小数。")}, code="invalid") from None
    if amount < 0:
        raise ValidationError({field_name: _("金额不能为负数。")}, code="negative")
    return amount


@transaction.atomic
def referral_report_outcome(*, referral: Referral, by, recovered_amount, case_stage, closing_reason,
                            note="") -> Referral:
    """The organisation reports the outcome: the amount recovered (exact decimal), the stage the case reached
    and why it closed. The investigation clock is met and the outcome report issued."""
    amount = _decimal(recovered_amount, "recovered_amount")
    if case_stage not in Referral.Stage.values:
        raise ValidationError({"case_stage": _("请选择办理阶段。")}, code="invalid")
    if closing_reason not in Referral.ClosingReason.values:
        raise ValidationError({"closing_reason": _("请选择结案原因。")}, code="invalid")
    referral = _locked(referral)
    apply_transition(referral, "report_outcome", by=by, label=_("报告办理结果"), recovered_amount=str(amount),
                     case_stage=case_stage, closing_reason=closing_reason, note=(note or "").strip())
    referral.recovered_amount = amount  # the transition got a string for the audit row's JSON
    referral.is_overdue = False
    referral.save(update_fields=["status", "recovered_amount", "case_stage", "closing_reason", "outcome_note",
                                 "outcome_reported_at", "is_overdue", "updated_at"])
    deadlines.meet_deadlines(referral, by=by)
    documents.request_document(referral, kind="referral.outcome", by=by)
    _tell_district(referral, _("移送办理结果：%(number)s") % {"number": referral.number},
                   _("%(org)s报告了移送案件%(number)s的办理结果：追回%(amount)s元。")
                   % {"org": referral.target.name, "number": referral.number, "amount": amount}, "outcome")
    return referral


@transaction.atomic
def referral_extend_investigation(*, referral: Referral, by, reason) -> Deadline:
    """Extend a labour-inspection investigation by 30 working days, once (劳动保障监察条例 Art. 17: with the
    approval of the head of the labour administration). Recorded by the inspection body."""
    reason = _required(reason, "reason", _("请填写延长理由及批准情况。"))
    referral = _locked(referral)
    _require_partner(referral, by)
    deadline = Deadline.objects.for_object(referral).filter(kind=INVESTIGATE_KIND,
                                                            status__in=deadlines.LIVE).first()
    if deadline is None:
        raise ValidationError(_("该移送没有正在计算的办案期限。"), code="no_deadline")
    if deadline.extended_days:
        raise ValidationError(_("办案期限只能延长一次，最长三十个工作日。"), code="extended")
    return deadlines.extend_deadline(deadline, days=INVESTIGATE_EXTENSION_DAYS, reason=reason, by=by)


# ---- the district closes or revokes --------------------------------------------------------------------


@transaction.atomic
def referral_complete(*, referral: Referral, by) -> Referral:
    """The district confirms the reported outcome: the referral is done and the organisation's access ends."""
    referral = _locked(referral)
    apply_transition(referral, "complete", by=by, label=_("确认办结"))
    referral.save(update_fields=["status", "done_by", "done_at", "updated_at"])
    deadlines.cancel_deadlines(referral, by=by)
    return referral


@transaction.atomic
def referral_revoke(*, referral: Referral, by, reason) -> Referral:
    """The district revokes the referral before it is done: clocks stop and the organisation's access ends on
    its next request."""
    reason = _required(reason, "reason", _("请填写撤回理由。"))
    referral = _locked(referral)
    was_sent = referral.status != Referral.Status.DRAFTED
    apply_transition(referral, "revoke", by=by, label=_("撤回移送"), reason=reason)
    referral.is_overdue = False
    referral.save(update_fields=["status", "revoked_at", "revoke_reason", "is_overdue", "updated_at"])
    deadlines.cancel_deadlines(referral, by=by)
    if was_sent:
        for user in _partner_users(referral):
            notify.notify_user(user, _("移送已撤回：%(number)s") % {"number": referral.number},
                               _("%(district)s已撤回移送案件%(number)s，相关材料不再向贵单位提供。")
                               % {"district": referral.district.name, "number": referral.number},
                               dedupe_key=f"referral:{referral.pk}:revoked:{user.pk}")
    return referral


# ---- deadline handlers (core.deadlines.sweep, inside its transaction, the deadline row locked) ---------


def on_deadline_remind(deadline):
    referral = Referral.objects.select_related("target").get(pk=deadline.object_id)
    if not referral.is_open:
        return
    due = timezone.localtime(deadline.due_at).strftime("%Y年%m月%d日")
    for user in _partner_users(referral):
        notify.notify_user(user, _("移送期限提醒：%(number)s") % {"number": referral.number},
                           _("%(label)s将于%(due)s届满。") % {"label": deadline.label, "due": due},
                           target=referral, dedupe_key=f"deadline:{deadline.pk}:remind:{user.pk}")


def on_deadline_overdue(deadline):
    """The limit passed with nothing done: flag the referral overdue and alert the district official(s) and
    the sender. The sweep fires this once per deadline."""
    referral = Referral.objects.select_for_update().get(pk=deadline.object_id)
    if not referral.is_open:
        return
    Referral.objects.filter(pk=referral.pk).update(is_overdue=True, updated_at=timezone.now())
    referral.is_overdue = True
    AuditEvent.record(referral, AuditEvent.Action.DEADLINE, name="overdue", reason=str(deadline.label))
    if deadline.kind == ACCEPT_KIND:
        body = _("%(org)s未在%(label)s内接收或退回移送案件%(number)s，请督促或撤回后重新移送。")
    else:
        body = _("%(org)s办理移送案件%(number)s已超过%(label)s，请督办。")
    _tell_district(referral, _("移送逾期：%(number)s") % {"number": referral.number},
                   body % {"org": referral.target.name, "label": deadline.label, "number": referral.number},
                   f"overdue:{deadline.pk}")

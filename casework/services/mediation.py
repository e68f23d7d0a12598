"""Mediation use cases: the only writers of MediationCase and its rows. Each locks the case, runs one
transition through ``core.fsm.apply_transition``, saves with ``update_fields``, keeps the 15-day clock current
and queues documents on commit. Edits of sessions, minutes and the agreement check the case's ``version``
(optimistic concurrency): a stale form is refused with ``StaleEdit`` and keeps its input."""

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from core import deadlines, documents, notify
from core.fsm import apply_transition
from core.models import AuditEvent, Deadline
from core.numbering import next_case_number
from core.statements import lock_row

from ..models import (MEDIATION_LIMIT_DAYS, AgreementObligation, MediationAgreement, MediationCase, MediationClaim,
                      MediationExtension, MediationParty, MediationSession, MediatorConflict)

LIMIT_KIND = "mediation.limit"


class StaleEdit(ValidationError):
    """The case changed since the form was loaded (another mediator saved first)."""

    def __init__(self):
        super().__init__(_("保存失败：该案件已被他人修改。您填写的内容已保留，请核对最新内容后再次保存。"),
                         code="stale_version")


@dataclass(frozen=True)
class Applicant:
    name: str
    id_number: str
    phone: str = ""
    priority: bool = False


@dataclass(frozen=True)
class Claim:
    kind: str
    amount: Decimal
    note: str = ""


def _locked(case: MediationCase) -> MediationCase:
    return lock_row(MediationCase, case.pk)


def _bump(case: MediationCase, expected_version: int | None) -> None:
    """Check the form's version against the locked row and move it on by one."""
    if expected_version is not None and int(expected_version) != case.version:
        raise StaleEdit()
    case.version += 1


@transaction.atomic
def mediation_apply(*, channel, district, applicants, respondent_name, matters, reasons, claims=(),
                    respondent_credit_code="", respondent_contact="", respondent_phone="", market=None,
                    received_at=None, by=None) -> MediationCase:
    """Record an application (counter, oral or online) and start the 15-day clock from its receipt (Art. 14).

    An oral application is recorded on the spot with the applicant, the matters, the reasons and the time
    (Art. 12); all four are required here for every channel."""
    applicants = list(applicants)
    if not applicants:
        raise ValidationError(_("至少填写一名申请人。"), code="no_applicant")
    if not matters.strip() or not reasons.strip():
        raise ValidationError(_("请记录争议事项和申请理由。"), code="required")
    if market is not None and market.district_id != district.pk:
        raise ValidationError({"market": _("所选市场不属于该区。")}, code="market_district")
    case = MediationCase(
        number=next_case_number("TJ"), channel=channel, district=district, market=market, matters=matters.strip(),
        reasons=reasons.strip(), received_at=received_at or timezone.now(), respondent_name=respondent_name.strip(),
        respondent_credit_code=respondent_credit_code.strip().upper(), respondent_contact=respondent_contact,
        respondent_phone=respondent_phone, created_by=by,
    )
    case.full_clean(exclude=["status"])
    case.save()
    for a in applicants:
        party = MediationParty(case=case, name=a.name.strip(), id_number=a.id_number.strip().upper(),
                               phone=a.phone.strip(), priority=a.priority)
        party.full_clean()
        party.save()
    for c in claims:
        claim = MediationClaim(case=case, kind=c.kind, amount=c.amount, note=c.note)
        claim.full_clean()
        claim.save()
    AuditEvent.record(case, AuditEvent.Action.CREATE, by=by, to_state=case.status, data={"channel": channel})
    deadlines.start_deadline(case, kind=LIMIT_KIND, label=_("调解期限（十五日）"), days=MEDIATION_LIMIT_DAYS,
                             unit="calendar", started_at=case.received_at, by=by)
    from ..flows import MediationFlow

    MediationFlow.start.run(case=case)
    return case


@transaction.atomic
def mediation_accept(*, case: MediationCase, by) -> MediationCase:
    """Accept the application (受理); the 受理通知书 is issued."""
    case = _locked(case)
    apply_transition(case, "accept", by=by, label=_("受理"))
    case.save(update_fields=["status", "accepted_at", "accepted_by", "updated_at"])
    documents.request_document(case, kind="mediation.acceptance", by=by)
    return case


@transaction.atomic
def mediation_decline(*, case: MediationCase, by, reason: str, advice: str) -> MediationCase:
    """Decline (district official): the reasons and advice on arbitration go into the 不予受理通知书."""
    if not reason.strip() or not advice.strip():
        raise ValidationError(_("请填写不予受理理由和申请仲裁的建议。"), code="required")
    case = _locked(case)
    apply_transition(case, "decline", by=by, label=_("不予受理"), reason=reason.strip(), advice=advice.strip())
    case.save(update_fields=["status", "decline_reasons", "arbitration_advice", "closed_at", "updated_at"])
    deadlines.cancel_deadlines(case, kinds=[LIMIT_KIND])
    documents.request_document(case, kind="mediation.declined", by=by)
    return case


def eligible_mediators(case: MediationCase):
    from accounts.models import User

    return (User.objects.filter(is_active=True, district_id=case.district_id, groups__name=Role.MEDIATOR)
            .distinct().order_by("last_name", "first_name", "username"))


def conflicts_of(case: MediationCase, mediator) -> list[MediatorConflict]:
    """The mediator's recorded relations that name this case's employer or one of its applicants."""
    names = {case.respondent_name.strip()} | {p.name.strip() for p in case.applicants.all()}
    cond = Q(party_name__in=[n for n in names if n])
    if case.respondent_credit_code:
        cond |= Q(credit_code=case.respondent_credit_code)
    return list(MediatorConflict.objects.filter(cond, mediator=mediator))


def _check_mediator(case, mediator):
    if not eligible_mediators(case).filter(pk=mediator.pk).exists():
        raise ValidationError({"mediator": _("调解员须为本区的调解员。")}, code="mediator_scope")
    if conflicts_of(case, mediator):
        raise ValidationError({"mediator": _("该调解员与本案当事人存在登记的关联关系，应当回避。")},
                              code="mediator_conflict")


@transaction.atomic
def mediation_assign(*, case: MediationCase, by, mediator, reason: str = "") -> MediationCase:
    """Assign the mediator (district official); one related to a party is refused."""
    case = _locked(case)
    _check_mediator(case, mediator)
    apply_transition(case, "assign", by=by, label=_("指派调解员"), mediator_id=mediator.pk, reason=reason)
    case.save(update_fields=["status", "mediator", "assigned_at", "updated_at"])
    notify.notify_user(mediator, _("新指派调解案件 %(number)s") % {"number": case.number},
                       _("您被指派主持调解：%(number)s") % {"number": case.number}, target=case)
    return case


@transaction.atomic
def mediation_reassign(*, case: MediationCase, by, mediator, reason: str) -> MediationCase:
    """Change the mediator of a running mediation (district official). Not a state change; audited."""
    if not by.has_perm("casework.assign_mediation"):
        raise PermissionDenied(_("改派调解员须由区级负责人办理。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请说明改派理由。")}, code="required")
    case = _locked(case)
    if case.status not in MediationCase.MEDIATING:
        raise ValidationError(_("只有调解进行中的案件可以改派调解员。"), code="not_mediating")
    _check_mediator(case, mediator)
    previous = case.mediator_id
    case.mediator = mediator
    case.version += 1
    case.save(update_fields=["mediator", "version", "updated_at"])
    AuditEvent.record(case, AuditEvent.Action.UPDATE, by=by, name="reassign", reason=reason.strip(),
                      data={"from": previous, "to": mediator.pk})
    return case


def _require_mediator(case, by):
    if by.pk != case.mediator_id:
        raise PermissionDenied(_("只有本案调解员可以办理此事项。"))
    if case.status not in MediationCase.MEDIATING:
        raise ValidationError(_("案件当前状态为“%(status)s”，不能再修改调解内容。")
                              % {"status": case.get_status_display()}, code="not_mediating")


@transaction.atomic
def mediation_schedule_session(*, case: MediationCase, by, scheduled_at, place: str, online: bool = False,
                               participants: str = "", version: int | None = None) -> MediationSession:
    """Schedule a session (time, place or online meeting, other participants); the first one starts the
    mediation. The 调解通知书 to both parties is issued on commit, and the applicants get a text message."""
    if not place.strip():
        raise ValidationError({"place": _("请填写调解地点。")}, code="required")
    case = _locked(case)
    _require_mediator(case, by)
    _bump(case, version)
    if case.status == MediationCase.Status.MEDIATOR_ASSIGNED:
        apply_transition(case, "start_mediation", by=by, label=_("开始调解"))
    case.save(update_fields=["status", "version", "updated_at"])
    session = MediationSession.objects.create(case=case, scheduled_at=scheduled_at, place=place.strip(),
                                              online=bool(online), participants=participants.strip(),
                                              created_by=by)
    AuditEvent.record(case, AuditEvent.Action.UPDATE, by=by, name="session_scheduled", data={"session": session.pk})
    documents.request_document(session, kind="mediation.session_notice", by=by)
    when = timezone.localtime(scheduled_at).strftime("%Y年%m月%d日 %H:%M")
    for party in case.applicants.all():
        if party.phone:
            notify.notify_sms(party.phone, _("【劳动争议调解】案件%(number)s定于%(when)s在%(place)s调解，请准时参加。")
                              % {"number": case.number, "when": when, "place": session.place},
                              target=case, dedupe_key=f"mediation:{session.pk}:notice:{party.pk}")
    return session


@transaction.atomic
def mediation_record_minutes(*, case: MediationCase, by, session: MediationSession, minutes: str,
                             applicant_absent=False, respondent_absent=False,
                             version: int | None = None) -> MediationSession:
    """Record a session's minutes (调解笔录) and any party's absence."""
    if not minutes.strip():
        raise ValidationError({"minutes": _("请填写调解笔录。")}, code="required")
    case = _locked(case)
    _require_mediator(case, by)
    _bump(case, version)
    session = MediationSession.objects.select_for_update().get(pk=session.pk, case=case)
    session.minutes, session.recorded_at = minutes.strip(), timezone.now()
    session.applicant_absent, session.respondent_absent = applicant_absent, respondent_absent
    session.save(update_fields=["minutes", "recorded_at", "applicant_absent", "respondent_absent"])
    case.save(update_fields=["version", "updated_at"])
    AuditEvent.record(case, AuditEvent.Action.UPDATE, by=by, name="minutes_recorded", data={"session": session.pk})
    documents.request_document(session, kind="mediation.minutes", by=by)
    return session


@dataclass(frozen=True)
class Obligation:
    description: str
    due_on: object
    method: str
    amount: Decimal | None = None
    kind: str = ""  # AgreementObligation.Kind; empty: read from the description (obligation_kind)


#: Words that name what an obligation pays, in the order they are tried (Art. 16 kinds first).
_KIND_WORDS = (
    (AgreementObligation.Kind.INJURY_COSTS, ("工伤", "医疗费", "医药费")),
    (AgreementObligation.Kind.COMPENSATION, ("经济补偿", "补偿金", "赔偿")),
    (AgreementObligation.Kind.WAGES, ("工资", "劳动报酬", "报酬", "加班费", "工钱", "薪")),
)


def obligation_kind(description: str) -> str:
    """The kind of an obligation from its wording, when the mediator did not choose one."""
    for kind, words in _KIND_WORDS:
        if any(word in description for word in words):
            return kind
    return AgreementObligation.Kind.OTHER


@transaction.atomic
def mediation_draft_agreement(*, case: MediationCase, by, facts: str, obligations, version: int | None = None,
                              ) -> MediationAgreement:
    """Write (or rewrite) the agreement draft: the facts and each obligation with amount, due date and how
    it is performed. Rewriting clears any signatures already recorded: they were given to the old text."""
    obligations = list(obligations)
    if not facts.strip():
        raise ValidationError({"facts": _("请填写争议事实。")}, code="required")
    if not obligations:
        raise ValidationError(_("协议至少写明一项履行义务。"), code="no_obligation")
    case = _locked(case)
    _require_mediator(case, by)
    _bump(case, version)
    agreement, _created = MediationAgreement.objects.update_or_create(
        case=case, defaults={"facts": facts.strip(), "applicant_signed_at": None, "respondent_signed_at": None,
                             "mediator_signed_at": None, "seal_recorded_at": None, "drafted_at": timezone.now()})
    agreement.obligations.all().delete()
    for o in obligations:
        row = AgreementObligation(agreement=agreement, description=o.description.strip(), amount=o.amount,
                                  due_on=o.due_on, method=o.method.strip(),
                                  kind=o.kind or obligation_kind(o.description))
        row.full_clean(exclude=["agreement"])
        row.save()
    case.save(update_fields=["version", "updated_at"])
    AuditEvent.record(case, AuditEvent.Action.UPDATE, by=by, name="agreement_drafted")
    return agreement


@transaction.atomic
def mediation_record_signatures(*, case: MediationCase, by, applicant=False, respondent=False, mediator=False,
                                seal=False, version: int | None = None) -> MediationCase:
    """Record the signatures and seal given on paper or on screen. When all four are there the agreement
    becomes effective (the ``sign_agreement`` transition's condition) and mediation ends with it."""
    case = _locked(case)
    _require_mediator(case, by)
    agreement = MediationAgreement.objects.select_for_update().filter(case=case).first()
    if agreement is None:
        raise ValidationError(_("请先起草调解协议。"), code="no_agreement")
    _bump(case, version)
    now = timezone.now()
    for flag, field in ((applicant, "applicant_signed_at"), (respondent, "respondent_signed_at"),
                        (mediator, "mediator_signed_at"), (seal, "seal_recorded_at")):
        if flag and getattr(agreement, field) is None:
            setattr(agreement, field, now)
    agreement.save(update_fields=["applicant_signed_at", "respondent_signed_at", "mediator_signed_at",
                                  "seal_recorded_at"])
    case.agreement = agreement
    case.save(update_fields=["version", "updated_at"])
    AuditEvent.record(case, AuditEvent.Action.UPDATE, by=by, name="signatures_recorded",
                      data={"missing": [str(m) for m in agreement.missing_signatures()]})
    return case


@transaction.atomic
def mediation_sign_agreement(*, case: MediationCase, by) -> MediationCase:
    """The agreement becomes effective: refused while a signature or the seal is missing. Stops the clock and
    issues the 调解协议书."""
    case = _locked(case)
    agreement = MediationAgreement.objects.filter(case=case).first()
    if case.status == MediationCase.Status.IN_MEDIATION and agreement and agreement.missing_signatures():
        raise ValidationError(_("调解协议尚缺：%(missing)s，不能生效。")
                              % {"missing": "、".join(str(m) for m in agreement.missing_signatures())},
                              code="signature_missing")
    apply_transition(case, "sign_agreement", by=by, label=_("调解协议生效"))
    case.version += 1
    case.save(update_fields=["status", "agreement_effective_at", "version", "updated_at"])
    deadlines.meet_deadlines(case, kinds=[LIMIT_KIND])
    documents.request_document(case, kind="mediation.agreement", by=by)
    _advance(case)
    return case


@transaction.atomic
def mediation_fail(*, case: MediationCase, by=None, failure_reason: str, reason: str = "") -> MediationCase:
    """End mediation as failed (no agreement, a party refuses, or the limit passed) and issue the
    调解终止书 with the arbitration advice (1-year limitation, Art. 27)."""
    if failure_reason not in MediationCase.FailureReason.values:
        raise ValidationError({"failure_reason": _("请选择调解终止原因。")}, code="invalid")
    case = _locked(case)
    apply_transition(case, "fail", by=by, label=_("调解终止"), failure_reason=failure_reason, reason=reason.strip())
    case.version += 1
    case.save(update_fields=["status", "failure_reason", "failure_note", "failed_at", "version", "updated_at"])
    if failure_reason == MediationCase.FailureReason.TIME_LIMIT:
        deadlines.meet_deadlines(case, kinds=[LIMIT_KIND], sync=False)  # the limit did its work
    else:
        deadlines.cancel_deadlines(case, kinds=[LIMIT_KIND], sync=False)
    deadlines.sync_entity_due_at(case)
    documents.request_document(case, kind="mediation.termination", by=by)
    _advance(case)
    return case


@transaction.atomic
def mediation_extend(*, case: MediationCase, by, applicant_consent: bool, respondent_consent: bool, new_due_on,
                     reason: str) -> MediationExtension:
    """Extend the 15-day limit by the parties' joint agreement: both consents recorded and a later date."""
    if not (applicant_consent and respondent_consent):
        raise ValidationError(_("延长调解期限须经双方当事人同意，请记录双方的同意。"), code="consent_required")
    if not reason.strip():
        raise ValidationError({"reason": _("请说明延长理由。")}, code="required")
    case = _locked(case)
    _require_mediator(case, by)
    deadline = Deadline.objects.for_object(case).running().filter(kind=LIMIT_KIND).first()
    if deadline is None:
        raise ValidationError(_("该案件当前没有正在计算的调解期限。"), code="no_deadline")
    current = timezone.localtime(deadline.due_at).date()
    if new_due_on <= current:
        raise ValidationError({"new_due_on": _("延长后的期限须晚于当前期限。")}, code="not_later")
    now = timezone.now()
    extension = MediationExtension.objects.create(case=case, applicant_consent_at=now, respondent_consent_at=now,
                                                  new_due_on=new_due_on, reason=reason.strip(), recorded_by=by)
    deadlines.extend_deadline(deadline, days=(new_due_on - current).days, reason=reason.strip(), by=by)
    case.version += 1
    case.save(update_fields=["version", "updated_at"])
    return extension


@transaction.atomic
def mediation_fulfil_obligation(*, case: MediationCase, by, obligation: AgreementObligation) -> MediationCase:
    """Mark one obligation performed; when the last one is, the case is fulfilled and closed."""
    case = _locked(case)
    if case.status != MediationCase.Status.AGREEMENT_SIGNED:
        raise ValidationError(_("只有已生效的调解协议可以登记履行。"), code="not_signed")
    if not (by.pk == case.mediator_id or by.has_perm("casework.assign_mediation")):
        raise PermissionDenied(_("您没有权限执行此操作。"))
    row = AgreementObligation.objects.select_for_update().get(pk=obligation.pk, agreement__case=case)
    if row.fulfilled_at is None:
        row.fulfilled_at, row.fulfilled_by = timezone.now(), by
        row.save(update_fields=["fulfilled_at", "fulfilled_by"])
        AuditEvent.record(case, AuditEvent.Action.UPDATE, by=by, name="obligation_fulfilled",
                          data={"obligation": row.pk})
    if case.all_obligations_fulfilled():
        apply_transition(case, "mark_fulfilled", by=by, label=_("协议已履行"))
        case.save(update_fields=["status", "fulfilment_checked_at", "updated_at"])
        _advance(case)
    return case


@transaction.atomic
def mediation_not_fulfilled(*, case: MediationCase, by, reason: str) -> MediationCase:
    """The employer did not perform by the agreed date: the worker may apply for arbitration, or for a payment
    order (支付令) on wages, injury costs or compensation (Arts. 15–16)."""
    if not reason.strip():
        raise ValidationError({"reason": _("请说明未履行情况。")}, code="required")
    case = _locked(case)
    apply_transition(case, "mark_not_fulfilled", by=by, label=_("协议未履行"), reason=reason.strip())
    case.save(update_fields=["status", "fulfilment_checked_at", "updated_at"])
    _advance(case)
    return case


@transaction.atomic
def mediation_close(*, case: MediationCase, by=None) -> MediationCase:
    """Close a fulfilled, unfulfilled or failed case (the flow's last step) and send the applicants the
    satisfaction survey (clause (二十二)): one survey per case, one link by text message to each applicant
    with a phone; the first answer counts."""
    from .complaints import survey_send, survey_url

    case = _locked(case)
    apply_transition(case, "close", by=by, label=_("结案"))
    case.save(update_fields=["status", "closed_at", "updated_at"])
    deadlines.cancel_deadlines(case)
    token = survey_send(target=case, district=case.district, market=case.market)
    if token:
        text = (_("【劳动争议调解】您申请调解的案件%(number)s已结案，欢迎评价调解工作：%(url)s")
                % {"number": case.number, "url": survey_url(token)})
        for party in case.applicants.all():
            if party.phone:
                notify.notify_sms(party.phone, text, target=case, dedupe_key=f"mediation:{case.pk}:survey:{party.pk}")
    return case


def missed_payment_obligations(case: MediationCase, obligations=None, today=None) -> list[AgreementObligation]:
    """The effective agreement's obligations on wages, injury costs or compensation that are past due and
    not performed: for these the worker may apply to the court for a payment order (支付令, Art. 16) as well
    as for arbitration. ``obligations`` may be passed when already loaded (no query then)."""
    if case.agreement_effective_at is None:
        return []
    if obligations is None:
        agreement = getattr(case, "agreement", None)
        obligations = list(agreement.obligations.all()) if agreement is not None else []
    return [o for o in obligations if o.supports_payment_order and o.is_missed(today)]


@transaction.atomic
def mediation_withdraw(*, case: MediationCase, reason: str, by=None) -> MediationCase:
    """The applicant withdraws; the clock stops and the open tasks are cancelled."""
    if not reason.strip():
        raise ValidationError({"reason": _("请填写撤回理由。")}, code="required")
    case = _locked(case)
    apply_transition(case, "withdraw", label=_("撤回"), reason=reason.strip())
    if by is not None:
        AuditEvent.record(case, AuditEvent.Action.NOTE, by=by, name="withdrawal_recorded_by_staff")
    case.save(update_fields=["status", "withdrawn_at", "closed_at", "withdrawal_reason", "updated_at"])
    deadlines.cancel_deadlines(case)
    from ..flows import cancel_open_mediation

    cancel_open_mediation(case)
    return case


# ---- deadline handlers (called by core.deadlines.sweep inside its transaction, the row locked) -----------


def on_limit_remind(deadline):
    case = MediationCase.objects.get(pk=deadline.object_id)
    if case.mediator_id:
        notify.notify_user(case.mediator, _("调解期限提醒：%(number)s") % {"number": case.number},
                           _("调解期限将于%(due)s届满。") % {
                               "due": timezone.localtime(deadline.due_at).strftime("%Y年%m月%d日")},
                           target=case, dedupe_key=f"deadline:{deadline.pk}:remind")


def on_limit_overdue(deadline):
    """Art. 14: no agreement within the limit → mediation ends as failed and the advice letter is issued.
    The sweep fires this once per deadline; a case that already left mediation is left alone."""
    case = MediationCase.objects.select_for_update().get(pk=deadline.object_id)
    if case.status in (MediationCase.Status.APPLIED, MediationCase.Status.ACCEPTED):
        # Never assigned: the limit still ends mediation; the district is told to close the queue item.
        AuditEvent.record(case, AuditEvent.Action.DEADLINE, name="overdue", reason=str(deadline.label))
        return
    if case.status not in MediationCase.MEDIATING:
        return
    mediation_fail(case=case, failure_reason=MediationCase.FailureReason.TIME_LIMIT,
                   reason=_("自收到调解申请之日起十五日内未达成调解协议（劳动争议调解仲裁法第十四条）。"))


def _advance(case):
    from ..flows import mediation_outcome_reached

    mediation_outcome_reached(case)


def local_noon(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))

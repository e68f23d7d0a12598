"""Wage-claim use cases (欠薪线索). These are the only writers of WageClaim and its workers: views, flows,
commands, tasks and the referral services call them.

Each service locks the claim, runs one transition through ``core.fsm.apply_transition`` (state, conditions and
permission; ``core.audit`` writes the AuditEvent from ``by``/``reason``), saves with ``update_fields``, keeps
the deadlines current and queues documents and messages on commit.

Money: every amount is a ``Decimal`` with at most two places; floats are refused, never rounded."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from core import deadlines, documents, notify
from core.fsm import apply_transition
from core.models import AuditEvent, Deadline
from core.numbering import next_case_number
from core.statements import lock_row
from core.validators import validate_resident_id

from ..models import Complaint, MediationCase, WageClaim, WageClaimWorker, hash_tracking_code, new_tracking_code

#: 关于实施《劳动保障监察条例》若干规定 第十八条: decide within 5 working days whether a report is taken up
#: (here: verification concluded); 劳动保障监察条例 第十七条: handled within 60 working days.
VERIFY_DAYS = 5
RESOLVE_DAYS = 60
VERIFY_KIND = "wageclaim.verify"
RESOLVE_KIND = "wageclaim.resolve"


@dataclass(frozen=True)
class Worker:
    """A worker as entered at intake (counter form, complaint, mediation)."""

    name: str
    amount_owed: Decimal
    id_number: str = ""
    phone: str = ""
    priority: bool = False


@dataclass(frozen=True)
class WageSubmission:
    claim: WageClaim
    tracking_code: str  # shown once; only its hash is stored


def money(value, *, field_name="amount") -> Decimal:
    """``value`` as an exact amount of yuan (at most two decimal places, not negative). Floats are refused:
    ``0.1 + 0.2`` must never reach a ledger."""
    if isinstance(value, float):
        raise TypeError("amounts must be Decimal or str, never float")
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise _err(field_name, _("请输入有效的金额。"), "amount_invalid") from None
    if not amount.is_finite() or amount < 0:
        raise _err(field_name, _("金额不能为负数。"), "amount_negative")
    if amount.as_tuple().exponent < -2:
        raise _err(field_name, _("金额最多保留两位小数。"), "amount_places")
    if amount >= Decimal("10000000000"):
        raise _err(field_name, _("金额过大，请核对。"), "amount_too_large")
    return amount.quantize(Decimal("0.01"))


def _err(field: str, message, code: str) -> ValidationError:
    """A field error whose code tests and callers can read (``error_dict[field][0].code``)."""
    return ValidationError({field: ValidationError(message, code=code)})


def _locked(claim: WageClaim) -> WageClaim:
    return lock_row(WageClaim, claim.pk)


# ---- intake -------------------------------------------------------------------------------------------


def _clean_workers(workers) -> list[Worker]:
    cleaned = []
    for i, w in enumerate(workers):
        name = (w.name or "").strip()
        if not name:
            raise _err("workers", _("第%(n)d位劳动者未填写姓名。") % {"n": i + 1}, "worker_name")
        amount = money(w.amount_owed, field_name="workers")
        if amount <= 0:
            raise _err("workers", _("第%(n)d位劳动者的被拖欠金额应大于零。") % {"n": i + 1}, "worker_amount")
        id_number = (w.id_number or "").strip().upper()
        if id_number:
            try:
                validate_resident_id(id_number)
            except ValidationError as exc:
                raise _err("workers", _("第%(n)d位劳动者：%(msg)s") % {"n": i + 1, "msg": exc.messages[0]},
                           exc.error_list[0].code) from None
        phone = (w.phone or "").replace(" ", "").replace("-", "")
        cleaned.append(Worker(name=name[:50], amount_owed=amount, id_number=id_number, phone=phone,
                              priority=bool(w.priority)))
    return cleaned


@transaction.atomic
def wageclaim_report(*, channel, district, employer_name, workers, employer_credit_code="", employer_address="",
                     market=None, work_place="", description="", period_start=None, period_end=None,
                     employment_ongoing=False, employment_ended_on=None, source_complaint=None,
                     source_mediation=None, files=(), by=None, allow_no_workers=False,
                     text_code=True) -> WageSubmission:
    """Register a wage claim (counter, hotline, or converted from a complaint or a mediation) with its
    workers, and start its flow and the 5-working-day verification clock. The tracking code is shown once
    (and texted to the first worker with a phone); only its hash is stored.

    ``text_code=False`` sends no SMS (a complaint's conversion: its complainant tracks the complaint).
    ``allow_no_workers`` is for conversions from an anonymous complaint or one without an amount: the
    officer adds the workers while verifying (a claim cannot be verified without them)."""
    workers = _clean_workers(workers)
    if not workers and not allow_no_workers:
        raise _err("workers", _("请至少登记一位被拖欠工资的劳动者。"), "no_workers")
    if market is not None and market.district_id != district.pk:
        raise _err("market", _("所选市场不属于该区。"), "market_district")
    if employment_ongoing:
        employment_ended_on = None
    code = new_tracking_code()
    phone = next((w.phone for w in workers if w.phone), "")
    claim = WageClaim(
        number=next_case_number("QX"), channel=channel, district=district, market=market,
        work_place=work_place.strip(), description=description.strip(), employer_name=employer_name.strip(),
        employer_credit_code=(employer_credit_code or "").strip().upper(), employer_address=employer_address.strip(),
        period_start=period_start, period_end=period_end, employment_ongoing=employment_ongoing,
        employment_ended_on=employment_ended_on, source_complaint=source_complaint, source_mediation=source_mediation,
        tracking_code_hash=hash_tracking_code(code), phone_last4=phone[-4:] if phone else "",
        created_by=by if getattr(by, "pk", None) else None, priority=any(w.priority for w in workers),
    )
    claim.employer_key = "x"  # set by save(); full_clean needs a value
    # The fields' own checks (lengths, choices, formats), with translated messages. Not asked of the database
    # again here, each for its reason: the foreign keys are instances the caller holds, the number is fresh
    # from the sequence, one claim per source complaint or mediation is checked by the converting services
    # under the source's row lock, an ongoing employment has no end date (set above), and the period's order
    # is checked just below with our own message. The INSERT enforces every constraint regardless; proving
    # them in advance cost 16 round trips per claim (bench report 2026-11-27, measurement 5).
    claim.full_clean(exclude=["status", "tracking_code_hash", "phone_last4", "district", "market",
                              "source_complaint", "source_mediation", "created_by"],
                     validate_unique=False, validate_constraints=False)
    if period_start and period_end and period_end < period_start:
        raise _err("period_end", _("欠薪截止日期不能早于用工开始日期。"), "period_order")
    if employment_ended_on and employment_ended_on > timezone.localdate():
        raise _err("employment_ended_on", _("劳动关系终止日期不能晚于今天。"), "ended_future")
    claim.save()
    WageClaimWorker.objects.bulk_create([
        WageClaimWorker(claim=claim, name=w.name, id_number=w.id_number, phone=w.phone, amount_owed=w.amount_owed,
                        priority=w.priority) for w in workers
    ])
    AuditEvent.record(claim, AuditEvent.Action.CREATE, by=by, to_state=claim.status,
                      data={"channel": channel, "workers": len(workers),
                            "total_owed": str(sum((w.amount_owed for w in workers), Decimal("0.00")))})
    for f in files:
        from core.uploads import attach_file

        attach_file(claim, f, by=by, is_public=by is None, description=_("证据材料"))
    # A new claim has no clock to cancel (``_start`` restarts one).
    deadlines.start_deadline(claim, kind=VERIFY_KIND, label=_("核实期限"), days=VERIFY_DAYS, unit="working",
                             started_at=claim.received_at)

    from ..flows import WageClaimFlow

    WageClaimFlow.start.run(claim=claim)
    if phone and text_code:
        notify.notify_sms(
            phone,
            _("【零工市场维权】您反映的欠薪问题已登记，编号%(number)s，查询码%(code)s，请妥善保存。")
            % {"number": claim.number, "code": code},
            target=claim, dedupe_key=f"wageclaim:{claim.pk}:reported",
        )
    return WageSubmission(claim=claim, tracking_code=code)


@transaction.atomic
def wageclaim_add_worker(*, claim: WageClaim, by, worker: Worker) -> WageClaimWorker:
    """Add a worker found during verification (e.g. a claim converted from an anonymous complaint)."""
    claim = _locked(claim)
    if claim.status not in (WageClaim.Status.REPORTED, WageClaim.Status.VERIFYING):
        raise ValidationError(_("核实结束后不能再增加劳动者。"), code="workers_frozen")
    if not by.has_perm("casework.verify_wageclaim"):
        raise PermissionDenied(_("您没有权限执行此操作。"))
    (w,) = _clean_workers([worker])
    row = WageClaimWorker.objects.create(claim=claim, name=w.name, id_number=w.id_number, phone=w.phone,
                                         amount_owed=w.amount_owed, priority=w.priority)
    AuditEvent.record(claim, AuditEvent.Action.UPDATE, by=by, name="worker_added",
                      data={"worker": row.pk, "amount_owed": str(row.amount_owed)})
    if w.priority and not claim.priority:
        claim.priority = True
        claim.save(update_fields=["priority", "updated_at"])
    if w.phone and not claim.phone_last4:
        claim.phone_last4 = w.phone[-4:]
        claim.save(update_fields=["phone_last4", "updated_at"])
    return row


@transaction.atomic
def wageclaim_create_from_complaint(*, complaint: Complaint, by=None) -> WageClaim:
    """A wage-arrears complaint was accepted: open the linked claim (once per complaint). The named
    complainant becomes the worker when the complaint states an amount; otherwise workers are added while
    verifying. The complainant keeps tracking with the complaint's code (the staff complaint page links
    here); no second code is texted."""
    existing = WageClaim.objects.filter(source_complaint=complaint).first()
    if existing is not None:
        return existing
    workers = []
    if not complaint.anonymous and complaint.complainant_name and complaint.amount and complaint.amount > 0:
        workers.append(Worker(name=complaint.complainant_name, amount_owed=complaint.amount,
                              phone=complaint.complainant_phone, priority=complaint.priority))
    submission = wageclaim_report(
        channel=WageClaim.Channel.COMPLAINT, district=complaint.district, market=complaint.market,
        employer_name=complaint.respondent_name or _("（投诉未写明）"),
        employer_credit_code=complaint.respondent_credit_code, description=complaint.description,
        period_end=complaint.occurred_on, source_complaint=complaint, workers=workers, by=by,
        allow_no_workers=True, text_code=False,
    )
    claim = submission.claim
    AuditEvent.record(complaint, AuditEvent.Action.UPDATE, by=by, name="wageclaim_opened",
                      data={"wageclaim": claim.number})
    return claim


def on_complaint_accepted(sender, complaint, by=None, **kwargs):
    """``complaint_accepted`` receiver: a wage-arrears complaint becomes a wage claim."""
    if complaint.category == Complaint.Category.WAGE_ARREARS:
        wageclaim_create_from_complaint(complaint=complaint, by=by)


def mediation_eligible_for_claim(case: MediationCase) -> bool:
    """Mediation failed, or the signed agreement was not performed (劳动争议调解仲裁法 第十四、十五条)."""
    if case.failure_reason:
        return True
    return bool(case.fulfilment_checked_at and case.status in (MediationCase.Status.NOT_FULFILLED,
                                                                MediationCase.Status.CLOSED)
                and not case.all_obligations_fulfilled())


def mediation_wage_amount(case: MediationCase) -> Decimal:
    """What the applicants claimed as wages (unpaid wages and overtime) in the mediation."""
    from ..models import MediationClaim

    kinds = [MediationClaim.Kind.UNPAID_WAGES, MediationClaim.Kind.OVERTIME]
    return sum((c.amount for c in case.claims.all() if c.kind in kinds), Decimal("0.00"))


@transaction.atomic
def wageclaim_create_from_mediation(*, case: MediationCase, by, amounts: dict | None = None) -> WageClaim:
    """Open a wage claim from a failed or unperformed mediation (once per case). The applicants become the
    workers; ``amounts`` maps each applicant's id to what they are owed. With one applicant it defaults
    to the wages and overtime claimed in the mediation."""
    if not by.has_perm("casework.add_wageclaim"):
        raise PermissionDenied(_("您没有权限执行此操作。"))
    case = MediationCase.objects.select_for_update().get(pk=case.pk)
    existing = WageClaim.objects.filter(source_mediation=case).first()
    if existing is not None:
        return existing
    if not mediation_eligible_for_claim(case):
        raise ValidationError(_("只有调解不成或调解协议未履行的案件才能转为欠薪线索。"), code="mediation_not_failed")
    applicants = list(case.applicants.all())
    if amounts is None:
        if len(applicants) != 1:
            raise _err("amounts", _("请填写每位申请人被拖欠的金额。"), "amounts_required")
        amounts = {applicants[0].pk: mediation_wage_amount(case)}
    workers = [Worker(name=a.name, amount_owed=amounts.get(a.pk, Decimal("0")), id_number=a.id_number,
                      phone=a.phone, priority=a.priority) for a in applicants if amounts.get(a.pk)]
    submission = wageclaim_report(
        channel=WageClaim.Channel.MEDIATION, district=case.district, market=case.market,
        employer_name=case.respondent_name, employer_credit_code=case.respondent_credit_code,
        description=case.matters, source_mediation=case, workers=workers, by=by,
    )
    AuditEvent.record(case, AuditEvent.Action.UPDATE, by=by, name="wageclaim_opened",
                      data={"wageclaim": submission.claim.number})
    return submission.claim


# ---- verification -------------------------------------------------------------------------------------


@transaction.atomic
def wageclaim_start_verification(*, claim: WageClaim, by) -> WageClaim:
    """The officer takes up the claim (核实); they stay its officer."""
    claim = _locked(claim)
    apply_transition(claim, "start_verification", by=by, label=_("开始核实"))
    claim.save(update_fields=["status", "verification_started_at", "officer", "updated_at"])
    return claim


@transaction.atomic
def wageclaim_verify(*, claim: WageClaim, by, note: str) -> WageClaim:
    """The arrears are confirmed: the 60-working-day handling clock starts."""
    if not note.strip():
        raise _err("note", _("请填写核实情况。"), "required")
    claim = _locked(claim)
    apply_transition(claim, "verify", by=by, label=_("核实成立"), note=note.strip())
    claim.save(update_fields=["status", "verified_at", "verification_note", "unsubstantiated_proposed_by",
                              "updated_at"])
    deadlines.meet_deadlines(claim, kinds=[VERIFY_KIND], sync=False)
    _start(claim, RESOLVE_KIND, _("办结期限"), RESOLVE_DAYS, started_at=claim.verified_at)
    return claim


@transaction.atomic
def wageclaim_propose_unsubstantiated(*, claim: WageClaim, by, reason: str, public_reply: str) -> WageClaim:
    """The verifying officer proposes that the claim is unfounded; the district official decides."""
    if not reason.strip() or not public_reply.strip():
        raise ValidationError(_("请填写不成立的理由和对劳动者的答复意见。"), code="required")
    claim = _locked(claim)
    if claim.status != WageClaim.Status.VERIFYING:
        from core.fsm import TransitionRefused

        raise TransitionRefused(claim, _("拟认定不成立"))
    if not by.has_perm("casework.verify_wageclaim"):
        raise PermissionDenied(_("您没有权限执行此操作。"))
    claim.unsubstantiated_reason, claim.public_reply = reason.strip(), public_reply.strip()
    claim.unsubstantiated_proposed_by = by
    claim.save(update_fields=["unsubstantiated_reason", "public_reply", "unsubstantiated_proposed_by", "updated_at"])
    AuditEvent.record(claim, AuditEvent.Action.UPDATE, by=by, name="unsubstantiated_proposed", reason=reason.strip())
    return claim


@transaction.atomic
def wageclaim_find_unsubstantiated(*, claim: WageClaim, by, reason: str = "", public_reply: str = "") -> WageClaim:
    """The district official decides the claim is unfounded (on the proposal's reasons unless given
    new ones); the reply letter (不成立告知书) is issued to the worker."""
    claim = _locked(claim)
    reason = reason.strip() or claim.unsubstantiated_reason
    public_reply = public_reply.strip() or claim.public_reply
    if not reason or not public_reply:
        raise ValidationError(_("请填写不成立的理由和对劳动者的答复意见。"), code="required")
    apply_transition(claim, "find_unsubstantiated", by=by, label=_("认定不成立"), reason=reason,
                     public_reply=public_reply)
    claim.is_overdue = False
    claim.save(update_fields=["status", "unsubstantiated_reason", "public_reply", "closed_at", "closed_by",
                              "is_overdue", "updated_at"])
    deadlines.meet_deadlines(claim)
    documents.request_document(claim, kind="wageclaim.unsubstantiated", by=by)
    _text_worker(claim, _("【零工市场维权】您反映的欠薪问题%(number)s经核实不成立，答复意见请凭查询码查看。")
                 % {"number": claim.number}, "unsubstantiated")
    return claim


@transaction.atomic
def wageclaim_return_to_verification(*, claim: WageClaim, by, reason: str) -> WageClaim:
    """The official does not agree that the claim is unfounded: verification goes on."""
    if not reason.strip():
        raise _err("reason", _("请说明不同意的理由。"), "required")
    claim = _locked(claim)
    if not by.has_perm("casework.close_wageclaim"):
        raise PermissionDenied(_("您没有权限执行此操作。"))
    if claim.status != WageClaim.Status.VERIFYING or claim.unsubstantiated_proposed_by_id is None:
        from core.fsm import TransitionRefused

        raise TransitionRefused(claim, _("退回继续核实"))
    claim.unsubstantiated_proposed_by = None
    claim.save(update_fields=["unsubstantiated_proposed_by", "updated_at"])
    AuditEvent.record(claim, AuditEvent.Action.UPDATE, by=by, name="unsubstantiated_declined", reason=reason.strip())
    return claim


# ---- coordination and settlement ----------------------------------------------------------------------


@transaction.atomic
def wageclaim_start_coordination(*, claim: WageClaim, by, place: str) -> WageClaim:
    """Quick settlement (快速协调) at the market or the street office with the employer."""
    if not place.strip():
        raise _err("place", _("请填写协调地点（市场或街道）。"), "required")
    claim = _locked(claim)
    apply_transition(claim, "start_coordination", by=by, label=_("开始协调"), place=place.strip())
    claim.save(update_fields=["status", "coordination_started_at", "coordination_place", "updated_at"])
    return claim


def _record_payments(claim: WageClaim, paid: dict, by) -> list:
    """Set each worker's paid amount (the total paid to them so far, not an increment). Call with the claim
    locked. Returns the audit data of the changes."""
    workers = {w.pk: w for w in claim.workers.select_for_update().order_by("pk")}
    changes, now = [], timezone.now()
    for worker_id, value in paid.items():
        worker = workers.get(int(worker_id))
        if worker is None:
            raise _err("paid", _("劳动者不属于该案件。"), "worker_claim")
        amount = money(value, field_name="paid")
        if amount > worker.amount_owed:
            raise _err("paid", _("%(name)s的已支付金额不能超过被拖欠金额。") % {"name": worker.name}, "paid_exceeds_owed")
        if amount != worker.amount_paid:
            changes.append({"worker": worker.pk, "from": str(worker.amount_paid), "to": str(amount)})
            worker.amount_paid, worker.paid_at = amount, now
            worker.save(update_fields=["amount_paid", "paid_at"])
    if changes:
        AuditEvent.record(claim, AuditEvent.Action.UPDATE, by=by, name="payments_recorded", data={"changes": changes})
    return changes


@transaction.atomic
def wageclaim_settle(*, claim: WageClaim, by, paid: dict, note: str = "") -> WageClaim:
    """The employer paid at the coordination: record what each worker actually received (``paid`` maps
    worker id → amount) and mark the claim settled. At least one worker must have been paid."""
    claim = _locked(claim)
    if claim.status != WageClaim.Status.COORDINATING:
        from core.fsm import TransitionRefused

        raise TransitionRefused(claim, _("确认支付"))
    if not by.has_perm("casework.coordinate_wageclaim"):
        raise PermissionDenied(_("您没有权限执行此操作。"))
    _record_payments(claim, paid, by)
    if not claim.has_payment():
        raise _err("paid", _("请填写至少一位劳动者实际收到的金额。"), "nothing_paid")
    apply_transition(claim, "settle", by=by, label=_("确认支付"), note=note.strip())
    claim.save(update_fields=["status", "settled_at", "settlement_note", "updated_at"])
    deadlines.meet_deadlines(claim, kinds=[RESOLVE_KIND])
    _resolution_reached(claim)
    return claim


@transaction.atomic
def wageclaim_mark_referred(*, claim: WageClaim, by, reason: str = "") -> WageClaim:
    """A referral of the claim (legal aid, labour inspection, police) was sent: called by the referral
    services inside their transaction. Idempotent: a claim already referred stays so (one claim may have
    several referrals over its life). Our own handling clock ends; the referral keeps its own limits."""
    claim = _locked(claim)
    if claim.status == WageClaim.Status.REFERRED:
        return claim
    apply_transition(claim, "refer", by=by, label=_("移送"), reason=reason)
    claim.save(update_fields=["status", "referred_at", "updated_at"])
    deadlines.meet_deadlines(claim, kinds=[RESOLVE_KIND])
    _resolution_reached(claim)
    return claim


def outcome_fits_amounts(outcome: str, *, owed: Decimal, paid: Decimal) -> bool:
    if outcome == WageClaim.Outcome.FULLY_RECOVERED:
        return owed > 0 and paid == owed
    if outcome == WageClaim.Outcome.PARTLY_RECOVERED:
        return Decimal("0") < paid < owed
    return True


@transaction.atomic
def wageclaim_close(*, claim: WageClaim, by, outcome: str, note: str = "", paid: dict | None = None) -> WageClaim:
    """Close a settled or referred claim with its outcome. ``paid`` (worker id → amount) records money
    recovered through a referral. A settled claim closes as fully or partly recovered, and the outcome
    must agree with the amounts: fully recovered means every worker got everything owed."""
    if outcome not in WageClaim.Outcome.values:
        raise _err("outcome", _("请选择结案结果。"), "invalid")
    claim = _locked(claim)
    if claim.status == WageClaim.Status.SETTLED and outcome not in WageClaim.SETTLED_OUTCOMES:
        raise _err("outcome", _("已协调支付的案件只能以全额追回或部分追回结案。"), "outcome_settled")
    if paid and claim.status in (WageClaim.Status.SETTLED, WageClaim.Status.REFERRED):
        if not by.has_perm("casework.close_wageclaim"):
            raise PermissionDenied(_("您没有权限执行此操作。"))
        _record_payments(claim, paid, by)
    owed, paid_total = claim.total_owed, claim.total_paid
    if not outcome_fits_amounts(outcome, owed=owed, paid=paid_total):
        raise _err("outcome", _("结案结果与支付金额不符：应付%(owed)s元，已付%(paid)s元。")
                   % {"owed": owed, "paid": paid_total}, "outcome_amounts")
    apply_transition(claim, "close", by=by, label=_("结案"), outcome=outcome, note=note.strip())
    claim.is_overdue = False
    claim.save(update_fields=["status", "outcome", "closing_note", "closed_at", "closed_by", "is_overdue",
                              "updated_at"])
    deadlines.meet_deadlines(claim)
    _text_worker(claim, _("【零工市场维权】您反映的欠薪问题%(number)s已结案，结果请凭查询码查看。")
                 % {"number": claim.number}, "closed")
    return claim


# ---- deadline handlers (run by core.deadlines.sweep inside its transaction) ----------------------------


def on_deadline_remind(deadline):
    """Remind the claim's officer (or the district's intake officers before anyone took it up)."""
    from accounts.models import User

    claim = WageClaim.objects.get(pk=deadline.object_id)
    recipients = ([claim.officer] if claim.officer_id else
                  list(User.objects.filter(is_active=True, district_id=claim.district_id,
                                           groups__name=Role.INTAKE).distinct()))
    for user in recipients:
        notify.notify_user(
            user, _("期限提醒：%(number)s") % {"number": claim.number},
            _("%(label)s将于%(due)s届满。") % {"label": deadline.label,
                                            "due": timezone.localtime(deadline.due_at).strftime("%Y年%m月%d日")},
            target=claim, dedupe_key=f"deadline:{deadline.pk}:remind:{user.pk}",
        )


def on_deadline_overdue(deadline):
    """At the limit: flag the claim overdue (it sorts first) and alert the district officials."""
    from accounts.models import User

    claim = WageClaim.objects.select_for_update().get(pk=deadline.object_id)
    if not claim.is_open:
        return
    claim.is_overdue = True
    claim.save(update_fields=["is_overdue", "updated_at"])
    AuditEvent.record(claim, AuditEvent.Action.DEADLINE, name="overdue", reason=str(deadline.label))
    for user in User.objects.filter(is_active=True, district_id=claim.district_id,
                                    groups__name=Role.DISTRICT_OFFICIAL).distinct():
        notify.notify_user(
            user, _("逾期督办：%(number)s") % {"number": claim.number},
            _("%(label)s已届满，欠薪线索尚未办结，请督办。") % {"label": deadline.label},
            target=claim, dedupe_key=f"deadline:{deadline.pk}:overdue:{user.pk}",
        )


# ---- helpers ------------------------------------------------------------------------------------------


def _resolution_reached(claim):
    """Move the flow on from ``await_resolution`` once the claim is settled or referred."""
    from ..flows import wageclaim_resolution_reached

    wageclaim_resolution_reached(claim)


def _start(claim, kind, label, days, *, started_at=None):
    deadlines.cancel_deadlines(claim, kinds=[kind], sync=False)
    deadlines.start_deadline(claim, kind=kind, label=label, days=days, unit="working",
                             started_at=started_at or timezone.now(), sync=False)
    deadlines.sync_entity_due_at(claim)


def _text_worker(claim, body, event):
    """Text the workers who gave a phone (once per event)."""
    for worker in claim.workers.all():
        if worker.phone:
            notify.notify_sms(worker.phone, body, target=claim,
                              dedupe_key=f"wageclaim:{claim.pk}:{event}:{worker.pk}")


def running_deadline(claim):
    return Deadline.objects.for_object(claim).running().order_by("due_at").first()

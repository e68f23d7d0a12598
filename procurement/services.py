"""Procurement use cases: the only writers of projects, selection rounds, contracts and payment milestones.

Each service locks the row it changes, runs transitions through ``core.fsm.apply_transition`` (which refuses
in Chinese and checks the transition's permission; ``core.audit`` writes the AuditEvent from ``by`` and
``reason``), saves with ``update_fields`` and writes an audit row for changes that are not transitions.
Lock order: round → candidate; contract → milestone → markets.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import is_citywide
from core.fsm import apply_transition
from core.models import AuditEvent
from core.numbering import next_case_number
from core.validators import validate_credit_code
from markets import services as market_services

from .models import (APPROVE_PAYMENT, MANAGE, RUN_SELECTION, Candidate, PanelMember, PanelScore,
                     PaymentMilestone, SelectionRound, ServiceContract, ServiceProject)

CONTRACT_PREFIX = "HT"
TWO_PLACES = Decimal("0.01")
EXIT_BAR_YEARS_DEFAULT = 3


def fmt_date(value: datetime.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _require(user, perm):
    if not user.has_perm(perm):
        raise PermissionDenied(_("您没有权限执行此操作。"))


def _money(value, field="amount") -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(TWO_PLACES)
    except Exception:
        raise ValidationError({field: _("金额格式不正确。")}, code="invalid") from None
    if amount != Decimal(str(value)):
        raise ValidationError({field: _("金额最多保留两位小数。")}, code="precision")
    return amount


def _in_scope(by, district_id):
    """Services act only within the actor's district (bureau officials and system calls: everywhere); the
    pages already look records up in ``visible_to``, this keeps other callers to the same rule."""
    if by is None or is_citywide(by) or getattr(by, "district_id", None) == district_id:
        return
    raise PermissionDenied(_("您没有权限处理其他区的事项。"))


def exit_bar_years() -> int:
    return int(getattr(settings, "GIGCASE_EXIT_BAR_YEARS", EXIT_BAR_YEARS_DEFAULT))


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# ---- projects and rounds -----------------------------------------------------------------------------


@transaction.atomic
def project_create(*, by, name, district, markets, services, budget, period_start, period_end) -> ServiceProject:
    """Record what is bought: which markets / stations of the district are run, the services, budget and
    period."""
    _require(by, "procurement.add_serviceproject")
    if not is_citywide(by) and by.district_id != district.pk:
        raise PermissionDenied(_("只能为本区创建项目。"))
    markets = list(markets)
    if not markets:
        raise ValidationError({"markets": _("请选择项目运营的零工市场（驿站）。")}, code="required")
    if any(m.district_id != district.pk for m in markets):
        raise ValidationError({"markets": _("项目的零工市场（驿站）须属于本区。")}, code="district")
    if period_end < period_start:
        raise ValidationError({"period_end": _("服务期止不能早于服务期起。")}, code="period")
    project = ServiceProject.objects.create(name=name, district=district, services=services,
                                            budget=_money(budget, "budget"), period_start=period_start,
                                            period_end=period_end, created_by=by)
    project.markets.set(markets)
    AuditEvent.record(project, AuditEvent.Action.CREATE, by=by,
                      data={"budget": str(project.budget), "markets": [m.pk for m in markets]})
    return project


@transaction.atomic
def round_open(*, project: ServiceProject, by, title, opens_on, closes_on) -> SelectionRound:
    """Open a selection round (遴选) for a project; operators apply until ``closes_on``."""
    _require(by, RUN_SELECTION)
    _in_scope(by, project.district_id)
    if closes_on < opens_on:
        raise ValidationError({"closes_on": _("报名截止日不能早于报名开始日。")}, code="period")
    if project.rounds.filter(status__in=[SelectionRound.Status.OPEN, SelectionRound.Status.REVIEW]).exists():
        raise ValidationError(_("该项目已有进行中的遴选。"), code="round_running")
    rnd = SelectionRound.objects.create(project=project, title=title, opens_on=opens_on, closes_on=closes_on)
    AuditEvent.record(rnd, AuditEvent.Action.CREATE, by=by, data={"project": project.pk})
    return rnd


def _locked_round(rnd) -> SelectionRound:
    return SelectionRound.objects.select_for_update().get(pk=rnd.pk)


@transaction.atomic
def round_add_panel_member(*, round: SelectionRound, user, by, declared_relations: str = "") -> PanelMember:
    """Seat a panel member with the relations he or she declares (names or credit codes, one per line)."""
    _require(by, RUN_SELECTION)
    rnd = _locked_round(round)
    _in_scope(by, rnd.project.district_id)
    if rnd.status not in (SelectionRound.Status.OPEN, SelectionRound.Status.REVIEW):
        raise ValidationError(_("遴选已结束，不能再增加评审专家。"), code="round_closed")
    if rnd.panel.filter(user=user).exists():
        raise ValidationError(_("该专家已在评审组中。"), code="duplicate")
    member = PanelMember.objects.create(round=rnd, user=user, declared_relations=declared_relations.strip())
    AuditEvent.record(rnd, AuditEvent.Action.ASSIGN, by=by, name="panel_member",
                      data={"user": user.pk, "declared_relations": member.declared_relations})
    return member


@transaction.atomic
def candidate_apply(*, round: SelectionRound, operator, by, credit_code, licence_number="",
                    licence_valid_until=None, proposal="", licence_file=None) -> Candidate:
    """Register an operator's application while the round accepts them (the licence scan is attached)."""
    _require(by, RUN_SELECTION)
    rnd = _locked_round(round)
    _in_scope(by, rnd.project.district_id)
    if rnd.status != SelectionRound.Status.OPEN:
        raise ValidationError(_("遴选报名已截止，不能再报名。"), code="round_closed")
    if rnd.candidates.filter(operator=operator).exists():
        raise ValidationError(_("该机构已报名本次遴选。"), code="duplicate")
    candidate = Candidate.objects.create(round=rnd, operator=operator, credit_code=(credit_code or "").strip(),
                                         licence_number=(licence_number or "").strip(),
                                         licence_valid_until=licence_valid_until, proposal=proposal, applied_by=by)
    if licence_file is not None:
        from core.uploads import attach_file

        attach_file(candidate, licence_file, by=by, description=_("人力资源服务许可证"))
    AuditEvent.record(candidate, AuditEvent.Action.CREATE, by=by, data={"round": rnd.pk, "operator": operator.pk})
    return candidate


@transaction.atomic
def round_close_applications(*, round: SelectionRound, by) -> SelectionRound:
    """Applications end; qualification review and scoring begin."""
    rnd = _locked_round(round)
    _in_scope(by, rnd.project.district_id)
    apply_transition(rnd, "close_applications", by=by, label=_("截止报名"))
    rnd.save(update_fields=["status"])
    return rnd


@transaction.atomic
def round_cancel(*, round: SelectionRound, by, reason: str) -> SelectionRound:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请写明取消原因。")}, code="required")
    rnd = _locked_round(round)
    _in_scope(by, rnd.project.district_id)
    apply_transition(rnd, "cancel", by=by, label=_("取消遴选"), reason=reason.strip())
    rnd.save(update_fields=["status", "cancel_reason"])
    return rnd


def open_critical_findings(operator):
    """Critical (重大) hazards found at the operator's markets that are not fixed yet: items of a notice the
    inspector has not accepted, and critical failed findings of running inspections not yet on a notice."""
    from inspections.models import Finding, Inspection, NoticeItem, Severity
    from inspections.selectors import OPEN_ITEM_STATES

    items = (NoticeItem.objects.filter(notice__market__operator=operator, severity=Severity.CRITICAL,
                                       state__in=OPEN_ITEM_STATES)
             .select_related("notice__market").order_by("pk"))
    pending = (Finding.objects.filter(inspection__market__operator=operator, result=Finding.Result.FAIL,
                                      severity=Severity.CRITICAL, notice_item__isnull=True)
               .exclude(inspection__status__in=[Inspection.Status.CANCELLED, Inspection.Status.CLOSED])
               .select_related("inspection__market").order_by("pk"))
    found = [(i.notice.market, i.notice.number) for i in items]
    found += [(f.inspection.market, f.inspection.number) for f in pending]
    return found


def qualification_reasons(candidate: Candidate, *, today=None) -> list[str]:
    """Why ``candidate`` fails the qualification review (empty: it qualifies). Checks the licence, the
    unified social credit code, exits in the last GIGCASE_EXIT_BAR_YEARS years and open critical hazards."""
    today = today or timezone.localdate()
    operator = candidate.operator
    reasons = []
    try:
        validate_credit_code(candidate.credit_code)
    except ValidationError:
        reasons.append(_("统一社会信用代码“%(code)s”无效。") % {"code": candidate.credit_code})
    else:
        if candidate.credit_code.upper() != operator.credit_code.upper():
            reasons.append(_("申报的统一社会信用代码与运营机构登记的不一致。"))
    if not candidate.licence_number:
        reasons.append(_("未提供人力资源服务许可证。"))
    elif candidate.licence_valid_until and candidate.licence_valid_until < today:
        reasons.append(_("人力资源服务许可证已过期（有效期至%(date)s）。")
                       % {"date": fmt_date(candidate.licence_valid_until)})
    years = exit_bar_years()
    for contract in ServiceContract.objects.filter(operator=operator).exits_since(years_before(today, years)):
        reasons.append(_("服务合同%(number)s于%(date)s因考核不合格退出，%(years)s年内不得参与遴选。") % {
            "number": contract.number, "date": fmt_date(contract.terminated_on), "years": years})
    for market, number in open_critical_findings(operator):
        reasons.append(_("所运营的%(market)s存在未整改的重大隐患（%(number)s）。")
                       % {"market": market.name, "number": number})
    return reasons


@transaction.atomic
def candidate_qualify(*, candidate: Candidate, by, extra_reasons=()) -> Candidate:
    """Qualification review (资格审查) of one candidate: the automatic checks of ``qualification_reasons``
    plus the reviewer's own reasons; any reason disqualifies, and all are kept on the candidate."""
    _require(by, RUN_SELECTION)
    rnd = _locked_round(candidate.round)
    _in_scope(by, rnd.project.district_id)
    if rnd.status != SelectionRound.Status.REVIEW:
        raise ValidationError(_("报名截止后才能进行资格审查。"), code="round_state")
    candidate = Candidate.objects.select_for_update().select_related("operator").get(pk=candidate.pk)
    if candidate.scores.exists():
        raise ValidationError(_("该候选机构已有专家评分，不能重新审查。"), code="scored")
    reasons = qualification_reasons(candidate) + [r.strip() for r in extra_reasons if r and r.strip()]
    before = candidate.qualification
    candidate.qualification = (Candidate.Qualification.DISQUALIFIED if reasons
                               else Candidate.Qualification.QUALIFIED)
    candidate.qualification_reasons = reasons
    candidate.qualified_by, candidate.qualified_at = by, timezone.now()
    candidate.save(update_fields=["qualification", "qualification_reasons", "qualified_by", "qualified_at"])
    AuditEvent.record(candidate, AuditEvent.Action.UPDATE, by=by, name="qualify", from_state=before,
                      to_state=candidate.qualification, reason="\n".join(reasons))
    return candidate


@transaction.atomic
def panel_score(*, candidate: Candidate, by, score, comment: str = "") -> PanelScore:
    """One panel member's score (0–100) for one qualified candidate, given once. A member who declared a
    relation to the candidate must abstain."""
    rnd = _locked_round(candidate.round)
    candidate = Candidate.objects.select_related("operator").get(pk=candidate.pk)
    member = PanelMember.objects.filter(round=rnd, user=by).first()
    if member is None:
        raise PermissionDenied(_("您不是本次遴选的评审专家。"))
    if rnd.status != SelectionRound.Status.REVIEW:
        raise ValidationError(_("当前不在评分阶段。"), code="round_state")
    if candidate.qualification != Candidate.Qualification.QUALIFIED:
        raise ValidationError(_("只能对资格审查通过的候选机构评分。"), code="not_qualified")
    if member.is_related_to(candidate):
        raise ValidationError(_("您已申报与%(operator)s存在关联关系，须回避，不能评分。")
                              % {"operator": candidate.operator.name}, code="related")
    try:
        value = Decimal(str(score))
    except Exception:
        raise ValidationError({"score": _("评分须为0至100之间的数字。")}, code="invalid") from None
    if not value.is_finite() or value < 0 or value > 100 or value != value.quantize(TWO_PLACES):
        raise ValidationError({"score": _("评分须为0至100之间的数字，最多两位小数。")}, code="invalid")
    if PanelScore.objects.filter(member=member, candidate=candidate).exists():
        raise ValidationError(_("您已对该候选机构评分。"), code="duplicate")
    row = PanelScore.objects.create(candidate=candidate, member=member, score=value, comment=comment)
    AuditEvent.record(candidate, AuditEvent.Action.NOTE, by=by, name="panel_score",
                      data={"score": str(value), "member": member.pk})
    return row


def _qualified(rnd, candidates=None):
    if candidates is None:
        candidates = rnd.candidates.select_related("operator").prefetch_related("scores")
    return [c for c in candidates if c.qualification == Candidate.Qualification.QUALIFIED]


def round_ranking(rnd: SelectionRound, *, candidates=None) -> list[dict]:
    """The qualified candidates by mean panel score (two decimals, half up), highest first; equal means
    share a rank and are marked ``tied``. Candidates without any score have mean None and come last.
    ``candidates`` may be given with ``scores`` prefetched (the round page does)."""
    rows = []
    for c in _qualified(rnd, candidates):
        scores = [s.score for s in c.scores.all()]
        mean = (sum(scores) / len(scores)).quantize(TWO_PLACES, ROUND_HALF_UP) if scores else None
        rows.append({"candidate": c.pk, "operator": c.operator.name, "mean": mean, "scores": len(scores)})
    rows.sort(key=lambda r: (r["mean"] is None, -(r["mean"] or 0), r["operator"]))
    for row in rows:
        same = [r for r in rows if r["mean"] == row["mean"]]
        row["rank"] = rows.index(same[0]) + 1 if row["mean"] is not None else None
        row["tied"] = row["mean"] is not None and len(same) > 1
    return rows


def missing_scores(rnd: SelectionRound, *, candidates=None, panel=None) -> list[str]:
    """Who still has to score whom (members related to a candidate are not expected to)."""
    members = panel if panel is not None else list(rnd.panel.select_related("user"))
    missing = []
    for c in _qualified(rnd, candidates):
        scored = {s.member_id for s in c.scores.all()}
        eligible = [m for m in members if not m.is_related_to(c)]
        if not eligible:
            missing.append(_("%(operator)s：没有可评分的评审专家（均须回避）") % {"operator": c.operator.name})
        for m in eligible:
            if m.pk not in scored:
                missing.append(_("%(member)s尚未对%(operator)s评分") % {"member": m, "operator": c.operator.name})
    return missing


@transaction.atomic
def round_award(*, round: SelectionRound, by, winner: Candidate | None = None, reason: str = "") -> SelectionRound:
    """Award the round (确定中选机构) to the best-ranked candidate and record the ranking; a tie at the top
    needs the official to choose among the tied candidates with a reason. Creates the draft contract."""
    rnd = _locked_round(round)
    _require(by, RUN_SELECTION)
    _in_scope(by, rnd.project.district_id)
    if rnd.status != SelectionRound.Status.REVIEW:
        apply_transition(rnd, "award", by=by, label=_("确定中选机构"), winner=None, ranking=[])
    if rnd.candidates.filter(qualification=Candidate.Qualification.PENDING).exists():
        raise ValidationError(_("还有候选机构未完成资格审查。"), code="pending")
    missing = missing_scores(rnd)
    if missing:
        raise ValidationError(_("评分尚未完成：%(missing)s。") % {"missing": "；".join(missing)}, code="unscored")
    ranking = round_ranking(rnd)
    if not ranking:
        raise ValidationError(_("没有资格审查通过的候选机构，不能确定中选机构。"), code="no_candidate")
    top = [r for r in ranking if r["rank"] == 1]
    if len(top) > 1:
        names = "、".join(r["operator"] for r in top)
        if winner is None or winner.pk not in {r["candidate"] for r in top}:
            raise ValidationError(_("%(names)s平均分并列第一，请在其中选择中选机构并说明理由。") % {"names": names},
                                  code="tie")
        if not (reason or "").strip():
            raise ValidationError({"reason": _("并列第一时须说明选择理由。")}, code="required")
    else:
        if winner is not None and winner.pk != top[0]["candidate"]:
            raise ValidationError(_("中选机构须为平均分最高的候选机构。"), code="not_top")
        winner = Candidate.objects.get(pk=top[0]["candidate"])
    recorded = [{**r, "mean": str(r["mean"]) if r["mean"] is not None else None} for r in ranking]
    apply_transition(rnd, "award", by=by, label=_("确定中选机构"), winner=winner, ranking=recorded,
                     reason=(reason or "").strip())
    rnd.save(update_fields=["status", "winner", "ranking", "award_note", "awarded_by", "awarded_at"])
    project = rnd.project
    contract_create(by=by, operator=winner.operator, district=project.district, markets=project.markets.all(),
                    amount=project.budget, start_date=project.period_start, end_date=project.period_end,
                    project=project, selection_round=rnd)
    return rnd


# ---- contracts ----------------------------------------------------------------------------------------


@transaction.atomic
def contract_create(*, by, operator, district, markets, amount, start_date, end_date, project=None,
                    selection_round=None, previous=None) -> ServiceContract:
    """A draft contract (合同编号 HT-YYYY-NNNNNN); it takes effect with ``contract_activate``."""
    if by is not None:
        _require(by, "procurement.add_servicecontract")
        if not is_citywide(by) and by.district_id != district.pk:
            raise PermissionDenied(_("只能为本区签订合同。"))
    markets = list(markets)
    if not markets:
        raise ValidationError({"markets": _("请选择合同运营的零工市场（驿站）。")}, code="required")
    if end_date < start_date:
        raise ValidationError({"end_date": _("服务期止不能早于服务期起。")}, code="period")
    contract = ServiceContract.objects.create(
        number=next_case_number(CONTRACT_PREFIX, year=start_date.year), project=project,
        selection_round=selection_round, operator=operator, district=district, amount=_money(amount),
        start_date=start_date, end_date=end_date, previous=previous, created_by=by)
    contract.markets.set(markets)
    AuditEvent.record(contract, AuditEvent.Action.CREATE, by=by, data={
        "operator": operator.pk, "amount": str(contract.amount), "markets": [m.pk for m in markets],
        "previous": previous.number if previous else None})
    return contract


def _locked_contract(contract, by=None) -> ServiceContract:
    contract = ServiceContract.objects.select_for_update(of=("self",)).select_related("operator").get(pk=contract.pk)
    _in_scope(by, contract.district_id)
    return contract


@transaction.atomic
def contract_activate(*, contract: ServiceContract, by) -> ServiceContract:
    """The contract takes effect: its operator runs its markets from now on. Refused while another running
    contract covers one of the markets in an overlapping period."""
    contract = _locked_contract(contract, by)
    markets = list(contract.markets.order_by("pk"))
    clash = (ServiceContract.objects.filter(markets__in=markets, status__in=[ServiceContract.Status.ACTIVE,
                                                                             ServiceContract.Status.SUSPENDED],
                                            start_date__lte=contract.end_date, end_date__gte=contract.start_date)
             .exclude(pk=contract.pk).distinct().first())
    if clash is not None:
        raise ValidationError(_("合同%(number)s在同一服务期内已覆盖其中的零工市场（驿站），不能生效。")
                              % {"number": clash.number}, code="overlap")
    apply_transition(contract, "activate", by=by, label=_("合同生效"))
    contract.save(update_fields=["status", "activated_at", "updated_at"])
    for market in markets:
        market_services.market_assign_operator(market=market, operator=contract.operator, by=by,
                                               reason=_("服务合同%(number)s生效") % {"number": contract.number})
    return contract


@transaction.atomic
def contract_suspend(*, contract: ServiceContract, by, reason: str) -> ServiceContract:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请写明暂停原因。")}, code="required")
    contract = _locked_contract(contract, by)
    apply_transition(contract, "suspend", by=by, label=_("暂停履行"), reason=reason.strip())
    contract.save(update_fields=["status", "suspension_reason", "updated_at"])
    return contract


@transaction.atomic
def contract_resume(*, contract: ServiceContract, by, reason: str = "") -> ServiceContract:
    contract = _locked_contract(contract, by)
    apply_transition(contract, "resume", by=by, label=_("恢复履行"), reason=(reason or "").strip())
    contract.save(update_fields=["status", "suspension_reason", "updated_at"])
    return contract


@transaction.atomic
def contract_terminate(*, contract: ServiceContract, by, on_date, reason: str, kind: str) -> ServiceContract:
    """Terminate the contract on ``on_date``. An exit (``kind="exit"``, after a failed evaluation approved
    by the bureau) also marks every market it ran as needing a new operator, and bars the operator from
    selection for GIGCASE_EXIT_BAR_YEARS years (derived from this contract by ``qualification_reasons``)."""
    if kind not in ServiceContract.TerminationKind.values:
        raise ValidationError({"kind": _("终止方式不正确。")}, code="invalid")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请写明终止原因。")}, code="required")
    contract = _locked_contract(contract, by)
    if on_date is None or on_date < contract.start_date:
        raise ValidationError({"on_date": _("终止日期不能早于合同服务期起。")}, code="date")
    apply_transition(contract, "terminate", by=by, label=_("终止合同"), kind=kind, on_date=on_date,
                     reason=reason.strip())
    contract.save(update_fields=["status", "termination_kind", "terminated_on", "termination_reason",
                                 "updated_at"])
    if kind == ServiceContract.TerminationKind.EXIT:
        for market in contract.markets.order_by("pk"):
            market_services.market_mark_needs_operator(
                market=market, by=by, on_date=on_date,
                reason=_("服务合同%(number)s因考核不合格终止，须重新确定运营机构。") % {"number": contract.number})
    return contract


@transaction.atomic
def contract_expire(*, contract: ServiceContract, by=None) -> ServiceContract:
    """The service period is over (refused before the end date)."""
    contract = _locked_contract(contract, by)
    apply_transition(contract, "expire", by=by, label=_("合同到期"))
    contract.save(update_fields=["status", "expired_on", "updated_at"])
    return contract


def contracts_expire_due(*, today=None) -> int:
    """Sweep: expire every running contract whose period ended; returns how many."""
    today = today or timezone.localdate()
    done = 0
    for pk in ServiceContract.objects.filter(status__in=[ServiceContract.Status.ACTIVE,
                                                         ServiceContract.Status.SUSPENDED],
                                             end_date__lt=today).values_list("pk", flat=True):
        contract_expire(contract=ServiceContract(pk=pk))
        done += 1
    return done


@transaction.atomic
def contract_renew(*, contract: ServiceContract, by, amount, end_date, start_date=None) -> ServiceContract:
    """Renewal (续签): a new draft contract with the same operator and markets, linked to the one it renews.
    Only a running or expired contract can be renewed, and only once; an exited operator cannot be."""
    _require(by, MANAGE)
    contract = _locked_contract(contract, by)
    if contract.status not in (ServiceContract.Status.ACTIVE, ServiceContract.Status.SUSPENDED,
                               ServiceContract.Status.EXPIRED):
        raise ValidationError(_("合同%(number)s当前状态为“%(status)s”，不能续签。")
                              % {"number": contract.number, "status": contract.get_status_display()},
                              code="state")
    if ServiceContract.objects.filter(previous=contract).exists():
        raise ValidationError(_("合同%(number)s已续签。") % {"number": contract.number}, code="renewed")
    start_date = start_date or contract.end_date + datetime.timedelta(days=1)
    if start_date <= contract.end_date:
        raise ValidationError({"start_date": _("续签合同的服务期须在原合同到期之后。")}, code="overlap")
    return contract_create(by=by, operator=contract.operator, district=contract.district,
                           markets=contract.markets.all(), amount=amount, start_date=start_date, end_date=end_date,
                           project=contract.project, previous=contract)


def renewal_chain(contract: ServiceContract) -> list[ServiceContract]:
    """Every contract of the chain ``contract`` belongs to, oldest first."""
    first = contract
    seen = {first.pk}
    while first.previous_id and first.previous_id not in seen:
        first = ServiceContract.objects.get(pk=first.previous_id)
        seen.add(first.pk)
    chain = [first]
    while True:
        nxt = ServiceContract.objects.filter(previous=chain[-1]).first()
        if nxt is None or nxt.pk in {c.pk for c in chain}:
            return chain
        chain.append(nxt)


# ---- payment milestones -------------------------------------------------------------------------------


@transaction.atomic
def milestone_add(*, contract: ServiceContract, by, title, amount, period_start, period_end) -> PaymentMilestone:
    """Plan an instalment for a service period inside the contract; all instalments together may not
    exceed the contract amount."""
    _require(by, "procurement.add_paymentmilestone")
    contract = _locked_contract(contract, by)
    if contract.is_final:
        raise ValidationError(_("合同已结束，不能再增加付款节点。"), code="final")
    amount = _money(amount)
    if amount <= 0:
        raise ValidationError({"amount": _("金额须大于零。")}, code="invalid")
    if period_end < period_start or period_start < contract.start_date or period_end > contract.end_date:
        raise ValidationError({"period_end": _("考核期须在合同服务期内。")}, code="period")
    planned = contract.milestones.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    if planned + amount > contract.amount:
        raise ValidationError({"amount": _("付款节点合计%(total)s元超过合同金额%(amount)s元。")
                               % {"total": planned + amount, "amount": contract.amount}}, code="over_budget")
    milestone = PaymentMilestone.objects.create(contract=contract, title=title, amount=amount,
                                                period_start=period_start, period_end=period_end)
    AuditEvent.record(contract, AuditEvent.Action.UPDATE, by=by, name="milestone_add",
                      data={"milestone": milestone.pk, "amount": str(amount), "title": title})
    return milestone


def passed_evaluation_for(milestone: PaymentMilestone):
    """The passed evaluation covering the milestone's period (evaluations app), or None."""
    try:
        from evaluations.selectors import passed_evaluation_covering
    except ImportError:  # the evaluations app is not installed in this deployment
        return None
    return passed_evaluation_covering(milestone.contract, milestone.period_start, milestone.period_end)


@transaction.atomic
def milestone_approve(*, milestone: PaymentMilestone, by) -> PaymentMilestone:
    """Approve an instalment for payment: only when an evaluation covering its period passed (excellent or
    pass, approved by the bureau): funds are tied to performance."""
    _require(by, APPROVE_PAYMENT)
    milestone = PaymentMilestone.objects.select_for_update(of=("self",)).select_related("contract").get(
        pk=milestone.pk)
    _in_scope(by, milestone.contract.district_id)
    if milestone.contract.status == ServiceContract.Status.DRAFT:
        raise ValidationError(_("合同尚未生效，不能核准支付。"), code="draft")
    if milestone.status != PaymentMilestone.Status.PLANNED:
        apply_transition(milestone, "approve", by=by, label=_("核准支付"), evaluation_number="")
    evaluation = passed_evaluation_for(milestone)
    if evaluation is None:
        raise ValidationError(
            _("考核期%(start)s至%(end)s尚无经市局审批通过的绩效评价（优秀或合格），不能核准支付。")
            % {"start": fmt_date(milestone.period_start), "end": fmt_date(milestone.period_end)},
            code="no_passed_evaluation")
    apply_transition(milestone, "approve", by=by, label=_("核准支付"), evaluation_number=str(evaluation.number))
    milestone.save(update_fields=["status", "evaluation_number", "approved_by", "approved_at"])
    return milestone


@transaction.atomic
def milestone_mark_paid(*, milestone: PaymentMilestone, by, paid_on, reference: str) -> PaymentMilestone:
    if not (reference or "").strip():
        raise ValidationError({"reference": _("请填写支付凭证号。")}, code="required")
    milestone = PaymentMilestone.objects.select_for_update(of=("self",)).select_related("contract").get(
        pk=milestone.pk)
    _in_scope(by, milestone.contract.district_id)
    if milestone.approved_at and paid_on < timezone.localdate(milestone.approved_at):
        raise ValidationError({"paid_on": _("支付日期不能早于核准日期。")}, code="date")
    apply_transition(milestone, "mark_paid", by=by, label=_("登记付款"), paid_on=paid_on,
                     reference=reference.strip())
    milestone.save(update_fields=["status", "paid_on", "payment_reference", "paid_by"])
    return milestone


@transaction.atomic
def contract_request_summary(*, contract: ServiceContract, by):
    """Queue the 合同摘要 PDF (rendered by a Celery task; see procurement.documents)."""
    from core import documents

    _require(by, "procurement.view_servicecontract")
    return documents.request_document(contract, kind="procurement.contract_summary", by=by)

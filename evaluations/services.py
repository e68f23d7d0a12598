"""Evaluation use cases. These are the only writers of the evaluations models: views, flows, the sweep,
commands and other apps call them.

Each service locks the evaluation row, runs its transition through ``core.fsm.apply_transition`` (``core.audit``
writes the AuditEvent from its ``by``/``reason``), saves with ``update_fields``, keeps the deadlines current and
queues documents and messages on commit. The four-eyes rule (whoever scored may neither review nor approve)
lives on the transitions' permissions; the services check it first only to say so in plain words.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from accounts.roles import Role
from core import deadlines, documents, notify
from core.fsm import TransitionRefused, apply_transition
from core.models import AuditEvent
from core.numbering import next_case_number
from markets.models import Market, Operator

from . import indicators
from .models import (Approval, Evaluation, Evidence, Indicator, Outcome, Rubric, Score, check_period_within_contract,
                     quantize)

DEFAULT_RUBRIC_NAME = "零工市场运营绩效评价指标体系"
SELF_ASSESSMENT_KIND = "evaluation.self_assessment"
PLAN_KIND = "evaluation.plan"
#: Working days the operator has for its self-assessment and for its rectification plan (settings may override).
SELF_ASSESSMENT_DAYS_DEFAULT = 15
PLAN_DAYS_DEFAULT = 15


def _days(name, default):
    return int(getattr(settings, name, default) or default)


def _locked(evaluation: Evaluation) -> Evaluation:
    return (Evaluation.objects.select_for_update(of=("self",)).select_related("operator", "rubric", "contract")
            .get(pk=evaluation.pk))


def _require_state(evaluation: Evaluation, *names, label) -> None:
    """Refuse early, before checking any input, when none of the transitions ``names`` can run now."""
    if not any(can_proceed(getattr(evaluation, name)) for name in names):
        raise TransitionRefused(evaluation, label)


def _four_eyes(evaluation: Evaluation, by) -> None:
    if by is not None and by.pk == evaluation.scored_by_id:
        raise PermissionDenied(_("四眼原则：评分人不能审核或审批本人评分的评价。"))


def _operator_users(evaluation):
    from accounts.models import User

    org = evaluation.operator.organization_id
    if not org:
        return User.objects.none()
    return User.objects.filter(is_active=True, organization_id=org, groups__name=Role.OPERATOR).distinct()


def _district_officials(evaluation):
    from accounts.models import User

    return User.objects.filter(is_active=True, district_id=evaluation.district_id,
                               groups__name=Role.DISTRICT_OFFICIAL).distinct()


def _bureau_officials():
    from accounts.models import User

    return User.objects.filter(is_active=True, groups__name=Role.BUREAU_OFFICIAL).distinct()


def _tell(users, evaluation, subject, body, key):
    for user in users:
        notify.notify_user(user, subject, body, target=evaluation, dedupe_key=f"evaluation:{evaluation.pk}:{key}:{user.pk}")


# ---- rubrics ----------------------------------------------------------------------------------------


@transaction.atomic
def rubric_publish(*, rubric: Rubric, by) -> Rubric:
    """Publish a draft rubric: new evaluations use it from now on and its indicators are frozen. The weights
    must add up to 100 so that totals are out of 100."""
    rubric = Rubric.objects.select_for_update().get(pk=rubric.pk)
    if rubric.is_frozen:
        raise ValidationError(_("该版本已发布。"), code="already_published")
    weights = [i.weight for i in rubric.indicators.all()]
    if not weights:
        raise ValidationError(_("评价指标体系至少要有一个指标。"), code="empty_rubric")
    if sum(weights) != Decimal("100"):
        raise ValidationError(_("各指标权重之和须为100（当前为%(sum)s）。") % {"sum": sum(weights)}, code="weights")
    rubric.published_at, rubric.published_by = timezone.now(), by
    rubric.save(update_fields=["published_at", "published_by"])
    AuditEvent.record(rubric, AuditEvent.Action.UPDATE, by=by, name="publish", data={"number": rubric.number})
    return rubric


@transaction.atomic
def rubric_new_draft(*, rubric: Rubric, by, note: str = "") -> Rubric:
    """Start the next version of ``rubric``'s name as an editable copy of its newest version."""
    latest = Rubric.objects.select_for_update().filter(name=rubric.name).order_by("-number").first()
    draft = Rubric.objects.create(name=latest.name, number=latest.number + 1, note=note,
                                  excellent_from=latest.excellent_from, pass_from=latest.pass_from,
                                  rectify_from=latest.rectify_from)
    Indicator.objects.bulk_create([
        Indicator(rubric=draft, code=i.code, name=i.name, clause=i.clause, guidance=i.guidance, weight=i.weight,
                  kind=i.kind, computed_key=i.computed_key, max_score=i.max_score, full_at=i.full_at,
                  zero_at=i.zero_at, sort_order=i.sort_order)
        for i in latest.indicators.all()
    ])
    AuditEvent.record(draft, AuditEvent.Action.CREATE, by=by, name="new_draft", data={"number": draft.number})
    return draft


def current_rubric() -> Rubric:
    """The newest published version of the default rubric (else of any rubric)."""
    published = Rubric.objects.filter(published_at__isnull=False)
    rubric = (published.filter(name=DEFAULT_RUBRIC_NAME).order_by("-number").first()
              or published.order_by("-published_at").first())
    if rubric is None:
        raise ValidationError(_("尚未发布评价指标体系，请系统管理员先在管理后台发布。"), code="no_rubric")
    return rubric


# ---- creating and opening -------------------------------------------------------------------------


def _contract_markets(contract):
    return list(contract.markets.all())


@transaction.atomic
def evaluation_create(*, by, period_start: date, period_end: date, contract=None, operator: Operator | None = None,
                      markets=None, rubric: Rubric | None = None, follow_up_of: Evaluation | None = None
                      ) -> Evaluation:
    """Create an evaluation (draft) of a service contract's operator and markets over a period, or, with
    ``operator`` and ``markets`` and no contract, of a public body running its markets itself (clause (二十二)).
    ``by`` None means the system (a follow-up started by a service)."""
    if by is not None and not by.has_perm("evaluations.add_evaluation"):
        raise PermissionDenied(_("您没有发起评价的权限。"))
    if period_start > period_end:
        raise ValidationError({"period_end": _("评价期间止不能早于评价期间起。")}, code="period_order")
    if contract is not None:
        if str(contract.status) == "draft":
            raise ValidationError({"contract": _("合同尚未生效，不能评价。")}, code="contract_draft")
        check_period_within_contract(contract=contract, period_start=period_start, period_end=period_end)
        operator = contract.operator
        markets = _contract_markets(contract)
        if Evaluation.objects.filter(contract=contract, period_start=period_start, period_end=period_end).exclude(
                status=Evaluation.Status.CANCELLED).exists():
            raise ValidationError(_("该合同在此评价期间已有评价。"), code="duplicate")
    else:
        if operator is None:
            raise ValidationError({"operator": _("请选择服务合同，或公共服务机构自行运营时选择运营机构。")},
                                  code="required")
        if operator.kind != Operator.Kind.PUBLIC:
            raise ValidationError({"contract": _("购买服务的运营机构须按服务合同评价。")}, code="contract_required")
        markets = list(markets) if markets is not None else list(operator.markets.exclude(status=Market.Status.CLOSED))
    if not markets:
        raise ValidationError({"markets": _("评价须至少包括一个零工市场（驿站）。")}, code="no_markets")
    if any(m.operator_id != operator.pk for m in markets) and contract is None:
        raise ValidationError({"markets": _("所选市场须由该运营机构运营。")}, code="market_operator")
    district_id = contract.district_id if contract is not None else markets[0].district_id
    if by is not None and not by.has_role(*Role.CITYWIDE) and by.district_id != district_id:
        raise ValidationError({"markets": _("只能评价本区的零工市场（驿站）。")}, code="market_scope")
    evaluation = Evaluation.objects.create(
        number=next_case_number("PJ"), contract=contract, operator=operator, district_id=district_id,
        period_start=period_start, period_end=period_end, rubric=rubric or current_rubric(),
        follow_up_of=follow_up_of, created_by=by,
    )
    evaluation.markets.set(markets)
    AuditEvent.record(evaluation, AuditEvent.Action.CREATE, by=by, to_state=evaluation.status, data={
        "contract": contract.pk if contract else None, "operator": operator.pk,
        "markets": [m.pk for m in markets], "rubric": evaluation.rubric_id,
        "follow_up_of": follow_up_of.number if follow_up_of else None})
    return evaluation


@transaction.atomic
def evaluation_open(*, evaluation: Evaluation, by) -> Evaluation:
    """Send the evaluation to the operator for its self-assessment (with a deadline) and start its flow."""
    evaluation = _locked(evaluation)
    apply_transition(evaluation, "open_self_assessment", by=by, label=_("发起自评"))
    evaluation.save(update_fields=["status", "opened_at", "updated_at"])
    deadlines.start_deadline(evaluation, kind=SELF_ASSESSMENT_KIND, label=_("运营机构提交自评"),
                             days=_days("GIGCASE_EVALUATION_SELF_ASSESSMENT_DAYS", SELF_ASSESSMENT_DAYS_DEFAULT),
                             unit="working", by=by)
    from .flows import EvaluationFlow

    EvaluationFlow.start.run(evaluation=evaluation)
    _tell(_operator_users(evaluation), evaluation, _("绩效评价自评 %(number)s") % {"number": evaluation.number},
          _("请于%(due)s前在系统中提交%(start)s至%(end)s的运营自评报告和佐证材料。") % {
              "due": timezone.localtime(evaluation.due_at).strftime("%Y年%m月%d日"),
              "start": f"{evaluation.period_start:%Y年%m月%d日}", "end": f"{evaluation.period_end:%Y年%m月%d日}"},
          "opened")
    return evaluation


@transaction.atomic
def evaluation_cancel(*, evaluation: Evaluation, by, reason: str) -> Evaluation:
    """Cancel an evaluation before it was scored (e.g. created for the wrong period); its tasks disappear."""
    if not reason.strip():
        raise ValidationError({"reason": _("请说明取消理由。")}, code="required")
    evaluation = _locked(evaluation)
    apply_transition(evaluation, "cancel", by=by, label=_("取消评价"), reason=reason.strip())
    evaluation.save(update_fields=["status", "cancel_reason", "closed_at", "updated_at"])
    deadlines.cancel_deadlines(evaluation, by=by)
    from .flows import cancel_open_processes

    cancel_open_processes(evaluation)
    return evaluation


# ---- self-assessment --------------------------------------------------------------------------------


def scored_indicators(evaluation):
    return [i for i in evaluation.rubric.indicators.all() if not i.is_computed]


def _decimal(raw, *, field, maximum) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = quantize(Decimal(str(raw)))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("请填写数字。")}, code="not_a_number") from None
    if value < 0 or value > maximum:
        raise ValidationError({field: _("分数须在0至%(max)s之间。") % {"max": maximum}}, code="out_of_range")
    return value


@transaction.atomic
def evaluation_submit_self_assessment(*, evaluation: Evaluation, by, served_count: int, summary: str,
                                      statements: dict, files: dict | None = None) -> Evaluation:
    """The operator submits its self-assessment: the people its markets served in the period (from its
    service ledger), a summary, and for each scored indicator a statement, an optional self-score and files.
    The computed indicators are then computed and the evaluation goes to scoring.

    ``statements``: indicator id → ``(statement, self_score or None)``; ``files``: indicator id → uploads."""
    from core.uploads import attach_file

    evaluation = _locked(evaluation)
    _require_state(evaluation, "submit_self_assessment", label=_("提交自评"))
    files = files or {}
    if served_count is None or int(served_count) <= 0:
        raise ValidationError({"served_count": _("请填报评价期间的服务人次。")}, code="served_required")
    if not (summary or "").strip():
        raise ValidationError({"summary": _("请填写自评报告。")}, code="summary_required")
    wanted = scored_indicators(evaluation)
    missing = [i.name for i in wanted
               if not ((statements.get(i.pk) or statements.get(str(i.pk)) or ("",))[0] or "").strip()]
    if missing:
        raise ValidationError(_("请逐项填写自评说明（未填写：%(items)s）。") % {"items": "、".join(missing)},
                              code="statement_required")
    apply_transition(evaluation, "submit_self_assessment", by=by, label=_("提交自评"))
    evaluation.served_count, evaluation.self_summary = int(served_count), summary.strip()
    evaluation.save(update_fields=["status", "self_submitted_at", "self_submitted_by", "served_count",
                                   "self_summary", "updated_at"])
    for indicator in wanted:
        text, self_score = statements.get(indicator.pk) or statements.get(str(indicator.pk))
        evidence, _created = Evidence.objects.update_or_create(
            evaluation=evaluation, indicator=indicator,
            defaults={"statement": text.strip(), "submitted_by": by, "submitted_at": timezone.now(),
                      "self_score": _decimal(self_score, field=f"self_score_{indicator.pk}",
                                             maximum=indicator.max_score)})
        for uploaded in files.get(indicator.pk) or files.get(str(indicator.pk)) or ():
            attach_file(evidence, uploaded, by=by, description=indicator.name)
    deadlines.meet_deadlines(evaluation, kinds=[SELF_ASSESSMENT_KIND], by=by)
    _compute(evaluation)
    _tell(_district_officials(evaluation), evaluation, _("自评已提交 %(number)s") % {"number": evaluation.number},
          _("%(operator)s已提交自评，请评分。") % {"operator": evaluation.operator.name}, "self_assessed")
    return evaluation


# ---- scoring ----------------------------------------------------------------------------------------


def _compute(evaluation: Evaluation) -> list[Score]:
    """(Re)compute every computed indicator from the cases in the system (call holding the row lock)."""
    now = timezone.now()
    rows = []
    for indicator in evaluation.rubric.indicators.all():
        if not indicator.is_computed:
            continue
        result = indicators.compute(evaluation, indicator.computed_key)
        score, _created = Score.objects.update_or_create(
            evaluation=evaluation, indicator=indicator,
            defaults={"value": result.value, "basis": result.basis[:200], "sources": result.sources,
                      "score": indicator.score_for(result.value), "note": "", "scored_by": None,
                      "updated_at": now})
        rows.append(score)
    Evaluation.objects.filter(pk=evaluation.pk).update(computed_at=now)
    evaluation.computed_at = now
    AuditEvent.record(evaluation, AuditEvent.Action.UPDATE, name="compute",
                      data={r.indicator.code: str(r.value) if r.value is not None else None for r in rows})
    return rows


@transaction.atomic
def evaluation_recompute(*, evaluation: Evaluation, by) -> Evaluation:
    """Recompute the computed indicators while scoring (cases may have moved on since the self-assessment)."""
    evaluation = _locked(evaluation)
    if evaluation.status != Evaluation.Status.SCORING:
        raise ValidationError(_("只有评分中的评价可以重新计算指标。"), code="not_scoring")
    if not by.has_perm("evaluations.score_evaluation"):
        raise PermissionDenied(_("您没有评价评分的权限。"))
    _compute(evaluation)
    return evaluation


def needs_evaluator_score(indicator: Indicator, score: Score | None) -> bool:
    """Scored indicators, and computed ones without data, are scored by the evaluator."""
    return not indicator.is_computed or score is None or score.value is None


@transaction.atomic
def evaluation_submit_scores(*, evaluation: Evaluation, by, scores: dict, note: str = "") -> Evaluation:
    """The evaluator scores every indicator that is not computed (and every computed one without data),
    the weighted total and the outcome follow from the rubric, and the evaluation goes to the district
    review. ``scores``: indicator id → ``(score, note)``; a computed indicator without data needs a note."""
    evaluation = _locked(evaluation)
    _require_state(evaluation, "submit_scores", label=_("提交评分"))
    if not evaluation.scores.exists():
        _compute(evaluation)
    existing = {s.indicator_id: s for s in evaluation.scores.select_related("indicator")}
    now = timezone.now()
    rows = []
    for indicator in evaluation.rubric.indicators.all():
        row = existing.get(indicator.pk)
        if needs_evaluator_score(indicator, row):
            raw, text = scores.get(indicator.pk) or scores.get(str(indicator.pk)) or (None, "")
            value = _decimal(raw, field=f"score_{indicator.pk}", maximum=indicator.max_score)
            if value is None:
                raise ValidationError({f"score_{indicator.pk}": _("请为“%(name)s”评分。") % {"name": indicator.name}},
                                      code="score_required")
            if indicator.is_computed and not (text or "").strip():
                raise ValidationError({f"note_{indicator.pk}": _("“%(name)s”无系统数据，请说明评分依据。")
                                       % {"name": indicator.name}}, code="note_required")
            row = row or Score(evaluation=evaluation, indicator=indicator)
            row.score, row.note, row.scored_by, row.updated_at = value, (text or "").strip(), by, now
            row.save()
        rows.append(row)
    total = quantize(sum((r.weighted for r in rows), Decimal("0")))
    outcome = evaluation.rubric.grade(total)
    apply_transition(evaluation, "submit_scores", by=by, label=_("提交评分"), total=str(total), outcome=outcome)
    evaluation.total_score, evaluation.scoring_note = total, (note or "").strip()
    evaluation.save(update_fields=["status", "total_score", "outcome", "scored_by", "scored_at", "scoring_note",
                                   "updated_at"])
    return evaluation


# ---- review and approval ----------------------------------------------------------------------------


@transaction.atomic
def evaluation_review(*, evaluation: Evaluation, by, approve: bool, opinion: str) -> Evaluation:
    """The district review (区级审核) by someone other than the scorer: on to the bureau, or back to scoring
    with the reviewer's opinion."""
    evaluation = _locked(evaluation)
    _require_state(evaluation, "pass_review", label=_("区级审核"))
    _four_eyes(evaluation, by)
    opinion = (opinion or "").strip()
    if not approve and not opinion:
        raise ValidationError({"opinion": _("退回重新评分须写明理由。")}, code="required")
    if approve:
        apply_transition(evaluation, "pass_review", by=by, label=_("区级审核"))
    else:
        apply_transition(evaluation, "return_from_review", by=by, label=_("退回重新评分"), reason=opinion)
    evaluation.save(update_fields=["status", "updated_at"])
    Approval.objects.create(evaluation=evaluation, stage=Approval.Stage.DISTRICT_REVIEW,
                            decision=Approval.Decision.APPROVE if approve else Approval.Decision.RETURN,
                            opinion=opinion, decided_by=by)
    if approve:
        _tell(_bureau_officials(), evaluation, _("待审批评价 %(number)s") % {"number": evaluation.number},
              _("%(operator)s的绩效评价（%(outcome)s，%(total)s分）已通过区级审核，请审批。") % {
                  "operator": evaluation.operator.name, "outcome": evaluation.get_outcome_display(),
                  "total": evaluation.total_score}, f"review:{evaluation.scored_at.timestamp():.0f}")
    return evaluation


@transaction.atomic
def evaluation_approve(*, evaluation: Evaluation, by, approve: bool, opinion: str = "",
                       requirements: str = "") -> Evaluation:
    """The bureau's approval (市局审批) by someone other than the scorer. Approved, the outcome takes effect:

    * excellent / pass: closed (it counts for the contract's payment milestones);
    * rectify, or fail for a public body (clause (二十二)): the operator submits a rectification plan within
      the deadline, then the district starts a follow-up evaluation;
    * fail under a service contract: exit (退出): the contract is terminated on the approval date, its markets
      need a new operator and the operator is barred from selection (procurement derives the bar).

    Not approved: back to scoring with the opinion."""
    evaluation = _locked(evaluation)
    _require_state(evaluation, "return_from_approval", label=_("市局审批"))
    _four_eyes(evaluation, by)
    opinion = (opinion or "").strip()
    if not approve:
        if not opinion:
            raise ValidationError({"opinion": _("退回重新评分须写明理由。")}, code="required")
        apply_transition(evaluation, "return_from_approval", by=by, label=_("退回重新评分"), reason=opinion)
        evaluation.save(update_fields=["status", "updated_at"])
    elif evaluation._outcome_passing():
        apply_transition(evaluation, "approve_pass", by=by, label=_("审批通过"))
        evaluation.save(update_fields=["status", "approved_by", "approved_at", "closed_at", "updated_at"])
    elif evaluation._outcome_rectification():
        requirements = (requirements or opinion).strip()
        if not requirements:
            raise ValidationError({"requirements": _("请写明整改要求。")}, code="required")
        apply_transition(evaluation, "approve_rectification", by=by, label=_("审批：限期整改"),
                         requirements=requirements)
        evaluation.save(update_fields=["status", "approved_by", "approved_at", "rectification_requirements",
                                       "updated_at"])
        deadlines.start_deadline(evaluation, kind=PLAN_KIND, label=_("运营机构提交整改计划"),
                                 days=_days("GIGCASE_EVALUATION_PLAN_DAYS", PLAN_DAYS_DEFAULT), unit="working",
                                 by=by)
        documents.request_document(evaluation, kind="evaluation.rectification", by=by)
        _tell(_operator_users(evaluation), evaluation, _("整改通知 %(number)s") % {"number": evaluation.number},
              _("绩效评价结果为%(outcome)s，请于%(due)s前在系统中提交整改计划。") % {
                  "outcome": evaluation.get_outcome_display(),
                  "due": timezone.localtime(evaluation.due_at).strftime("%Y年%m月%d日")}, "rectify")
    else:
        exit_on = timezone.localdate(evaluation.approved_at or timezone.now())
        apply_transition(evaluation, "approve_exit", by=by, label=_("审批：退出"), exit_on=exit_on.isoformat())
        evaluation.exit_on = exit_on
        evaluation.save(update_fields=["status", "approved_by", "approved_at", "exit_on", "closed_at",
                                       "updated_at"])
        _terminate_contract(evaluation, by=by, on_date=exit_on)
        documents.request_document(evaluation, kind="evaluation.exit", by=by)
        _tell(_operator_users(evaluation), evaluation, _("退出决定 %(number)s") % {"number": evaluation.number},
              _("绩效评价不合格，服务合同自%(date)s起终止，你单位退出所运营的零工市场（驿站）。") % {
                  "date": f"{exit_on:%Y年%m月%d日}"}, "exit")
    Approval.objects.create(evaluation=evaluation, stage=Approval.Stage.BUREAU_APPROVAL,
                            decision=Approval.Decision.APPROVE if approve else Approval.Decision.RETURN,
                            opinion=opinion, decided_by=by)
    if approve:
        documents.request_document(evaluation, kind="evaluation.report", by=by)
    return evaluation


def _terminate_contract(evaluation: Evaluation, *, by, on_date: date) -> None:
    """Exit (clause (二十二)): procurement terminates the contract, marks its markets as needing a new
    operator and derives the operator's bar from this exit."""
    from procurement.services import contract_terminate

    contract_terminate(contract=evaluation.contract, by=by, on_date=on_date, kind="exit",
                       reason=_("绩效评价%(number)s不合格（%(total)s分），经市局审批退出。") % {
                           "number": evaluation.number, "total": evaluation.total_score})


# ---- rectification and follow-up --------------------------------------------------------------------


@transaction.atomic
def evaluation_submit_plan(*, evaluation: Evaluation, by, plan: str, complete_by: date) -> Evaluation:
    """The operator submits its rectification plan (what it will fix, by when); the district then starts a
    follow-up evaluation."""
    evaluation = _locked(evaluation)
    _require_state(evaluation, "submit_plan", label=_("提交整改计划"))
    if not (plan or "").strip():
        raise ValidationError({"plan": _("请填写整改计划。")}, code="required")
    if complete_by is None or complete_by <= timezone.localdate():
        raise ValidationError({"complete_by": _("计划整改完成日期须晚于今天。")}, code="date")
    apply_transition(evaluation, "submit_plan", by=by, label=_("提交整改计划"), complete_by=complete_by.isoformat())
    evaluation.plan_text, evaluation.plan_complete_by = plan.strip(), complete_by
    evaluation.save(update_fields=["status", "plan_text", "plan_submitted_at", "plan_complete_by", "is_overdue",
                                   "updated_at"])
    deadlines.meet_deadlines(evaluation, kinds=[PLAN_KIND], by=by)
    _tell(_district_officials(evaluation), evaluation, _("整改计划已提交 %(number)s") % {"number": evaluation.number},
          _("%(operator)s已提交整改计划，计划于%(date)s前完成，请安排跟踪评价。") % {
              "operator": evaluation.operator.name, "date": f"{complete_by:%Y年%m月%d日}"}, "plan")
    return evaluation


@transaction.atomic
def evaluation_start_follow_up(*, evaluation: Evaluation, by, period_start: date | None = None,
                               period_end: date | None = None) -> Evaluation:
    """Close the rectified evaluation and create its follow-up evaluation (linked), by default over the
    rectification period: from the approval to the planned completion date, or to the end of the contract's
    term if that comes first."""
    evaluation = _locked(evaluation)
    period_start = period_start or timezone.localdate(evaluation.approved_at)
    if period_end is None:
        period_end = evaluation.plan_complete_by or timezone.localdate()
        if evaluation.contract_id:
            # The default follow-up period stops where the contract does; one that would have to start after
            # it is refused by evaluation_create (the official then names the period).
            period_end = min(period_end, evaluation.contract.term[1])
        period_end = max(period_end, period_start)
    follow_up = evaluation_create(by=by, period_start=period_start, period_end=period_end,
                                  contract=evaluation.contract,
                                  operator=None if evaluation.contract_id else evaluation.operator,
                                  markets=None if evaluation.contract_id else list(evaluation.markets.all()),
                                  follow_up_of=evaluation)
    apply_transition(evaluation, "start_follow_up", by=by, label=_("启动跟踪评价"),
                     follow_up_number=follow_up.number)
    evaluation.save(update_fields=["status", "closed_at", "updated_at"])
    return follow_up


# ---- documents ----------------------------------------------------------------------------------------


def may_export_dossier(evaluation: Evaluation, user) -> bool:
    return user.has_perm("core.export_data")


@transaction.atomic
def evaluation_request_report(*, evaluation: Evaluation, by):
    """Queue the 评价报告 (staff, e.g. to print one before approval)."""
    if not (by.has_perm("evaluations.score_evaluation") or by.has_perm("evaluations.review_evaluation")
            or by.has_perm("evaluations.approve_evaluation")):
        raise PermissionDenied(_("您没有生成评价报告的权限。"))
    return documents.request_document(evaluation, kind="evaluation.report", by=by)


@transaction.atomic
def evaluation_request_dossier(*, evaluation: Evaluation, by):
    """Queue the case file (案卷) of the evaluation as a PDF and record the export in the audit trail."""
    if not may_export_dossier(evaluation, by):
        raise PermissionDenied(_("您没有导出案卷的权限。"))
    document = documents.request_document(evaluation, kind="evaluation.dossier", by=by)
    AuditEvent.record(evaluation, AuditEvent.Action.EXPORT, by=by, name="dossier", data={"document": document.pk})
    return document


# ---- deadline handlers (called by core.deadlines.sweep inside its transaction) --------------------


def on_deadline_remind(deadline):
    evaluation = Evaluation.objects.select_related("operator").filter(pk=deadline.object_id).first()
    if evaluation is None or not evaluation.is_open:
        return
    _tell(_operator_users(evaluation), evaluation, _("期限提醒：%(number)s") % {"number": evaluation.number},
          _("“%(label)s”将于%(due)s到期。") % {"label": deadline.label,
                                          "due": timezone.localtime(deadline.due_at).strftime("%Y年%m月%d日")},
          f"remind:{deadline.pk}")


def on_deadline_overdue(deadline):
    """The operator missed its self-assessment or plan deadline: flag the evaluation and tell the district."""
    evaluation = Evaluation.objects.select_related("operator").filter(pk=deadline.object_id).first()
    if evaluation is None or not evaluation.is_open:
        return
    Evaluation.objects.filter(pk=evaluation.pk).update(is_overdue=True)
    AuditEvent.record(evaluation, AuditEvent.Action.DEADLINE, name="overdue", reason=str(deadline.label))
    _tell(_district_officials(evaluation), evaluation, _("逾期：%(number)s") % {"number": evaluation.number},
          _("%(operator)s逾期未完成“%(label)s”。") % {"operator": evaluation.operator.name, "label": deadline.label},
          f"overdue:{deadline.pk}")

"""Performance evaluations of market operators (绩效评价; clauses (九)(十一)(十三)(二十)(二十二)).

* ``Rubric``: one numbered version of the weighted indicator set (评价指标体系). A draft is edited in the admin;
  publishing freezes it, and an evaluation points at the version it was run with, so editing the rubric later
  (as a new version, ``services.rubric_new_draft``) never changes an old evaluation.
* ``Indicator``: one weighted line of a rubric, either *computed* from the cases in the system (complaints,
  satisfaction surveys, inspections, rectification notices) or *scored* by the evaluator (staff training
  (十一), service records, data reporting (十三)).
* ``Evaluation`` (FSM): one evaluation of one operator's markets over one period, under a service contract
  (购买服务) or, for a public body running a market itself, without one. ``Score`` rows hold each
  indicator's value, score and the cases it was computed from; ``Evidence`` rows the operator's
  self-assessment (with files as core Attachments); ``Approval`` rows the district review and the bureau's
  approval.

Legality lives on the transitions below (four-eyes rule included); ``services.py`` is the only writer;
``flows.py`` decides who acts next.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from viewflow.workflow.models import Process

from accounts.models import District
from accounts.scoping import district_q, is_citywide, is_district_staff, operator_org_id
from core.fsm import RefreshableFSMMixin
from core.models import DeadlineTracked, flow_processes
from core.templatetags.cn_dates import cn_date
from markets.models import Market, Operator

TWO_PLACES = Decimal("0.01")


def quantize(value) -> Decimal:
    return Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


class Outcome(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    PASS = "pass", _("合格")
    RECTIFY = "rectify", _("限期整改")
    FAIL = "fail", _("不合格")


class ComputedKey(models.TextChoices):
    """What a computed indicator is computed from (see ``evaluations.indicators`` for each definition)."""

    COMPLAINTS_PER_1000 = "complaints_per_1000", _("每千服务人次查实投诉数")
    SATISFACTION = "satisfaction", _("服务对象满意度平均分")
    INSPECTION_PASS_RATE = "inspection_pass_rate", _("安全检查合格率（%）")
    RECTIFICATION_ON_TIME = "rectification_on_time", _("整改按期反馈率（%）")
    INFORMATION_PUBLISHED = "information_published", _("信息公开检查项符合率（%）")
    FREE_SERVICE = "free_service", _("查实违规收费投诉数")


# ---- rubric ----------------------------------------------------------------------------------------


class Rubric(models.Model):
    """One version of an evaluation rubric. Frozen once published (its indicators can no longer change);
    the thresholds turn a weighted total (0–100) into an outcome."""

    name = models.CharField(_("名称"), max_length=100)
    number = models.PositiveSmallIntegerField(_("版本号"), default=1)
    note = models.CharField(_("修订说明"), max_length=200, blank=True)
    excellent_from = models.DecimalField(_("优秀分数线"), max_digits=5, decimal_places=2, default=Decimal("90"))
    pass_from = models.DecimalField(_("合格分数线"), max_digits=5, decimal_places=2, default=Decimal("75"))
    rectify_from = models.DecimalField(_("限期整改分数线"), max_digits=5, decimal_places=2, default=Decimal("60"),
                                       help_text=_("低于此分数为不合格：购买服务的运营机构退出，公共服务机构整改"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("评价指标体系")
        verbose_name_plural = _("评价指标体系")
        ordering = ["name", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["name", "number"], name="rubric_unique_version"),
            models.CheckConstraint(condition=Q(rectify_from__lte=models.F("pass_from"))
                                   & Q(pass_from__lte=models.F("excellent_from")),
                                   name="rubric_thresholds_ordered"),
        ]

    def __str__(self):
        return f"{self.name} v{self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.published_at is not None

    def grade(self, total: Decimal) -> str:
        """The outcome a weighted total earns under this rubric's thresholds."""
        if total >= self.excellent_from:
            return Outcome.EXCELLENT
        if total >= self.pass_from:
            return Outcome.PASS
        if total >= self.rectify_from:
            return Outcome.RECTIFY
        return Outcome.FAIL


class Indicator(models.Model):
    """One weighted indicator. Immutable once its rubric is published (``save``/``delete`` refuse).

    A computed indicator's score is linear in its value between ``zero_at`` (no marks) and ``full_at`` (full
    marks); either may be the larger, so "fewer complaints is better" and "higher pass rate is better" are
    the same rule."""

    class Kind(models.TextChoices):
        COMPUTED = "computed", _("系统计算")
        SCORED = "scored", _("评价人评分")

    rubric = models.ForeignKey(Rubric, verbose_name=_("评价指标体系"), on_delete=models.PROTECT,
                               related_name="indicators")
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("指标名称"), max_length=100)
    clause = models.CharField(_("依据"), max_length=100, blank=True)
    guidance = models.TextField(_("评分说明"), blank=True)
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0"))])
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    computed_key = models.CharField(_("计算口径"), max_length=30, choices=ComputedKey.choices, blank=True)
    max_score = models.DecimalField(_("满分"), max_digits=6, decimal_places=2, default=Decimal("100"))
    full_at = models.DecimalField(_("满分对应值"), max_digits=10, decimal_places=2, null=True, blank=True)
    zero_at = models.DecimalField(_("零分对应值"), max_digits=10, decimal_places=2, null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("评价指标")
        verbose_name_plural = _("评价指标")
        ordering = ["rubric", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "code"], name="indicator_unique_code"),
            models.CheckConstraint(
                condition=(Q(kind="scored", computed_key="")
                           | (Q(kind="computed") & ~Q(computed_key="") & Q(full_at__isnull=False)
                              & Q(zero_at__isnull=False))),
                name="indicator_computed_has_key_and_scale"),
            models.CheckConstraint(condition=Q(max_score__gt=0), name="indicator_max_score_positive"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_computed(self) -> bool:
        return self.kind == self.Kind.COMPUTED

    def score_for(self, value) -> Decimal | None:
        """The score a computed value earns (None when there is no value: the evaluator scores it)."""
        if value is None or self.full_at is None or self.zero_at is None or self.full_at == self.zero_at:
            return None
        share = (Decimal(value) - self.zero_at) / (self.full_at - self.zero_at)
        share = min(Decimal(1), max(Decimal(0), share))
        return quantize(self.max_score * share)

    def _check_editable(self):
        if self.rubric_id and Rubric.objects.filter(pk=self.rubric_id, published_at__isnull=False).exists():
            raise ValidationError(_("该版本已发布，评价指标不能再修改；请新建版本。"), code="rubric_frozen")

    def save(self, *args, **kwargs):
        self._check_editable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._check_editable()
        return super().delete(*args, **kwargs)


# ---- evaluations ------------------------------------------------------------------------------------


class EvaluationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """District staff see their district's evaluations; bureau officials and admins all; operator staff
        only the evaluations of their own operator; partners none."""
        return self.filter(self.visible_q(user))

    @staticmethod
    def visible_q(user) -> Q:
        """``visible_to`` as a condition, for queries that reach this entity through a join (task lists)."""
        if is_citywide(user):
            return Q()
        if is_district_staff(user):
            return district_q(user)
        org = operator_org_id(user)
        if org:
            return Q(operator__organization_id=org)
        return Q(pk__in=[])

    @staticmethod
    def open_q() -> Q:
        return ~Q(status__in=Evaluation.FINAL_STATES)

    def open(self):
        return self.filter(self.open_q())

    def with_list_data(self):
        return self.select_related("district", "operator", "contract", "rubric", "scored_by")


def check_period_within_contract(*, contract, period_start, period_end) -> None:
    """Refuse an evaluation period that leaves its contract's term: an evaluation judges the service the
    contract bought, so its period starts on or after the contract's start and ends on or before its end (or
    its termination date). Raises ``ValidationError`` naming the field at fault (code
    ``period_outside_contract``). Nothing to check without a contract (a public body) or without both dates."""
    if contract is None or period_start is None or period_end is None:
        return
    first, last = contract.term
    errors = {}
    if period_start < first:
        errors["period_start"] = ValidationError(
            _("评价期间起早于合同服务期（%(start)s至%(end)s）。"), code="period_outside_contract",
            params={"start": cn_date(first), "end": cn_date(last)})
    if period_end > last:
        if last < contract.end_date:
            message = _("评价期间止晚于合同终止日期（%(end)s）。")
        else:
            message = _("评价期间止晚于合同服务期（%(start)s至%(end)s）。")
        errors["period_end"] = ValidationError(message, code="period_outside_contract",
                                               params={"start": cn_date(first), "end": cn_date(last)})
    if errors:
        raise ValidationError(errors)


class Evaluation(RefreshableFSMMixin, DeadlineTracked):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SELF_ASSESSMENT = "self_assessment", _("运营机构自评")
        SCORING = "scoring", _("评分中")
        DISTRICT_REVIEW = "district_review", _("区级审核")
        BUREAU_APPROVAL = "bureau_approval", _("市局审批")
        RECTIFICATION = "rectification", _("限期整改")
        FOLLOW_UP_PENDING = "follow_up_pending", _("待跟踪评价")
        CLOSED = "closed", _("已办结")
        EXITED = "exited", _("已退出")
        CANCELLED = "cancelled", _("已取消")

    FINAL_STATES = (Status.CLOSED, Status.EXITED, Status.CANCELLED)
    CANCELLABLE = (Status.DRAFT, Status.SELF_ASSESSMENT, Status.SCORING)
    #: Approved outcomes: the payment gate counts only these.
    PASSING = (Outcome.EXCELLENT, Outcome.PASS)

    number = models.CharField(_("评价编号"), max_length=20, unique=True)
    # Null for a public body running its markets itself (clause (二十二): it rectifies, never exits).
    contract = models.ForeignKey("procurement.ServiceContract", verbose_name=_("服务合同"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="evaluations")
    operator = models.ForeignKey(Operator, verbose_name=_("运营机构"), on_delete=models.PROTECT,
                                 related_name="evaluations")
    markets = models.ManyToManyField(Market, verbose_name=_("评价的零工市场（驿站）"), related_name="evaluations")
    # The district that runs the evaluation: scoping and the district's lists filter on it.
    district = models.ForeignKey(District, verbose_name=_("组织评价的区"), on_delete=models.PROTECT,
                                 related_name="evaluations")
    period_start = models.DateField(_("评价期间起"))
    period_end = models.DateField(_("评价期间止"))
    rubric = models.ForeignKey(Rubric, verbose_name=_("评价指标体系版本"), on_delete=models.PROTECT,
                               related_name="evaluations")
    follow_up_of = models.ForeignKey("self", verbose_name=_("跟踪评价的原评价"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="follow_ups")

    status = FSMField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, protected=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    opened_at = models.DateTimeField(_("发起自评时间"), null=True, blank=True)

    # Self-assessment (运营机构自评).
    served_count = models.PositiveIntegerField(
        _("评价期间服务人次"), null=True, blank=True,
        help_text=_("运营机构按服务台账（指导意见（十三））填报的评价期间服务零工人员和用工主体的人次"))
    self_summary = models.TextField(_("自评报告"), blank=True)
    self_submitted_at = models.DateTimeField(_("自评提交时间"), null=True, blank=True)
    self_submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("自评提交人"), null=True,
                                          blank=True, on_delete=models.PROTECT, related_name="+")

    # Scoring (评分).
    total_score = models.DecimalField(_("总分"), max_digits=6, decimal_places=2, null=True, blank=True)
    outcome = models.CharField(_("评价结果"), max_length=10, choices=Outcome.choices, blank=True)
    scoring_note = models.TextField(_("评分意见"), blank=True)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("评分人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    scored_at = models.DateTimeField(_("评分时间"), null=True, blank=True)
    computed_at = models.DateTimeField(_("指标计算时间"), null=True, blank=True)

    # Approval and consequences.
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    rectification_requirements = models.TextField(_("整改要求"), blank=True)
    plan_text = models.TextField(_("整改计划"), blank=True)
    plan_complete_by = models.DateField(_("计划整改完成日期"), null=True, blank=True)
    plan_submitted_at = models.DateTimeField(_("整改计划提交时间"), null=True, blank=True)
    exit_on = models.DateField(_("退出日期"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    cancel_reason = models.TextField(_("取消理由"), blank=True)

    # due_at / is_overdue (DeadlineTracked): the next open deadline (self-assessment, rectification plan),
    # copied for sorting by core.deadlines.
    updated_at = models.DateTimeField(auto_now=True)

    objects = EvaluationQuerySet.as_manager()
    processes = flow_processes()

    class Meta:
        verbose_name = _("绩效评价")
        verbose_name_plural = _("绩效评价")
        ordering = ["-period_end", "-pk"]
        permissions = [
            ("score_evaluation", _("评价评分")),
            ("review_evaluation", _("区级审核评价")),
            ("approve_evaluation", _("市局审批评价（含退出决定）")),
            ("self_assess_evaluation", _("提交运营机构自评和整改计划")),
        ]
        indexes = [
            # viewflow's Process.artifact_object_id is an integer column: the task lists' join compares it with
            # this id cast to integer, which the primary key cannot serve (core.models.flow_processes)
            models.Index(Cast("id", models.IntegerField()), name="evaluation_id_int_idx"),
            models.Index(fields=["district", "status"], name="evaluation_district_status_idx"),
            models.Index(fields=["operator", "status"], name="evaluation_operator_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(period_start__lte=models.F("period_end")),
                                   name="evaluation_period_ordered"),
            # One evaluation per contract and period (a cancelled one may be redone).
            models.UniqueConstraint(fields=["contract", "period_start", "period_end"],
                                    condition=Q(contract__isnull=False) & ~Q(status="cancelled"),
                                    name="one_evaluation_per_contract_period"),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("evaluation:evaluation_detail", kwargs={"number": self.number})

    def clean(self):
        """The period lies within the contract's term (``check_period_within_contract``)."""
        super().clean()
        check_period_within_contract(contract=self.contract if self.contract_id else None,
                                     period_start=self.period_start, period_end=self.period_end)

    @property
    def case_number(self):
        return self.number

    @property
    def is_public_body(self) -> bool:
        """A public body running its markets itself: no contract, and failing means rectification (二十二)."""
        return self.contract_id is None

    @property
    def is_open(self):
        return self.status not in self.FINAL_STATES

    @property
    def passed(self) -> bool:
        return self.outcome in self.PASSING

    def indicator_rows(self):
        """Each indicator of the rubric with its score row, the operator's evidence and the evidence files
        (four queries), for the evaluation page, the task pages and the PDFs."""
        from django.contrib.contenttypes.models import ContentType

        from core.models import Attachment

        indicators = list(self.rubric.indicators.all())
        scores = {s.indicator_id: s for s in self.scores.select_related("scored_by")}
        evidence = {e.indicator_id: e for e in self.evidence.all()}
        files = {}
        if evidence:
            ct = ContentType.objects.get_for_model(Evidence)
            for attachment in Attachment.objects.filter(content_type=ct,
                                                        object_id__in=[e.pk for e in evidence.values()]):
                files.setdefault(attachment.object_id, []).append(attachment)
        rows = []
        for indicator in indicators:
            ev = evidence.get(indicator.pk)
            score = scores.get(indicator.pk)
            if score is not None:
                score.indicator = indicator  # for ``weighted`` without another query
            rows.append({"indicator": indicator, "score": score, "evidence": ev,
                         "files": files.get(ev.pk, []) if ev else []})
        return rows

    # -- who may act (used by the transitions' permissions) -----------------------------------------

    def is_operator_staff(self, user) -> bool:
        org = operator_org_id(user)
        return bool(org) and self.operator.organization_id == org

    def _may_self_assess(self, user):
        return self.is_operator_staff(user) and user.has_perm("evaluations.self_assess_evaluation")

    def _may_review(self, user):
        # Four-eyes rule: whoever scored cannot review.
        return user.has_perm("evaluations.review_evaluation") and user.pk != self.scored_by_id

    def _may_approve(self, user):
        # Four-eyes rule: whoever scored cannot approve.
        return user.has_perm("evaluations.approve_evaluation") and user.pk != self.scored_by_id

    def _outcome_passing(self):
        return self.outcome in self.PASSING

    def _outcome_rectification(self):
        # A public body's failing outcome is rectification, never exit (clause (二十二)).
        return self.outcome == Outcome.RECTIFY or (self.outcome == Outcome.FAIL and self.is_public_body)

    def _outcome_exit(self):
        return self.outcome == Outcome.FAIL and not self.is_public_body

    # -- transitions: legality only, no I/O ------------------------------------------------------

    @transition(field=status, source=Status.DRAFT, target=Status.SELF_ASSESSMENT,
                permission="evaluations.add_evaluation")
    def open_self_assessment(self, *, by):
        self.opened_at = timezone.now()

    @transition(field=status, source=Status.SELF_ASSESSMENT, target=Status.SCORING, permission=_may_self_assess)
    def submit_self_assessment(self, *, by):
        self.self_submitted_at, self.self_submitted_by = timezone.now(), by

    @transition(field=status, source=Status.SCORING, target=Status.DISTRICT_REVIEW,
                permission="evaluations.score_evaluation")
    def submit_scores(self, *, by, total, outcome):
        self.total_score, self.outcome = total, outcome
        self.scored_by, self.scored_at = by, timezone.now()

    @transition(field=status, source=Status.DISTRICT_REVIEW, target=Status.BUREAU_APPROVAL, permission=_may_review)
    def pass_review(self, *, by):
        pass

    @transition(field=status, source=Status.DISTRICT_REVIEW, target=Status.SCORING, permission=_may_review)
    def return_from_review(self, *, by, reason):
        pass

    @transition(field=status, source=Status.BUREAU_APPROVAL, target=Status.SCORING, permission=_may_approve)
    def return_from_approval(self, *, by, reason):
        pass

    @transition(field=status, source=Status.BUREAU_APPROVAL, target=Status.CLOSED, permission=_may_approve,
                conditions=[_outcome_passing])
    def approve_pass(self, *, by):
        self.approved_by, self.approved_at = by, timezone.now()
        self.closed_at = self.approved_at

    @transition(field=status, source=Status.BUREAU_APPROVAL, target=Status.RECTIFICATION, permission=_may_approve,
                conditions=[_outcome_rectification])
    def approve_rectification(self, *, by, requirements):
        self.approved_by, self.approved_at = by, timezone.now()
        self.rectification_requirements = requirements

    @transition(field=status, source=Status.BUREAU_APPROVAL, target=Status.EXITED, permission=_may_approve,
                conditions=[_outcome_exit])
    def approve_exit(self, *, by, exit_on):
        self.approved_by, self.approved_at = by, timezone.now()
        self.exit_on = exit_on
        self.closed_at = self.approved_at

    @transition(field=status, source=Status.RECTIFICATION, target=Status.FOLLOW_UP_PENDING,
                permission=_may_self_assess)
    def submit_plan(self, *, by, complete_by):
        self.plan_submitted_at = timezone.now()
        self.plan_complete_by = complete_by
        self.is_overdue = False

    @transition(field=status, source=Status.FOLLOW_UP_PENDING, target=Status.CLOSED,
                permission="evaluations.add_evaluation")
    def start_follow_up(self, *, by, follow_up_number):
        self.closed_at = timezone.now()

    @transition(field=status, source=list(CANCELLABLE), target=Status.CANCELLED,
                permission="evaluations.add_evaluation")
    def cancel(self, *, by, reason):
        self.cancel_reason = reason
        self.closed_at = timezone.now()


class ScopedByEvaluation(models.QuerySet):
    """Parts of an evaluation are visible exactly when the evaluation is (file downloads use this)."""

    def visible_to(self, user):
        return self.filter(evaluation__in=Evaluation.objects.visible_to(user))


class Score(models.Model):
    """One indicator of one evaluation: the computed value with the cases it came from, or the evaluator's
    score, and the score counted in the total."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey(Indicator, verbose_name=_("评价指标"), on_delete=models.PROTECT,
                                  related_name="scores")
    value = models.DecimalField(_("计算值"), max_digits=12, decimal_places=2, null=True, blank=True)
    #: The numerator/denominator behind ``value`` in words (e.g. "查实投诉 2 件 / 服务 1,000 人次").
    basis = models.CharField(_("计算依据"), max_length=200, blank=True)
    #: The cases the value was computed from: ``[{"kind": ..., "id": ..., "number": ..., "url": ...}]``.
    sources = models.JSONField(_("来源案件"), default=list, blank=True)
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("评分说明"), blank=True)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("评分人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedByEvaluation.as_manager()

    class Meta:
        verbose_name = _("指标得分")
        verbose_name_plural = _("指标得分")
        ordering = ["indicator__sort_order", "indicator_id"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "indicator"], name="one_score_per_indicator")]

    def __str__(self):
        return f"{self.evaluation_id}/{self.indicator_id} {self.score}"

    @property
    def weighted(self) -> Decimal | None:
        if self.score is None:
            return None
        return quantize(self.indicator.weight * self.score / self.indicator.max_score)


class Evidence(models.Model):
    """The operator's self-assessment of one indicator: a statement, an optional self-score, and files
    (core Attachments hung on this row)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="evidence")
    indicator = models.ForeignKey(Indicator, verbose_name=_("评价指标"), on_delete=models.PROTECT,
                                  related_name="evidence")
    statement = models.TextField(_("自评说明"))
    self_score = models.DecimalField(_("自评得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    objects = ScopedByEvaluation.as_manager()

    class Meta:
        verbose_name = _("自评材料")
        verbose_name_plural = _("自评材料")
        ordering = ["indicator__sort_order", "indicator_id"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "indicator"], name="one_evidence_per_indicator")]

    def __str__(self):
        return f"{self.evaluation_id}/{self.indicator_id}"


class Approval(models.Model):
    """One decision on an evaluation: the district review or the bureau's approval, approving or sending it
    back to scoring with an opinion."""

    class Stage(models.TextChoices):
        DISTRICT_REVIEW = "district_review", _("区级审核")
        BUREAU_APPROVAL = "bureau_approval", _("市局审批")

    class Decision(models.TextChoices):
        APPROVE = "approve", _("同意")
        RETURN = "return", _("退回重新评分")

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="approvals")
    stage = models.CharField(_("环节"), max_length=20, choices=Stage.choices)
    decision = models.CharField(_("意见"), max_length=10, choices=Decision.choices)
    opinion = models.TextField(_("审核意见"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("审核时间"), default=timezone.now)

    objects = ScopedByEvaluation.as_manager()

    class Meta:
        verbose_name = _("审核审批")
        verbose_name_plural = _("审核审批")
        ordering = ["evaluation", "decided_at", "pk"]

    def __str__(self):
        return f"{self.evaluation_id} {self.stage} {self.decision}"


class EvaluationProcess(Process):
    """The viewflow process of one evaluation; the Evaluation hangs on it as ``artifact``."""

    class Meta:
        proxy = True
        verbose_name = _("绩效评价流程")
        verbose_name_plural = _("绩效评价流程")

    @property
    def evaluation(self) -> Evaluation:
        return self.artifact

"""Government purchase of market operation services (政府购买服务, clauses (九)(二十)(二十二)).

* ``ServiceProject``: what is bought: which markets / stations are run, which services, budget, period.
* ``SelectionRound`` (遴选, FSM): candidates apply, the district reviews their qualification (reasons per
  candidate), a panel scores each qualified candidate (each member separately; a member related to a
  candidate may not score it), the award records the ranking by mean score.
* ``ServiceContract`` (FSM): draft → active → suspended → active | terminated (exit / mutual / other) |
  expired; a renewal is a new contract pointing at the one it renews (``previous``).
* ``PaymentMilestone`` (FSM): planned → approved → paid; approval needs a passed evaluation covering the
  milestone's period (funds tied to performance).

Legality lives on the transitions below; ``services.py`` is the only writer.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from accounts.models import District
from accounts.scoping import district_q, is_citywide, is_district_staff, operator_org_id
from core.fsm import RefreshableFSMMixin
from core.validators import validate_credit_code
from markets.models import Market, Operator

MANAGE = "procurement.manage_servicecontract"
TERMINATE = "procurement.terminate_servicecontract"
RUN_SELECTION = "procurement.run_selectionround"
APPROVE_PAYMENT = "procurement.approve_paymentmilestone"
PAY = "procurement.pay_paymentmilestone"


def _staff_scope(qs, user, field="district"):
    if is_citywide(user) or is_district_staff(user):
        return qs.filter(district_q(user, field))
    return qs.none()


# ---- projects and selection --------------------------------------------------------------------------


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user):
        """District staff their district's projects, bureau officials all; operators and partners none."""
        return _staff_scope(self, user)


class ServiceProject(models.Model):
    """One purchase of operation services: the markets to be run, the services, budget and period."""

    name = models.CharField(_("项目名称"), max_length=200)
    district = models.ForeignKey(District, verbose_name=_("所属区"), on_delete=models.PROTECT,
                                 related_name="service_projects")
    markets = models.ManyToManyField(Market, verbose_name=_("运营的零工市场（驿站）"), related_name="service_projects")
    services = models.TextField(_("购买的服务内容"))
    budget = models.DecimalField(_("预算金额（元）"), max_digits=14, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0"))])
    period_start = models.DateField(_("服务期起"))
    period_end = models.DateField(_("服务期止"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("购买服务项目")
        verbose_name_plural = _("购买服务项目")
        ordering = ["-period_start", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="project_period_order"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="project_budget_non_negative"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("procurement:project:detail", kwargs={"pk": self.pk})


class RoundQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _staff_scope(self, user, "project__district")


class SelectionRound(RefreshableFSMMixin, models.Model):
    """遴选: one call for candidates for a project, reviewed, scored by a panel and awarded."""

    class Status(models.TextChoices):
        OPEN = "open", _("接受报名")
        REVIEW = "review", _("资格审查与评分")
        AWARDED = "awarded", _("已确定中选机构")
        CANCELLED = "cancelled", _("已取消")

    project = models.ForeignKey(ServiceProject, verbose_name=_("项目"), on_delete=models.PROTECT,
                                related_name="rounds")
    title = models.CharField(_("名称"), max_length=200)
    opens_on = models.DateField(_("报名开始"))
    closes_on = models.DateField(_("报名截止"))
    status = FSMField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN, protected=True)
    # The ranking as awarded: [{"candidate": pk, "operator": name, "mean": "85.50", "rank": 1, "tied": false}]
    ranking = models.JSONField(_("排名"), default=list, blank=True)
    winner = models.ForeignKey("Candidate", verbose_name=_("中选机构"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    award_note = models.TextField(_("确定说明"), blank=True)
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("确定人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    awarded_at = models.DateTimeField(_("确定时间"), null=True, blank=True)
    cancel_reason = models.TextField(_("取消原因"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("遴选")
        verbose_name_plural = _("遴选")
        ordering = ["-opens_on", "-pk"]
        permissions = [("run_selectionround", _("组织遴选（资格审查、确定中选机构）"))]
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="round_dates_order"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("procurement:project:round_detail", kwargs={"pk": self.pk})

    @property
    def district_id(self):
        return self.project.district_id

    @transition(field=status, source=Status.OPEN, target=Status.REVIEW, permission=RUN_SELECTION)
    def close_applications(self, *, by):
        """Applications end; qualification review and panel scoring begin."""

    @transition(field=status, source=Status.REVIEW, target=Status.AWARDED, permission=RUN_SELECTION)
    def award(self, *, by, winner, ranking, reason=""):
        self.winner = winner
        self.ranking = ranking
        self.award_note = reason
        self.awarded_by = by
        self.awarded_at = timezone.now()

    @transition(field=status, source=[Status.OPEN, Status.REVIEW], target=Status.CANCELLED,
                permission=RUN_SELECTION)
    def cancel(self, *, by, reason):
        self.cancel_reason = reason


class Candidate(models.Model):
    """An operator applying in a round, with its qualification review (reasons kept per candidate)."""

    class Qualification(models.TextChoices):
        PENDING = "pending", _("待审查")
        QUALIFIED = "qualified", _("资格审查通过")
        DISQUALIFIED = "disqualified", _("资格审查未通过")

    round = models.ForeignKey(SelectionRound, verbose_name=_("遴选"), on_delete=models.CASCADE,
                              related_name="candidates")
    operator = models.ForeignKey(Operator, verbose_name=_("运营机构"), on_delete=models.PROTECT,
                                 related_name="candidacies")
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, validators=[validate_credit_code])
    licence_number = models.CharField(_("人力资源服务许可证编号"), max_length=50, blank=True)
    licence_valid_until = models.DateField(_("许可证有效期至"), null=True, blank=True)
    proposal = models.TextField(_("服务方案摘要"), blank=True)
    applied_at = models.DateTimeField(_("报名时间"), default=timezone.now)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    qualification = models.CharField(_("资格审查"), max_length=12, choices=Qualification.choices,
                                     default=Qualification.PENDING)
    qualification_reasons = models.JSONField(_("审查意见"), default=list, blank=True)
    qualified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审查人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    qualified_at = models.DateTimeField(_("审查时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("候选机构")
        verbose_name_plural = _("候选机构")
        ordering = ["round", "applied_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["round", "operator"], name="one_candidacy_per_round")]

    def __str__(self):
        return f"{self.operator}（{self.round}）"


class PanelMember(models.Model):
    """A member of a round's review panel, with the relations he or she declared (one name or unified
    social credit code per line); a member related to a candidate may not score it."""

    round = models.ForeignKey(SelectionRound, verbose_name=_("遴选"), on_delete=models.CASCADE,
                              related_name="panel")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("评审专家"), on_delete=models.PROTECT,
                             related_name="panel_seats")
    declared_relations = models.TextField(
        _("申报的关联关系"), blank=True,
        help_text=_("与本人有利害关系的机构名称或统一社会信用代码，每行一项"))
    added_at = models.DateTimeField(_("加入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("评审专家")
        verbose_name_plural = _("评审专家")
        ordering = ["round", "pk"]
        constraints = [models.UniqueConstraint(fields=["round", "user"], name="one_seat_per_round")]

    def __str__(self):
        return self.user.get_full_name() or self.user.get_username()

    def relations(self) -> set[str]:
        return {line.strip().casefold() for line in self.declared_relations.splitlines() if line.strip()}

    def is_related_to(self, candidate: Candidate) -> bool:
        """True when a declared relation names the candidate's operator or its credit code."""
        operator = candidate.operator
        names = {operator.name.strip().casefold(), operator.credit_code.strip().casefold(),
                 candidate.credit_code.strip().casefold()}
        return bool(self.relations() & names)


class PanelScore(models.Model):
    candidate = models.ForeignKey(Candidate, verbose_name=_("候选机构"), on_delete=models.CASCADE,
                                  related_name="scores")
    member = models.ForeignKey(PanelMember, verbose_name=_("评审专家"), on_delete=models.CASCADE,
                               related_name="scores")
    score = models.DecimalField(_("评分"), max_digits=5, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))])
    comment = models.TextField(_("评审意见"), blank=True)
    scored_at = models.DateTimeField(_("评分时间"), default=timezone.now)

    class Meta:
        verbose_name = _("专家评分")
        verbose_name_plural = _("专家评分")
        ordering = ["candidate", "member"]
        constraints = [
            models.UniqueConstraint(fields=["member", "candidate"], name="one_score_per_member_candidate"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="panel_score_0_100"),
        ]

    def __str__(self):
        return f"{self.member} → {self.candidate}: {self.score}"


# ---- contracts ----------------------------------------------------------------------------------------


class ContractQuerySet(models.QuerySet):
    def visible_to(self, user):
        """District staff their district's contracts, bureau officials all, operator staff only their own
        operator's contracts (read-only), partners nothing."""
        org = operator_org_id(user)
        if org:
            return self.filter(operator__organization_id=org)
        return _staff_scope(self, user)

    def with_list_data(self):
        return self.select_related("district", "operator", "project")

    def exits_since(self, since):
        """Contracts ended by exit (退出) on or after ``since``."""
        return self.filter(status=ServiceContract.Status.TERMINATED,
                           termination_kind=ServiceContract.TerminationKind.EXIT, terminated_on__gte=since)


class ServiceContract(RefreshableFSMMixin, models.Model):
    """政府购买服务合同 with an operator for running markets / stations."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ACTIVE = "active", _("履行中")
        SUSPENDED = "suspended", _("暂停履行")
        TERMINATED = "terminated", _("已终止")
        EXPIRED = "expired", _("已到期")

    class TerminationKind(models.TextChoices):
        EXIT = "exit", _("考核不合格退出")
        MUTUAL = "mutual", _("协商解除")
        OTHER = "other", _("其他原因终止")

    FINAL_STATES = (Status.TERMINATED, Status.EXPIRED)

    number = models.CharField(_("合同编号"), max_length=20, unique=True)
    project = models.ForeignKey(ServiceProject, verbose_name=_("项目"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="contracts")
    selection_round = models.ForeignKey(SelectionRound, verbose_name=_("遴选"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="contracts")
    operator = models.ForeignKey(Operator, verbose_name=_("运营机构"), on_delete=models.PROTECT,
                                 related_name="contracts")
    markets = models.ManyToManyField(Market, verbose_name=_("运营的零工市场（驿站）"), related_name="service_contracts")
    district = models.ForeignKey(District, verbose_name=_("所属区"), on_delete=models.PROTECT,
                                 related_name="service_contracts")
    amount = models.DecimalField(_("合同金额（元）"), max_digits=14, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0"))])
    start_date = models.DateField(_("服务期起"))
    end_date = models.DateField(_("服务期止"))
    status = FSMField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT, protected=True)
    activated_at = models.DateTimeField(_("生效时间"), null=True, blank=True)
    suspension_reason = models.TextField(_("暂停原因"), blank=True)
    termination_kind = models.CharField(_("终止方式"), max_length=10, choices=TerminationKind.choices, blank=True)
    terminated_on = models.DateField(_("终止日期"), null=True, blank=True)
    termination_reason = models.TextField(_("终止原因"), blank=True)
    expired_on = models.DateField(_("到期日期"), null=True, blank=True)
    # A renewal is a new contract; the chain runs through ``previous`` (at most one renewal per contract).
    previous = models.OneToOneField("self", verbose_name=_("续签自"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="renewal")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("服务合同")
        verbose_name_plural = _("服务合同")
        ordering = ["-start_date", "-pk"]
        permissions = [
            ("manage_servicecontract", _("管理服务合同（生效、暂停、恢复、到期、续签）")),
            ("terminate_servicecontract", _("终止服务合同")),
        ]
        indexes = [models.Index(fields=["district", "status"], name="contract_district_status_idx"),
                   models.Index(fields=["operator", "status"], name="contract_operator_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="contract_period_order"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="contract_amount_non_negative"),
            models.CheckConstraint(condition=~Q(status="terminated") | (Q(terminated_on__isnull=False)
                                                                        & ~Q(termination_kind="")),
                                   name="contract_terminated_has_date_kind"),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("procurement:contract:detail", kwargs={"number": self.number})

    @property
    def case_number(self):
        return self.number

    @property
    def is_final(self):
        return self.status in self.FINAL_STATES

    @property
    def term(self):
        """The days the contract runs (服务期): ``(start_date, last day)``, the last day being the termination
        date when it was terminated before its end date."""
        last = self.end_date
        if self.terminated_on is not None and self.terminated_on < last:
            last = self.terminated_on
        return self.start_date, last

    def _period_over(self):
        return timezone.localdate() > self.end_date

    # -- transitions ------------------------------------------------------------------------------

    @transition(field=status, source=Status.DRAFT, target=Status.ACTIVE, permission=MANAGE)
    def activate(self, *, by):
        self.activated_at = timezone.now()

    @transition(field=status, source=Status.ACTIVE, target=Status.SUSPENDED, permission=MANAGE)
    def suspend(self, *, by, reason):
        self.suspension_reason = reason

    @transition(field=status, source=Status.SUSPENDED, target=Status.ACTIVE, permission=MANAGE)
    def resume(self, *, by, reason=""):
        self.suspension_reason = ""

    @transition(field=status, source=[Status.ACTIVE, Status.SUSPENDED], target=Status.TERMINATED,
                permission=TERMINATE)
    def terminate(self, *, by, kind, on_date, reason):
        self.termination_kind = kind
        self.terminated_on = on_date
        self.termination_reason = reason

    @transition(field=status, source=[Status.ACTIVE, Status.SUSPENDED], target=Status.EXPIRED,
                conditions=[_period_over], permission=MANAGE)
    def expire(self, *, by=None):
        self.expired_on = self.end_date


class MilestoneQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(contract__in=ServiceContract.objects.visible_to(user))


class PaymentMilestone(RefreshableFSMMixin, models.Model):
    """One instalment of the contract price for one service period."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("待考核")
        APPROVED = "approved", _("已核准支付")
        PAID = "paid", _("已支付")

    contract = models.ForeignKey(ServiceContract, verbose_name=_("服务合同"), on_delete=models.CASCADE,
                                 related_name="milestones")
    title = models.CharField(_("名称"), max_length=100)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    period_start = models.DateField(_("考核期起"))
    period_end = models.DateField(_("考核期止"))
    status = FSMField(_("状态"), max_length=10, choices=Status.choices, default=Status.PLANNED, protected=True)
    # The evaluation that allowed the payment (its number; evaluations live in their own app).
    evaluation_number = models.CharField(_("依据的绩效评价"), max_length=30, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("核准人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("核准时间"), null=True, blank=True)
    paid_on = models.DateField(_("支付日期"), null=True, blank=True)
    payment_reference = models.CharField(_("支付凭证号"), max_length=60, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        verbose_name = _("付款节点")
        verbose_name_plural = _("付款节点")
        ordering = ["contract", "period_start", "pk"]
        permissions = [
            ("approve_paymentmilestone", _("核准付款节点")),
            ("pay_paymentmilestone", _("登记付款")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="milestone_period_order"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="milestone_amount_positive"),
        ]

    def __str__(self):
        return f"{self.contract_id} {self.title}"

    @transition(field=status, source=Status.PLANNED, target=Status.APPROVED, permission=APPROVE_PAYMENT)
    def approve(self, *, by, evaluation_number):
        self.evaluation_number = evaluation_number
        self.approved_by = by
        self.approved_at = timezone.now()

    @transition(field=status, source=Status.APPROVED, target=Status.PAID, permission=PAY)
    def mark_paid(self, *, by, paid_on, reference):
        self.paid_on = paid_on
        self.payment_reference = reference
        self.paid_by = by

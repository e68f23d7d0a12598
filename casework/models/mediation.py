"""Labour-dispute mediation (劳动争议调解): the case, its parties, claims, sessions, agreement with obligations,
the 15-day limit's joint extensions and the mediators' recorded conflicts of interest.

Legality lives on MediationCase's transitions (no I/O); services in ``casework.services.mediation`` are the
only writers. ``version`` is an optimistic-concurrency counter: every edit service checks the version the
form was loaded with, so two mediators saving the same case cannot silently overwrite each other."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from viewflow.workflow.models import Process

from accounts.models import District
from accounts.scoping import district_q, is_citywide, is_district_staff
from core.fields import EncryptedCharField
from core.fsm import RefreshableFSMMixin
from core.masking import mask_id_number, mask_name, mask_phone
from core.models import flow_processes
from core.validators import validate_credit_code, validate_resident_id
from markets.models import Market

#: Art. 14 劳动争议调解仲裁法: no agreement within 15 days of receipt → mediation ends as failed.
MEDIATION_LIMIT_DAYS = 15


class MediationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """District staff see their district; the assigned mediator always sees the case; bureau officials
        and admins see all; partners and operators none."""
        return self.filter(self.visible_q(user))

    @staticmethod
    def visible_q(user) -> Q:
        """``visible_to`` as a condition, for queries that reach this entity through a join (task lists)."""
        if is_citywide(user):
            return Q()
        if is_district_staff(user):
            return district_q(user) | Q(mediator=user)
        return Q(pk__in=[])

    @staticmethod
    def open_q() -> Q:
        return ~Q(status__in=MediationCase.CLOSED_STATES)

    def open(self):
        return self.filter(self.open_q())

    def with_list_data(self):
        return self.select_related("district", "market", "mediator")


class MediationCase(RefreshableFSMMixin, models.Model):
    class Status(models.TextChoices):
        APPLIED = "applied", _("待受理")
        ACCEPTED = "accepted", _("已受理")
        DECLINED = "declined", _("不予受理")
        MEDIATOR_ASSIGNED = "mediator_assigned", _("已指派调解员")
        IN_MEDIATION = "in_mediation", _("调解中")
        AGREEMENT_SIGNED = "agreement_signed", _("已达成调解协议")
        FULFILLED = "fulfilled", _("协议已履行")
        NOT_FULFILLED = "not_fulfilled", _("协议未履行")
        FAILED = "failed", _("调解不成")
        CLOSED = "closed", _("已结案")
        WITHDRAWN = "withdrawn", _("已撤回")

    class Channel(models.TextChoices):
        ONLINE = "online", _("网上申请")
        COUNTER = "counter", _("窗口书面申请")
        ORAL = "oral", _("口头申请")
        COMPLAINT = "complaint", _("投诉转入")

    class FailureReason(models.TextChoices):
        NO_AGREEMENT = "no_agreement", _("未能达成调解协议")
        PARTY_REFUSED = "party_refused", _("一方当事人拒绝调解")
        TIME_LIMIT = "time_limit", _("自收到申请之日起十五日内未达成调解协议")

    CLOSED_STATES = (Status.DECLINED, Status.CLOSED, Status.WITHDRAWN)
    WITHDRAWABLE = (Status.APPLIED, Status.ACCEPTED, Status.MEDIATOR_ASSIGNED, Status.IN_MEDIATION)
    #: States in which sessions, minutes and the agreement draft may be edited.
    MEDIATING = (Status.MEDIATOR_ASSIGNED, Status.IN_MEDIATION)

    number = models.CharField(_("案件编号"), max_length=20, unique=True)
    channel = models.CharField(_("申请方式"), max_length=10, choices=Channel.choices)
    district = models.ForeignKey(District, verbose_name=_("管辖区"), on_delete=models.PROTECT,
                                 related_name="mediation_cases")
    market = models.ForeignKey(Market, verbose_name=_("零工市场（驿站）"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="mediation_cases")
    # Art. 12: an oral application is recorded with the applicant, the matters, the reasons and the time.
    matters = models.TextField(_("争议事项"))
    reasons = models.TextField(_("申请理由"))
    received_at = models.DateTimeField(_("收到申请时间"), default=timezone.now)

    respondent_name = models.CharField(_("被申请人（用人单位）"), max_length=200)
    respondent_credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True,
                                              validators=[validate_credit_code], db_index=True)
    respondent_contact = models.CharField(_("联系人"), max_length=50, blank=True)
    respondent_phone = EncryptedCharField(_("联系电话"), blank=True, plain_max_length=20)

    # Created from a complaint: the link both ways (the complaint's ``mediation_cases``).
    source_complaint = models.ForeignKey("casework.Complaint", verbose_name=_("来源投诉"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="mediation_cases")
    # Online applications: only a keyed hash of the tracking code shown once (like complaints).
    tracking_code_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    consent_version = models.CharField(_("个人信息处理说明版本"), max_length=20, blank=True)

    status = FSMField(_("状态"), max_length=20, choices=Status.choices, default=Status.APPLIED, protected=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    decline_reasons = models.TextField(_("不予受理理由"), blank=True)
    arbitration_advice = models.TextField(_("仲裁建议"), blank=True)
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("调解员"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="mediation_cases")
    assigned_at = models.DateTimeField(_("指派时间"), null=True, blank=True)
    failure_reason = models.CharField(_("调解终止原因"), max_length=20, choices=FailureReason.choices, blank=True)
    failure_note = models.TextField(_("终止说明"), blank=True)
    failed_at = models.DateTimeField(_("调解终止时间"), null=True, blank=True)
    agreement_effective_at = models.DateTimeField(_("协议生效时间"), null=True, blank=True)
    fulfilment_checked_at = models.DateTimeField(_("履行情况确认时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("撤回理由"), blank=True)

    # The running limit, copied from core.Deadline (sync_entity_due_at) for lists and sorting.
    due_at = models.DateTimeField(_("调解期限"), null=True, blank=True)
    due_provisional = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MediationQuerySet.as_manager()
    processes = flow_processes()

    class Meta:
        verbose_name = _("劳动争议调解")
        verbose_name_plural = _("劳动争议调解")
        ordering = ["-received_at"]
        permissions = [
            ("accept_mediation", _("受理调解申请")),
            ("decline_mediation", _("批准不予受理调解申请")),
            ("assign_mediation", _("指派或改派调解员")),
            ("mediate_mediation", _("主持调解")),
        ]
        indexes = [
            # viewflow's Process.artifact_object_id is an integer column: the task lists' join compares it with
            # this id cast to integer, which the primary key cannot serve (core.models.flow_processes)
            models.Index(Cast("id", models.IntegerField()), name="mediation_id_int_idx"),
            models.Index(fields=["district", "status"], name="mediation_district_status_idx"),
            models.Index(fields=["mediator", "status"], name="mediation_mediator_idx"),
            models.Index(fields=["due_at"], name="mediation_open_due_idx",
                         condition=~Q(status__in=["declined", "closed", "withdrawn"])),
            # the district's open cases: where its inbox, queue and badges start (core.workflow.scope_tasks)
            models.Index(fields=["district"], name="mediation_open_district_idx",
                         condition=~Q(status__in=["declined", "closed", "withdrawn"])),
            # the other arm of visible_q: the mediator's open cases, not every case they ever mediated
            models.Index(fields=["mediator"], name="mediation_open_mediator_idx",
                         condition=~Q(status__in=["declined", "closed", "withdrawn"])),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(version__gte=1), name="mediation_version_gte_1"),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(failure_reason=""), name="mediation_failed_has_reason"),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("mediation:mediation_detail", kwargs={"number": self.number})

    @property
    def is_open(self):
        return self.status not in self.CLOSED_STATES

    @property
    def masked_respondent_phone(self):
        return mask_phone(self.respondent_phone)

    # -- conditions ------------------------------------------------------------------------------

    def agreement_complete(self) -> bool:
        """Arts. 14–15: binding only when both parties and the mediator have signed and the body's seal is
        recorded, and the agreement says what each party owes."""
        agreement = getattr(self, "agreement", None)
        return bool(agreement is not None and agreement.missing_signatures() == []
                    and agreement.facts.strip() and agreement.obligations.exists())

    def all_obligations_fulfilled(self) -> bool:
        agreement = getattr(self, "agreement", None)
        return bool(agreement is not None and agreement.obligations.exists()
                    and not agreement.obligations.filter(fulfilled_at__isnull=True).exists())

    # -- transitions: legality only, no I/O ------------------------------------------------------

    @transition(field=status, source=Status.APPLIED, target=Status.ACCEPTED,
                permission="casework.accept_mediation")
    def accept(self, *, by):
        self.accepted_at = timezone.now()
        self.accepted_by = by

    @transition(field=status, source=Status.APPLIED, target=Status.DECLINED,
                permission="casework.decline_mediation")
    def decline(self, *, by, reason, advice):
        self.decline_reasons = reason
        self.arbitration_advice = advice
        self.closed_at = timezone.now()

    @transition(field=status, source=Status.ACCEPTED, target=Status.MEDIATOR_ASSIGNED,
                permission="casework.assign_mediation")
    def assign(self, *, by, mediator_id, reason=""):
        self.mediator_id = mediator_id
        self.assigned_at = timezone.now()

    @transition(field=status, source=Status.MEDIATOR_ASSIGNED, target=Status.IN_MEDIATION,
                permission=lambda self, user: user.pk == self.mediator_id)
    def start_mediation(self, *, by):
        pass

    @transition(field=status, source=Status.IN_MEDIATION, target=Status.AGREEMENT_SIGNED,
                conditions=[agreement_complete], permission=lambda self, user: user.pk == self.mediator_id)
    def sign_agreement(self, *, by):
        self.agreement_effective_at = timezone.now()

    @transition(field=status, source=[Status.MEDIATOR_ASSIGNED, Status.IN_MEDIATION], target=Status.FAILED,
                permission=lambda self, user: user.pk == self.mediator_id
                or user.has_perm("casework.assign_mediation"))
    def fail(self, *, by=None, failure_reason, reason=""):
        self.failure_reason = failure_reason
        self.failure_note = reason
        self.failed_at = timezone.now()

    @transition(field=status, source=Status.AGREEMENT_SIGNED, target=Status.FULFILLED,
                conditions=[all_obligations_fulfilled],
                permission=lambda self, user: user.pk == self.mediator_id
                or user.has_perm("casework.assign_mediation"))
    def mark_fulfilled(self, *, by):
        self.fulfilment_checked_at = timezone.now()

    @transition(field=status, source=Status.AGREEMENT_SIGNED, target=Status.NOT_FULFILLED,
                permission=lambda self, user: user.pk == self.mediator_id
                or user.has_perm("casework.assign_mediation"))
    def mark_not_fulfilled(self, *, by, reason):
        self.fulfilment_checked_at = timezone.now()

    @transition(field=status, source=[Status.FULFILLED, Status.NOT_FULFILLED, Status.FAILED], target=Status.CLOSED)
    def close(self, *, by=None):
        self.closed_at = timezone.now()

    @transition(field=status, source=list(WITHDRAWABLE), target=Status.WITHDRAWN)
    def withdraw(self, *, by=None, reason):
        self.withdrawn_at = timezone.now()
        self.closed_at = self.withdrawn_at
        self.withdrawal_reason = reason


class MediationParty(models.Model):
    """An applicant (a worker). Several workers against one employer are one case."""

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="applicants")
    name = models.CharField(_("姓名"), max_length=50)
    id_number = EncryptedCharField(_("身份证号码"), plain_max_length=18, validators=[validate_resident_id])
    phone = EncryptedCharField(_("联系电话"), blank=True, plain_max_length=20)
    priority = models.BooleanField(_("就业困难人员"), default=False,
                                   help_text=_("就业困难人员和重点群体优先办理（第十四条）"))

    class Meta:
        verbose_name = _("申请人")
        verbose_name_plural = _("申请人")
        ordering = ["pk"]

    def __str__(self):
        return self.name

    @property
    def masked_name(self):
        return mask_name(self.name)

    @property
    def masked_id_number(self):
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self):
        return mask_phone(self.phone)


class MediationClaim(models.Model):
    class Kind(models.TextChoices):
        UNPAID_WAGES = "unpaid_wages", _("拖欠工资")
        OVERTIME = "overtime", _("加班费")
        INJURY_COSTS = "injury_costs", _("工伤医疗费用")
        DEPOSIT_REFUND = "deposit_refund", _("退还押金")
        OTHER = "other", _("其他")

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="claims")
    kind = models.CharField(_("请求类型"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("调解请求")
        verbose_name_plural = _("调解请求")
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="mediation_claim_amount_gte_0")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"


class MediationSessionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A session (and its notice and minutes) is visible with its case."""
        return self.filter(case__in=MediationCase.objects.visible_to(user))


class MediationSession(models.Model):
    """A mediation session: when and where (the market's mediation room or online), who takes part, then the
    minutes and who did not attend. Its notice (调解通知书) and minutes (调解笔录) are PDFs hung on the session."""

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="sessions")
    scheduled_at = models.DateTimeField(_("调解时间"))
    place = models.CharField(_("调解地点"), max_length=200,
                             help_text=_("线上调解请填写会议平台和会议号。"))
    online = models.BooleanField(_("线上调解"), default=False)
    participants = models.CharField(_("其他参加人员"), max_length=300, blank=True,
                                    help_text=_("除双方当事人和调解员外的参加人员，如委托代理人、翻译、证人。"))
    minutes = models.TextField(_("调解笔录"), blank=True)
    applicant_absent = models.BooleanField(_("申请人缺席"), default=False)
    respondent_absent = models.BooleanField(_("被申请人缺席"), default=False)
    recorded_at = models.DateTimeField(_("笔录记录时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = MediationSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("调解会")
        verbose_name_plural = _("调解会")
        ordering = ["scheduled_at", "pk"]

    def __str__(self):
        return f"{self.case} {self.scheduled_at:%Y-%m-%d %H:%M}"


class MediationAgreement(models.Model):
    """调解协议书: the facts and the obligations; effective only once all four marks are recorded."""

    case = models.OneToOneField(MediationCase, on_delete=models.CASCADE, related_name="agreement")
    facts = models.TextField(_("争议事实"))
    applicant_signed_at = models.DateTimeField(_("申请人签名时间"), null=True, blank=True)
    respondent_signed_at = models.DateTimeField(_("被申请人签名（盖章）时间"), null=True, blank=True)
    mediator_signed_at = models.DateTimeField(_("调解员签名时间"), null=True, blank=True)
    seal_recorded_at = models.DateTimeField(_("调解组织印章时间"), null=True, blank=True)
    drafted_at = models.DateTimeField(default=timezone.now)

    SIGNATURES = (
        ("applicant_signed_at", _("申请人签名")),
        ("respondent_signed_at", _("被申请人签名或盖章")),
        ("mediator_signed_at", _("调解员签名")),
        ("seal_recorded_at", _("调解组织印章")),
    )

    class Meta:
        verbose_name = _("调解协议书")
        verbose_name_plural = _("调解协议书")

    def __str__(self):
        return f"{self.case} 调解协议书"

    def missing_signatures(self) -> list:
        return [label for field, label in self.SIGNATURES if getattr(self, field) is None]


class AgreementObligation(models.Model):
    class Kind(models.TextChoices):
        # Art. 16: an agreement on these, unperformed by the employer, supports a payment order (支付令).
        WAGES = "wages", _("劳动报酬")
        INJURY_COSTS = "injury_costs", _("工伤医疗费")
        COMPENSATION = "compensation", _("经济补偿或者赔偿金")
        OTHER = "other", _("其他")

    PAYMENT_ORDER_KINDS = (Kind.WAGES, Kind.INJURY_COSTS, Kind.COMPENSATION)

    agreement = models.ForeignKey(MediationAgreement, on_delete=models.CASCADE, related_name="obligations")
    description = models.CharField(_("义务内容"), max_length=200)
    kind = models.CharField(_("义务类型"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    due_on = models.DateField(_("履行期限"))
    method = models.CharField(_("履行方式"), max_length=200)
    fulfilled_at = models.DateTimeField(_("履行时间"), null=True, blank=True)
    fulfilled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        verbose_name = _("协议义务")
        verbose_name_plural = _("协议义务")
        ordering = ["due_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0),
                                              name="mediation_obligation_amount_gte_0")]

    def __str__(self):
        return self.description

    @property
    def supports_payment_order(self) -> bool:
        return self.kind in self.PAYMENT_ORDER_KINDS and (self.amount or 0) > 0

    def is_missed(self, today=None) -> bool:
        """Past its due date and not performed."""
        return self.fulfilled_at is None and self.due_on < (today or timezone.localdate())


class MediationExtension(models.Model):
    """A joint extension of the 15-day limit: both parties' recorded consent and the new date."""

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="extensions")
    applicant_consent_at = models.DateTimeField(_("申请人同意时间"))
    respondent_consent_at = models.DateTimeField(_("被申请人同意时间"))
    new_due_on = models.DateField(_("延长至"))
    reason = models.TextField(_("延长理由"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("调解期限延长")
        verbose_name_plural = _("调解期限延长")
        ordering = ["recorded_at"]


class MediatorConflict(models.Model):
    """A mediator's recorded relation to a party (kin, former employer…): they may not mediate its cases."""

    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="mediation_conflicts")
    party_name = models.CharField(_("关联当事人名称"), max_length=200, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    note = models.CharField(_("关联说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("调解员回避登记")
        verbose_name_plural = _("调解员回避登记")
        constraints = [models.CheckConstraint(condition=~Q(party_name="") | ~Q(credit_code=""),
                                              name="mediator_conflict_names_someone")]

    def __str__(self):
        return f"{self.mediator} ↔ {self.party_name or self.credit_code}"


class MediationProcess(Process):
    class Meta:
        proxy = True
        verbose_name = _("劳动争议调解流程")
        verbose_name_plural = _("劳动争议调解流程")

    @property
    def case(self) -> MediationCase:
        return self.artifact

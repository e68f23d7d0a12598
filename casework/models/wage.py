"""Wage-arrears claims (欠薪线索): the claim, its workers with the amounts owed and paid, its viewflow process
proxy, and the index of employer mentions used to find repeat offenders across claims, complaints and mediation.

Legality lives on WageClaim's transitions (no I/O); services in ``casework.services.wage`` are the only
writers. Evidence files are ``core.Attachment`` rows hung on the claim (as for complaints).

Money is ``Decimal`` end to end: amounts are DecimalFields, totals are SQL ``SUM`` of them (never floats)."""

import secrets
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce
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
from core.models import ProvisionalDeadlineTracked, flow_processes
from core.validators import validate_credit_code, validate_resident_id
from markets.models import Market

from ..employers import employer_key, normalise_credit_code

ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=14, decimal_places=2)

#: 劳动争议调解仲裁法 第二十七条: arbitration for wage arrears may be applied for at any time while employment
#: continues; once it has ended, within one year of the day it ended.
LIMITATION_WARN_DAYS = 60


def _cents(value) -> Decimal:
    """A SQL sum as yuan with two places. PostgreSQL sums NUMERIC exactly; SQLite (the embedded demo) has no
    decimal type and hands back a Decimal made from its float sum, which two places make right again for
    any realistic claim (the error is far below half a fen)."""
    return Decimal(value).quantize(Decimal("0.01"))


def _worker_sum(field):
    return Coalesce(
        Subquery(WageClaimWorker.objects.filter(claim=OuterRef("pk")).order_by().values("claim")
                 .annotate(s=Sum(field)).values("s")[:1], output_field=_MONEY),
        Value(ZERO), output_field=_MONEY,
    )


class WageClaimQuerySet(models.QuerySet):
    def visible_to(self, user):
        """District staff see their district; the officer handling a claim always sees it; bureau officials
        and admins see all. Partners and operators see nothing here: a legal-aid partner sees only the
        referral packet sent to its organisation (the Referral views), never the claim itself."""
        return self.filter(self.visible_q(user))

    @staticmethod
    def visible_q(user) -> Q:
        """``visible_to`` as a condition, for queries that reach this entity through a join (task lists)."""
        if is_citywide(user):
            return Q()
        if is_district_staff(user):
            return district_q(user) | Q(officer=user)
        return Q(pk__in=[])

    @staticmethod
    def open_q() -> Q:
        return ~Q(status__in=WageClaim.CLOSED_STATES)

    def open(self):
        return self.filter(self.open_q())

    def with_totals(self):
        """Annotate ``owed_sum`` and ``paid_sum`` (Decimal, one subquery each: no join fan-out)."""
        return self.annotate(owed_sum=_worker_sum("amount_owed"), paid_sum=_worker_sum("amount_paid"))

    def with_list_data(self):
        return self.select_related("district", "market", "officer").with_totals()

    def by_urgency(self):
        """Priority workers (clause (十四)) first, then the nearest deadline, overdue ones first of all."""
        return self.order_by("-is_overdue", "-priority", models.F("due_at").asc(nulls_last=True), "id")


class WageClaim(RefreshableFSMMixin, ProvisionalDeadlineTracked):
    class Status(models.TextChoices):
        REPORTED = "reported", _("已登记")
        VERIFYING = "verifying", _("核实中")
        UNSUBSTANTIATED = "unsubstantiated", _("经核实不成立")
        VERIFIED = "verified", _("经核实成立")
        COORDINATING = "coordinating", _("协调处理中")
        SETTLED = "settled", _("已协调支付")
        REFERRED = "referred", _("已移送")
        CLOSED = "closed", _("已结案")

    class Channel(models.TextChoices):
        ONLINE = "online", _("网上反映")
        COUNTER = "counter", _("窗口登记")
        HOTLINE = "hotline", _("热线电话")
        COMPLAINT = "complaint", _("投诉转入")
        MEDIATION = "mediation", _("调解转入")

    class Outcome(models.TextChoices):
        FULLY_RECOVERED = "fully_recovered", _("全额追回")
        PARTLY_RECOVERED = "partly_recovered", _("部分追回")
        ARBITRATION = "arbitration", _("转入劳动仲裁")
        LITIGATION = "litigation", _("转入诉讼")
        WITHDRAWN = "withdrawn", _("申请人撤回")
        UNCOLLECTABLE = "uncollectable", _("无法追回")

    CLOSED_STATES = (Status.UNSUBSTANTIATED, Status.CLOSED)
    #: States from which a referral (legal aid, labour inspection, police) may be sent.
    REFERABLE = (Status.VERIFIED, Status.COORDINATING, Status.REFERRED)
    #: Outcomes a claim closed after a settlement may have (the money was actually paid).
    SETTLED_OUTCOMES = (Outcome.FULLY_RECOVERED, Outcome.PARTLY_RECOVERED)

    number = models.CharField(_("案件编号"), max_length=20, unique=True)
    channel = models.CharField(_("来源渠道"), max_length=20, choices=Channel.choices)
    district = models.ForeignKey(District, verbose_name=_("管辖区"), on_delete=models.PROTECT,
                                 related_name="wage_claims")
    market = models.ForeignKey(Market, verbose_name=_("零工市场（驿站）"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="wage_claims")
    work_place = models.CharField(_("用工项目或地点"), max_length=200, blank=True)
    description = models.TextField(_("欠薪情况"), blank=True)

    employer_name = models.CharField(_("用工单位名称"), max_length=200)
    employer_credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True,
                                            validators=[validate_credit_code], db_index=True)
    employer_address = models.CharField(_("用工单位地址"), max_length=200, blank=True)
    # Set from employer_name on every save (casework.employers.employer_key); matches repeat offenders.
    employer_key = models.CharField(_("用工单位匹配名"), max_length=200, db_index=True, editable=False)

    period_start = models.DateField(_("用工开始日期"), null=True, blank=True)
    period_end = models.DateField(_("欠薪截止日期"), null=True, blank=True)
    employment_ongoing = models.BooleanField(_("劳动关系仍存续"), default=False)
    employment_ended_on = models.DateField(_("劳动关系终止日期"), null=True, blank=True)

    source_complaint = models.ForeignKey("casework.Complaint", verbose_name=_("来源投诉"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="wage_claims")
    source_mediation = models.ForeignKey("casework.MediationCase", verbose_name=_("来源调解案件"), null=True,
                                         blank=True, on_delete=models.PROTECT, related_name="wage_claims")
    # Public tracking: a keyed hash of the code shown once, and the contact phone's last four digits.
    tracking_code_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)

    status = FSMField(_("状态"), max_length=20, choices=Status.choices, default=Status.REPORTED, protected=True)
    received_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("承办人"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="wage_claims")
    verification_started_at = models.DateTimeField(_("开始核实时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    verification_note = models.TextField(_("核实情况"), blank=True)
    # 拟认定不成立: the verifying officer proposes, the district official decides (find_unsubstantiated).
    unsubstantiated_proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                                    on_delete=models.PROTECT, related_name="+")
    unsubstantiated_reason = models.TextField(_("不成立理由（内部）"), blank=True)
    public_reply = models.TextField(_("答复意见（公开）"), blank=True)
    coordination_started_at = models.DateTimeField(_("开始协调时间"), null=True, blank=True)
    coordination_place = models.CharField(_("协调地点"), max_length=200, blank=True)
    settled_at = models.DateTimeField(_("支付确认时间"), null=True, blank=True)
    settlement_note = models.TextField(_("支付情况说明"), blank=True)
    referred_at = models.DateTimeField(_("首次移送时间"), null=True, blank=True)
    outcome = models.CharField(_("结案结果"), max_length=20, choices=Outcome.choices, blank=True)
    closing_note = models.TextField(_("结案说明"), blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    # Copied from the workers (any priority worker makes the claim a priority); due_at / due_provisional /
    # is_overdue (ProvisionalDeadlineTracked) from core.Deadline.
    priority = models.BooleanField(_("就业困难人员"), default=False,
                                   help_text=_("就业困难人员和重点群体优先办理（第十四条）"))
    updated_at = models.DateTimeField(auto_now=True)

    objects = WageClaimQuerySet.as_manager()
    processes = flow_processes()

    class Meta:
        verbose_name = _("欠薪线索")
        verbose_name_plural = _("欠薪线索")
        ordering = ["-received_at"]
        permissions = [
            ("verify_wageclaim", _("核实欠薪线索")),
            ("coordinate_wageclaim", _("协调处理欠薪")),
            ("refer_wageclaim", _("批准移送欠薪线索")),
            ("close_wageclaim", _("认定不成立或结案")),
        ]
        indexes = [
            # viewflow's Process.artifact_object_id is an integer column: the task lists' join compares it with
            # this id cast to integer, which the primary key cannot serve (core.models.flow_processes)
            models.Index(Cast("id", models.IntegerField()), name="wageclaim_id_int_idx"),
            models.Index(fields=["district", "status"], name="wageclaim_district_status_idx"),
            models.Index(fields=["officer", "status"], name="wageclaim_officer_idx"),
            models.Index(fields=["due_at"], name="wageclaim_open_due_idx",
                         condition=~Q(status__in=["unsubstantiated", "closed"])),
            # the district's open cases: where its inbox, queue and badges start (core.workflow.scope_tasks)
            models.Index(fields=["district"], name="wageclaim_open_district_idx",
                         condition=~Q(status__in=["unsubstantiated", "closed"])),
            # the other arm of visible_q: the officer's open claims, not every claim they ever handled
            models.Index(fields=["officer"], name="wageclaim_open_officer_idx",
                         condition=~Q(status__in=["unsubstantiated", "closed"])),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__isnull=True) | Q(period_end__isnull=True)
                | Q(period_end__gte=models.F("period_start")),
                name="wageclaim_period_ordered"),
            models.CheckConstraint(condition=Q(employment_ongoing=False) | Q(employment_ended_on__isnull=True),
                                   name="wageclaim_ongoing_has_no_end"),
            models.CheckConstraint(condition=~Q(status="closed") | ~Q(outcome=""), name="wageclaim_closed_has_outcome"),
            models.UniqueConstraint(fields=["source_complaint"], condition=Q(source_complaint__isnull=False),
                                    name="wageclaim_one_per_complaint"),
            models.UniqueConstraint(fields=["source_mediation"], condition=Q(source_mediation__isnull=False),
                                    name="wageclaim_one_per_mediation"),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        self.employer_credit_code = normalise_credit_code(self.employer_credit_code)
        self.employer_key = employer_key(self.employer_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "employer_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "employer_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("wageclaim:wageclaim_detail", kwargs={"number": self.number})

    # -- display and reads (templates only display) ----------------------------------------------

    @property
    def is_open(self):
        return self.status not in self.CLOSED_STATES

    @property
    def total_owed(self) -> Decimal:
        """Sum of the workers' amounts owed (the ``with_totals`` annotation when loaded with it)."""
        if hasattr(self, "owed_sum"):
            return _cents(self.owed_sum)
        return _cents(self.workers.aggregate(s=Coalesce(Sum("amount_owed"), Value(ZERO), output_field=_MONEY))["s"])

    @property
    def total_paid(self) -> Decimal:
        """Sum of the amounts actually paid to the workers."""
        if hasattr(self, "paid_sum"):
            return _cents(self.paid_sum)
        return _cents(self.workers.aggregate(s=Coalesce(Sum("amount_paid"), Value(ZERO), output_field=_MONEY))["s"])

    @property
    def total_outstanding(self) -> Decimal:
        return self.total_owed - self.total_paid

    @property
    def limitation_date(self) -> date | None:
        """The last day to apply for labour arbitration (劳动争议调解仲裁法 第二十七条): one year after the
        employment ended; None while it continues (no limit) or when the end date is unknown."""
        if self.employment_ongoing or self.employment_ended_on is None:
            return None
        ended = self.employment_ended_on
        try:
            return ended.replace(year=ended.year + 1)
        except ValueError:  # 29 February → 28 February of the next year
            return ended.replace(year=ended.year + 1, day=28)

    def limitation_days_left(self, today: date | None = None) -> int | None:
        limit = self.limitation_date
        if limit is None:
            return None
        return (limit - (today or timezone.localdate())).days

    def limitation_warning(self, today: date | None = None) -> str:
        """``"passed"``, ``"near"`` (within LIMITATION_WARN_DAYS) or ``""``; closed claims never warn."""
        left = self.limitation_days_left(today)
        if left is None or not self.is_open:
            return ""
        if left < 0:
            return "passed"
        return "near" if left <= LIMITATION_WARN_DAYS else ""

    def check_tracking(self, phone_last4: str) -> bool:
        if not self.phone_last4:
            return True
        return secrets.compare_digest((phone_last4 or "").strip(), self.phone_last4)

    # -- conditions ------------------------------------------------------------------------------

    def has_workers(self) -> bool:
        return self.workers.exists()

    def has_payment(self) -> bool:
        return self.workers.filter(amount_paid__gt=0).exists()

    # -- transitions: legality only, no I/O ------------------------------------------------------

    @transition(field=status, source=Status.REPORTED, target=Status.VERIFYING,
                permission="casework.verify_wageclaim")
    def start_verification(self, *, by):
        self.verification_started_at = timezone.now()
        if self.officer_id is None:
            self.officer = by

    @transition(field=status, source=Status.VERIFYING, target=Status.VERIFIED, conditions=[has_workers],
                permission="casework.verify_wageclaim")
    def verify(self, *, by, note):
        self.verified_at = timezone.now()
        self.verification_note = note
        self.unsubstantiated_proposed_by = None

    @transition(field=status, source=Status.VERIFYING, target=Status.UNSUBSTANTIATED,
                permission="casework.close_wageclaim")
    def find_unsubstantiated(self, *, by, reason, public_reply):
        """The district official decides the claim is unfounded; the reply letter tells the worker why
        and where else to go (arbitration)."""
        self.unsubstantiated_reason = reason
        self.public_reply = public_reply
        self.closed_at = timezone.now()
        self.closed_by = by

    @transition(field=status, source=Status.VERIFIED, target=Status.COORDINATING,
                permission="casework.coordinate_wageclaim")
    def start_coordination(self, *, by, place):
        self.coordination_started_at = timezone.now()
        self.coordination_place = place

    @transition(field=status, source=Status.COORDINATING, target=Status.SETTLED, conditions=[has_payment],
                permission="casework.coordinate_wageclaim")
    def settle(self, *, by, note=""):
        """The employer paid (at least part of) the arrears at the market or street office; the amounts
        paid per worker are recorded on the workers by the service before this runs."""
        self.settled_at = timezone.now()
        self.settlement_note = note

    @transition(field=status, source=[Status.VERIFIED, Status.COORDINATING], target=Status.REFERRED,
                permission="casework.refer_wageclaim")
    def refer(self, *, by, reason=""):
        """The first referral (legal aid, labour inspection, police) was sent; later ones leave the claim
        ``referred`` (``wageclaim_mark_referred`` is idempotent)."""
        self.referred_at = timezone.now()

    @transition(field=status, source=[Status.SETTLED, Status.REFERRED], target=Status.CLOSED,
                permission="casework.close_wageclaim")
    def close(self, *, by, outcome, note="", reason=""):
        self.outcome = outcome
        self.closing_note = note
        self.closed_at = timezone.now()
        self.closed_by = by


class WageClaimWorker(models.Model):
    """A worker owed wages. Several workers of one employer and project are one claim."""

    claim = models.ForeignKey(WageClaim, on_delete=models.CASCADE, related_name="workers")
    name = models.CharField(_("姓名"), max_length=50)
    id_number = EncryptedCharField(_("身份证号码"), blank=True, plain_max_length=18,
                                   validators=[validate_resident_id])
    phone = EncryptedCharField(_("联系电话"), blank=True, plain_max_length=20)
    amount_owed = models.DecimalField(_("被拖欠金额（元）"), max_digits=12, decimal_places=2)
    amount_paid = models.DecimalField(_("已支付金额（元）"), max_digits=12, decimal_places=2, default=ZERO)
    paid_at = models.DateTimeField(_("支付登记时间"), null=True, blank=True)
    priority = models.BooleanField(_("就业困难人员"), default=False,
                                   help_text=_("就业困难人员和重点群体优先办理（第十四条）"))

    class Meta:
        verbose_name = _("欠薪劳动者")
        verbose_name_plural = _("欠薪劳动者")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_owed__gt=0), name="wageclaim_worker_owed_gt_0"),
            models.CheckConstraint(condition=Q(amount_paid__gte=0), name="wageclaim_worker_paid_gte_0"),
        ]

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

    @property
    def outstanding(self) -> Decimal:
        return self.amount_owed - self.amount_paid


class WageClaimProcess(Process):
    """The viewflow process of one wage claim; the claim hangs on it as ``artifact``."""

    class Meta:
        proxy = True
        verbose_name = _("欠薪线索办理流程")
        verbose_name_plural = _("欠薪线索办理流程")

    @property
    def claim(self) -> WageClaim:
        return self.artifact


def employer_q(*, credit_code: str = "", key: str = "", code_field="credit_code", key_field="key") -> Q:
    """The filter for one employer's cases: the same credit code, or (when one side has no code) the same
    normalised name. Two different codes are two employers, whatever their names."""
    credit_code = normalise_credit_code(credit_code)
    if credit_code:
        q = Q(**{code_field: credit_code})
        if key:
            q |= Q(**{code_field: "", key_field: key})
        return q
    if key:
        return Q(**{key_field: key})
    return Q(pk__in=[])


class EmployerMentionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(district_q(user))

    def matching(self, *, credit_code: str = "", key: str = ""):
        """Mentions of one employer: the same credit code, or (when one side has no code) the same
        normalised name. Two different codes are two employers, whatever their names."""
        return self.filter(employer_q(credit_code=credit_code, key=key))


class EmployerMention(models.Model):
    """One case naming an employer (a wage claim's employer, a complaint's respondent, a mediation's
    respondent): a derived index kept current by ``casework.employer_index`` so repeat offenders are found
    with indexed lookups instead of normalising every name at query time."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    key = models.CharField(max_length=200)
    opened_at = models.DateTimeField()

    objects = EmployerMentionQuerySet.as_manager()

    class Meta:
        verbose_name = _("用工单位涉案记录")
        verbose_name_plural = _("用工单位涉案记录")
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["content_type", "object_id"], name="one_mention_per_case")]
        indexes = [
            models.Index(fields=["credit_code"], name="mention_code_idx", condition=~Q(credit_code="")),
            models.Index(fields=["key", "credit_code"], name="mention_key_idx"),
            # A district user's badges count their district's rows per name or code: read from the index alone
            # (a repeat offender has thousands of cases at city scale; bench report 2026-11-27, measurement 2b).
            models.Index(fields=["district", "key", "credit_code"], name="mention_district_key_idx"),
            models.Index(fields=["district", "credit_code", "key"], name="mention_district_code_idx",
                         condition=~Q(credit_code="")),
        ]

    def __str__(self):
        return self.name

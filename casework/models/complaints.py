"""Complaints (投诉举报): the entity, its lifecycle (legality only) and its viewflow process proxy."""

import secrets
from datetime import timedelta

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
from core.masking import mask_name, mask_phone
from core.models import ProvisionalDeadlineTracked, flow_processes
from core.validators import validate_credit_code
from markets.models import Market

REOPEN_WINDOW = timedelta(days=30)


class ComplaintQuerySet(models.QuerySet):
    def visible_to(self, user):
        """District staff see their district; the responsible officer and the assignee always see
        their cases (首问负责); bureau officials and admins see all; partners and operators none."""
        return self.filter(self.visible_q(user))

    @staticmethod
    def visible_q(user) -> Q:
        """``visible_to`` as a condition, for queries that reach this entity through a join (task lists)."""
        if is_citywide(user):
            return Q()
        if is_district_staff(user):
            return district_q(user) | Q(responsible=user) | Q(assignee=user)
        return Q(pk__in=[])

    @staticmethod
    def open_q() -> Q:
        return ~Q(status__in=Complaint.CLOSED_STATES)

    def open(self):
        return self.filter(self.open_q())

    def with_list_data(self):
        return self.select_related("district", "market", "assignee", "responsible")

    def by_urgency(self):
        """Priority cases (clause (十四)) first, then the nearest deadline, overdue ones first of all."""
        return self.order_by("-is_overdue", "-priority", models.F("due_at").asc(nulls_last=True), "id")


class Complaint(RefreshableFSMMixin, ProvisionalDeadlineTracked):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待受理")
        INFO_REQUESTED = "info_requested", _("待补正")
        REJECTION_PROPOSED = "rejection_proposed", _("拟不予受理")
        REJECTED = "rejected", _("不予受理")
        ACCEPTED = "accepted", _("已受理")
        ASSIGNED = "assigned", _("已分派")
        INVESTIGATING = "investigating", _("调查处理中")
        RESOLVED = "resolved", _("已处理")
        REFERRED = "referred", _("已转办")
        CLOSED = "closed", _("已办结")
        WITHDRAWN = "withdrawn", _("已撤回")
        MERGED = "merged", _("已合并")

    class Channel(models.TextChoices):
        ONLINE = "online", _("网上投诉")
        HOTLINE = "hotline", _("热线电话")
        WALK_IN = "walk_in", _("来访")
        MARKET_COUNTER = "market_counter", _("市场服务台")
        REFERRED_IN = "referred_in", _("外部转入")

    class Category(models.TextChoices):
        # Clause (十七) names the violations; (三) free service; (十八) safety.
        WAGE_ARREARS = "wage_arrears", _("拖欠劳动报酬")
        FALSE_INFORMATION = "false_information", _("发布虚假招聘信息")
        UNLICENSED_INTERMEDIARY = "unlicensed_intermediary", _("未经许可从事职业中介")
        PROFITEERING = "profiteering", _("以招聘为名牟取不正当利益")
        ID_SEIZURE = "id_seizure", _("扣押证件")
        INFORMATION_LEAK = "information_leak", _("泄露个人信息")
        ILLEGAL_FEES = "illegal_fees", _("向零工人员违规收费或收取押金")
        SAFETY_HAZARD = "safety_hazard", _("安全隐患")
        SERVICE_QUALITY = "service_quality", _("服务质量")
        OTHER = "other", _("其他")

    class RespondentKind(models.TextChoices):
        EMPLOYER = "employer", _("用工单位")
        OPERATOR = "operator", _("市场运营机构")
        PERSON = "person", _("个人")
        UNKNOWN = "unknown", _("不清楚")

    class ReferralTarget(models.TextChoices):
        LABOUR_INSPECTION = "labour_inspection", _("劳动保障监察机构")
        POLICE = "police", _("公安机关")
        MARKET_REGULATOR = "market_regulator", _("市场监督管理部门")
        OTHER_DISTRICT = "other_district", _("其他区人力资源和社会保障局")
        MEDIATION = "mediation", _("劳动争议调解")
        OTHER = "other", _("其他部门")

    CLOSED_STATES = (Status.REJECTED, Status.CLOSED, Status.WITHDRAWN, Status.MERGED)
    #: States from which the complainant may withdraw.
    WITHDRAWABLE = (Status.SUBMITTED, Status.INFO_REQUESTED, Status.REJECTION_PROPOSED, Status.ACCEPTED,
                    Status.ASSIGNED, Status.INVESTIGATING)

    number = models.CharField(_("案件编号"), max_length=20, unique=True)
    tracking_code_hash = models.CharField(max_length=64, unique=True, editable=False)
    channel = models.CharField(_("来源渠道"), max_length=20, choices=Channel.choices)
    district = models.ForeignKey(District, verbose_name=_("管辖区"), on_delete=models.PROTECT, related_name="complaints")
    market = models.ForeignKey(
        Market, verbose_name=_("零工市场（驿站）"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="complaints",
    )

    # Complainant. The phone is encrypted; its last four digits verify public tracking.
    anonymous = models.BooleanField(_("匿名投诉"), default=False)
    complainant_name = models.CharField(_("投诉人姓名"), max_length=50, blank=True)
    complainant_phone = EncryptedCharField(_("联系电话"), blank=True, plain_max_length=20)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    priority = models.BooleanField(
        _("就业困难人员"), default=False, help_text=_("就业困难人员和重点群体优先办理（第十四条）")
    )
    consent_at = models.DateTimeField(_("个人信息授权时间"), null=True, blank=True)
    consent_version = models.CharField(_("授权文本版本"), max_length=20, blank=True)

    # Respondent.
    respondent_kind = models.CharField(_("被投诉对象类型"), max_length=10, choices=RespondentKind.choices)
    respondent_name = models.CharField(_("被投诉对象名称"), max_length=200, blank=True)
    respondent_credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, validators=[validate_credit_code], db_index=True
    )

    category = models.CharField(_("投诉类别"), max_length=30, choices=Category.choices)
    description = models.TextField(_("事情经过"))
    occurred_on = models.DateField(_("发生日期"), null=True, blank=True)
    amount = models.DecimalField(_("涉及金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True)

    status = FSMField(_("状态"), max_length=20, choices=Status.choices, default=Status.SUBMITTED, protected=True)
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    # 首问负责: the officer who first accepts stays responsible through every reassignment.
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("首问负责人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="responsible_complaints",
    )
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("承办人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="assigned_complaints",
    )
    assigned_at = models.DateTimeField(_("分派时间"), null=True, blank=True)

    missing_items = models.JSONField(_("需补正材料"), default=list, blank=True)
    info_requested_at = models.DateTimeField(_("补正告知时间"), null=True, blank=True)
    supplement = models.TextField(_("补正说明"), blank=True)

    rejection_reasons = models.TextField(_("不予受理理由"), blank=True)
    rejection_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rejection_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    outcome = models.TextField(_("处理结果（内部）"), blank=True)
    public_reply = models.TextField(_("答复意见（公开）"), blank=True)
    resolved_at = models.DateTimeField(_("处理完毕时间"), null=True, blank=True)
    referral_target = models.CharField(_("转办单位类型"), max_length=20, choices=ReferralTarget.choices, blank=True)
    referral_organization = models.CharField(_("转办单位"), max_length=200, blank=True)
    referral_district = models.ForeignKey(
        District, verbose_name=_("转至区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("撤回理由"), blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("合并至"), null=True, blank=True, on_delete=models.PROTECT, related_name="merged_cases"
    )
    reopen_count = models.PositiveSmallIntegerField(_("重新办理次数"), default=0)

    # due_at / due_provisional / is_overdue (ProvisionalDeadlineTracked): the current stage's deadline, copied
    # from core.Deadline for sorting (限时办结).
    extended = models.BooleanField(_("已延期"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ComplaintQuerySet.as_manager()
    processes = flow_processes()

    class Meta:
        verbose_name = _("投诉举报")
        verbose_name_plural = _("投诉举报")
        ordering = ["-submitted_at"]
        permissions = [
            ("accept_complaint", _("受理投诉")),
            ("request_info_complaint", _("一次性告知补正")),
            ("propose_rejection_complaint", _("提出不予受理")),
            ("approve_rejection_complaint", _("批准不予受理")),
            ("merge_complaint", _("合并重复投诉")),
            ("assign_complaint", _("分派投诉")),
            ("investigate_complaint", _("承办投诉")),
            ("approve_extension_complaint", _("批准延期")),
            ("reopen_complaint", _("重新办理已办结投诉")),
        ]
        indexes = [
            # viewflow's Process.artifact_object_id is an integer column: the task lists' join compares it with
            # this id cast to integer, which the primary key cannot serve (core.models.flow_processes)
            models.Index(Cast("id", models.IntegerField()), name="complaint_id_int_idx"),
            models.Index(fields=["district", "status"], name="complaint_district_status_idx"),
            models.Index(fields=["assignee", "status"], name="complaint_assignee_idx"),
            models.Index(fields=["respondent_name"], name="complaint_respondent_idx"),
            models.Index(fields=["due_at"], name="complaint_open_due_idx",
                         condition=~Q(status__in=["rejected", "closed", "withdrawn", "merged"])),
            # the district's open cases: where its inbox, queue and badges start (core.workflow.scope_tasks)
            models.Index(fields=["district"], name="complaint_open_district_idx",
                         condition=~Q(status__in=["rejected", "closed", "withdrawn", "merged"])),
            # the other arms of visible_q: a user's own open cases, not every case they ever handled
            models.Index(fields=["assignee"], name="complaint_open_assignee_idx",
                         condition=~Q(status__in=["rejected", "closed", "withdrawn", "merged"])),
            models.Index(fields=["responsible"], name="complaint_open_responsible_idx",
                         condition=~Q(status__in=["rejected", "closed", "withdrawn", "merged"])),
        ]
        constraints = [
            # An anonymous complaint carries no identity; a named one needs a way to reach the person.
            models.CheckConstraint(
                condition=Q(anonymous=True, complainant_name="") | Q(anonymous=False),
                name="complaint_anonymous_has_no_name",
            ),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0), name="complaint_amount_gte_0"),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("complaint:complaint_detail", kwargs={"number": self.number})

    # -- display helpers (templates only display) -------------------------------------------------

    @property
    def masked_name(self):
        return _("匿名") if self.anonymous else mask_name(self.complainant_name)

    @property
    def masked_phone(self):
        return mask_phone(self.complainant_phone)

    @property
    def is_open(self):
        return self.status not in self.CLOSED_STATES

    def can_reopen_now(self) -> bool:
        return bool(self.closed_at and timezone.now() - self.closed_at <= REOPEN_WINDOW)

    def check_tracking(self, phone_last4: str) -> bool:
        """Named complaints also need the phone's last four digits; anonymous ones the code alone."""
        if self.anonymous or not self.phone_last4:
            return True
        return secrets.compare_digest((phone_last4 or "").strip(), self.phone_last4)

    # -- transitions: legality only, no I/O ------------------------------------------------------

    @transition(field=status, source=Status.SUBMITTED, target=Status.INFO_REQUESTED,
                permission="casework.request_info_complaint")
    def request_info(self, *, by, missing_items):
        """一次性告知: every missing item in one notice."""
        self.missing_items = list(missing_items)
        self.info_requested_at = timezone.now()

    @transition(field=status, source=Status.INFO_REQUESTED, target=Status.SUBMITTED)
    def resubmit(self, *, by=None, supplement):
        self.supplement = (self.supplement + "\n\n" if self.supplement else "") + supplement

    @transition(field=status, source=Status.INFO_REQUESTED, target=Status.SUBMITTED)
    def info_lapsed(self, *, by=None):
        """The complainant's limit for the missing material passed (the deadline sweep)."""

    @transition(field=status, source=Status.SUBMITTED, target=Status.ACCEPTED,
                permission="casework.accept_complaint")
    def accept(self, *, by):
        self.accepted_at = timezone.now()
        if self.responsible_id is None:
            self.responsible = by

    @transition(field=status, source=Status.SUBMITTED, target=Status.REJECTION_PROPOSED,
                permission="casework.propose_rejection_complaint")
    def propose_rejection(self, *, by, reason):
        self.rejection_reasons = reason
        self.rejection_proposed_by = by

    @transition(field=status, source=Status.REJECTION_PROPOSED, target=Status.REJECTED,
                permission="casework.approve_rejection_complaint")
    def approve_rejection(self, *, by, reason=""):
        self.rejection_approved_by = by
        self.closed_at = timezone.now()

    @transition(field=status, source=Status.REJECTION_PROPOSED, target=Status.SUBMITTED,
                permission="casework.approve_rejection_complaint")
    def decline_rejection(self, *, by, reason):
        self.rejection_proposed_by = None

    @transition(field=status, source=Status.SUBMITTED, target=Status.MERGED,
                permission="casework.merge_complaint")
    def merge(self, *, by, into_number, reason=""):
        # into_number (not the object) keeps the transition's kwargs serialisable for the audit row.
        self.closed_at = timezone.now()

    @transition(field=status, source=[Status.ACCEPTED, Status.ASSIGNED, Status.INVESTIGATING],
                target=Status.ASSIGNED, permission="casework.assign_complaint")
    def assign(self, *, by, assignee_id, reason=""):
        self.assignee_id = assignee_id
        self.assigned_at = timezone.now()

    @transition(field=status, source=Status.ASSIGNED, target=Status.INVESTIGATING,
                permission=lambda self, user: user.pk == self.assignee_id)
    def start_investigation(self, *, by):
        pass

    @transition(field=status, source=Status.INVESTIGATING, target=Status.RESOLVED,
                permission=lambda self, user: user.pk == self.assignee_id)
    def resolve(self, *, by, outcome, public_reply):
        self.outcome = outcome
        self.public_reply = public_reply
        self.resolved_at = timezone.now()

    @transition(field=status, source=[Status.ACCEPTED, Status.ASSIGNED, Status.INVESTIGATING],
                target=Status.REFERRED,
                permission=lambda self, user: user.pk == self.assignee_id
                or user.has_perm("casework.assign_complaint"))
    def refer(self, *, by, target, organization, public_reply, reason=""):
        self.referral_target = target
        self.referral_organization = organization
        self.public_reply = public_reply
        self.resolved_at = timezone.now()

    @transition(field=status, source=[Status.RESOLVED, Status.REFERRED], target=Status.CLOSED)
    def close(self, *, by=None):
        self.closed_at = timezone.now()

    @transition(field=status, source=Status.CLOSED, target=Status.INVESTIGATING,
                conditions=[can_reopen_now], permission="casework.reopen_complaint")
    def reopen(self, *, by, reason):
        self.reopen_count += 1
        self.closed_at = None
        self.resolved_at = None

    @transition(field=status, source=list(WITHDRAWABLE), target=Status.WITHDRAWN)
    def withdraw(self, *, by=None, reason):
        self.withdrawn_at = timezone.now()
        self.closed_at = self.withdrawn_at
        self.withdrawal_reason = reason


class ComplaintNote(models.Model):
    """Investigation notes and contacts. Internal: never shown on public tracking."""

    class Kind(models.TextChoices):
        NOTE = "note", _("办理记录")
        CONTACT = "contact", _("联系记录")
        SITE_VISIT = "site_visit", _("现场核查")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.NOTE)
    body = models.TextField(_("内容"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.complaint} {self.get_kind_display()}"


class ComplaintProcess(Process):
    """The viewflow process of one complaint; the Complaint hangs on it as ``artifact``."""

    class Meta:
        proxy = True
        verbose_name = _("投诉办理流程")
        verbose_name_plural = _("投诉办理流程")

    @property
    def complaint(self) -> Complaint:
        return self.artifact



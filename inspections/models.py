"""Site safety inspections (安全检查), rectification notices (整改通知) and re-inspection (复查).

* ``ChecklistTemplate`` → ``ChecklistVersion`` → ``ChecklistItem``: what an inspector checks. Versions are
  edited as drafts in the admin and frozen when published; an ``Inspection`` points at the published version
  it was filed with, so editing the checklist later never changes an old record.
* ``Inspection`` (FSM): one visit to one market. ``Finding``: the answer to one checklist item.
* ``RectificationNotice`` (its own FSM) with ``NoticeItem`` rows (one per failed finding, each with its own
  deadline by severity) and ``NoticeItemResponse`` rows (the operator's answer with evidence photos, and the
  inspector's verdict at re-inspection).

Legality lives on the transitions below; ``services.py`` is the only writer; ``flows.py`` decides who acts next.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, transition
from viewflow.workflow.models import Process

from accounts.models import District
from accounts.scoping import district_q, is_citywide, is_district_staff, operator_org_id
from core.fsm import RefreshableFSMMixin
from core.models import DeadlineTracked, flow_processes
from markets.models import Market


class Section(models.TextChoices):
    """Checklist sections: clauses (六)(十)(十八) of the guidance and the fire-safety rules of RULES.md."""

    FIRE = "fire", _("消防安全")
    CROWD = "crowd", _("人员疏导与应急疏散")
    TRAFFIC = "traffic", _("停车与周边交通秩序")
    SHELTER = "shelter", _("遮风避雨")
    CLIMATE = "climate", _("防暑防寒")
    SECURITY = "security", _("治安安全")
    SIGNAGE = "signage", _("标识标牌")
    PUBLISHED = "published", _("信息公开")
    FACILITIES = "facilities", _("服务设施")


class Severity(models.TextChoices):
    MINOR = "minor", pgettext_lazy("severity", "一般")  # "一般" alone is also a satisfaction rating
    MAJOR = "major", pgettext_lazy("severity", "较大")
    CRITICAL = "critical", pgettext_lazy("severity", "重大")


# ---- checklists -----------------------------------------------------------------------------------


class ChecklistTemplate(models.Model):
    """A named checklist (e.g. 零工市场安全检查表) whose content lives in numbered versions."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    description = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("检查表")
        verbose_name_plural = _("检查表")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def current_version(self):
        """The newest published version (what a new inspection is filed with), or None."""
        return self.versions.filter(published_at__isnull=False).order_by("-number").first()


class ChecklistVersion(models.Model):
    """One version of a checklist. A draft (``published_at`` empty) is edited in the admin; publishing
    freezes it: its items can no longer change, because inspections filed with it point here."""

    template = models.ForeignKey(ChecklistTemplate, verbose_name=_("检查表"), on_delete=models.PROTECT,
                                 related_name="versions")
    number = models.PositiveSmallIntegerField(_("版本号"))
    note = models.CharField(_("修订说明"), max_length=200, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("检查表版本")
        verbose_name_plural = _("检查表版本")
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="checklist_version_unique_number"),
        ]

    def __str__(self):
        return f"{self.template.name} v{self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.published_at is not None


class ChecklistItem(models.Model):
    """One thing to check. Immutable once its version is published (``save``/``delete`` refuse)."""

    version = models.ForeignKey(ChecklistVersion, verbose_name=_("版本"), on_delete=models.PROTECT,
                                related_name="items")
    section = models.CharField(_("类别"), max_length=20, choices=Section.choices)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    text = models.CharField(_("检查内容"), max_length=300)
    clause = models.CharField(_("依据"), max_length=200, blank=True,
                              help_text=_("如：指导意见（十八）；机关、团体、企业、事业单位消防安全管理规定 第二十五条"))
    default_severity = models.CharField(_("默认隐患等级"), max_length=10, choices=Severity.choices,
                                        default=Severity.MAJOR)

    class Meta:
        verbose_name = _("检查项目")
        verbose_name_plural = _("检查项目")
        ordering = ["version", "sort_order", "pk"]

    def __str__(self):
        return self.text

    def _check_editable(self):
        if self.version_id and ChecklistVersion.objects.filter(pk=self.version_id,
                                                               published_at__isnull=False).exists():
            raise ValidationError(_("该版本已发布，检查项目不能再修改；请新建版本。"), code="version_frozen")

    def save(self, *args, **kwargs):
        self._check_editable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._check_editable()
        return super().delete(*args, **kwargs)


# ---- planning ---------------------------------------------------------------------------------------


class InspectionSchedule(models.Model):
    """A market's routine inspection plan: crowded venues at least monthly (消防安全管理规定 第二十五条)."""

    market = models.OneToOneField(Market, verbose_name=_("零工市场（驿站）"), on_delete=models.CASCADE,
                                  related_name="inspection_schedule")
    every_months = models.PositiveSmallIntegerField(_("检查周期（月）"), default=1)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("负责检查员"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("检查计划")
        verbose_name_plural = _("检查计划")
        constraints = [models.CheckConstraint(condition=Q(every_months__gte=1, every_months__lte=12),
                                              name="schedule_every_1_12_months")]

    def __str__(self):
        return f"{self.market} / {self.every_months}"


# ---- inspections ------------------------------------------------------------------------------------


class InspectionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """District staff see their district's inspections, inspectors also the ones assigned to them;
        bureau officials and admins all; operators and partners none (operators see notices instead)."""
        return self.filter(self.visible_q(user))

    @staticmethod
    def visible_q(user) -> Q:
        """``visible_to`` as a condition, for queries that reach this entity through a join (task lists)."""
        if is_citywide(user):
            return Q()
        if is_district_staff(user):
            return district_q(user) | Q(inspector=user)
        return Q(pk__in=[])

    @staticmethod
    def open_q() -> Q:
        return ~Q(status__in=Inspection.FINAL_STATES)

    def open(self):
        return self.filter(self.open_q())

    def with_list_data(self):
        return self.select_related("district", "market", "inspector", "checklist__template")


class Inspection(RefreshableFSMMixin, DeadlineTracked):
    class Status(models.TextChoices):
        PLANNED = "planned", _("待检查")
        IN_PROGRESS = "in_progress", _("检查中")
        SUBMITTED = "submitted", _("已提交")
        PASSED = "passed", _("检查合格")
        RECTIFICATION_REQUIRED = "rectification_required", _("需整改")
        NOTICE_ISSUED = "notice_issued", _("已下达整改通知")
        RESPONDED = "responded", _("运营机构已反馈")
        REINSPECTION = "reinspection", _("复查中")
        RECTIFIED = "rectified", _("整改完成")
        ESCALATED = "escalated", _("已升级督办")
        CLOSED = "closed", _("已办结")
        CANCELLED = "cancelled", _("已取消")

    class Source(models.TextChoices):
        SCHEDULED = "scheduled", _("计划检查")
        AD_HOC = "ad_hoc", _("专项检查")
        COMPLAINT = "complaint", _("投诉举报")

    FINAL_STATES = (Status.CLOSED, Status.CANCELLED)
    EDITABLE_STATES = (Status.PLANNED, Status.IN_PROGRESS)

    number = models.CharField(_("检查编号"), max_length=20, unique=True)
    market = models.ForeignKey(Market, verbose_name=_("零工市场（驿站）"), on_delete=models.PROTECT,
                               related_name="inspections")
    # Copied from the market when planned: scoping and the district's lists filter on it without a join.
    district = models.ForeignKey(District, verbose_name=_("管辖区"), on_delete=models.PROTECT,
                                 related_name="inspections")
    source = models.CharField(_("检查来源"), max_length=20, choices=Source.choices, default=Source.SCHEDULED)
    complaint = models.ForeignKey("casework.Complaint", verbose_name=_("关联投诉"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="inspections")
    # The checklist is frozen per inspection: a later version never changes this record.
    checklist = models.ForeignKey(ChecklistVersion, verbose_name=_("检查表版本"), on_delete=models.PROTECT,
                                  related_name="inspections")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("检查员"), on_delete=models.PROTECT,
                                  related_name="inspections")
    planned_for = models.DateField(_("计划检查日期"))
    purpose = models.CharField(_("检查事由"), max_length=200, blank=True)

    status = FSMField(_("状态"), max_length=30, choices=Status.choices, default=Status.PLANNED, protected=True)
    started_at = models.DateTimeField(_("开始检查时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("检查结论时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    summary = models.TextField(_("检查情况"), blank=True)
    on_site_contact = models.CharField(_("现场负责人"), max_length=50, blank=True)
    # Recorded only when the inspector's browser was allowed to share it.
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    location_accuracy = models.PositiveIntegerField(_("定位精度（米）"), null=True, blank=True)
    located_at = models.DateTimeField(_("定位时间"), null=True, blank=True)
    draft_saved_at = models.DateTimeField(_("草稿保存时间"), null=True, blank=True)
    cancel_reason = models.TextField(_("取消理由"), blank=True)

    escalated_at = models.DateTimeField(_("升级督办时间"), null=True, blank=True)
    # The next open deadline of the notice, copied for sorting; kept by the services (DeadlineTracked, with
    # its own label: a rectification deadline).
    due_at = models.DateTimeField(_("整改期限"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InspectionQuerySet.as_manager()
    processes = flow_processes()

    class Meta:
        verbose_name = _("安全检查")
        verbose_name_plural = _("安全检查")
        ordering = ["-planned_for", "-pk"]
        permissions = [
            ("plan_inspection", _("安排检查")),
            ("conduct_inspection", _("实施检查")),
            ("issue_notice_inspection", _("下达整改通知")),
            ("reinspect_inspection", _("复查")),
            ("decide_escalation_inspection", _("决定升级督办事项（含暂停市场运营）")),
        ]
        indexes = [
            # viewflow's Process.artifact_object_id is an integer column: the task lists' join compares it with
            # this id cast to integer, which the primary key cannot serve (core.models.flow_processes)
            models.Index(Cast("id", models.IntegerField()), name="inspection_id_int_idx"),
            models.Index(fields=["district", "status"], name="inspection_district_status_idx"),
            models.Index(fields=["inspector", "status"], name="inspection_inspector_idx"),
            models.Index(fields=["market", "planned_for"], name="inspection_market_date_idx"),
            # visible_q's arms over open inspections only: where the inbox, queue and badges start
            models.Index(fields=["district"], name="inspection_open_district_idx",
                         condition=~Q(status__in=["closed", "cancelled"])),
            models.Index(fields=["inspector"], name="inspection_open_inspector_idx",
                         condition=~Q(status__in=["closed", "cancelled"])),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                                   name="inspection_lat_range"),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="inspection_lng_range"),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("inspection:inspection_detail", kwargs={"number": self.number})

    @property
    def is_open(self):
        return self.status not in self.FINAL_STATES

    @property
    def is_editable(self):
        return self.status in self.EDITABLE_STATES

    def _is_inspector(self, user):
        return user.pk == self.inspector_id

    # -- transitions: legality only, no I/O ------------------------------------------------------

    @transition(field=status, source=Status.PLANNED, target=Status.IN_PROGRESS, permission=_is_inspector)
    def start(self, *, by):
        self.started_at = timezone.now()

    @transition(field=status, source=Status.IN_PROGRESS, target=Status.SUBMITTED, permission=_is_inspector)
    def submit(self, *, by):
        self.submitted_at = timezone.now()

    @transition(field=status, source=Status.SUBMITTED, target=Status.PASSED)
    def pass_(self, *, by=None):
        """No item failed: the market passes."""
        self.concluded_at = timezone.now()

    @transition(field=status, source=Status.SUBMITTED, target=Status.RECTIFICATION_REQUIRED)
    def require_rectification(self, *, by=None, failed):
        self.concluded_at = timezone.now()

    @transition(field=status, source=[Status.RECTIFICATION_REQUIRED, Status.REINSPECTION],
                target=Status.NOTICE_ISSUED, permission="inspections.issue_notice_inspection")
    def issue_notice(self, *, by, notice_number):
        pass

    @transition(field=status, source=Status.NOTICE_ISSUED, target=Status.RESPONDED)
    def record_response(self, *, by):
        pass

    @transition(field=status, source=Status.RESPONDED, target=Status.REINSPECTION,
                permission="inspections.reinspect_inspection")
    def start_reinspection(self, *, by):
        pass

    @transition(field=status, source=Status.REINSPECTION, target=Status.RECTIFIED,
                permission="inspections.reinspect_inspection")
    def confirm_rectified(self, *, by):
        self.is_overdue = False

    @transition(field=status, source=Status.NOTICE_ISSUED, target=Status.ESCALATED)
    def escalate(self, *, by=None, reason):
        self.escalated_at = timezone.now()

    @transition(field=status, source=Status.ESCALATED, target=Status.NOTICE_ISSUED,
                permission="inspections.decide_escalation_inspection")
    def decide_escalation(self, *, by, suspend_market, reason):
        pass

    @transition(field=status, source=[Status.PASSED, Status.RECTIFIED], target=Status.CLOSED)
    def close(self, *, by=None):
        self.closed_at = timezone.now()
        self.is_overdue = False

    @transition(field=status, source=[Status.PLANNED, Status.IN_PROGRESS], target=Status.CANCELLED,
                permission="inspections.plan_inspection")
    def cancel(self, *, by, reason):
        self.cancel_reason = reason
        self.closed_at = timezone.now()


class FindingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff: the findings of inspections they may see. Operator staff: the failed findings their
        markets were given notice of (they need the inspector's photos to fix the problem)."""
        org = operator_org_id(user)
        if org:
            return self.filter(notice_item__notice__market__operator__organization_id=org)
        return self.filter(inspection__in=Inspection.objects.visible_to(user))


class Finding(models.Model):
    """The answer to one checklist item in one inspection; photos are core Attachments on it."""

    class Result(models.TextChoices):
        PASS = "pass", _("符合")
        FAIL = "fail", _("不符合")
        NA = "na", _("不适用")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    item = models.ForeignKey(ChecklistItem, verbose_name=_("检查项目"), on_delete=models.PROTECT,
                             related_name="findings")
    result = models.CharField(_("检查结果"), max_length=4, choices=Result.choices, blank=True)
    severity = models.CharField(_("隐患等级"), max_length=10, choices=Severity.choices, blank=True)
    note = models.TextField(_("情况说明"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = _("检查结果")
        verbose_name_plural = _("检查结果")
        ordering = ["item__sort_order", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="one_finding_per_item"),
            # Only a failed item carries a severity.
            models.CheckConstraint(condition=Q(result="fail") | Q(severity=""), name="finding_severity_only_if_fail"),
        ]

    def __str__(self):
        return f"{self.inspection_id}/{self.item_id} {self.result}"


# ---- rectification notices --------------------------------------------------------------------------


class NoticeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see the notices of inspections they may see; operator staff only their markets' notices."""
        org = operator_org_id(user)
        if org:
            return self.filter(market__operator__organization_id=org)
        if is_citywide(user):
            return self.all()
        if is_district_staff(user):
            return self.filter(district_q(user, "inspection__district") | Q(inspection__inspector=user))
        return self.none()

    def with_list_data(self):
        return self.select_related("inspection", "market", "market__district")


class RectificationNotice(RefreshableFSMMixin, DeadlineTracked):
    """整改通知书: what the operator must fix, each item by its own deadline."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("待整改")
        RESPONDED = "responded", _("已反馈待复查")
        ESCALATED = "escalated", _("逾期升级督办")
        ACCEPTED = "accepted", _("整改合格")

    inspection = models.OneToOneField(Inspection, on_delete=models.PROTECT, related_name="notice")
    number = models.CharField(_("通知书编号"), max_length=30, unique=True)
    market = models.ForeignKey(Market, verbose_name=_("零工市场（驿站）"), on_delete=models.PROTECT,
                               related_name="rectification_notices")
    status = FSMField(_("状态"), max_length=20, choices=Status.choices, default=Status.ISSUED, protected=True)
    issued_at = models.DateTimeField(_("下达时间"), default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("下达人"), on_delete=models.PROTECT,
                                  related_name="+")
    round = models.PositiveSmallIntegerField(_("整改轮次"), default=1)
    responded_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("复查时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    escalation_reason = models.TextField(_("升级原因"), blank=True)
    # The district official's decision on an escalation (暂停运营 or not), kept after the state moves on.
    decision_suspend = models.BooleanField(_("决定暂停运营"), null=True, blank=True)
    decision_reason = models.TextField(_("决定意见"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("决定人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    # The earliest open item's deadline, kept by the services (DeadlineTracked, labelled as a rectification
    # deadline).
    due_at = models.DateTimeField(_("整改期限"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改通知")
        verbose_name_plural = _("整改通知")
        ordering = ["-issued_at"]
        permissions = [("respond_rectificationnotice", _("反馈整改情况"))]
        indexes = [models.Index(fields=["market", "status"], name="notice_market_status_idx")]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("inspection:notice_detail", kwargs={"number": self.number})

    @property
    def case_number(self):
        return self.number

    def _operator_of_market(self, user):
        org = operator_org_id(user)
        return bool(org) and self.market.operator is not None and self.market.operator.organization_id == org

    # -- transitions ------------------------------------------------------------------------------

    @transition(field=status, source=Status.ISSUED, target=Status.RESPONDED, permission=_operator_of_market)
    def respond(self, *, by):
        self.responded_at = timezone.now()

    @transition(field=status, source=Status.RESPONDED, target=Status.ACCEPTED,
                permission="inspections.reinspect_inspection")
    def accept(self, *, by):
        self.reviewed_at = timezone.now()
        self.is_overdue = False

    @transition(field=status, source=Status.RESPONDED, target=Status.ISSUED,
                permission="inspections.reinspect_inspection")
    def reissue(self, *, by, rejected):
        """Some answers were rejected: those items go back to the operator with new deadlines."""
        self.reviewed_at = timezone.now()
        self.round += 1

    @transition(field=status, source=Status.ISSUED, target=Status.ESCALATED)
    def escalate(self, *, by=None, reason):
        self.escalated_at = timezone.now()
        self.escalation_reason = reason

    @transition(field=status, source=Status.ESCALATED, target=Status.ISSUED,
                permission="inspections.decide_escalation_inspection")
    def decide_escalation(self, *, by, suspend_market, reason):
        self.decision_suspend = suspend_market
        self.decision_reason = reason
        self.decided_by = by
        self.decided_at = timezone.now()


class NoticeItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(notice__in=RectificationNotice.objects.visible_to(user))


class NoticeItem(models.Model):
    """One thing to fix, from one failed finding, with its deadline by severity (calendar days)."""

    class State(models.TextChoices):
        OPEN = "open", _("待整改")
        ANSWERED = "answered", _("已反馈")
        ACCEPTED = "accepted", _("复查通过")
        REJECTED = "rejected", _("复查未通过")

    notice = models.ForeignKey(RectificationNotice, on_delete=models.CASCADE, related_name="items")
    finding = models.OneToOneField(Finding, on_delete=models.PROTECT, related_name="notice_item")
    severity = models.CharField(_("隐患等级"), max_length=10, choices=Severity.choices)
    requirement = models.TextField(_("整改要求"))
    days = models.PositiveSmallIntegerField(_("整改期限（日）"))
    # Not ``due_at``: core.deadlines would clear that once the deadline is met; this keeps the date shown
    # on the notice and in its PDF.
    deadline_at = models.DateTimeField(_("整改期限"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    sort_order = models.PositiveSmallIntegerField(default=0)

    objects = NoticeItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["notice", "sort_order", "pk"]

    def __str__(self):
        return self.requirement[:40]

    @property
    def needs_answer(self):
        return self.state in (self.State.OPEN, self.State.REJECTED)


class ResponseQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(item__in=NoticeItem.objects.visible_to(user))


class NoticeItemResponse(models.Model):
    """The operator's answer to one item (evidence photos are Attachments on it) and, at re-inspection,
    the inspector's verdict. A rejected item is answered again: one row per round."""

    item = models.ForeignKey(NoticeItem, on_delete=models.CASCADE, related_name="responses")
    round = models.PositiveSmallIntegerField(_("整改轮次"), default=1)
    text = models.TextField(_("整改情况"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("反馈人"), on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField(_("反馈时间"), default=timezone.now)
    accepted = models.BooleanField(_("复查结论"), null=True, blank=True)
    review_note = models.TextField(_("复查意见"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("复查人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("复查时间"), null=True, blank=True)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改反馈")
        verbose_name_plural = _("整改反馈")
        ordering = ["item", "round"]
        constraints = [models.UniqueConstraint(fields=["item", "round"], name="one_response_per_item_round")]

    def __str__(self):
        return f"{self.item_id} #{self.round}"


class InspectionProcess(Process):
    """The viewflow process of one inspection; the Inspection hangs on it as ``artifact``."""

    class Meta:
        proxy = True
        verbose_name = _("安全检查流程")
        verbose_name_plural = _("安全检查流程")

    @property
    def inspection(self) -> Inspection:
        return self.artifact

"""The shared kernel: audit chain, attachments, generated documents, the working-day calendar, deadlines,
case numbering and outbound notifications. No domain models live here."""

import hashlib
import json

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .context import current_request_info
from .fields import EncryptedCharField

GENESIS_HASH = "0" * 64



def flow_processes():
    """The reverse of viewflow's ``Process.artifact``, declared on each flow's entity (``processes =
    flow_processes()``). Task lists then reach the case with one join (its number, urgency and scope as
    plain columns, ``core.workflow.scope_tasks``) instead of probing the case once per column per task. Query
    name ``<app_label>_<model>``, e.g. ``Task.objects.filter(process__casework_complaint__district=…)``.
    No column and no migration; deleting an entity deletes its processes (and their tasks) with it."""
    return GenericRelation("viewflow.Process", content_type_field="artifact_content_type",
                           object_id_field="artifact_object_id", related_query_name="%(app_label)s_%(class)s")

class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit row."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events are append-only")

    def delete(self):
        raise AppendOnlyError("audit events are append-only")

    def for_object(self, obj):
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False), object_id=str(obj.pk)
        )

    def timeline(self):
        return self.select_related("actor").order_by("id")


class AuditEvent(models.Model):
    """One row per transition, PII reveal, export or document download.

    Rows form a hash chain: ``hash = sha256(prev_hash + canonical(row))``. Each append moves the chain's
    head (``AuditChainHead``, one row) in the same statement, so concurrent writers queue on that row's lock
    until the appending transaction ends and never fork the chain (SQLite serialises writers itself). Rows
    are never updated or deleted (refused here and, on PostgreSQL, by a trigger). ``manage.py verify_audit``
    re-computes the chain.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("创建")
        TRANSITION = "transition", _("状态变更")
        UPDATE = "update", _("修改")
        ASSIGN = "assign", _("分派")
        NOTE = "note", _("记录")
        VIEW_PII = "view_pii", _("查看个人信息")
        EXPORT = "export", _("导出")
        DOWNLOAD = "download", _("下载文件")
        UPLOAD = "upload", _("上传文件")
        DOCUMENT = "document", _("生成文书")
        DEADLINE = "deadline", _("期限")
        NOTIFY = "notify", _("通知")
        LOGIN = "login", _("登录")

    created_at = models.DateTimeField(_("时间"), default=timezone.now, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    # Snapshots: the audit row must read the same after a user changes role or organisation.
    actor_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    actor_role = models.CharField(_("角色"), max_length=200, blank=True)
    actor_org = models.CharField(_("单位"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    name = models.CharField(_("事项"), max_length=100, blank=True, help_text=_("transition or event name"))
    from_state = models.CharField(_("原状态"), max_length=40, blank=True)
    to_state = models.CharField(_("新状态"), max_length=40, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["id"]
        default_permissions = ("view",)
        permissions = [
            ("reveal_pii", _("查看完整个人信息（身份证号、电话、账号）")),
            ("export_data", _("导出数据")),
        ]
        indexes = [models.Index(fields=["content_type", "object_id", "id"], name="audit_object_idx")]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events are append-only")

    # -- the chain ---------------------------------------------------------------------------------

    def canonical(self) -> str:
        """The row's content as stable JSON; what the hash covers."""
        return json.dumps(
            {
                "created_at": self.created_at.isoformat(timespec="microseconds"),
                "actor": self.actor_id,
                "actor_name": self.actor_name,
                "actor_role": self.actor_role,
                "actor_org": self.actor_org,
                "ip": self.ip,
                "content_type": self.content_type_id,
                "object_id": self.object_id,
                "object_repr": self.object_repr,
                "action": self.action,
                "name": self.name,
                "from_state": self.from_state,
                "to_state": self.to_state,
                "reason": self.reason,
                "data": self.data,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
            default=str,
        )

    def compute_hash(self) -> str:
        return hashlib.sha256((self.prev_hash + self.canonical()).encode()).hexdigest()

    @classmethod
    def record(cls, obj, action, *, by=None, name="", from_state="", to_state="", reason="", data=None):
        """Append one event about ``obj``. Call inside the transaction that makes the change, so the
        row and the change commit or roll back together (never on commit: a lost row is a broken trail).
        """
        if not connection.in_atomic_block:
            with transaction.atomic():
                return cls.record(obj, action, by=by, name=name, from_state=from_state,
                                  to_state=to_state, reason=reason, data=data)
        info = current_request_info()
        if by is None and info.user is not None and info.user.is_authenticated:
            by = info.user
        event = cls(
            created_at=timezone.now(),
            actor=by if by is not None and getattr(by, "pk", None) else None,
            actor_name=((by.get_full_name() or by.get_username()) if by is not None else "")[:150],
            actor_role=by.role_names() if by is not None and hasattr(by, "role_names") else "",
            actor_org=str(by.organization) if by is not None and getattr(by, "organization_id", None) else "",
            ip=_clean_ip(info.ip),
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            action=action,
            name=name,
            from_state=from_state or "",
            to_state=to_state or "",
            reason=reason or "",
            data=json.loads(json.dumps(data or {}, default=str)),
        )
        _append(event)
        return event

    @classmethod
    def verify_chain(cls, *, batch_size=2000):
        """Return ``(checked, first_broken_event_or_None, reason)`` after walking the whole chain."""
        expected_prev = GENESIS_HASH
        checked = 0
        qs = cls.objects.order_by("id")
        last_id = 0
        while True:
            batch = list(qs.filter(id__gt=last_id)[:batch_size])
            if not batch:
                return checked, None, ""
            for event in batch:
                if event.prev_hash != expected_prev:
                    return checked, event, "prev_hash does not match the previous row"
                if event.compute_hash() != event.hash:
                    return checked, event, "content does not match its hash"
                expected_prev = event.hash
                checked += 1
                last_id = event.id


def _clean_ip(value):
    """The address as the database will return it (the hash must match the stored row): IPv6 in Django's
    normal form, and None for anything that is not an address (a bad header must not break the write)."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_ipv46_address
    from django.utils.ipv6 import clean_ipv6_address

    if not value:
        return None
    try:
        validate_ipv46_address(value)
    except ValidationError:
        return None
    return clean_ipv6_address(value) if ":" in value else value


class AuditChainHead(models.Model):
    """The newest hash of the audit chain (one row, id 1) and the one before it.

    Appending an event moves the head in the statement that inserts the event. The head row stays locked
    until the appending transaction ends, so a concurrent writer waits and then chains onto what this one
    committed (or, after a rollback, onto the old head: the move rolls back with the row). ``prev_hash`` is
    there so that the moving UPDATE can hand back the hash it replaced."""

    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        default_permissions = ()

    def __str__(self):
        return self.hash


def _append(event: AuditEvent) -> None:
    """Insert ``event`` at the head of the chain and set its ``prev_hash`` and ``hash``.

    PostgreSQL: one statement. The head row is upserted first, in a common table expression; its hash is
    computed there from the head it found (``sha256(prev_hash ‖ canonical)``, PostgreSQL's own SHA-256, the
    same bytes ``compute_hash`` digests), and the event row takes both hashes. Before, an append was a lock,
    a read of the newest row and the INSERT (bench report 2026-11-27, measurement 5). SQLite (the embedded
    demo, one writer at a time): read the head, insert, move the head."""
    from .statements import insert_returning

    head_table = connection.ops.quote_name(AuditChainHead._meta.db_table)
    canonical = event.canonical()
    if connection.vendor == "postgresql":
        sha = "encode(sha256(convert_to({} || %s::text, 'UTF8')), 'hex')"
        moved = insert_returning(
            event,
            with_=(f"head AS (INSERT INTO {head_table} (id, prev_hash, hash) "
                   f"VALUES (1, %s, {sha.format('%s::text')}) "
                   f"ON CONFLICT (id) DO UPDATE SET prev_hash = {head_table}.hash, "
                   f"hash = {sha.format(head_table + '.hash')} RETURNING prev_hash, hash)",
                   [GENESIS_HASH, GENESIS_HASH, canonical, canonical]),
            from_="head", computed={"prev_hash": "head.prev_hash", "hash": "head.hash"},
            returning="prev_hash, hash",
        )
        event.prev_hash, event.hash = moved
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT hash FROM {head_table} WHERE id = 1")
        row = cursor.fetchone()
        event.prev_hash = row[0] if row else GENESIS_HASH
        event.hash = event.compute_hash()
        insert_returning(event)
        cursor.execute(f"INSERT INTO {head_table} (id, prev_hash, hash) VALUES (1, %s, %s) "
                       f"ON CONFLICT (id) DO UPDATE SET prev_hash = excluded.prev_hash, hash = excluded.hash",
                       [event.prev_hash, event.hash])


# ---- case numbers ------------------------------------------------------------------------------


class CaseSequence(models.Model):
    """The last number issued per prefix and year, e.g. TS/2026 → 123 gives TS-2026-000123."""

    prefix = models.CharField(max_length=4)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="case_sequence_unique")]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last}"


# ---- attachments ------------------------------------------------------------------------------


def _attachment_path(instance, filename):
    now = timezone.now()
    return f"attachments/{now:%Y/%m}/{instance.sha256[:2]}/{instance.sha256}{instance.extension}"


class AttachmentQuerySet(models.QuerySet):
    def for_object(self, obj):
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False), object_id=obj.pk
        )


class Attachment(models.Model):
    """A file attached to a case. Checked by content on upload (core.uploads), stored outside the web
    root under a content-addressed name, and served only by ``core.file_views.attachment_download``."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    file = models.FileField(upload_to=_attachment_path, max_length=255)
    original_name = models.CharField(_("文件名"), max_length=255)
    mime_type = models.CharField(_("文件类型"), max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    # Public attachments were filed by the complainant and may be listed back to them; staff ones never are.
    is_public = models.BooleanField(_("公众提交"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        indexes = [models.Index(fields=["content_type", "object_id"], name="attachment_object_idx")]

    def __str__(self):
        return self.original_name


# ---- generated documents -----------------------------------------------------------------------


class GeneratedDocumentQuerySet(models.QuerySet):
    def for_object(self, obj):
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False), object_id=obj.pk
        )


class GeneratedDocument(models.Model):
    """A PDF rendered from ``templates/<app>/pdf/<kind>.html`` by a Celery task.

    ``status`` is a technical render state (pending → ready | failed → pending on retry), written only
    by ``core.documents``; it is not a case lifecycle."""

    class Status(models.TextChoices):
        PENDING = "pending", _("生成中")
        READY = "ready", _("已生成")
        FAILED = "failed", _("生成失败")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("文书类型"), max_length=60)
    title = models.CharField(_("标题"), max_length=200)
    template_name = models.CharField(max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(upload_to="documents/%Y/%m/", max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = GeneratedDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("文书")
        verbose_name_plural = _("文书")
        indexes = [models.Index(fields=["content_type", "object_id", "kind"], name="document_object_idx")]

    def __str__(self):
        return self.title


# ---- working-day calendar ----------------------------------------------------------------------


class CalendarYear(models.Model):
    """A year whose official holiday schedule (国务院办公厅 notice) is loaded. Due dates that fall in a
    year without a row here are provisional (weekends only) and are recomputed when the year is loaded."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    loaded_at = models.DateTimeField(_("载入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("节假日年度")
        verbose_name_plural = _("节假日年度")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)


class CalendarDay(models.Model):
    """An exception to the Monday–Friday week: a statutory holiday or a 调休 make-up working day."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日")
        WORKDAY = "workday", _("调休上班")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("节假日调整")
        verbose_name_plural = _("节假日调整")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}"


class CalendarVersion(models.Model):
    """One row whose ``version`` changes whenever any ``CalendarYear`` or ``CalendarDay`` row does, so that
    each process can keep the calendar in memory and re-read it only when it changed (``core.deadlines``).

    On PostgreSQL a statement trigger on both tables sets it from a sequence (migration 0005), which catches
    every writer: the admin, ``load_calendar`` (whose ``bulk_create`` sends no signals), data migrations and
    raw SQL. A sequence never hands out a number twice, even when the writing transaction rolls back, so a
    process that cached an uncommitted calendar under some version can never mistake it for a later one."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("节假日版本")
        verbose_name_plural = _("节假日版本")
        default_permissions = ()

    def __str__(self):
        return str(self.version)


# ---- deadlines --------------------------------------------------------------------------------


class DeadlineQuerySet(models.QuerySet):
    def for_object(self, obj):
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False), object_id=obj.pk
        )

    def running(self):
        return self.filter(status=Deadline.Status.RUNNING)


class Deadline(models.Model):
    """One legal or service time limit on one case stage (e.g. accept within 5 working days).

    Computed by ``core.deadlines`` from ``started_at``, ``days`` and ``unit`` plus suspensions and
    extensions; ``due_at`` is stored (and copied onto the entity for sorting). ``provisional`` is set
    when the due date depends on a year whose holiday schedule is not loaded."""

    class Unit(models.TextChoices):
        CALENDAR = "calendar", _("自然日")
        WORKING = "working", _("工作日")

    class Status(models.TextChoices):
        RUNNING = "running", _("计时中")
        SUSPENDED = "suspended", _("已中止")
        MET = "met", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("期限类型"), max_length=60)
    label = models.CharField(_("名称"), max_length=100)
    unit = models.CharField(_("计算方式"), max_length=10, choices=Unit.choices)
    days = models.PositiveSmallIntegerField(_("天数"))
    started_at = models.DateTimeField(_("起算时间"))
    due_at = models.DateTimeField(_("届满时间"), db_index=True)
    provisional = models.BooleanField(_("临时计算"), default=False)
    remind_days_before = models.PositiveSmallIntegerField(_("提前提醒天数"), default=3)
    remind_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    extended_days = models.PositiveSmallIntegerField(_("延长天数"), default=0)
    extension_reason = models.TextField(_("延长理由"), blank=True)
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("延长批准人"),
    )
    suspended_at = models.DateTimeField(_("中止时间"), null=True, blank=True)
    suspended_days = models.PositiveSmallIntegerField(_("已中止天数"), default=0)
    suspension_reason = models.TextField(_("中止理由"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    reminded_at = models.DateTimeField(_("已提醒"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("已逾期"), null=True, blank=True)
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = _("期限")
        verbose_name_plural = _("期限")
        indexes = [
            models.Index(fields=["content_type", "object_id", "kind"], name="deadline_object_idx"),
            # The sweep's two questions, kept cheap with partial indexes on the running rows only.
            models.Index(fields=["remind_at"], name="deadline_remind_idx",
                         condition=models.Q(status="running", reminded_at__isnull=True)),
            models.Index(fields=["due_at"], name="deadline_overdue_idx",
                         condition=models.Q(status="running", overdue_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.label} {self.due_at:%Y-%m-%d}"

    @property
    def is_overdue(self):
        return self.status == self.Status.RUNNING and self.due_at <= timezone.now()


class DeadlineTracked(models.Model):
    """Abstract base of a case entity that carries its current deadline on its own row, so its lists sort and
    filter by it without a join on ``Deadline``, and the overdue flag of its escalation.

    ``due_at`` is kept by ``core.deadlines.sync_entity_due_at`` when the deadlines hang on the entity itself
    (or by the app's services when they hang on its parts, as an inspection's notice items do). ``is_overdue``
    is set by the app's ``on_deadline_overdue`` handler and cleared by the transition or service that ends
    the work. A model may override ``due_at`` to give it its own label (整改期限); its partial index
    on ``due_at`` stays in its own ``Meta``, since the open states it covers differ from model to model."""

    due_at = models.DateTimeField(_("办理期限"), null=True, blank=True)
    is_overdue = models.BooleanField(_("已逾期"), default=False)

    class Meta:
        abstract = True


class ProvisionalDeadlineTracked(DeadlineTracked):
    """``DeadlineTracked`` for entities timed in working days: ``due_provisional`` marks a due date counted in
    a year whose holiday schedule is not loaded yet, to be shown as provisional (``sync_entity_due_at`` keeps
    it with ``due_at``; ``recompute_provisional`` clears it once the year is loaded)."""

    due_provisional = models.BooleanField(_("期限为临时计算"), default=False)

    class Meta:
        abstract = True


# ---- notifications ----------------------------------------------------------------------------


class Notification(models.Model):
    """An outbound message (SMS, e-mail or in-app). Sending goes through a pluggable backend; the row
    is the record of what was (or would have been) sent."""

    class Channel(models.TextChoices):
        SMS = "sms", _("短信")
        EMAIL = "email", _("邮件")
        INBOX = "inbox", _("站内消息")

    class Status(models.TextChoices):
        QUEUED = "queued", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    # A phone number or e-mail address: personal information, so encrypted at rest like other PII.
    to_address = EncryptedCharField(_("接收地址"), blank=True, plain_max_length=200)
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    # Makes sending idempotent: the same key is never sent twice.
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx")]

    def __str__(self):
        return self.subject or self.body[:40]

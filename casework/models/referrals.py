"""Referrals of a wage-arrears claim (欠薪线索移送) to a legal-aid organisation, labour inspection or the police.

A claim may have several referrals over its life (a declined one is followed by a new one). Each has its own
lifecycle: drafted → sent → accepted | declined → in_progress → outcome_reported → done, and revoked by the
district at any time before done. Legality lives on the transitions (no I/O); ``casework.services.referrals``
is the only writer.

What the receiving organisation sees is the **packet**: the claim fields the officer chose (minimum
necessary, 个人信息保护法 Art. 6), the workers whose data go with it and the evidence files picked for it.
A partner never reads the claim itself; its users reach referrals only through ``Referral.objects.for_partner``
and only while the referral is live for them (sent … outcome reported)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from accounts.models import District, Organization
from accounts.roles import Role
from accounts.scoping import district_q, is_citywide, is_district_staff
from core.fsm import RefreshableFSMMixin
from core.models import ProvisionalDeadlineTracked

#: The fields of a claim an officer may put in a packet: key → label. The packet builder
#: (``casework.services.referrals.packet_for``) reads each from the claim; nothing else ever leaves.
PACKET_FIELDS = {
    "employer": _("用人单位名称及统一社会信用代码"),
    "employer_address": _("用人单位地址"),
    "workplace": _("工作地点（项目或市场）"),
    "period": _("用工期间"),
    "facts": _("欠薪事实"),
    "amounts": _("欠薪金额"),
    "worker_name": _("劳动者姓名"),
    "worker_phone": _("劳动者联系电话"),
    "worker_id_number": _("劳动者身份证号码"),
}
#: Minimum necessary by default: who owes what to whom, and how to reach the worker.
DEFAULT_PACKET_FIELDS = ["employer", "facts", "amounts", "worker_name", "worker_phone"]
#: Fields that carry a worker's personal information: a packet with any of them needs each worker's consent.
PERSONAL_FIELDS = {"worker_name", "worker_phone", "worker_id_number", "amounts"}


def is_partner_user(user) -> bool:
    """A user of an external receiving organisation (legal aid, labour inspection or police) holding the
    partner role."""
    return bool(user and user.is_authenticated and user.is_active and user.organization_id
                and user.has_role(Role.LEGAL_AID))


class ReferralQuerySet(models.QuerySet):
    def visible_to(self, user):
        """District staff see their district's referrals; bureau officials and admins all; a partner user
        only its organisation's referrals while they are live for it (sent … outcome reported): access ends
        on decline, revoke or done. Operators and everyone else: none."""
        if is_citywide(user) or is_district_staff(user):
            return self.filter(district_q(user))
        if is_partner_user(user):
            return self.filter(target_id=user.organization_id, status__in=Referral.PARTNER_LIVE)
        return self.none()

    def for_partner(self, user):
        """Every referral ever sent to the user's organisation (any state after drafting): the partner's
        lists show the ended ones by number and state only, and their detail answers 403."""
        if not is_partner_user(user):
            return self.none()
        return self.filter(target_id=user.organization_id).exclude(status=Referral.Status.DRAFTED)

    def with_list_data(self):
        return self.select_related("claim", "target", "district")


class Referral(RefreshableFSMMixin, ProvisionalDeadlineTracked):
    class Status(models.TextChoices):
        DRAFTED = "drafted", _("草拟中")
        SENT = "sent", _("已移送待接收")
        ACCEPTED = "accepted", _("已接收")
        DECLINED = "declined", _("已退回")
        IN_PROGRESS = "in_progress", _("办理中")
        OUTCOME_REPORTED = "outcome_reported", _("已报告结果")
        DONE = "done", _("已办结")
        REVOKED = "revoked", _("已撤回")

    class Kind(models.TextChoices):
        LEGAL_AID = "legal_aid", _("法律援助")
        LABOUR_INSPECTION = "labour_inspection", _("劳动保障监察")
        POLICE = "police", _("涉嫌犯罪移送公安机关")

    class Stage(models.TextChoices):
        NEGOTIATION = "negotiation", _("协商调解")
        ARBITRATION = "arbitration", _("劳动仲裁")
        LITIGATION = "litigation", _("诉讼")
        ENFORCEMENT = "enforcement", _("强制执行")
        ADMINISTRATIVE = "administrative", _("行政处理（责令支付、行政处罚）")
        CRIMINAL = "criminal", _("刑事立案侦查")

    class ClosingReason(models.TextChoices):
        FULLY_RECOVERED = "fully_recovered", _("全部追回")
        PARTLY_RECOVERED = "partly_recovered", _("部分追回")
        NOT_RECOVERED = "not_recovered", _("未能追回")
        WITHDRAWN = "withdrawn", _("劳动者撤回")
        TRANSFERRED = "transferred", _("转由其他途径处理")

    #: States in which the receiving organisation may open the referral.
    PARTNER_LIVE = (Status.SENT, Status.ACCEPTED, Status.IN_PROGRESS, Status.OUTCOME_REPORTED)
    #: States the district may revoke from (any before done).
    REVOCABLE = (Status.DRAFTED, Status.SENT, Status.ACCEPTED, Status.IN_PROGRESS, Status.OUTCOME_REPORTED)
    CLOSED_STATES = (Status.DECLINED, Status.DONE, Status.REVOKED)
    #: Organisation kind each referral kind goes to.
    TARGET_KIND = {
        Kind.LEGAL_AID: Organization.Kind.LEGAL_AID,
        Kind.LABOUR_INSPECTION: Organization.Kind.LABOUR_INSPECTION,
        Kind.POLICE: Organization.Kind.POLICE,
    }

    number = models.CharField(_("移送编号"), max_length=20, unique=True)
    claim = models.ForeignKey("casework.WageClaim", verbose_name=_("欠薪线索"), on_delete=models.PROTECT,
                              related_name="referrals")
    # Copied from the claim: scoping and the district's lists filter on it without a join.
    district = models.ForeignKey(District, verbose_name=_("管辖区"), on_delete=models.PROTECT,
                                 related_name="referrals")
    kind = models.CharField(_("移送类型"), max_length=20, choices=Kind.choices)
    target = models.ForeignKey(Organization, verbose_name=_("接收单位"), on_delete=models.PROTECT,
                               related_name="referrals_received")
    summary = models.TextField(_("移送事由"))
    # For a police transfer: the suspected offence and the facts supporting it (移送函 must state them).
    crime_basis = models.TextField(_("涉嫌犯罪事实及依据"), blank=True)
    packet_fields = models.JSONField(_("移送材料包含的信息"), default=list)
    workers = models.ManyToManyField("casework.WageClaimWorker", verbose_name=_("移送涉及的劳动者"),
                                     related_name="referrals", blank=True)
    attachments = models.ManyToManyField("core.Attachment", verbose_name=_("随附证据材料"), related_name="+",
                                         blank=True)

    status = FSMField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFTED, protected=True)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("起草人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("起草时间"), default=timezone.now)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("批准人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("移送人"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("移送时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接收人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    partner_case_number = models.CharField(_("接收单位案号"), max_length=50, blank=True)
    declined_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    decline_reason = models.TextField(_("退回理由"), blank=True)
    recovered_amount = models.DecimalField(_("追回金额（元）"), max_digits=12, decimal_places=2, null=True,
                                           blank=True)
    case_stage = models.CharField(_("办理阶段"), max_length=20, choices=Stage.choices, blank=True)
    closing_reason = models.CharField(_("结案原因"), max_length=20, choices=ClosingReason.choices, blank=True)
    outcome_note = models.TextField(_("办理结果说明"), blank=True)
    outcome_reported_at = models.DateTimeField(_("结果报告时间"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("办结确认人"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    revoke_reason = models.TextField(_("撤回理由"), blank=True)

    # due_at / due_provisional / is_overdue (ProvisionalDeadlineTracked): the earliest running deadline
    # (acceptance, investigation), copied by core.deadlines for lists; the overdue flag is set by the sweep's
    # escalation and cleared when the deadline is met.
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("移送")
        verbose_name_plural = _("移送")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("draft_referral", _("起草、发送移送")),
            ("approve_referral", _("批准或撤回移送")),
        ]
        indexes = [
            models.Index(fields=["district", "status"], name="referral_district_status_idx"),
            models.Index(fields=["target", "status"], name="referral_target_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(recovered_amount__isnull=True) | Q(recovered_amount__gte=0),
                                   name="referral_recovered_gte_0"),
            models.CheckConstraint(condition=~Q(status="declined") | ~Q(decline_reason=""),
                                   name="referral_declined_has_reason"),
            models.CheckConstraint(condition=~Q(status="revoked") | ~Q(revoke_reason=""),
                                   name="referral_revoked_has_reason"),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("referral:referral_detail", kwargs={"number": self.number})

    def get_partner_url(self):
        return reverse("partner:referral_detail", kwargs={"number": self.number})

    @property
    def is_open(self):
        return self.status not in self.CLOSED_STATES

    @property
    def needs_consent(self) -> bool:
        """个人信息保护法 Art. 23: giving a worker's personal information to another handler needs the
        worker's separate consent naming the recipient. A police transfer does not: Art. 13(3) allows
        processing needed to perform a statutory duty, and 保障农民工工资支付条例 Art. 45 / 行政执法机关移送涉嫌
        犯罪案件的规定 Art. 3 oblige the bureau to transfer a suspected crime (刑法 Art. 276-1 拒不支付劳动报酬罪)
        to the police with the evidence; asking the suspect's victims for permission is not a precondition."""
        return self.kind != self.Kind.POLICE and bool(PERSONAL_FIELDS & set(self.packet_fields or []))

    def field_labels(self) -> list:
        return [PACKET_FIELDS[k] for k in PACKET_FIELDS if k in (self.packet_fields or [])]

    def includes(self, key: str) -> bool:
        return key in (self.packet_fields or [])

    # -- conditions ------------------------------------------------------------------------------

    def is_approved(self) -> bool:
        return self.approved_at is not None

    def has_all_consents(self) -> bool:
        return not self.workers_without_consent()

    def workers_without_consent(self) -> list:
        """The packet's workers with no consent on record for this referral's (named) organisation."""
        if not self.needs_consent:
            return []
        consented = set(self.consents.filter(organization_id=self.target_id).values_list("worker_id", flat=True))
        return [w for w in self.workers.all() if w.pk not in consented]

    def _is_partner(self, user) -> bool:
        return is_partner_user(user) and user.organization_id == self.target_id

    # -- transitions: legality only, no I/O ------------------------------------------------------

    @transition(field=status, source=Status.DRAFTED, target=Status.SENT, conditions=[is_approved, has_all_consents],
                permission="casework.draft_referral")
    def send(self, *, by):
        self.sent_by, self.sent_at = by, timezone.now()

    @transition(field=status, source=Status.SENT, target=Status.ACCEPTED,
                permission=lambda self, user: self._is_partner(user))
    def accept(self, *, by, partner_case_number=""):
        self.accepted_by, self.accepted_at = by, timezone.now()
        self.partner_case_number = partner_case_number

    @transition(field=status, source=Status.SENT, target=Status.DECLINED,
                permission=lambda self, user: self._is_partner(user))
    def decline(self, *, by, reason):
        self.declined_at, self.decline_reason = timezone.now(), reason

    @transition(field=status, source=[Status.ACCEPTED, Status.IN_PROGRESS], target=Status.IN_PROGRESS,
                permission=lambda self, user: self._is_partner(user))
    def report_progress(self, *, by):
        pass

    @transition(field=status, source=[Status.ACCEPTED, Status.IN_PROGRESS], target=Status.OUTCOME_REPORTED,
                permission=lambda self, user: self._is_partner(user))
    def report_outcome(self, *, by, recovered_amount, case_stage, closing_reason, note=""):
        self.recovered_amount, self.case_stage, self.closing_reason = recovered_amount, case_stage, closing_reason
        self.outcome_note, self.outcome_reported_at = note, timezone.now()

    @transition(field=status, source=Status.OUTCOME_REPORTED, target=Status.DONE,
                permission="casework.draft_referral")
    def complete(self, *, by):
        self.done_by, self.done_at = by, timezone.now()

    @transition(field=status, source=list(REVOCABLE), target=Status.REVOKED, permission="casework.approve_referral")
    def revoke(self, *, by, reason):
        self.revoked_at, self.revoke_reason = timezone.now(), reason


class ReferralConsentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Consent records (and their signed forms) are the district's: partners never download them."""
        if is_citywide(user) or is_district_staff(user):
            return self.filter(district_q(user, "referral__district"))
        return self.none()


class ReferralConsent(models.Model):
    """A worker's separate consent (个人信息保护法 Art. 23) to give their personal information to the organisation
    named here, for this referral: how it was given (a signed form, uploaded as an attachment of this row; or
    verbally, recorded by the officer with who was present), when, and who recorded it."""

    class Method(models.TextChoices):
        SIGNED_FORM = "signed_form", _("书面签字同意（已上传同意书）")
        VERBAL = "verbal", _("口头同意（工作人员记录）")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="consents")
    worker = models.ForeignKey("casework.WageClaimWorker", verbose_name=_("劳动者"), on_delete=models.PROTECT,
                               related_name="referral_consents")
    # The named recipient the worker agreed to; a later change of the referral's target voids the consent.
    organization = models.ForeignKey(Organization, verbose_name=_("同意提供给"), on_delete=models.PROTECT,
                                     related_name="+")
    method = models.CharField(_("同意方式"), max_length=20, choices=Method.choices)
    given_at = models.DateTimeField(_("同意时间"))
    note = models.TextField(_("记录说明"), blank=True, help_text=_("口头同意：告知内容、在场人员、通话或面谈方式"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    objects = ReferralConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("个人信息提供同意")
        verbose_name_plural = _("个人信息提供同意")
        ordering = ["recorded_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["referral", "worker", "organization"],
                                               name="referral_consent_once")]

    def __str__(self):
        return f"{self.referral} {self.worker_id} → {self.organization}"


class ReferralUpdateQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An update (and its documents) is visible to whoever may see its referral right now."""
        return self.filter(referral__in=Referral.objects.visible_to(user))


class ReferralUpdate(models.Model):
    """A progress note from the receiving organisation, with documents attached (core Attachment on this row)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT,
                               related_name="+")
    note = models.TextField(_("办理进展"))
    created_at = models.DateTimeField(_("填报时间"), default=timezone.now)

    objects = ReferralUpdateQuerySet.as_manager()

    class Meta:
        verbose_name = _("移送办理进展")
        verbose_name_plural = _("移送办理进展")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.referral} {self.created_at:%Y-%m-%d}"

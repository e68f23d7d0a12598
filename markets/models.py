"""Gig markets (零工市场), neighbourhood stations (零工驿站) and the operators that run them."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from accounts.models import District, Organization
from accounts.scoping import district_q, is_citywide, is_district_staff, operator_org_id
from core.fsm import RefreshableFSMMixin
from core.validators import validate_credit_code


class OperatorQuerySet(models.QuerySet):
    def visible_to(self, user):
        if is_citywide(user) or is_district_staff(user):
            return self.all()  # operators are public bodies' counterparties, not PII
        org = operator_org_id(user)
        if org:
            return self.filter(organization_id=org)
        return self.none()


class Operator(models.Model):
    """A public body or a purchased human-resources service agency running markets (clause (九))."""

    class Kind(models.TextChoices):
        PUBLIC = "public", _("公共就业服务机构")
        PURCHASED = "purchased", _("经营性人力资源服务机构（购买服务）")

    name = models.CharField(_("名称"), max_length=200, unique=True)
    kind = models.CharField(_("性质"), max_length=10, choices=Kind.choices, default=Kind.PURCHASED)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    licence_number = models.CharField(_("人力资源服务许可证编号"), max_length=50, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    # Operator staff log in as users of this organisation and see only its markets.
    organization = models.OneToOneField(
        Organization, verbose_name=_("账户单位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="operator", limit_choices_to={"kind": Organization.Kind.OPERATOR},
    )

    objects = OperatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("运营机构")
        verbose_name_plural = _("运营机构")
        ordering = ["name"]

    def __str__(self):
        return self.name


class MarketQuerySet(models.QuerySet):
    def visible_to(self, user):
        if is_citywide(user) or is_district_staff(user):
            return self.filter(district_q(user))
        org = operator_org_id(user)
        if org:
            return self.filter(operator__organization_id=org)
        return self.none()

    def published(self):
        """What the public list shows (clause (二十三)): open and suspended sites; closed ones vanish."""
        return self.filter(status__in=[Market.Status.OPEN, Market.Status.SUSPENDED])


class Market(RefreshableFSMMixin, models.Model):
    class Kind(models.TextChoices):
        MARKET = "market", _("零工市场")
        STATION = "station", _("零工驿站")

    class Status(models.TextChoices):
        OPEN = "open", _("正常运营")
        SUSPENDED = "suspended", _("暂停运营")
        CLOSED = "closed", _("已关闭")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    code = models.SlugField(_("编号"), max_length=40, unique=True, help_text=_("用于公开链接和二维码"))
    district = models.ForeignKey(District, verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="markets")
    street = models.CharField(_("街道（乡镇）"), max_length=50)
    address = models.CharField(_("地址"), max_length=200)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    opening_hours = models.CharField(_("运营时间"), max_length=100)
    phone = models.CharField(_("服务电话"), max_length=30)
    complaint_phone = models.CharField(_("投诉电话"), max_length=30, blank=True)
    operator = models.ForeignKey(
        Operator, verbose_name=_("运营机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="markets"
    )
    services = models.TextField(_("服务事项"), blank=True)
    facilities = models.TextField(_("设施"), blank=True, help_text=_("如：遮风避雨、防暑防寒、工具寄存、候工休息"))
    rules = models.TextField(_("规章制度与办事指南"), blank=True)
    is_crowded_venue = models.BooleanField(_("人员密集场所"), default=True, help_text=_("消防检查至少每月一次"))
    status = FSMField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN, protected=True)
    status_reason = models.TextField(_("状态说明"), blank=True)
    # Set when the operator's service contract ended by exit (退出, clause (二十二)); cleared when a new
    # contract for the market takes effect (procurement).
    needs_operator = models.BooleanField(_("待确定新运营机构"), default=False)
    needs_operator_since = models.DateField(_("待确定运营机构起始日"), null=True, blank=True)

    objects = MarketQuerySet.as_manager()

    class Meta:
        verbose_name = _("零工市场（驿站）")
        verbose_name_plural = _("零工市场（驿站）")
        ordering = ["district__sort_order", "kind", "name"]
        indexes = [models.Index(fields=["district", "status"], name="market_district_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90), name="market_lat_range"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("public:market_detail", kwargs={"code": self.code})

    @transition(field=status, source=Status.OPEN, target=Status.SUSPENDED)
    def suspend(self, *, by, reason):
        """Suspend after a failed inspection or on the district official's decision."""
        self.status_reason = reason

    @transition(field=status, source=Status.SUSPENDED, target=Status.OPEN)
    def resume(self, *, by, reason=""):
        self.status_reason = reason

    @transition(field=status, source=[Status.OPEN, Status.SUSPENDED], target=Status.CLOSED)
    def close(self, *, by, reason):
        self.status_reason = reason

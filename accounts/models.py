"""Users, organisations and districts. Roles are Django groups (see ``accounts.roles``)."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.validators import validate_credit_code


class District(models.Model):
    """One of Beijing's 16 districts, or 经开区 (Beijing Economic-Technological Development Area)."""

    code = models.CharField(_("行政区划代码"), max_length=6, unique=True)
    name = models.CharField(_("名称"), max_length=20, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("区")
        verbose_name_plural = _("区")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class Organization(models.Model):
    class Kind(models.TextChoices):
        BUREAU = "bureau", _("市人力资源和社会保障局")
        DISTRICT_OFFICE = "district_office", _("区人力资源和社会保障局")
        STREET_OFFICE = "street_office", _("街道（乡镇）")
        LEGAL_AID = "legal_aid", _("法律援助机构")
        LABOUR_INSPECTION = "labour_inspection", _("劳动保障监察机构")
        POLICE = "police", _("公安机关")
        OPERATOR = "operator", _("运营机构")
        OTHER_DEPARTMENT = "other_department", _("其他部门")

    name = models.CharField(_("名称"), max_length=200, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    district = models.ForeignKey(
        District, verbose_name=_("所属区"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="organizations",
        help_text=_("市级单位留空"),
    )
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name


class User(AbstractUser):
    """A staff member, partner or operator user. The public never has accounts: they track cases with a
    tracking code. A user's district scopes what they see (``accounts.scoping``)."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("单位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="users",
    )
    district = models.ForeignKey(
        District, verbose_name=_("所属区"), null=True, blank=True, on_delete=models.PROTECT, related_name="users",
        help_text=_("区级工作人员必填；市局人员留空"),
    )
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    title = models.CharField(_("职务"), max_length=50, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.get_full_name() or self.username

    def get_full_name(self):
        # Chinese names: family name first, no space.
        return f"{self.last_name}{self.first_name}".strip()

    @cached_property
    def group_names(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, *roles) -> bool:
        return self.is_active and bool(self.group_names.intersection(roles))

    def role_names(self) -> str:
        return "、".join(sorted(self.group_names))

"""Staff forms of the procurement pages; each only validates input and hands it to one service."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import District, User
from accounts.roles import Role
from accounts.scoping import is_citywide
from markets.models import Market, Operator

from .models import ServiceContract

DATE = forms.DateInput(attrs={"type": "date"})


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("项目名称"), max_length=200)
    district = forms.ModelChoiceField(label=_("所属区"), queryset=District.objects.all())
    markets = forms.ModelMultipleChoiceField(label=_("运营的零工市场（驿站）"), queryset=Market.objects.none(),
                                             widget=forms.CheckboxSelectMultiple)
    services = forms.CharField(label=_("购买的服务内容"), widget=forms.Textarea(attrs={"rows": 3}))
    budget = forms.DecimalField(label=_("预算金额（元）"), max_digits=14, decimal_places=2, min_value=Decimal("0"))
    period_start = forms.DateField(label=_("服务期起"), widget=DATE)
    period_end = forms.DateField(label=_("服务期止"), widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["markets"].queryset = Market.objects.visible_to(user).select_related("district")
        if not is_citywide(user):
            self.fields["district"].queryset = District.objects.filter(pk=user.district_id)
            self.fields["district"].initial = user.district_id


class RoundForm(forms.Form):
    title = forms.CharField(label=_("遴选名称"), max_length=200)
    opens_on = forms.DateField(label=_("报名开始"), widget=DATE)
    closes_on = forms.DateField(label=_("报名截止"), widget=DATE)


class ApplyForm(forms.Form):
    operator = forms.ModelChoiceField(label=_("运营机构"), queryset=Operator.objects.all())
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18)
    licence_number = forms.CharField(label=_("人力资源服务许可证编号"), max_length=50, required=False)
    licence_valid_until = forms.DateField(label=_("许可证有效期至"), required=False, widget=DATE)
    proposal = forms.CharField(label=_("服务方案摘要"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    licence_file = forms.FileField(label=_("许可证扫描件"), required=False)


class PanelMemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("评审专家"), queryset=User.objects.none())
    declared_relations = forms.CharField(label=_("申报的关联关系"), required=False,
                                         widget=forms.Textarea(attrs={"rows": 2}),
                                         help_text=_("与本人有利害关系的机构名称或统一社会信用代码，每行一项"))

    def __init__(self, *args, district_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (User.objects.filter(is_active=True, groups__name__in=Role.STAFF)
                                        .filter(district_id=district_id).distinct().order_by("username"))


class QualifyForm(forms.Form):
    extra_reasons = forms.CharField(label=_("审查意见（不通过的理由，每行一项；留空则只做自动审查）"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))


class ScoreForm(forms.Form):
    score = forms.DecimalField(label=_("评分"), max_digits=5, decimal_places=2, min_value=Decimal("0"),
                               max_value=Decimal("100"))
    comment = forms.CharField(label=_("评审意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AwardForm(forms.Form):
    winner = forms.IntegerField(label=_("中选机构"), required=False)
    reason = forms.CharField(label=_("说明（并列第一时必填）"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TerminateForm(forms.Form):
    kind = forms.ChoiceField(label=_("终止方式"), choices=ServiceContract.TerminationKind.choices)
    on_date = forms.DateField(label=_("终止日期"), widget=DATE)
    reason = forms.CharField(label=_("终止原因"), widget=forms.Textarea(attrs={"rows": 2}))


class RenewForm(forms.Form):
    amount = forms.DecimalField(label=_("续签金额（元）"), max_digits=14, decimal_places=2, min_value=Decimal("0"))
    end_date = forms.DateField(label=_("续签服务期止"), widget=DATE)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("名称"), max_length=100)
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    period_start = forms.DateField(label=_("考核期起"), widget=DATE)
    period_end = forms.DateField(label=_("考核期止"), widget=DATE)


class PaidForm(forms.Form):
    milestone = forms.IntegerField(widget=forms.HiddenInput)
    paid_on = forms.DateField(label=_("支付日期"), widget=DATE)
    reference = forms.CharField(label=_("支付凭证号"), max_length=60)

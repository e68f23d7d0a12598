"""The public mediation application (调解申请): one or more workers against one employer, the claims as line
items. Same bot defences as the complaint form (honeypot, signed start time), reused from ``public_forms``."""

import time

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import District
from core.validators import validate_credit_code, validate_mobile, validate_resident_id

from .models import MediationClaim
from .public_forms import HONEYPOT_FIELD, MarketChoiceField, _started_at, min_fill_seconds, published_markets, \
    started_token


class ApplicantForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号码"), max_length=18, validators=[validate_resident_id])
    phone = forms.CharField(label=_("手机号码"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    priority = forms.BooleanField(label=_("就业困难人员"), required=False)

    def clean_id_number(self):
        return self.cleaned_data["id_number"].strip().upper()

    def clean_phone(self):
        phone = self.cleaned_data["phone"].replace(" ", "").replace("-", "")
        validate_mobile(phone)
        return phone


class ClaimForm(forms.Form):
    # An empty first option: an untouched extra row must post nothing, or the formset takes it as filled in.
    kind = forms.ChoiceField(label=_("请求类型"), choices=[("", _("请选择"))] + MediationClaim.Kind.choices)
    amount = forms.DecimalField(label=_("金额（元）"), min_value=0, max_digits=12, decimal_places=2,
                                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


ApplicantFormSet = forms.formset_factory(ApplicantForm, extra=3, max_num=20, min_num=1, validate_min=True,
                                         validate_max=True)
ClaimFormSet = forms.formset_factory(ClaimForm, extra=3, max_num=20, validate_max=True)


class MediationApplicationForm(forms.Form):
    market = MarketChoiceField(label=_("零工市场（驿站）"), required=False)
    district = forms.ModelChoiceField(label=_("所在区"), queryset=District.objects.all(), required=False,
                                      empty_label=_("请选择"),
                                      help_text=_("未选择零工市场（驿站）时，请选择用工发生地所在的区。"))
    respondent_name = forms.CharField(label=_("用人单位名称"), max_length=200)
    respondent_credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False,
                                             help_text=_("18位，知道的请填写。"))
    respondent_contact = forms.CharField(label=_("用人单位联系人"), max_length=50, required=False)
    matters = forms.CharField(label=_("争议事项"), max_length=2000, min_length=4,
                              widget=forms.Textarea(attrs={"rows": 3}), help_text=_("例如：拖欠工资、加班费。"))
    reasons = forms.CharField(label=_("事实和理由"), max_length=5000, min_length=10,
                              widget=forms.Textarea(attrs={"rows": 5}),
                              help_text=_("请写明工作时间、地点、约定报酬和发生争议的经过。"))
    consent = forms.BooleanField(label=_("我已阅读并同意上述个人信息处理说明"), required=False)
    homepage = forms.CharField(label=_("请勿填写此项"), required=False)
    started = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, markets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["market"].load(published_markets() if markets is None else markets)
        if not self.is_bound and "started" not in self.initial:
            self.initial["started"] = started_token()

    def clean_respondent_credit_code(self):
        code = self.cleaned_data["respondent_credit_code"].strip().upper()
        if code:
            validate_credit_code(code)
        return code

    def clean(self):
        data = super().clean()
        if self.data.get(HONEYPOT_FIELD):
            raise ValidationError(_("本次提交未通过安全校验，请检查后重新提交。"), code="honeypot")
        started = _started_at(self.data.get("started", ""))
        if started is None:
            raise ValidationError(_("表单已失效，请检查内容后重新提交。"), code="bad_token")
        if time.time() - started < min_fill_seconds():
            raise ValidationError(_("提交过快，请核对填写的内容后再次提交。"), code="too_fast")
        if not data.get("consent"):
            self.add_error("consent", ValidationError(_("请阅读并同意个人信息处理说明后再提交。"), code="required"))
        market = data.get("market")
        if market is not None:
            data["district"] = market.district
        elif not data.get("district") and "district" not in self.errors:
            self.add_error("district", ValidationError(_("请选择零工市场（驿站）或所在区。"), code="required"))
        return data

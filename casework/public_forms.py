"""Forms of the public complaint pages: intake, tracking, material resubmission, withdrawal, satisfaction.

The intake form carries its own bot defences, none of which needs an outside service: a honeypot field
that people never see (bots fill every input), and a signed timestamp written when the form was served
(a person needs more than a few seconds to describe what happened; a script does not)."""

import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import District
from core.forms import AttachmentsField
from core.validators import validate_credit_code, validate_mobile
from markets.models import Market

from .models import Complaint, normalize_tracking_code

_STARTED_SALT = "casework.public_forms.complaint_started"
HONEYPOT_FIELD = "homepage"


def min_fill_seconds() -> float:
    return getattr(settings, "GIGCASE_COMPLAINT_MIN_FILL_SECONDS", 3)


def started_token(at: float | None = None) -> str:
    """The signed moment the form was served (milliseconds since the epoch)."""
    moment = time.time() if at is None else at
    return signing.dumps(int(moment * 1000), salt=_STARTED_SALT)


def _started_at(token: str) -> float | None:
    try:
        return signing.loads(token or "", salt=_STARTED_SALT) / 1000
    except (signing.BadSignature, TypeError, ValueError):
        return None


def published_markets():
    return Market.objects.published().select_related("district").order_by("district__sort_order", "kind", "name")


class MarketChoiceField(forms.ChoiceField):
    """Published markets and stations grouped by district (``<optgroup>``), chosen by their public code.

    ``clean`` returns the Market (or None). The choices are read once per form instance."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._markets: dict[str, Market] = {}

    def load(self, markets):
        self._markets = {m.code: m for m in markets}
        groups: dict[str, list] = {}
        for m in self._markets.values():
            groups.setdefault(m.district.name, []).append((m.code, f"{m.name}（{m.get_kind_display()}）"))
        self.choices = [("", _("不清楚 / 不在市场内"))] + list(groups.items())

    def market_for(self, code):
        return self._markets.get(code)

    def clean(self, value):
        value = super().clean(value)
        return self._markets.get(value) if value else None


class ComplaintForm(forms.Form):
    """The public complaint form (to be filled on a phone at a market's notice board)."""

    anonymous = forms.BooleanField(
        label=_("匿名投诉"), required=False,
        help_text=_("匿名投诉不留姓名和电话，无法接收短信通知，只能凭查询码查询办理进度。"),
    )
    complainant_name = forms.CharField(label=_("您的姓名"), max_length=50, required=False)
    complainant_phone = forms.CharField(
        label=_("联系电话"), max_length=20, required=False,
        help_text=_("用于接收查询码和办理进度短信，查询时需核对后四位。"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    market = MarketChoiceField(label=_("零工市场（驿站）"), required=False)
    district = forms.ModelChoiceField(
        label=_("所在区"), queryset=District.objects.all(), required=False, empty_label=_("请选择"),
        help_text=_("未选择零工市场（驿站）时，请选择事情发生地所在的区。"),
    )
    category = forms.ChoiceField(label=_("投诉类别"), choices=[("", _("请选择"))] + Complaint.Category.choices)
    respondent_kind = forms.ChoiceField(
        label=_("被投诉对象类型"), choices=Complaint.RespondentKind.choices,
        initial=Complaint.RespondentKind.UNKNOWN,
    )
    respondent_name = forms.CharField(
        label=_("被投诉对象名称"), max_length=200, required=False,
        help_text=_("单位名称或个人姓名，知道的请填写。"),
    )
    respondent_credit_code = forms.CharField(
        label=_("统一社会信用代码"), max_length=18, required=False,
        help_text=_("18位，知道的请填写，可在营业执照上找到。"),
    )
    description = forms.CharField(
        label=_("事情经过"), max_length=5000, min_length=10,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("请写明时间、地点、经过和您的诉求。"),
    )
    occurred_on = forms.DateField(label=_("发生日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(
        label=_("涉及金额（元）"), required=False, min_value=0, max_digits=12, decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    files = AttachmentsField(
        label=_("证据材料"), max_files=5,
        help_text=_("可上传工资条、聊天记录截图、照片等，PDF、JPG、PNG 或 Word、Excel 文档，最多5个。"),
    )
    consent = forms.BooleanField(label=_("我已阅读并同意上述个人信息处理说明"), required=False)
    # Honeypot: hidden from people by CSS and from assistive technology by aria-hidden; bots fill it.
    homepage = forms.CharField(label=_("请勿填写此项"), required=False)
    started = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, markets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["market"].load(published_markets() if markets is None else markets)
        if not self.is_bound and "started" not in self.initial:
            self.initial["started"] = started_token()

    def selected_market(self):
        """The market the form shows (for the district note and the consent text), bound or initial."""
        code = self.data.get("market") if self.is_bound else self.initial.get("market")
        return self.fields["market"].market_for(code) if code else None

    def clean_complainant_phone(self):
        phone = self.cleaned_data["complainant_phone"].replace(" ", "").replace("-", "")
        if phone:
            validate_mobile(phone)
        return phone

    def clean_respondent_credit_code(self):
        code = self.cleaned_data["respondent_credit_code"].strip().upper()
        if code:
            validate_credit_code(code)
        return code

    def clean_occurred_on(self):
        day = self.cleaned_data["occurred_on"]
        if day and day > timezone.localdate():
            raise ValidationError(_("发生日期不能晚于今天。"), code="future")
        return day

    def clean(self):
        data = super().clean()
        if self.data.get(HONEYPOT_FIELD):
            raise ValidationError(_("本次提交未通过安全校验，请检查后重新提交。"), code="honeypot")
        started = _started_at(self.data.get("started", ""))
        if started is None:
            raise ValidationError(_("表单已失效，请检查内容后重新提交。"), code="bad_token")
        if time.time() - started < min_fill_seconds():
            raise ValidationError(_("提交过快，请核对填写的内容后再次提交。"), code="too_fast")

        if data.get("anonymous"):
            data["complainant_name"], data["complainant_phone"] = "", ""
        else:
            if not data.get("complainant_name"):
                self.add_error("complainant_name", ValidationError(_("请填写姓名，或勾选匿名投诉。"), code="required"))
            if not data.get("complainant_phone") and "complainant_phone" not in self.errors:
                self.add_error("complainant_phone",
                               ValidationError(_("请填写联系电话，或勾选匿名投诉。"), code="required"))
            if not data.get("consent"):
                self.add_error("consent", ValidationError(_("请阅读并同意个人信息处理说明后再提交。"), code="required"))

        market = data.get("market")
        if market is not None:
            data["district"] = market.district  # the market decides which bureau handles the case
        elif not data.get("district") and "district" not in self.errors:
            self.add_error("district", ValidationError(_("请选择零工市场（驿站）或所在区。"), code="required"))
        return data


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("查询码"), max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        help_text=_("提交投诉、调解申请或欠薪线索时页面显示并以短信发送的16位查询码。"),
    )
    last4 = forms.RegexField(
        label=_("手机号后四位"), regex=r"^\d{4}$", required=False, max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("匿名投诉或登记时未留手机号的无需填写。"),
        error_messages={"invalid": _("请输入4位数字。")},
    )

    def clean_code(self):
        code = normalize_tracking_code(self.cleaned_data["code"])
        if not code:
            raise ValidationError(_("请输入查询码。"), code="required")
        return code


class ResubmitForm(forms.Form):
    supplement = forms.CharField(
        label=_("补正说明"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("请逐项说明补充的内容。"),
    )
    files = AttachmentsField(label=_("补充材料"), max_files=5)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class SurveyForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("您对办理结果是否满意？"), coerce=int, widget=forms.RadioSelect,
        choices=[(5, _("非常满意")), (4, _("满意")), (3, _("一般")), (2, _("不满意")), (1, _("非常不满意"))],
        error_messages={"required": _("请选择满意程度。")},
    )
    comment = forms.CharField(label=_("意见建议"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))

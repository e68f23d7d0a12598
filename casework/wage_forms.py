"""Staff forms for wage claims (欠薪线索). Amounts are ``DecimalField`` (exact, two places); services
re-check everything that matters."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import District
from core.validators import validate_credit_code, validate_resident_id
from markets.models import Market

from .models import WageClaim

_MONEY = {"max_digits": 12, "decimal_places": 2}


class VerifyForm(forms.Form):
    """核实结论: verified, or a proposal that the claim is unfounded (the district official decides)."""

    decision = forms.ChoiceField(label=_("核实结论"), widget=forms.RadioSelect, choices=[
        ("verified", _("欠薪情况属实")),
        ("unsubstantiated", _("拟认定不成立（报区级负责人审批）")),
    ])
    note = forms.CharField(label=_("核实情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(label=_("不成立理由（内部）"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    public_reply = forms.CharField(label=_("对劳动者的答复意见（公开）"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "verified" and not (data.get("note") or "").strip():
            self.add_error("note", _("请填写核实情况。"))
        if data.get("decision") == "unsubstantiated":
            if not (data.get("reason") or "").strip():
                self.add_error("reason", _("请说明不成立的理由。"))
            if not (data.get("public_reply") or "").strip():
                self.add_error("public_reply", _("请填写对劳动者的答复意见。"))
        return data


class ApproveUnsubstantiatedForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审批意见"), coerce=lambda v: v == "yes", widget=forms.RadioSelect,
        choices=[("yes", _("同意认定不成立")), ("no", _("不同意，退回继续核实"))],
    )
    reason = forms.CharField(label=_("意见说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("approve") is False and not (data.get("reason") or "").strip():
            self.add_error("reason", _("不同意时请说明理由。"))
        return data


class PaymentsForm(forms.Form):
    """One amount field per worker: what each actually received so far (not an increment)."""

    def __init__(self, *args, workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.workers = list(workers)
        for w in self.workers:
            self.fields[f"paid_{w.pk}"] = forms.DecimalField(
                label=_("%(name)s 实际收到（应付%(owed)s元）") % {"name": w.name, "owed": w.amount_owed},
                min_value=0, max_value=w.amount_owed, initial=w.amount_paid, required=False, **_MONEY)

    def paid(self) -> dict:
        return {w.pk: self.cleaned_data[f"paid_{w.pk}"] for w in self.workers
                if self.cleaned_data.get(f"paid_{w.pk}") is not None}


class SettleForm(PaymentsForm):
    note = forms.CharField(label=_("支付情况说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CoordinateForm(forms.Form):
    place = forms.CharField(label=_("协调地点（市场或街道）"), max_length=200)


class CloseForm(PaymentsForm):
    outcome = forms.ChoiceField(label=_("结案结果"), choices=WageClaim.Outcome.choices)
    note = forms.CharField(label=_("结案说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    field_order = ["outcome", "note"]


class WorkerForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号码"), max_length=18, required=False,
                                validators=[validate_resident_id])
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    amount_owed = forms.DecimalField(label=_("被拖欠金额（元）"), min_value=Decimal("0.01"), **_MONEY)
    priority = forms.BooleanField(label=_("就业困难人员"), required=False)

    def clean_id_number(self):
        return (self.cleaned_data.get("id_number") or "").strip().upper()


class BaseWorkerFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]:
            raise forms.ValidationError(_("请至少登记一位被拖欠工资的劳动者。"))


WorkerFormSet = forms.formset_factory(WorkerForm, formset=BaseWorkerFormSet, extra=3, max_num=50,
                                      validate_max=True)


class WageIntakeForm(forms.Form):
    """Counter or hotline registration (窗口登记) of a claim with several workers."""

    channel = forms.ChoiceField(label=_("来源渠道"), choices=[
        (WageClaim.Channel.COUNTER, WageClaim.Channel.COUNTER.label),
        (WageClaim.Channel.HOTLINE, WageClaim.Channel.HOTLINE.label),
    ])
    district = forms.ModelChoiceField(label=_("管辖区"), queryset=District.objects.all())
    market = forms.ModelChoiceField(label=_("零工市场（驿站）"), queryset=Market.objects.all(), required=False)
    work_place = forms.CharField(label=_("用工项目或地点"), max_length=200, required=False)
    employer_name = forms.CharField(label=_("用工单位名称"), max_length=200)
    employer_credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False,
                                           validators=[validate_credit_code])
    employer_address = forms.CharField(label=_("用工单位地址"), max_length=200, required=False)
    period_start = forms.DateField(label=_("用工开始日期"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("欠薪截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    employment_ongoing = forms.BooleanField(label=_("劳动关系仍存续"), required=False)
    employment_ended_on = forms.DateField(label=_("劳动关系终止日期"), required=False,
                                          widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("欠薪情况"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and getattr(user, "district_id", None):
            self.fields["district"].initial = user.district_id
            self.fields["market"].queryset = Market.objects.filter(district_id=user.district_id)

    def clean_employer_credit_code(self):
        return (self.cleaned_data.get("employer_credit_code") or "").strip().upper()

    def clean(self):
        data = super().clean()
        if data.get("employment_ongoing") and data.get("employment_ended_on"):
            self.add_error("employment_ended_on", _("劳动关系仍存续时不应填写终止日期。"))
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("欠薪截止日期不能早于用工开始日期。"))
        return data


class FromMediationForm(PaymentsForm):
    """Amounts owed per applicant when a failed mediation becomes a wage claim."""

    def __init__(self, *args, applicants, default_amount=None, **kwargs):
        forms.Form.__init__(self, *args, **kwargs)
        self.workers = list(applicants)
        for a in self.workers:
            self.fields[f"paid_{a.pk}"] = forms.DecimalField(
                label=_("%(name)s 被拖欠金额（元）") % {"name": a.name}, min_value=0, required=False,
                initial=default_amount if len(self.workers) == 1 else None, **_MONEY)

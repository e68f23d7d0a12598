"""Forms of the evaluations app. Forms with one field per indicator are built from the indicators they are
given and return plain dicts that the services take as they are."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import AttachmentsField
from markets.models import Market, Operator

from .models import Approval, check_period_within_contract


class DateInput(forms.DateInput):
    input_type = "date"


class CreateForm(forms.Form):
    """A new evaluation: of a service contract, or of a public body's own markets (no contract)."""

    contract = forms.ModelChoiceField(label=_("服务合同"), queryset=None, required=False,
                                      help_text=_("购买服务的运营机构按合同评价"))
    operator = forms.ModelChoiceField(label=_("公共服务机构（自行运营，无合同）"), queryset=None, required=False)
    period_start = forms.DateField(label=_("评价期间起"), widget=DateInput)
    period_end = forms.DateField(label=_("评价期间止"), widget=DateInput)

    def __init__(self, *args, contracts, operators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = contracts
        self.fields["operator"].queryset = operators

    def clean(self):
        data = super().clean()
        if bool(data.get("contract")) == bool(data.get("operator")):
            raise forms.ValidationError(_("请选择服务合同，或者选择自行运营的公共服务机构（二者选一）。"))
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start <= end:  # an inverted period is the service's to refuse, once
            check_period_within_contract(contract=data.get("contract"), period_start=start, period_end=end)
        return data


def public_operators(user):
    return Operator.objects.filter(kind=Operator.Kind.PUBLIC,
                                   markets__in=Market.objects.visible_to(user)).distinct().order_by("name")


class SelfAssessmentForm(forms.Form):
    """The operator's self-assessment: served count, report, and per scored indicator a statement, a
    self-score and evidence files."""

    served_count = forms.IntegerField(label=_("评价期间服务人次"), min_value=1,
                                      help_text=_("按服务台账填报零工人员和用工主体的服务人次（指导意见（十三））"))
    summary = forms.CharField(label=_("自评报告"), widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        for indicator in self.indicators:
            self.fields[f"statement_{indicator.pk}"] = forms.CharField(
                label=_("自评说明"), widget=forms.Textarea(attrs={"rows": 3}))
            self.fields[f"self_score_{indicator.pk}"] = forms.DecimalField(
                label=_("自评得分"), required=False, min_value=0, max_value=indicator.max_score, decimal_places=2)
            self.fields[f"files_{indicator.pk}"] = AttachmentsField(label=_("佐证材料"), max_files=10)

    def statements(self) -> dict:
        return {i.pk: (self.cleaned_data[f"statement_{i.pk}"], self.cleaned_data[f"self_score_{i.pk}"])
                for i in self.indicators}

    def evidence(self) -> dict:
        return {i.pk: self.cleaned_data[f"files_{i.pk}"] for i in self.indicators}

    def rows(self):
        return [(i, self[f"statement_{i.pk}"], self[f"self_score_{i.pk}"], self[f"files_{i.pk}"])
                for i in self.indicators]


class ScoreForm(forms.Form):
    """The evaluator's scores for the indicators the system does not compute."""

    note = forms.CharField(label=_("评分意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, indicators, scores, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        for indicator in self.indicators:
            existing = scores.get(indicator.pk)
            self.fields[f"score_{indicator.pk}"] = forms.DecimalField(
                label=_("得分（满分%(max)s）") % {"max": indicator.max_score}, min_value=0,
                max_value=indicator.max_score, decimal_places=2,
                initial=existing.score if existing is not None and existing.scored_by_id else None)
            self.fields[f"note_{indicator.pk}"] = forms.CharField(
                label=_("评分说明"), required=indicator.is_computed, widget=forms.Textarea(attrs={"rows": 2}),
                initial=existing.note if existing is not None else "")

    def scores(self) -> dict:
        return {i.pk: (self.cleaned_data[f"score_{i.pk}"], self.cleaned_data[f"note_{i.pk}"]) for i in self.indicators}

    def rows(self):
        return [(i, self[f"score_{i.pk}"], self[f"note_{i.pk}"]) for i in self.indicators]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("意见"), choices=Approval.Decision.choices, widget=forms.RadioSelect)
    opinion = forms.CharField(label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def approved(self) -> bool:
        return self.cleaned_data["decision"] == Approval.Decision.APPROVE


class ApproveForm(DecisionForm):
    requirements = forms.CharField(label=_("整改要求（结果为限期整改时填写）"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}))


class PlanForm(forms.Form):
    plan = forms.CharField(label=_("整改计划"), widget=forms.Textarea(attrs={"rows": 5}))
    complete_by = forms.DateField(label=_("计划整改完成日期"), widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["complete_by"].initial = timezone.localdate() + timedelta(days=60)


class FollowUpForm(forms.Form):
    period_start = forms.DateField(label=_("跟踪评价期间起"), widget=DateInput, required=False)
    period_end = forms.DateField(label=_("跟踪评价期间止"), widget=DateInput, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}))

"""Forms of the inspections app. Forms with one field per checklist or notice item are built from the
items they are given, and return plain dicts that the services take as they are."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import AttachmentsField
from markets.models import Market

from .models import Finding, Severity

PHOTO_HELP = _("可直接拍照上传（JPG、PNG），照片中的位置信息会被清除。")


def _photos_field(label, required=False):
    field = AttachmentsField(label=label, required=required, max_files=6, help_text=PHOTO_HELP)
    field.widget.attrs.update({"accept": "image/jpeg,image/png", "capture": "environment"})
    return field


class PlanForm(forms.Form):
    market = forms.ModelChoiceField(label=_("零工市场（驿站）"), queryset=Market.objects.none())
    inspector = forms.ModelChoiceField(label=_("检查员"), queryset=None)
    planned_for = forms.DateField(label=_("计划检查日期"), widget=forms.DateInput(attrs={"type": "date"}))
    purpose = forms.CharField(label=_("检查事由"), max_length=200, required=False)

    def __init__(self, *args, markets, inspectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["market"].queryset = markets
        self.fields["inspector"].queryset = inspectors
        self.fields["inspector"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["planned_for"].initial = timezone.localdate()


class FillForm(forms.Form):
    """The checklist on the phone: result, severity, note and photos per item, plus the visit's facts."""

    summary = forms.CharField(label=_("检查情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    on_site_contact = forms.CharField(label=_("现场负责人"), max_length=50, required=False)
    latitude = forms.DecimalField(required=False, widget=forms.HiddenInput, max_digits=12, decimal_places=8)
    longitude = forms.DecimalField(required=False, widget=forms.HiddenInput, max_digits=12, decimal_places=8)
    accuracy = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, items, findings, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            finding = findings.get(item.pk)
            self.fields[f"result_{item.pk}"] = forms.ChoiceField(
                label=item.text, choices=Finding.Result.choices, required=False, widget=forms.RadioSelect,
                initial=finding.result if finding else None)
            self.fields[f"severity_{item.pk}"] = forms.ChoiceField(
                label=_("隐患等级"), choices=[("", "---------")] + list(Severity.choices), required=False,
                initial=(finding.severity if finding and finding.severity else item.default_severity))
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=_("情况说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                initial=finding.note if finding else "")
            self.fields[f"photos_{item.pk}"] = _photos_field(_("照片"))

    def answers(self) -> dict:
        """The answers present in the submitted data (a field the browser did not send is not an answer)."""
        result = {}
        for item in self.items:
            answer = {}
            for key in ("result", "severity", "note"):
                name = f"{key}_{item.pk}"
                if name in self.data:
                    answer[key] = self.cleaned_data.get(name) or ""
            if answer:
                result[item.pk] = answer
        return result

    def photos(self) -> dict:
        return {item.pk: self.cleaned_data.get(f"photos_{item.pk}") or [] for item in self.items}

    def location(self):
        data = self.cleaned_data
        if data.get("latitude") is None or data.get("longitude") is None:
            return None
        return {"latitude": data["latitude"], "longitude": data["longitude"], "accuracy": data.get("accuracy")}

    def sections(self):
        """Bound fields grouped by checklist section, in order, for the template."""
        groups = {}
        for item in self.items:
            groups.setdefault(item.get_section_display(), []).append({
                "item": item,
                "result": self[f"result_{item.pk}"],
                "severity": self[f"severity_{item.pk}"],
                "note": self[f"note_{item.pk}"],
                "photos": self[f"photos_{item.pk}"],
            })
        return list(groups.items())


class IssueNoticeForm(forms.Form):
    """One requirement per failed finding, pre-filled from the finding; the inspector may reword it."""

    def __init__(self, *args, findings, **kwargs):
        super().__init__(*args, **kwargs)
        self.findings = list(findings)
        for finding in self.findings:
            self.fields[f"req_{finding.pk}"] = forms.CharField(
                label=f"[{finding.get_severity_display()}] {finding.item.text}",
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=_("%(note)s。请按要求整改。") % {"note": finding.note.rstrip("。")})

    def requirements(self) -> dict:
        return {f.pk: self.cleaned_data[f"req_{f.pk}"] for f in self.findings}


class ReinspectForm(forms.Form):
    """A verdict per answered item: accept, or reject with the reason."""

    VERDICTS = [("accept", _("整改合格")), ("reject", _("整改不合格，继续整改"))]

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"verdict_{item.pk}"] = forms.ChoiceField(label=item.requirement, choices=self.VERDICTS,
                                                                  widget=forms.RadioSelect)
            self.fields[f"review_{item.pk}"] = forms.CharField(label=_("复查意见"), required=False,
                                                               widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        for item in self.items:
            if data.get(f"verdict_{item.pk}") == "reject" and not (data.get(f"review_{item.pk}") or "").strip():
                self.add_error(f"review_{item.pk}", _("复查不通过的事项须写明理由。"))
        return data

    def verdicts(self) -> dict:
        return {item.pk: (self.cleaned_data[f"verdict_{item.pk}"] == "accept",
                          self.cleaned_data.get(f"review_{item.pk}") or "") for item in self.items}


class RespondForm(forms.Form):
    """The operator's answer: what was done for each open item, with photos of the result."""

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"text_{item.pk}"] = forms.CharField(label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 3}))
            self.fields[f"photos_{item.pk}"] = _photos_field(_("整改后照片"), required=True)

    def answers(self) -> dict:
        return {item.pk: self.cleaned_data[f"text_{item.pk}"] for item in self.items}

    def evidence(self) -> dict:
        return {item.pk: self.cleaned_data[f"photos_{item.pk}"] for item in self.items}

    def rows(self):
        return [(item, self[f"text_{item.pk}"], self[f"photos_{item.pk}"]) for item in self.items]


class DecisionForm(forms.Form):
    suspend_market = forms.TypedChoiceField(
        label=_("督办决定"), coerce=lambda v: v == "yes", widget=forms.RadioSelect,
        choices=[("yes", _("责令暂停运营，整改合格后恢复")), ("no", _("不暂停运营，督促限期整改"))])
    reason = forms.CharField(label=_("决定意见"), widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}))

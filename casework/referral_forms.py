"""Forms of the referral pages (staff) and of the receiving organisation's portal (partner)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from core.models import Attachment

from .models.referrals import DEFAULT_PACKET_FIELDS, PACKET_FIELDS, Referral, ReferralConsent

_TARGET_KINDS = list(Referral.TARGET_KIND.values())


class ReferralDraftForm(forms.Form):
    kind = forms.ChoiceField(label=_("移送类型"), choices=Referral.Kind.choices)
    target = forms.ModelChoiceField(label=_("接收单位"), queryset=Organization.objects.none())
    summary = forms.CharField(label=_("移送事由"), widget=forms.Textarea(attrs={"rows": 3}))
    crime_basis = forms.CharField(label=_("涉嫌犯罪事实及依据（仅移送公安机关时填写）"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    packet_fields = forms.MultipleChoiceField(
        label=_("移送材料包含的信息（最小必要）"), choices=list(PACKET_FIELDS.items()), initial=DEFAULT_PACKET_FIELDS,
        widget=forms.CheckboxSelectMultiple)
    workers = forms.ModelMultipleChoiceField(label=_("涉及的劳动者"), queryset=None,
                                             widget=forms.CheckboxSelectMultiple)
    attachments = forms.ModelMultipleChoiceField(label=_("随附证据材料"), queryset=Attachment.objects.none(),
                                                 required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, claim, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = Organization.objects.filter(kind__in=_TARGET_KINDS, is_active=True)
        self.fields["workers"].queryset = claim.workers.all()
        self.fields["workers"].label_from_instance = lambda w: w.name
        self.fields["workers"].initial = [w.pk for w in claim.workers.all()]
        self.fields["attachments"].queryset = Attachment.objects.for_object(claim).order_by("uploaded_at", "pk")


class ConsentForm(forms.Form):
    worker = forms.ModelChoiceField(label=_("劳动者"), queryset=None)
    method = forms.ChoiceField(label=_("同意方式"), choices=ReferralConsent.Method.choices)
    given_at = forms.DateTimeField(label=_("同意时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                   input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    note = forms.CharField(label=_("记录说明（口头同意必填）"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    form_file = forms.FileField(label=_("签字的同意书（书面同意必传）"), required=False)

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = referral.workers.all()
        self.fields["worker"].label_from_instance = lambda w: w.name
        missing = referral.workers_without_consent() if referral.status == Referral.Status.DRAFTED else []
        if missing:
            self.fields["worker"].initial = missing[0].pk  # the next worker whose consent is missing


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))


class AcceptForm(forms.Form):
    partner_case_number = forms.CharField(label=_("本单位案号（可选）"), max_length=50, required=False)


class UpdateForm(forms.Form):
    note = forms.CharField(label=_("办理进展"), widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label=_("材料（可选）"), required=False)


class OutcomeForm(forms.Form):
    recovered_amount = forms.DecimalField(label=_("追回金额（元）"), max_digits=12, decimal_places=2, min_value=0)
    case_stage = forms.ChoiceField(label=_("办理阶段"), choices=Referral.Stage.choices)
    closing_reason = forms.ChoiceField(label=_("结案原因"), choices=Referral.ClosingReason.choices)
    note = forms.CharField(label=_("办理结果说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

"""Staff forms for the complaint workflow. Every message is Chinese; services re-check what matters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import District
from markets.models import Market

from .models import Complaint, ComplaintNote


class ReviewForm(forms.Form):
    """受理审查: one decision per submission."""

    class Decision:
        ACCEPT = "accept"
        REQUEST_INFO = "request_info"
        PROPOSE_REJECTION = "propose_rejection"
        MERGE = "merge"
        CHOICES = [
            (ACCEPT, _("受理")),
            (REQUEST_INFO, _("一次性告知补正材料")),
            (PROPOSE_REJECTION, _("拟不予受理（报区级负责人审批）")),
            (MERGE, _("与已有案件合并")),
        ]

    decision = forms.ChoiceField(label=_("审查意见"), choices=Decision.CHOICES, widget=forms.RadioSelect)
    missing_items = forms.CharField(
        label=_("需补正的材料（每行一项，一次列全）"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    reason = forms.CharField(label=_("不予受理理由"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    merge_into = forms.ModelChoiceField(label=_("合并至案件"), queryset=Complaint.objects.none(), required=False)

    def __init__(self, *args, duplicates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merge_into"].queryset = duplicates if duplicates is not None else Complaint.objects.none()
        self.fields["merge_into"].label_from_instance = lambda c: f"{c.number} {c.respondent_name} {c.get_status_display()}"

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision == self.Decision.REQUEST_INFO:
            items = [line.strip() for line in (data.get("missing_items") or "").splitlines() if line.strip()]
            if not items:
                self.add_error("missing_items", _("请逐项列明需补正的材料。"))
            data["missing_items_list"] = items
        if decision == self.Decision.PROPOSE_REJECTION and not (data.get("reason") or "").strip():
            self.add_error("reason", _("请说明不予受理的理由。"))
        if decision == self.Decision.MERGE and not data.get("merge_into"):
            self.add_error("merge_into", _("请选择要合并到的案件。"))
        return data


class RejectionApprovalForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审批意见"), coerce=lambda v: v == "yes", widget=forms.RadioSelect,
        choices=[("yes", _("同意不予受理")), ("no", _("不同意，退回受理审查"))],
    )
    reason = forms.CharField(label=_("意见说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("approve") is False and not (data.get("reason") or "").strip():
            self.add_error("reason", _("不同意时请说明理由。"))
        return data


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("承办人"), queryset=None)
    reason = forms.CharField(label=_("说明"), required=False)

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees
        self.fields["assignee"].label_from_instance = lambda u: f"{u.get_full_name() or u.username}（{u.role_names()}）"


class InvestigateForm(forms.Form):
    class Decision:
        RESOLVE = "resolve"
        REFER = "refer"
        CHOICES = [(RESOLVE, _("办理完毕，答复投诉人")), (REFER, _("转办其他部门"))]

    decision = forms.ChoiceField(label=_("处理方式"), choices=Decision.CHOICES, widget=forms.RadioSelect)
    outcome = forms.CharField(label=_("处理结果（内部记录）"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    public_reply = forms.CharField(label=_("答复意见（投诉人可见）"), widget=forms.Textarea(attrs={"rows": 4}))
    referral_target = forms.ChoiceField(
        label=_("转办单位类型"), required=False, choices=[("", "---------")] + list(Complaint.ReferralTarget.choices)
    )
    referral_organization = forms.CharField(label=_("转办单位名称"), required=False, max_length=200)

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.Decision.REFER:
            if not data.get("referral_target"):
                self.add_error("referral_target", _("请选择转办单位类型。"))
            if not (data.get("referral_organization") or "").strip():
                self.add_error("referral_organization", _("请填写转办单位名称。"))
        return data


class NoteForm(forms.ModelForm):
    class Meta:
        model = ComplaintNote
        fields = ["kind", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}))


class StaffIntakeForm(forms.Form):
    """Hotline, walk-in, counter and referred-in complaints recorded by an intake officer."""

    channel = forms.ChoiceField(
        label=_("来源渠道"), choices=[c for c in Complaint.Channel.choices if c[0] != Complaint.Channel.ONLINE]
    )
    district = forms.ModelChoiceField(label=_("管辖区"), queryset=District.objects.all())
    market = forms.ModelChoiceField(label=_("零工市场（驿站）"), queryset=Market.objects.published(), required=False)
    anonymous = forms.BooleanField(label=_("匿名投诉"), required=False)
    complainant_name = forms.CharField(label=_("投诉人姓名"), max_length=50, required=False)
    complainant_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    priority = forms.BooleanField(label=_("就业困难人员（优先办理）"), required=False)
    consent = forms.BooleanField(label=_("已向投诉人告知个人信息处理规则并取得同意"), required=False)
    respondent_kind = forms.ChoiceField(label=_("被投诉对象类型"), choices=Complaint.RespondentKind.choices)
    respondent_name = forms.CharField(label=_("被投诉对象名称"), max_length=200, required=False)
    respondent_credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    category = forms.ChoiceField(label=_("投诉类别"), choices=Complaint.Category.choices)
    description = forms.CharField(label=_("事情经过"), widget=forms.Textarea(attrs={"rows": 5}))
    occurred_on = forms.DateField(label=_("发生日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(label=_("涉及金额（元）"), required=False, min_value=0, max_digits=12,
                                decimal_places=2)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and user.district_id:
            self.fields["district"].initial = user.district_id
            self.fields["market"].queryset = Market.objects.published().filter(district_id=user.district_id)

    def clean(self):
        data = super().clean()
        if not data.get("anonymous"):
            if not (data.get("complainant_name") or "").strip():
                self.add_error("complainant_name", _("请填写投诉人姓名，或选择匿名投诉。"))
            if not data.get("consent"):
                self.add_error("consent", _("记录实名投诉须取得投诉人对个人信息处理的同意。"))
        phone = (data.get("complainant_phone") or "").strip()
        if phone:
            from django.core.exceptions import ValidationError

            from core.validators import validate_mobile

            try:
                validate_mobile(phone)
            except ValidationError as exc:
                self.add_error("complainant_phone", exc)
        code = (data.get("respondent_credit_code") or "").strip().upper()
        if code:
            from django.core.exceptions import ValidationError

            from core.validators import validate_credit_code

            try:
                validate_credit_code(code)
                data["respondent_credit_code"] = code
            except ValidationError as exc:
                self.add_error("respondent_credit_code", exc)
        return data


# ---- labour-dispute mediation -----------------------------------------------------------------------------

from core.validators import validate_credit_code, validate_mobile, validate_resident_id  # noqa: E402

from .models import AgreementObligation, MediationCase, MediationClaim  # noqa: E402


class MediationReviewForm(forms.Form):
    """受理审查 of a mediation application: accept, or decline with reasons and advice on arbitration."""

    decision = forms.ChoiceField(label=_("审查意见"), widget=forms.RadioSelect,
                                 choices=[("accept", _("受理")), ("decline", _("不予受理（须区级负责人）"))])
    reason = forms.CharField(label=_("不予受理理由"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    advice = forms.CharField(label=_("申请仲裁的建议"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "decline" and not (data.get("reason", "").strip()
                                                      and data.get("advice", "").strip()):
            raise forms.ValidationError(_("不予受理须写明理由和申请仲裁的建议。"))
        return data


class MediatorForm(forms.Form):
    mediator = forms.ModelChoiceField(label=_("调解员"), queryset=None)
    reason = forms.CharField(label=_("说明"), required=False)

    def __init__(self, *args, mediators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediator"].queryset = mediators
        self.fields["mediator"].label_from_instance = lambda u: u.get_full_name() or u.username


class WorkloadReassignForm(MediatorForm):
    """A row of the workload page: the reason is required by the service (请说明改派理由), which says so itself."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediator"].error_messages.update({
            "required": _("请选择调解员。"),
            "invalid_choice": _("调解员须为本区的调解员。"),
        })
        self.fields["reason"].label = _("改派理由")


class VersionedForm(forms.Form):
    """Carries the case version the form was loaded with (optimistic concurrency)."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class SessionForm(VersionedForm):
    scheduled_at = forms.DateTimeField(label=_("调解时间"),
                                       widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    place = forms.CharField(label=_("调解地点"), max_length=200, help_text=_("线上调解请填写会议平台和会议号。"))
    online = forms.BooleanField(label=_("线上调解"), required=False)
    participants = forms.CharField(label=_("其他参加人员"), max_length=300, required=False)


class MinutesForm(VersionedForm):
    session = forms.IntegerField(widget=forms.HiddenInput)
    minutes = forms.CharField(label=_("调解笔录"), widget=forms.Textarea(attrs={"rows": 6}))
    applicant_absent = forms.BooleanField(label=_("申请人缺席"), required=False)
    respondent_absent = forms.BooleanField(label=_("被申请人缺席"), required=False)


class AgreementForm(VersionedForm):
    """The draft: facts, and one obligation per line as ``内容|金额|YYYY-MM-DD|履行方式[|类型]``; without a type
    it is read from the wording (services.obligation_kind). The type decides the 支付令 guidance (Art. 16)."""

    facts = forms.CharField(label=_("争议事实"), widget=forms.Textarea(attrs={"rows": 5}))
    obligations = forms.CharField(
        label=_("履行义务（每行一项：内容|金额|履行期限YYYY-MM-DD|履行方式）"), widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("可在行末加“|类型”：劳动报酬、工伤医疗费、经济补偿或者赔偿金、其他；不填时按义务内容判断。"))

    def clean_obligations(self):
        from datetime import date
        from decimal import Decimal, InvalidOperation

        from .services import Obligation

        kinds = {str(label): value for value, label in AgreementObligation.Kind.choices}
        rows = []
        for number, line in enumerate(self.cleaned_data["obligations"].splitlines(), 1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            try:
                kind = ""
                if len(parts) == 5:
                    label = parts.pop()
                    kind = kinds[label] if label else ""
                description, amount, due, method = parts
                rows.append(Obligation(description=description, amount=Decimal(amount) if amount else None,
                                       due_on=date.fromisoformat(due), method=method, kind=kind))
            except KeyError:
                raise forms.ValidationError(_("第%(n)s行的类型应为：劳动报酬、工伤医疗费、经济补偿或者赔偿金、其他")
                                            % {"n": number}) from None
            except (ValueError, InvalidOperation):
                raise forms.ValidationError(_("第%(n)s行格式不正确，应为：内容|金额|履行期限YYYY-MM-DD|履行方式")
                                            % {"n": number}) from None
        if not rows:
            raise forms.ValidationError(_("协议至少写明一项履行义务。"))
        return rows


class SignaturesForm(VersionedForm):
    applicant = forms.BooleanField(label=_("申请人已签名"), required=False)
    respondent = forms.BooleanField(label=_("被申请人已签名或盖章"), required=False)
    mediator = forms.BooleanField(label=_("调解员已签名"), required=False)
    seal = forms.BooleanField(label=_("已加盖调解组织印章"), required=False)


class ExtensionForm(forms.Form):
    applicant_consent = forms.BooleanField(label=_("申请人同意延长"), required=False)
    respondent_consent = forms.BooleanField(label=_("被申请人同意延长"), required=False)
    new_due_on = forms.DateField(label=_("延长至"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("延长理由"))


class FailForm(forms.Form):
    failure_reason = forms.ChoiceField(label=_("终止原因"), choices=MediationCase.FailureReason.choices)
    reason = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MediationIntakeForm(forms.Form):
    """Counter or oral application (Art. 12: applicant, matters, reasons and time are recorded). The applicants
    (several workers against one employer make one case) and the claims come in the two formsets below."""

    channel = forms.ChoiceField(label=_("申请方式"), choices=[c for c in MediationCase.Channel.choices
                                                              if c[0] != MediationCase.Channel.ONLINE])
    district = forms.ModelChoiceField(label=_("管辖区"), queryset=District.objects.all())
    market = forms.ModelChoiceField(label=_("零工市场（驿站）"), queryset=Market.objects.all(), required=False)
    respondent_name = forms.CharField(label=_("被申请人（用人单位）"), max_length=200)
    respondent_credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    respondent_contact = forms.CharField(label=_("联系人"), max_length=50, required=False)
    matters = forms.CharField(label=_("争议事项"), widget=forms.Textarea(attrs={"rows": 3}))
    reasons = forms.CharField(label=_("申请理由"), widget=forms.Textarea(attrs={"rows": 3}))
    received_at = forms.DateTimeField(label=_("申请时间"), required=False,
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def clean_respondent_credit_code(self):
        code = self.cleaned_data["respondent_credit_code"].strip().upper()
        if code:
            validate_credit_code(code)
        return code


class StaffApplicantForm(forms.Form):
    """One applicant recorded by staff: the phone is optional (an oral applicant may have none at hand)."""

    name = forms.CharField(label=_("申请人姓名"), max_length=50,
                           error_messages={"required": _("请填写申请人姓名。")})
    id_number = forms.CharField(label=_("身份证号码"), max_length=18, validators=[validate_resident_id],
                                error_messages={"required": _("请填写申请人的身份证号码。")})
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    priority = forms.BooleanField(label=_("就业困难人员"), required=False)

    def clean_id_number(self):
        return self.cleaned_data["id_number"].strip().upper()

    def clean_phone(self):
        phone = self.cleaned_data["phone"].replace(" ", "").replace("-", "")
        if phone:
            validate_mobile(phone)
        return phone


class StaffClaimForm(forms.Form):
    # An empty first option: an untouched extra row posts nothing and is skipped.
    kind = forms.ChoiceField(label=_("请求类型"), choices=[("", _("请选择"))] + MediationClaim.Kind.choices,
                             error_messages={"required": _("请选择请求类型。")})
    amount = forms.DecimalField(label=_("金额（元）"), min_value=0, max_digits=12, decimal_places=2,
                                error_messages={"required": _("请填写请求金额。"),
                                                "invalid": _("金额请填写数字，例如 2300.50。")})
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class BaseStaffApplicantFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        people = [f.cleaned_data for f in self.forms if f.cleaned_data]
        if not people:
            raise forms.ValidationError(_("至少填写一名申请人。"), code="no_applicant")
        numbers = [p["id_number"] for p in people]
        if len(set(numbers)) != len(numbers):
            raise forms.ValidationError(_("同一申请人（身份证号码）填写了两次，请删除重复的一行。"), code="duplicate")


StaffApplicantFormSet = forms.formset_factory(StaffApplicantForm, formset=BaseStaffApplicantFormSet, extra=3,
                                              max_num=50, validate_max=True)
StaffClaimFormSet = forms.formset_factory(StaffClaimForm, extra=3, max_num=50, validate_max=True)

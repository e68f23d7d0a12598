"""Staff intake of mediation applications: at the counter (written) or orally (Art. 12: the officer records
the applicant, the matters, the reasons and the time on the spot), and a mediation case opened from a
complaint's page."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_POST

from core.fsm import TransitionRefused
from core.workflow import add_service_errors

from .. import services
from ..forms import MediationIntakeForm, StaffApplicantFormSet, StaffClaimFormSet
from ..models import Complaint


def mediation_intake(request):
    """登记调解申请（窗口书面申请或口头申请）: one or more applicants against one employer, claims as line items.
    A rejected form comes back with everything typed in and the errors in Chinese next to the fields."""
    if not request.user.has_perm("casework.add_mediationcase"):
        raise PermissionDenied
    if request.method == "POST" and "_more" in request.POST:
        # 增加空行: show the typed rows again (as initial data, so nothing is flagged yet) plus three empty ones.
        post = request.POST
        return render(request, "casework/mediation/intake.html", {
            "form": MediationIntakeForm(initial={k: post.get(k) for k in MediationIntakeForm.base_fields}),
            "applicants": StaffApplicantFormSet(prefix="applicant", initial=_typed_rows(post, "applicant",
                                                                                        StaffApplicantFormSet)),
            "claims": StaffClaimFormSet(prefix="claim", initial=_typed_rows(post, "claim", StaffClaimFormSet)),
        })
    data = request.POST if request.method == "POST" else None
    form = MediationIntakeForm(data)
    applicants = StaffApplicantFormSet(data, prefix="applicant")
    claims = StaffClaimFormSet(data, prefix="claim")
    if request.method == "POST" and form.is_valid() & applicants.is_valid() & claims.is_valid():
        data, user = form.cleaned_data, request.user
        if not user.is_superuser and user.district_id and data["district"].pk != user.district_id:
            form.add_error("district", _("只能登记本区的调解申请。"))
        else:
            try:
                case = services.mediation_apply(
                    channel=data["channel"], district=data["district"], market=data["market"],
                    applicants=[services.Applicant(name=a["name"], id_number=a["id_number"], phone=a["phone"],
                                                   priority=a["priority"])
                                for a in (f.cleaned_data for f in applicants) if a],
                    respondent_name=data["respondent_name"], respondent_credit_code=data["respondent_credit_code"],
                    respondent_contact=data["respondent_contact"], matters=data["matters"], reasons=data["reasons"],
                    claims=[services.Claim(kind=c["kind"], amount=c["amount"], note=c["note"])
                            for c in (f.cleaned_data for f in claims) if c],
                    received_at=data["received_at"], by=user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已登记调解申请 %(number)s。") % {"number": case.number})
                return redirect(case.get_absolute_url())
    return render(request, "casework/mediation/intake.html", {"form": form, "applicants": applicants,
                                                              "claims": claims})


def _typed_rows(post, prefix, formset_class) -> list[dict]:
    """The rows of a posted formset that have anything typed in, as initial data."""
    fields = list(formset_class.form.base_fields)
    try:
        total = min(int(post.get(f"{prefix}-TOTAL_FORMS", 0)), formset_class.max_num)
    except ValueError:
        total = 0
    rows = []
    for i in range(total):
        row = {f: post.get(f"{prefix}-{i}-{f}", "") for f in fields}
        if any(v for v in row.values()):
            rows.append({k: (v == "on" if k == "priority" else v) for k, v in row.items()})
    return rows


class FromComplaintForm(forms.Form):
    applicant_id_number = forms.CharField(label=gettext_lazy("投诉人身份证号码"), max_length=18)


@require_POST
def mediation_from_complaint(request, number):
    """Button on the complaint page: open a mediation case from this complaint."""
    complaint = get_object_or_404(Complaint.objects.visible_to(request.user), number=number)
    if not request.user.has_perm("casework.add_mediationcase"):
        raise PermissionDenied
    form = FromComplaintForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写投诉人的身份证号码。"))
        return redirect(complaint.get_absolute_url())
    try:
        case = services.mediation_from_complaint(complaint=complaint, by=request.user,
                                                 applicant_id_number=form.cleaned_data["applicant_id_number"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(complaint.get_absolute_url())
    except TransitionRefused as exc:
        messages.error(request, str(exc))
        return redirect(complaint.get_absolute_url())
    complaint.refresh_from_db()
    if complaint.referral_target == Complaint.ReferralTarget.MEDIATION:
        messages.success(request, _("已转为调解案件 %(number)s，投诉已转办调解。") % {"number": case.number})
    else:
        messages.success(request, _("已转为调解案件 %(number)s；投诉当前状态不能转办，请按原流程办结。")
                         % {"number": case.number})
    return redirect(case.get_absolute_url())

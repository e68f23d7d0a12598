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
from ..forms import MediationIntakeForm
from ..models import Complaint


def mediation_intake(request):
    """登记调解申请（窗口书面申请或口头申请）."""
    if not request.user.has_perm("casework.add_mediationcase"):
        raise PermissionDenied
    form = MediationIntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data, user = form.cleaned_data, request.user
        if not user.is_superuser and user.district_id and data["district"].pk != user.district_id:
            form.add_error("district", _("只能登记本区的调解申请。"))
        else:
            claims = []
            if data["claim_kind"] and data["claim_amount"] is not None:
                claims.append(services.Claim(kind=data["claim_kind"], amount=data["claim_amount"]))
            try:
                case = services.mediation_apply(
                    channel=data["channel"], district=data["district"], market=data["market"],
                    applicants=[services.Applicant(name=data["applicant_name"], id_number=data["applicant_id_number"],
                                                   phone=data["applicant_phone"],
                                                   priority=data["applicant_priority"])],
                    respondent_name=data["respondent_name"], respondent_credit_code=data["respondent_credit_code"],
                    respondent_contact=data["respondent_contact"], matters=data["matters"], reasons=data["reasons"],
                    claims=claims, received_at=data["received_at"], by=user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已登记调解申请 %(number)s。") % {"number": case.number})
                return redirect(case.get_absolute_url())
    return render(request, "casework/mediation/intake.html", {"form": form})


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

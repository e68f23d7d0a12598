"""How a mediation case comes in besides the counter: the public online application (tracking code shown
once, consent recorded) and a complaint turned into a mediation case (the link recorded both ways, the
complaint referred to mediation when it is in a referable state)."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from core.models import AuditEvent

from ..models import Complaint, MediationCase, hash_tracking_code, new_tracking_code
from .complaints import CONSENT_VERSION, complaint_refer
from .mediation import Applicant, mediation_apply


@dataclass(frozen=True)
class MediationSubmission:
    case: MediationCase
    tracking_code: str  # shown once; only its hash is stored


@transaction.atomic
def mediation_apply_online(*, district, applicants, respondent_name, matters, reasons, claims=(), consent: bool,
                           respondent_credit_code="", respondent_contact="", respondent_phone="",
                           market=None) -> MediationSubmission:
    """A worker (or several against one employer) applies on the public site. Consent to the processing of
    the personal data is required; the tracking code is returned once and stored as a keyed hash."""
    if not consent:
        raise ValidationError({"consent": _("请阅读并同意个人信息处理说明后再提交。")}, code="consent_required")
    case = mediation_apply(channel=MediationCase.Channel.ONLINE, district=district, applicants=applicants,
                           respondent_name=respondent_name, matters=matters, reasons=reasons, claims=claims,
                           respondent_credit_code=respondent_credit_code, respondent_contact=respondent_contact,
                           respondent_phone=respondent_phone, market=market, by=None)
    code = new_tracking_code()
    case.tracking_code_hash, case.consent_version = hash_tracking_code(code), CONSENT_VERSION
    case.save(update_fields=["tracking_code_hash", "consent_version", "updated_at"])
    return MediationSubmission(case=case, tracking_code=code)


#: Complaint states in which the complaint itself can be referred to mediation (its investigation task).
REFERABLE = (Complaint.Status.ASSIGNED, Complaint.Status.INVESTIGATING)


@transaction.atomic
def mediation_from_complaint(*, complaint: Complaint, by, applicant_id_number: str, matters: str = "",
                             reasons: str = "") -> MediationCase:
    """Open a mediation case from a complaint: the complainant becomes the applicant (the complaint records no
    ID number, so the officer enters it), the respondent and amount are copied, and the link is recorded on
    both sides. When the complaint is being handled and ``by`` may refer it, it is referred with target
    "mediation" through its investigation task (the complaint flow then closes it)."""
    if not by.has_perm("casework.add_mediationcase"):
        raise PermissionDenied(_("您没有权限登记调解申请。"))
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not Complaint.objects.visible_to(by).filter(pk=complaint.pk).exists():
        raise PermissionDenied(_("您没有权限执行此操作。"))
    if complaint.anonymous or not complaint.complainant_name:
        raise ValidationError(_("匿名投诉没有可作为调解申请人的投诉人。"), code="anonymous")
    if not complaint.respondent_name:
        raise ValidationError(_("投诉未写明被投诉单位，不能转为劳动争议调解。"), code="no_respondent")
    existing = complaint.mediation_cases.exclude(status__in=MediationCase.CLOSED_STATES).first()
    if existing is not None:
        raise ValidationError(_("该投诉已转为调解案件%(number)s。") % {"number": existing.number}, code="exists")
    claims = []
    if complaint.amount:
        from .mediation import Claim

        kind = "unpaid_wages" if complaint.category == Complaint.Category.WAGE_ARREARS else "other"
        claims.append(Claim(kind=kind, amount=complaint.amount, note=_("投诉%(number)s所涉金额")
                            % {"number": complaint.number}))
    case = mediation_apply(
        channel=MediationCase.Channel.COMPLAINT, district=complaint.district, market=complaint.market,
        applicants=[Applicant(name=complaint.complainant_name, id_number=applicant_id_number,
                              phone=complaint.complainant_phone or "")],
        respondent_name=complaint.respondent_name, respondent_credit_code=complaint.respondent_credit_code,
        matters=matters.strip() or complaint.description, reasons=reasons.strip() or complaint.description,
        claims=claims, by=by)
    case.source_complaint = complaint
    case.save(update_fields=["source_complaint", "updated_at"])
    AuditEvent.record(case, AuditEvent.Action.NOTE, by=by, name="from_complaint",
                      data={"complaint": complaint.number})
    AuditEvent.record(complaint, AuditEvent.Action.NOTE, by=by, name="mediation_opened",
                      data={"mediation": case.number})
    if complaint.status in REFERABLE and can_proceed(complaint.refer) and has_transition_perm(complaint.refer, by):
        _refer_through_flow(complaint, by, case)
    return case


def _refer_through_flow(complaint, by, case):
    """What the investigation task view does on a referral: claim the open task, refer, execute."""
    from viewflow.workflow import STATUS

    from ..flows import ComplaintFlow, open_process

    def refer():
        complaint_refer(complaint=complaint, by=by, target=Complaint.ReferralTarget.MEDIATION,
                        organization=_("%(district)s劳动争议调解组织") % {"district": complaint.district.name},
                        public_reply=_("您的投诉已转为劳动争议调解案件%(number)s，调解组织将与您联系。")
                        % {"number": case.number}, reason=_("转为劳动争议调解"))

    process = open_process(complaint)
    node = ComplaintFlow.investigate
    task = process and process.task_set.filter(flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED]).first()
    if task is None:  # a staff-started complaint without a process: the referral alone
        refer()
        return
    with ComplaintFlow.lock(process.pk):
        activation = node.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(by)
        activation.start(None)
        refer()
        activation.execute()

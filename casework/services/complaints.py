"""Complaint use cases. These are the only writers of Complaint: views, flows, commands and tasks call them.

Each service locks the row, runs one transition through ``core.fsm.apply_transition`` (which checks state,
conditions and permission; ``core.audit`` writes the AuditEvent from the transition's ``by``/``reason``),
saves with ``update_fields``, keeps deadlines current, and queues documents and messages on commit.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from core import deadlines, documents, notify
from core.fsm import apply_transition
from core.models import AuditEvent, Deadline
from core.numbering import next_case_number
from core.queue import one_message
from core.statements import lock_row

from ..models import Complaint, ComplaintNote, SatisfactionSurvey, hash_tracking_code, new_tracking_code
from ..signals import complaint_accepted

# RULES.md: accept or reject within 5 working days of submission (关于实施《劳动保障监察条例》若干规定 第十八条);
# resolve within 60 working days of acceptance, +30 with approval (劳动保障监察条例 第十七条).
ACCEPT_DAYS = 5
#: The complainant's limit to supply missing material (补正期限), a deadline of this kind.
INFO_KIND = "complaint.info"


def resubmit_days() -> int:
    """Working days the complainant is given to supply missing material (stated in the 补正通知书)."""
    from ..documents import RESUBMIT_DAYS_DEFAULT

    return int(getattr(settings, "GIGCASE_COMPLAINT_RESUBMIT_DAYS", RESUBMIT_DAYS_DEFAULT))
RESOLVE_DAYS = 60
EXTENSION_DAYS = 30
CONSENT_VERSION = "2026-01"


def _locked(complaint: Complaint) -> Complaint:
    return lock_row(Complaint, complaint.pk)


@dataclass(frozen=True)
class Submission:
    complaint: Complaint
    tracking_code: str  # shown once; only its hash is stored


@transaction.atomic
def complaint_submit(*, channel, district, category, description, respondent_kind, respondent_name="",
                     respondent_credit_code="", market=None, anonymous=False, complainant_name="",
                     complainant_phone="", priority=False, occurred_on=None, amount=None, consent=False,
                     files=(), by=None) -> Submission:
    """File a complaint (public form or staff intake) and start its flow.

    Named complaints need the complainant's consent to process their personal data (个人信息保护法 第十三条).
    Starts the 5-working-day acceptance clock and texts the tracking code when a phone is given."""
    if not anonymous and not consent:
        raise ValidationError({"consent": _("请阅读并同意个人信息处理说明后再提交。")}, code="consent_required")
    if anonymous:
        complainant_name, complainant_phone = "", ""
    if market is not None and market.district_id != district.pk:
        raise ValidationError({"market": _("所选市场不属于该区。")}, code="market_district")
    code = new_tracking_code()
    phone = (complainant_phone or "").replace(" ", "").replace("-", "")
    complaint = Complaint(
        number=next_case_number("TS"),
        tracking_code_hash=hash_tracking_code(code),
        channel=channel, district=district, market=market, anonymous=anonymous,
        complainant_name=complainant_name, complainant_phone=phone, phone_last4=phone[-4:] if phone else "",
        priority=priority, consent_at=timezone.now() if consent and not anonymous else None,
        consent_version=CONSENT_VERSION if consent and not anonymous else "",
        respondent_kind=respondent_kind, respondent_name=respondent_name,
        respondent_credit_code=respondent_credit_code, category=category, description=description,
        occurred_on=occurred_on, amount=amount, created_by=by,
    )
    complaint.full_clean(exclude=["status", "tracking_code_hash"])
    complaint.save()
    AuditEvent.record(complaint, AuditEvent.Action.CREATE, by=by, to_state=complaint.status,
                      data={"channel": channel, "category": category})
    for f in files:
        from core.uploads import attach_file

        attach_file(complaint, f, by=by, is_public=by is None)
    _start(complaint, "complaint.accept", _("受理期限"), ACCEPT_DAYS, started_at=complaint.submitted_at)

    from ..flows import ComplaintFlow

    ComplaintFlow.start.run(complaint=complaint)
    if phone:
        notify.notify_sms(
            phone,
            _("【零工市场维权】您的投诉已提交，案件编号%(number)s，查询码%(code)s，请妥善保存。")
            % {"number": complaint.number, "code": code},
            target=complaint, dedupe_key=f"complaint:{complaint.pk}:submitted",
        )
    return Submission(complaint=complaint, tracking_code=code)


@transaction.atomic
def complaint_request_info(*, complaint: Complaint, by, missing_items: list[str]) -> Complaint:
    """一次性告知: ask for every missing item in one notice (补正通知书). Stops the acceptance clock; it
    restarts in full when the complainant resubmits."""
    items = [i.strip() for i in missing_items if i and i.strip()]
    if not items:
        raise ValidationError({"missing_items": _("请逐项列明需补正的材料。")}, code="no_items")
    complaint = _locked(complaint)
    apply_transition(complaint, "request_info", by=by, label=_("一次性告知补正"), missing_items=items)
    complaint.save(update_fields=["status", "missing_items", "info_requested_at", "updated_at"])
    deadlines.cancel_deadlines(complaint, kinds=["complaint.accept"], sync=False)
    # The complainant's own limit, stated in the notice; reminded 2 working days before, and when it passes
    # the case returns to intake review on the material at hand (on_info_overdue).
    _start(complaint, INFO_KIND, _("补正期限"), resubmit_days(), started_at=complaint.info_requested_at,
           remind_days_before=2)
    documents.request_document(complaint, kind="complaint.info_request", by=by)
    _text_complainant(complaint, _("【零工市场维权】您的投诉%(number)s需补正材料，请凭查询码登录查询页面查看并补充。")
                      % {"number": complaint.number}, "info_requested")
    return complaint


@transaction.atomic
def complaint_resubmit(*, complaint: Complaint, supplement: str, files=()) -> Complaint:
    """The complainant supplies the missing material; the complaint returns to the intake queue."""
    if not supplement.strip():
        raise ValidationError({"supplement": _("请填写补正说明。")}, code="required")
    complaint = _locked(complaint)
    apply_transition(complaint, "resubmit", label=_("补正材料"), supplement=supplement.strip())
    complaint.save(update_fields=["status", "supplement", "updated_at"])
    deadlines.meet_deadlines(complaint, kinds=[INFO_KIND], sync=False)  # _start below syncs once
    for f in files:
        from core.uploads import attach_file

        attach_file(complaint, f, is_public=True, description=_("补正材料"))
    _start(complaint, "complaint.accept", _("受理期限"), ACCEPT_DAYS)
    return complaint


@transaction.atomic
def complaint_info_lapsed(*, complaint: Complaint) -> Complaint:
    """The complainant's limit for the missing material passed without it: the complaint returns to intake
    review, to be accepted or (with the official's approval) not accepted on the material at hand. The
    acceptance clock restarts in full, and the complainant is told by SMS. Material brought later is
    recorded by the officer as a note."""
    complaint = _locked(complaint)
    apply_transition(complaint, "info_lapsed", label=_("补正期限届满"))
    complaint.save(update_fields=["status", "updated_at"])
    deadlines.cancel_deadlines(complaint, kinds=[INFO_KIND], sync=False)
    _start(complaint, "complaint.accept", _("受理期限"), ACCEPT_DAYS)
    _text_complainant(complaint, _("【零工市场维权】您的投诉%(number)s补正期限已届满，未收到补正材料，"
                                   "我们将依据已有材料审查是否受理。") % {"number": complaint.number}, "info_lapsed")
    return complaint


def info_lapsed_at(complaint: Complaint):
    """When the complainant's last limit for missing material lapsed unanswered, if the complaint is back in
    review because of it (shown on the review task); else None."""
    if complaint.status != Complaint.Status.SUBMITTED or not complaint.info_requested_at:
        return None
    last = Deadline.objects.for_object(complaint).filter(kind=INFO_KIND).order_by("-pk").first()
    if last is None or last.status != Deadline.Status.CANCELLED or last.overdue_at is None:
        return None
    return last.due_at


@transaction.atomic
def complaint_accept(*, complaint: Complaint, by) -> Complaint:
    """Accept (受理). The accepting officer becomes responsible (首问负责) for good; the 60-working-day
    handling clock starts."""
    complaint = _locked(complaint)
    apply_transition(complaint, "accept", by=by, label=_("受理"))
    # As _start, with the accept clock met in the same statement, and the complaint saved with its new due
    # date in one UPDATE (bench report 2026-11-26, measurement 5).
    deadlines.close_deadlines(complaint, meet=["complaint.accept"], cancel=["complaint.resolve"], sync=False)
    deadlines.start_deadline(complaint, kind="complaint.resolve", label=_("办结期限"), days=RESOLVE_DAYS,
                             unit="working", started_at=complaint.accepted_at or timezone.now(), sync=False)
    _sync_due(complaint, save=["status", "accepted_at", "responsible", "updated_at"])
    with one_message():  # the letter and the SMS reach the broker in one publish after commit
        documents.request_document(complaint, kind="complaint.acceptance", by=by)
        complaint_accepted.send(sender=Complaint, complaint=complaint, by=by)
        _text_complainant(complaint, _("【零工市场维权】您的投诉%(number)s已受理，我们将在法定期限内办理。")
                          % {"number": complaint.number}, "accepted")
    return complaint


@transaction.atomic
def complaint_propose_rejection(*, complaint: Complaint, by, reason: str) -> Complaint:
    """Propose not to accept; a district official must approve (the rejection letter lists the reasons and
    where else to go)."""
    if not reason.strip():
        raise ValidationError({"reason": _("请说明不予受理的理由。")}, code="required")
    complaint = _locked(complaint)
    apply_transition(complaint, "propose_rejection", by=by, label=_("提出不予受理"), reason=reason.strip())
    complaint.save(update_fields=["status", "rejection_reasons", "rejection_proposed_by", "updated_at"])
    return complaint


@transaction.atomic
def complaint_approve_rejection(*, complaint: Complaint, by) -> Complaint:
    """The district official approves the rejection; the 不予受理通知书 is issued."""
    complaint = _locked(complaint)
    apply_transition(complaint, "approve_rejection", by=by, label=_("批准不予受理"))
    complaint.save(update_fields=["status", "rejection_approved_by", "closed_at", "updated_at"])
    deadlines.meet_deadlines(complaint, kinds=["complaint.accept"])
    _sync_due(complaint)
    documents.request_document(complaint, kind="complaint.rejection", by=by)
    _text_complainant(complaint, _("【零工市场维权】您的投诉%(number)s不予受理，理由及其他救济途径请凭查询码查看。")
                      % {"number": complaint.number}, "rejected")
    return complaint


@transaction.atomic
def complaint_decline_rejection(*, complaint: Complaint, by, reason: str) -> Complaint:
    """The official does not approve the rejection: the complaint goes back to intake."""
    if not reason.strip():
        raise ValidationError({"reason": _("请说明不同意的理由。")}, code="required")
    complaint = _locked(complaint)
    apply_transition(complaint, "decline_rejection", by=by, label=_("不同意不予受理"), reason=reason.strip())
    complaint.save(update_fields=["status", "rejection_proposed_by", "updated_at"])
    return complaint


@transaction.atomic
def complaint_merge(*, complaint: Complaint, by, into: Complaint, reason: str = "") -> Complaint:
    """Merge a duplicate into an open case of the same district; both stay searchable."""
    if into.pk == complaint.pk or not into.is_open or into.district_id != complaint.district_id:
        raise ValidationError({"into": _("只能合并到本区未办结的其他案件。")}, code="merge_target")
    complaint = _locked(complaint)
    apply_transition(complaint, "merge", by=by, label=_("合并"), into_number=into.number, reason=reason)
    complaint.merged_into = into
    complaint.save(update_fields=["status", "merged_into", "closed_at", "updated_at"])
    deadlines.cancel_deadlines(complaint)
    _sync_due(complaint)
    AuditEvent.record(into, AuditEvent.Action.UPDATE, by=by, name="merged_in", data={"merged": complaint.number})
    return complaint


def eligible_assignees(complaint: Complaint):
    """Officers of the complaint's district who may handle it (mediators and district officials)."""
    from accounts.models import User

    return (User.objects.filter(is_active=True, district_id=complaint.district_id,
                                groups__name__in=[Role.MEDIATOR, Role.DISTRICT_OFFICIAL])
            .distinct().order_by("last_name", "first_name", "username"))


@transaction.atomic
def complaint_assign(*, complaint: Complaint, by, assignee, reason: str = "") -> Complaint:
    """Assign or reassign to an officer of the district. The responsible officer does not change."""
    if not eligible_assignees(complaint).filter(pk=assignee.pk).exists():
        raise ValidationError({"assignee": _("承办人须为本区的调解员或负责人。")}, code="assignee_scope")
    complaint = _locked(complaint)
    apply_transition(complaint, "assign", by=by, label=_("分派"), assignee_id=assignee.pk, reason=reason)
    complaint.save(update_fields=["status", "assignee", "assigned_at", "updated_at"])
    notify.notify_user(assignee, _("新分派投诉 %(number)s") % {"number": complaint.number},
                       _("您有一件投诉待办理：%(number)s") % {"number": complaint.number}, target=complaint)
    return complaint


@transaction.atomic
def complaint_start_investigation(*, complaint: Complaint, by) -> Complaint:
    """The assignee starts handling the case."""
    complaint = _locked(complaint)
    apply_transition(complaint, "start_investigation", by=by, label=_("开始调查"))
    complaint.save(update_fields=["status", "updated_at"])
    return complaint


@transaction.atomic
def complaint_add_note(*, complaint: Complaint, by, body: str, kind=ComplaintNote.Kind.NOTE) -> ComplaintNote:
    """Record an investigation note or contact (internal; never shown publicly)."""
    if not body.strip():
        raise ValidationError({"body": _("请填写内容。")}, code="required")
    if not complaint.is_open:
        raise ValidationError(_("案件已办结，不能再添加记录。"), code="closed")
    note = ComplaintNote.objects.create(complaint=complaint, author=by, body=body.strip(), kind=kind)
    AuditEvent.record(complaint, AuditEvent.Action.NOTE, by=by, name=kind, data={"note": note.pk})
    return note


@transaction.atomic
def complaint_resolve(*, complaint: Complaint, by, outcome: str, public_reply: str) -> Complaint:
    """Record the outcome and the public reply (what the complainant will read)."""
    if not public_reply.strip():
        raise ValidationError({"public_reply": _("请填写对投诉人的答复意见。")}, code="required")
    complaint = _locked(complaint)
    apply_transition(complaint, "resolve", by=by, label=_("办理完毕"), outcome=outcome.strip(),
                     public_reply=public_reply.strip())
    complaint.save(update_fields=["status", "outcome", "public_reply", "resolved_at", "updated_at"])
    deadlines.meet_deadlines(complaint, kinds=["complaint.resolve"])
    return complaint


@transaction.atomic
def complaint_refer(*, complaint: Complaint, by, target: str, organization: str, public_reply: str,
                    reason: str = "") -> Complaint:
    """Refer to labour inspection, police, the market regulator or another district (转办函)."""
    if target not in Complaint.ReferralTarget.values:
        raise ValidationError({"target": _("请选择转办单位类型。")}, code="invalid")
    if not organization.strip() or not public_reply.strip():
        raise ValidationError(_("请填写转办单位和对投诉人的答复意见。"), code="required")
    complaint = _locked(complaint)
    apply_transition(complaint, "refer", by=by, label=_("转办"), target=target,
                     organization=organization.strip(), public_reply=public_reply.strip(), reason=reason)
    complaint.save(update_fields=["status", "referral_target", "referral_organization", "public_reply",
                                  "resolved_at", "updated_at"])
    deadlines.meet_deadlines(complaint, kinds=["complaint.resolve"])
    documents.request_document(complaint, kind="complaint.referral", by=by)
    return complaint


@transaction.atomic
def complaint_close(*, complaint: Complaint, by=None) -> Complaint:
    """Close after an outcome: issue the 办结告知书 and send the satisfaction survey."""
    complaint = _locked(complaint)
    apply_transition(complaint, "close", by=by, label=_("办结"))
    complaint.is_overdue = False
    complaint.save(update_fields=["status", "closed_at", "is_overdue", "updated_at"])
    deadlines.meet_deadlines(complaint)
    _sync_due(complaint)
    documents.request_document(complaint, kind="complaint.outcome", by=by)
    survey_token = survey_send(target=complaint, district=complaint.district, market=complaint.market)
    if survey_token:
        _text_complainant(complaint, _("【零工市场维权】您的投诉%(number)s已办结，欢迎评价：%(url)s")
                          % {"number": complaint.number, "url": survey_url(survey_token)}, "closed")
    return complaint


@transaction.atomic
def complaint_reopen(*, complaint: Complaint, by, reason: str) -> Complaint:
    """Reopen within 30 days of closure (district official); handling goes back to the assignee."""
    if not reason.strip():
        raise ValidationError({"reason": _("请说明重新办理的理由。")}, code="required")
    complaint = _locked(complaint)
    apply_transition(complaint, "reopen", by=by, label=_("重新办理"), reason=reason.strip())
    complaint.save(update_fields=["status", "reopen_count", "closed_at", "resolved_at", "updated_at"])
    _start(complaint, "complaint.resolve", _("办结期限"), RESOLVE_DAYS)
    from ..flows import ComplaintFlow

    ComplaintFlow.reopen_start.run(complaint=complaint)
    return complaint


@transaction.atomic
def complaint_withdraw(*, complaint: Complaint, reason: str, by=None) -> Complaint:
    """The complainant withdraws (public tracking page, or recorded by staff). Open tasks are cancelled."""
    if not reason.strip():
        raise ValidationError({"reason": _("请填写撤回理由。")}, code="required")
    complaint = _locked(complaint)
    apply_transition(complaint, "withdraw", label=_("撤回"), reason=reason.strip())
    if by is not None:
        AuditEvent.record(complaint, AuditEvent.Action.NOTE, by=by, name="withdrawal_recorded_by_staff")
    complaint.save(update_fields=["status", "withdrawn_at", "closed_at", "withdrawal_reason", "updated_at"])
    deadlines.cancel_deadlines(complaint)
    _sync_due(complaint)
    from ..flows import cancel_open_processes

    cancel_open_processes(complaint)
    return complaint


@transaction.atomic
def complaint_extend(*, complaint: Complaint, by, reason: str) -> Complaint:
    """Extend the handling limit by 30 working days with the district official's approval (once)."""
    if not by.has_perm("casework.approve_extension_complaint"):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("延期须经区级负责人批准。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请说明延期理由。")}, code="required")
    complaint = _locked(complaint)
    if complaint.extended:
        raise ValidationError(_("该案件已延期一次，不能再次延期。"), code="already_extended")
    deadline = Deadline.objects.for_object(complaint).running().filter(kind="complaint.resolve").first()
    if deadline is None:
        raise ValidationError(_("该案件当前没有可延长的办结期限。"), code="no_deadline")
    deadlines.extend_deadline(deadline, days=EXTENSION_DAYS, reason=reason.strip(), by=by)
    complaint.extended = True
    complaint.is_overdue = False
    complaint.save(update_fields=["extended", "is_overdue", "updated_at"])
    _sync_due(complaint)
    return complaint


# ---- deadline handlers (called by core.deadlines.sweep inside its transaction) --------------------


def on_deadline_remind(deadline):
    """3 working days before a limit: remind whoever holds the case now."""
    complaint = Complaint.objects.get(pk=deadline.object_id)
    recipients = [complaint.assignee] if complaint.assignee_id else list(_district_users(complaint, Role.INTAKE))
    for user in recipients:
        notify.notify_user(
            user, _("期限提醒：%(number)s") % {"number": complaint.number},
            _("%(label)s将于%(due)s届满。") % {"label": deadline.label,
                                            "due": timezone.localtime(deadline.due_at).strftime("%Y年%m月%d日")},
            target=complaint, dedupe_key=f"deadline:{deadline.pk}:remind:{user.pk}",
        )


def on_info_remind(deadline):
    """2 working days before the complainant's limit for missing material: remind them by SMS."""
    complaint = Complaint.objects.get(pk=deadline.object_id)
    if complaint.status != Complaint.Status.INFO_REQUESTED or not complaint.complainant_phone:
        return
    notify.notify_sms(
        complaint.complainant_phone,
        _("【零工市场维权】您的投诉%(number)s需在%(due)s前补正材料，请凭查询码登录查询页面提交。")
        % {"number": complaint.number, "due": timezone.localtime(deadline.due_at).strftime("%Y年%m月%d日")},
        target=complaint, dedupe_key=f"deadline:{deadline.pk}:remind",
    )


def on_info_overdue(deadline):
    """The complainant's limit passed: back to intake review through the flow (its waiting task ends)."""
    from ..flows import info_lapsed

    complaint = Complaint.objects.get(pk=deadline.object_id)
    if complaint.status == Complaint.Status.INFO_REQUESTED:
        info_lapsed(complaint)


def on_deadline_overdue(deadline):
    """At the limit: flag the case overdue and escalate to the district officials."""
    complaint = Complaint.objects.select_for_update().get(pk=deadline.object_id)
    if not complaint.is_open:
        return
    complaint.is_overdue = True
    complaint.save(update_fields=["is_overdue", "updated_at"])
    AuditEvent.record(complaint, AuditEvent.Action.DEADLINE, name="overdue", reason=str(deadline.label))
    for user in _district_users(complaint, Role.DISTRICT_OFFICIAL):
        notify.notify_user(
            user, _("逾期督办：%(number)s") % {"number": complaint.number},
            _("%(label)s已届满，案件尚未办结，请督办。") % {"label": deadline.label},
            target=complaint, dedupe_key=f"deadline:{deadline.pk}:overdue:{user.pk}",
        )


def on_deadline_remind_many(deadline_rows):
    """``on_deadline_remind`` for a batch of the sweep: two reads and one INSERT for all of them."""
    from accounts.models import User

    complaints = Complaint.objects.in_bulk({d.object_id for d in deadline_rows})
    without_assignee = {c.district_id for c in complaints.values() if not c.assignee_id}
    intake = _users_by_district(without_assignee, Role.INTAKE)
    assignees = User.objects.in_bulk({c.assignee_id for c in complaints.values() if c.assignee_id})
    messages = []
    for deadline in deadline_rows:
        complaint = complaints.get(deadline.object_id)
        if complaint is None:
            continue
        recipients = [assignees[complaint.assignee_id]] if complaint.assignee_id else intake.get(
            complaint.district_id, [])
        for user in recipients:
            messages.append((
                user, _("期限提醒：%(number)s") % {"number": complaint.number},
                _("%(label)s将于%(due)s届满。") % {"label": deadline.label,
                                                "due": timezone.localtime(deadline.due_at).strftime("%Y年%m月%d日")},
                complaint, f"deadline:{deadline.pk}:remind:{user.pk}",
            ))
    notify.notify_users_many(messages)


def on_deadline_overdue_many(deadline_rows):
    """``on_deadline_overdue`` for a batch of the sweep: lock and flag the open cases with one UPDATE, one
    audit row per deadline (appended to the chain under one lock), one INSERT of the officials' messages."""
    ids = {d.object_id for d in deadline_rows}
    complaints = {c.pk: c for c in Complaint.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    open_cases = {pk: c for pk, c in complaints.items() if c.is_open}
    now = timezone.now()
    Complaint.objects.filter(pk__in=list(open_cases)).update(is_overdue=True, updated_at=now)
    officials = _users_by_district({c.district_id for c in open_cases.values()}, Role.DISTRICT_OFFICIAL)
    messages = []
    for deadline in deadline_rows:
        complaint = open_cases.get(deadline.object_id)
        if complaint is None:
            continue
        complaint.is_overdue, complaint.updated_at = True, now
        AuditEvent.record(complaint, AuditEvent.Action.DEADLINE, name="overdue", reason=str(deadline.label))
        for user in officials.get(complaint.district_id, []):
            messages.append((
                user, _("逾期督办：%(number)s") % {"number": complaint.number},
                _("%(label)s已届满，案件尚未办结，请督办。") % {"label": deadline.label},
                complaint, f"deadline:{deadline.pk}:overdue:{user.pk}",
            ))
    notify.notify_users_many(messages)


def _users_by_district(district_ids, role) -> dict:
    from accounts.models import User

    if not district_ids:
        return {}
    by_district: dict = {}
    users = (User.objects.filter(is_active=True, district_id__in=district_ids, groups__name=role)
             .distinct().order_by("pk"))
    for user in users:
        by_district.setdefault(user.district_id, []).append(user)
    return by_district


def _district_users(complaint, role):
    from accounts.models import User

    return User.objects.filter(is_active=True, district_id=complaint.district_id, groups__name=role).distinct()


# ---- surveys ------------------------------------------------------------------------------------


def survey_url(token: str) -> str:
    from django.conf import settings
    from django.urls import reverse

    return settings.GIGCASE_SITE_URL.rstrip("/") + reverse("public:survey", kwargs={"token": token})


@transaction.atomic
def survey_send(*, target, district, market=None) -> str | None:
    """Create the one survey of a closed case; returns the raw token (stored hashed) or None if it exists."""
    from django.contrib.contenttypes.models import ContentType

    if SatisfactionSurvey.objects.for_object(target).exists():
        return None
    token = new_tracking_code()
    SatisfactionSurvey.objects.create(
        content_type=ContentType.objects.get_for_model(target), object_id=target.pk,
        token_hash=hash_tracking_code(token), district=district, market=market,
    )
    return token


@transaction.atomic
def survey_answer(*, survey: SatisfactionSurvey, score: int, comment: str = "") -> SatisfactionSurvey:
    """Record the one answer a case may get."""
    survey = SatisfactionSurvey.objects.select_for_update().get(pk=survey.pk)
    if survey.answered_at is not None:
        raise ValidationError(_("该案件的满意度评价已提交，感谢您的参与。"), code="already_answered")
    if score not in (1, 2, 3, 4, 5):
        raise ValidationError({"score": _("请选择1到5分。")}, code="score_range")
    survey.score, survey.comment, survey.answered_at = score, comment.strip(), timezone.now()
    survey.save(update_fields=["score", "comment", "answered_at"])
    AuditEvent.record(survey.target, AuditEvent.Action.UPDATE, name="survey_answered", data={"score": score})
    return survey


# ---- helpers ------------------------------------------------------------------------------------


def _start(complaint, kind, label, days, *, started_at=None, remind_days_before=3):
    deadlines.cancel_deadlines(complaint, kinds=[kind], sync=False)
    deadlines.start_deadline(complaint, kind=kind, label=label, days=days, unit="working",
                             started_at=started_at or timezone.now(), remind_days_before=remind_days_before,
                             sync=False)
    _sync_due(complaint)


def _sync_due(complaint, save=()):
    """Copy the earliest running deadline onto ``due_at`` (as ``deadlines.sync_entity_due_at`` does) and flag
    ``due_provisional`` when any running deadline is provisional: one UPDATE reading the deadlines itself,
    which also saves the fields named in ``save`` (as ``save(update_fields=save)`` would)."""
    content_type = ContentType.objects.get_for_model(complaint, for_concrete_model=False)
    running = "FROM core_deadline d WHERE d.content_type_id = %s AND d.object_id = %s AND d.status = %s"
    keep = "NULL" if complaint._meta.get_field("due_at").null else "due_at"  # no running deadline
    params = [content_type.pk, complaint.pk, Deadline.Status.RUNNING]
    sets, set_params = [], []
    for name in save:
        field = complaint._meta.get_field(name)
        sets.append(f'"{field.column}" = %s, ')
        set_params.append(field.get_db_prep_save(field.pre_save(complaint, False), connection))
    (row,) = Complaint._base_manager.raw(
        f"UPDATE {Complaint._meta.db_table} SET {''.join(sets)}"
        f"due_at = COALESCE((SELECT d.due_at {running} ORDER BY d.due_at, d.id LIMIT 1), {keep}), "
        f"due_provisional = EXISTS (SELECT 1 {running} AND d.provisional) "
        f"WHERE id = %s RETURNING id, due_at, due_provisional",
        set_params + params + params + [complaint.pk],
    )
    complaint.due_at, complaint.due_provisional = row.due_at, row.due_provisional


def _text_complainant(complaint, body, event):
    if complaint.complainant_phone:
        notify.notify_sms(complaint.complainant_phone, body, target=complaint,
                          dedupe_key=f"complaint:{complaint.pk}:{event}:{complaint.updated_at.timestamp():.0f}")


def find_duplicates(complaint: Complaint):
    """Other open complaints of the district naming the same respondent (credit code or name) or market."""
    from django.db.models import Q

    cond = Q()
    if complaint.respondent_credit_code:
        cond |= Q(respondent_credit_code=complaint.respondent_credit_code)
    if complaint.respondent_name:
        cond |= Q(respondent_name=complaint.respondent_name)
    if complaint.market_id:
        cond |= Q(market_id=complaint.market_id)
    if not cond:
        return Complaint.objects.none()
    return (Complaint.objects.open().filter(cond, district_id=complaint.district_id)
            .exclude(pk=complaint.pk).select_related("market").order_by("-submitted_at"))

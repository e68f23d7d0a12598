"""Staff pages of complaints outside the flow's tasks: the district list, the case page with its timeline,
and the actions that are not a flow step (notes, reassignment, extension, reopening, recording a withdrawal,
revealing PII). Every queryset starts from ``Complaint.objects.visible_to(user)``: out of scope is 404."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from viewflow.workflow import STATUS

from core.fsm import TransitionRefused
from core.lists import PAGE_SIZE  # noqa: F401  (the complaint list's page size, as tests read it here)
from core.lists import ChoiceFilter, FilteredListView, FlagFilter, OverdueFilter, SearchFilter, StatusFilter
from core.workflow import add_service_errors
from core.models import AuditEvent, Attachment, Deadline, GeneratedDocument

from .. import services
from ..flows import open_process, reassign_investigation
from ..forms import AssignForm, NoteForm, ReasonForm, StaffIntakeForm
from ..models import Complaint


def _complaint_or_404(request, number):
    return get_object_or_404(Complaint.objects.visible_to(request.user).with_list_data(), number=number)


class ComplaintListView(FilteredListView):
    """The district's complaints, most urgent first; filter by status, category, overdue, own cases, text."""

    model = Complaint
    permissions = ("casework.view_complaint",)
    template_name = "casework/complaint_list.html"
    filters = (
        StatusFilter(Complaint.Status.choices),
        ChoiceFilter("category", field="category", choices=Complaint.Category.choices,
                     label=gettext_lazy("投诉类别"), empty_label=gettext_lazy("全部类别")),
        OverdueFilter(),
        FlagFilter("mine", label=gettext_lazy("我负责的"),
                   condition=lambda user: Q(assignee=user) | Q(responsible=user)),
        SearchFilter("number", "respondent_name", label=gettext_lazy("案件编号或被投诉对象")),
    )

    def order(self, queryset):
        return queryset.by_urgency()


complaint_list = ComplaintListView.as_view()


def complaint_detail(request, number):
    """The case page: summary, deadlines, open task, timeline (from the audit chain), notes, files."""
    complaint = _complaint_or_404(request, number)
    process = open_process(complaint)
    tasks = []
    if process is not None:
        tasks = list(process.task_set.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED]).select_related("owner"))
    user = request.user
    return render(request, "casework/complaint_detail.html", {
        "complaint": complaint,
        "process": process,
        "open_tasks": [(t, _task_url(t, user)) for t in tasks],
        "deadlines": Deadline.objects.for_object(complaint).order_by("started_at"),
        "timeline": [(event, describe_event(event)) for event in AuditEvent.objects.for_object(complaint).timeline()],
        "notes": complaint.notes.select_related("author"),
        "attachments": Attachment.objects.for_object(complaint).order_by("uploaded_at"),
        "documents": GeneratedDocument.objects.for_object(complaint).order_by("created_at"),
        "note_form": NoteForm(),
        "reason_form": ReasonForm(),
        "assign_form": AssignForm(assignees=services.eligible_assignees(complaint)),
        "can": {
            "note": complaint.is_open and (user.pk in (complaint.assignee_id, complaint.responsible_id)
                                           or user.has_perm("casework.assign_complaint")),
            "reassign": complaint.status in (Complaint.Status.ASSIGNED, Complaint.Status.INVESTIGATING)
            and user.has_perm("casework.assign_complaint"),
            "extend": complaint.is_open and not complaint.extended and complaint.accepted_at is not None
            and user.has_perm("casework.approve_extension_complaint"),
            "reopen": complaint.status == Complaint.Status.CLOSED and complaint.can_reopen_now()
            and user.has_perm("casework.reopen_complaint"),
            "withdraw": complaint.status in Complaint.WITHDRAWABLE and user.has_perm("casework.add_complaint"),
            "reveal": user.has_perm("core.reveal_pii") and not complaint.anonymous,
            "dossier": user.has_perm("core.export_data") or user.pk in (complaint.assignee_id,
                                                                        complaint.responsible_id),
        },
        "revealed": request.session.get("revealed_complaint") == complaint.pk,
    })


def _status_label(code):
    return Complaint.Status(code).label if code in Complaint.Status.values else code


_DEADLINE_EVENTS = {
    "deadline_start": _("开始计时"), "deadline_met": _("已完成"), "deadline_cancel": _("已取消"),
    "deadline_extend": _("延长"), "deadline_suspend": _("中止计时"), "deadline_resume": _("恢复计时"),
    "deadline_recompute": _("按节假日安排重新计算"), "overdue": _("已逾期，报区级负责人督办"),
}


def describe_event(event) -> str:
    """One line of the case timeline, in the reader's words (the audit row keeps the codes)."""
    if event.action == AuditEvent.Action.TRANSITION:
        text = f"{event.get_action_display()} → {_status_label(event.to_state)}"
    elif event.action == AuditEvent.Action.DEADLINE:
        label = event.data.get("label", "")
        text = f"{label} {_DEADLINE_EVENTS.get(event.name, event.name)}".strip()
    elif event.name == "survey_answered":
        text = _("满意度评价：%(score)s分") % {"score": event.data.get("score", "")}
    elif event.name == "merged_in":
        text = _("合并重复投诉 %(number)s") % {"number": event.data.get("merged", "")}
    elif event.action == AuditEvent.Action.NOTIFY:
        channels = {"sms": _("短信"), "email": _("邮件"), "inbox": _("站内消息")}
        text = f"{event.get_action_display()}（{channels.get(event.name, event.name)}）"
    else:
        text = event.get_action_display()
    return f"{text}：{event.reason}" if event.reason else text


def _task_url(task, user):
    node = task.flow_task
    if task.status == STATUS.ASSIGNED and task.owner_id == user.pk:
        return node.reverse("index", args=[task.process_id, task.pk])
    if task.status == STATUS.NEW and node.can_assign(user, task):
        return node.reverse("assign", args=[task.process_id, task.pk])
    return None


def _act(request, complaint, action, success):
    try:
        action()
    except (ValidationError, TransitionRefused) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, success)
    return redirect(complaint.get_absolute_url())


@require_POST
def complaint_add_note(request, number):
    complaint = _complaint_or_404(request, number)
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写记录内容。"))
        return redirect(complaint.get_absolute_url())
    if not (request.user.pk in (complaint.assignee_id, complaint.responsible_id)
            or request.user.has_perm("casework.assign_complaint")):
        raise PermissionDenied
    return _act(request, complaint, lambda: services.complaint_add_note(
        complaint=complaint, by=request.user, body=form.cleaned_data["body"], kind=form.cleaned_data["kind"]),
        _("已添加记录。"))


@require_POST
def complaint_reassign(request, number):
    complaint = _complaint_or_404(request, number)
    form = AssignForm(request.POST, assignees=services.eligible_assignees(complaint))
    if not form.is_valid():
        messages.error(request, _("请选择本区的承办人。"))
        return redirect(complaint.get_absolute_url())

    def action():
        updated = services.complaint_assign(complaint=complaint, by=request.user,
                                            assignee=form.cleaned_data["assignee"],
                                            reason=form.cleaned_data["reason"])
        reassign_investigation(updated)

    return _act(request, complaint, action, _("已改派承办人。"))


def _reason_action(request, number, *, service, success, missing, permission=None):
    """A POST that calls ``service(complaint=, by=, reason=)`` with the reason typed on the case page."""
    complaint = _complaint_or_404(request, number)
    if permission and not request.user.has_perm(permission):
        raise PermissionDenied
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, missing)
        return redirect(complaint.get_absolute_url())
    return _act(request, complaint, lambda: service(
        complaint=complaint, by=request.user, reason=form.cleaned_data["reason"]), success)


@require_POST
def complaint_extend(request, number):
    """Approve 30 more working days (the service checks the approver's permission)."""
    return _reason_action(request, number, service=services.complaint_extend,
                          success=_("已批准延期30个工作日。"), missing=_("请说明延期理由。"))


@require_POST
def complaint_reopen(request, number):
    return _reason_action(request, number, service=services.complaint_reopen,
                          success=_("案件已重新办理。"), missing=_("请说明重新办理的理由。"))


@require_POST
def complaint_withdraw(request, number):
    """Record a withdrawal the complainant made by phone or in person."""
    return _reason_action(request, number, service=services.complaint_withdraw, permission="casework.add_complaint",
                          success=_("已记录撤回。"), missing=_("请填写撤回理由。"))


@require_POST
def complaint_reveal(request, number):
    """Show the complainant's full phone number on the case page once; the reveal is audited."""
    complaint = _complaint_or_404(request, number)
    if not request.user.has_perm("core.reveal_pii"):
        raise PermissionDenied
    AuditEvent.record(complaint, AuditEvent.Action.VIEW_PII, by=request.user, name="complainant_phone")
    request.session["revealed_complaint"] = complaint.pk
    return redirect(complaint.get_absolute_url())


@require_POST
def complaint_dossier(request, number):
    """Queue the complete case file (案卷) as a PDF; the case page shows its progress."""
    complaint = _complaint_or_404(request, number)
    from core import documents

    documents.request_document(complaint, kind="complaint.dossier", by=request.user)
    AuditEvent.record(complaint, AuditEvent.Action.EXPORT, by=request.user, name="dossier")
    messages.success(request, _("案卷正在生成，完成后可在“文书”中下载。"))
    return redirect(complaint.get_absolute_url())


def complaint_intake(request):
    """Staff intake of hotline, walk-in, counter and referred-in complaints."""
    if not request.user.has_perm("casework.add_complaint"):
        raise PermissionDenied
    form = StaffIntakeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not request.user.is_superuser and request.user.district_id and data["district"].pk != request.user.district_id:
            form.add_error("district", _("只能登记本区的投诉；其他区的投诉请登记后转办。"))
        else:
            try:
                submission = services.complaint_submit(
                    channel=data["channel"], district=data["district"], market=data["market"],
                    anonymous=data["anonymous"], complainant_name=data["complainant_name"],
                    complainant_phone=data["complainant_phone"], priority=data["priority"],
                    consent=data["consent"], respondent_kind=data["respondent_kind"],
                    respondent_name=data["respondent_name"], respondent_credit_code=data["respondent_credit_code"],
                    category=data["category"], description=data["description"],
                    occurred_on=data["occurred_on"], amount=data["amount"], by=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已登记投诉 %(number)s。请告知投诉人查询码：%(code)s（仅显示一次）")
                                 % {"number": submission.complaint.number, "code": submission.tracking_code})
                return redirect(submission.complaint.get_absolute_url())
    return render(request, "casework/complaint_intake.html", {"form": form})

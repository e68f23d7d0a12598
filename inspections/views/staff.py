"""Pages of inspections and notices outside the flow's tasks: the district's inspection list, the
inspection page, planning, the phone's draft saving and photo upload, the escalation decision, resuming a
suspended market, and the operator's notice pages.

Every lookup starts from ``visible_to(user)``: an out-of-scope inspection or notice answers 404 (ADR 0001),
also for operator staff asking for another operator's notice."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from viewflow.workflow import STATUS

from core.documents import documents_for
from core.fsm import TransitionRefused
from core.lists import FilteredListView, FlagFilter, OverdueFilter, SearchFilter, StatusFilter
from core.models import AuditEvent, Attachment, Deadline
from core.uploads import attachments_for
from markets.models import Market

from .. import services
from ..flows import InspectionFlow, open_process, respond_to_notice
from ..forms import DecisionForm, PlanForm, ReasonForm, RespondForm
from ..models import Finding, Inspection, NoticeItem, NoticeItemResponse, RectificationNotice


def _inspection_or_404(request, number):
    return get_object_or_404(Inspection.objects.visible_to(request.user).with_list_data(), number=number)


def _notice_or_404(request, number):
    return get_object_or_404(RectificationNotice.objects.visible_to(request.user).with_list_data(), number=number)


class InspectionListView(FilteredListView):
    """The district's inspections: open ones first by due date; filter by status, overdue, own."""

    model = Inspection
    permissions = ("inspections.view_inspection",)
    template_name = "inspections/inspection_list.html"
    filters = (
        StatusFilter(Inspection.Status.choices),
        OverdueFilter(),
        FlagFilter("mine", label=gettext_lazy("我负责的"), condition=lambda user: Q(inspector=user)),
        SearchFilter("number", "market__name", label=gettext_lazy("检查编号或市场名称")),
    )
    ordering = ("-is_overdue", "due_at", "planned_for", "pk")

    def get_queryset(self):
        return super().get_queryset().annotate(
            failed=Count("findings", filter=Q(findings__result=Finding.Result.FAIL)))

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_plan=self.request.user.has_perm("inspections.plan_inspection"),
                                        **kwargs)


inspection_list = InspectionListView.as_view()


def inspection_plan(request):
    """Plan an inspection of a market of the user's district."""
    if not request.user.has_perm("inspections.plan_inspection"):
        raise PermissionDenied
    markets = Market.objects.visible_to(request.user).exclude(status=Market.Status.CLOSED)
    district_id = request.user.district_id
    market_id = request.POST.get("market") if request.method == "POST" else None
    if market_id and not district_id:
        market = markets.filter(pk=market_id).first()
        district_id = market.district_id if market else None
    inspectors = services.eligible_inspectors(district_id)
    form = PlanForm(request.POST or None, markets=markets, inspectors=inspectors)
    if request.method == "POST" and form.is_valid():
        try:
            inspection = services.inspection_plan(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.update_error_dict({}).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("已安排检查 %(number)s。") % {"number": inspection.number})
            return redirect(inspection.get_absolute_url())
    return render(request, "inspections/inspection_plan.html", {"form": form})


def _findings_with_photos(inspection):
    findings = list(inspection.findings.select_related("item").order_by("item__sort_order", "item_id"))
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(Finding)
    photos = {}
    for attachment in Attachment.objects.filter(content_type=ct, object_id__in=[f.pk for f in findings]):
        photos.setdefault(attachment.object_id, []).append(attachment)
    return [(f, photos.get(f.pk, [])) for f in findings]


def _notice_items(notice):
    """Items with their responses and each response's evidence photos (three queries)."""
    from django.contrib.contenttypes.models import ContentType

    items = list(notice.items.select_related("finding__item").prefetch_related("responses"))
    responses = [r for item in items for r in item.responses.all()]
    ct = ContentType.objects.get_for_model(NoticeItemResponse)
    evidence = {}
    for attachment in Attachment.objects.filter(content_type=ct, object_id__in=[r.pk for r in responses]):
        evidence.setdefault(attachment.object_id, []).append(attachment)
    return [(item, [(r, evidence.get(r.pk, [])) for r in item.responses.all()]) for item in items]


def _task_url(task, user):
    node = task.flow_task
    if task.status == STATUS.ASSIGNED and task.owner_id == user.pk:
        return node.reverse("index", args=[task.process_id, task.pk])
    # Handles (waiting for the operator) have no page to claim.
    if task.status == STATUS.NEW and hasattr(node, "can_assign") and node.can_assign(user, task):
        return node.reverse("assign", args=[task.process_id, task.pk])
    return None


def _status_label(code):
    if code in Inspection.Status.values:
        return Inspection.Status(code).label
    return code


def inspection_detail(request, number):
    """The inspection page: summary, findings with photos, the notice and its items, deadlines, open
    task, documents and the timeline from the audit chain."""
    inspection = _inspection_or_404(request, number)
    user = request.user
    process = open_process(inspection)
    tasks = []
    if process is not None:
        tasks = list(process.task_set.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED]).select_related("owner"))
    notice = RectificationNotice.objects.filter(inspection=inspection).select_related("market").first()
    market = inspection.market
    return render(request, "inspections/inspection_detail.html", {
        "inspection": inspection,
        "open_tasks": [(t, _task_url(t, user)) for t in tasks],
        "findings": _findings_with_photos(inspection),
        "notice": notice,
        "notice_items": _notice_items(notice) if notice else [],
        "deadlines": (Deadline.objects.filter(content_type__model="noticeitem",
                                              object_id__in=notice.items.values("pk")).order_by("due_at")
                      if notice else []),
        "documents": list(documents_for(inspection)) + (list(documents_for(notice)) if notice else []),
        "timeline": [(event, _status_label(event.to_state))
                     for event in AuditEvent.objects.for_object(inspection).timeline()],
        "decision_form": DecisionForm(),
        "reason_form": ReasonForm(),
        "can": {
            "decide": notice is not None and notice.status == RectificationNotice.Status.ESCALATED
            and user.has_perm("inspections.decide_escalation_inspection"),
            "resume_market": notice is not None and notice.status == RectificationNotice.Status.ACCEPTED
            and market.status == Market.Status.SUSPENDED
            and user.has_perm("inspections.decide_escalation_inspection"),
            "cancel": inspection.is_editable and user.has_perm("inspections.plan_inspection"),
            "dossier": services.may_export_dossier(inspection, user),
        },
    })


def _act(request, inspection, action, success):
    try:
        action()
    except (ValidationError, TransitionRefused) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, success)
    return redirect(inspection.get_absolute_url())


@require_POST
def inspection_draft(request, number):
    """Save the phone's draft (JSON: ``answers``, ``summary``, ``on_site_contact``, ``location``); answers
    ``{"saved_at": ...}``. The page keeps unsent changes in the browser and retries after a lost connection."""
    inspection = _inspection_or_404(request, number)
    try:
        payload = json.loads(request.body.decode("utf-8") or "{}")
        if not isinstance(payload, dict) or not isinstance(payload.get("answers", {}), dict):
            raise ValueError
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": _("数据格式错误。")}, status=400)
    try:
        saved = services.inspection_save_draft(
            inspection=inspection, by=request.user, answers=payload.get("answers") or {},
            summary=payload.get("summary"), on_site_contact=payload.get("on_site_contact"),
            location=payload.get("location") if isinstance(payload.get("location"), dict) else None)
    except PermissionDenied:
        return JsonResponse({"error": _("只有本次检查的检查员可以填写检查记录。")}, status=403)
    except (ValidationError, TransitionRefused) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return JsonResponse({"error": text}, status=409)
    return JsonResponse({"saved_at": timezone.localtime(saved.draft_saved_at).strftime("%H:%M:%S"),
                         "status": saved.status})


@require_POST
def inspection_photo(request, number):
    """Upload one photo for one checklist item (the phone sends each photo as soon as it is taken)."""
    inspection = _inspection_or_404(request, number)
    uploaded = request.FILES.get("photo")
    if uploaded is None:
        return JsonResponse({"error": _("请选择照片。")}, status=400)
    try:
        attachment = services.finding_add_photo(inspection=inspection, item_id=request.POST.get("item"),
                                                by=request.user, uploaded_file=uploaded)
    except PermissionDenied:
        return JsonResponse({"error": _("只有本次检查的检查员可以上传照片。")}, status=403)
    except (ValidationError, TransitionRefused, ValueError) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return JsonResponse({"error": text}, status=409)
    return JsonResponse({"id": attachment.pk, "name": attachment.original_name})


@require_POST
def inspection_cancel(request, number):
    inspection = _inspection_or_404(request, number)
    if not request.user.has_perm("inspections.plan_inspection"):
        raise PermissionDenied
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请说明取消理由。"))
        return redirect(inspection.get_absolute_url())
    return _act(request, inspection, lambda: services.inspection_cancel(
        inspection=inspection, by=request.user, reason=form.cleaned_data["reason"]), _("检查已取消。"))


@require_POST
def inspection_decide(request, number):
    """The district official's decision on an escalated notice (suspend the market or not)."""
    inspection = _inspection_or_404(request, number)
    if not request.user.has_perm("inspections.decide_escalation_inspection"):
        raise PermissionDenied
    notice = get_object_or_404(RectificationNotice, inspection=inspection)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择督办决定并填写意见。"))
        return redirect(inspection.get_absolute_url())
    return _act(request, inspection, lambda: services.notice_decide_escalation(
        notice=notice, by=request.user, suspend_market=form.cleaned_data["suspend_market"],
        reason=form.cleaned_data["reason"]), _("已作出督办决定。"))


@require_POST
def inspection_dossier(request, number):
    """Queue the case file (案卷) as a PDF; the inspection page shows its progress."""
    inspection = _inspection_or_404(request, number)
    services.inspection_request_dossier(inspection=inspection, by=request.user)
    messages.success(request, _("案卷正在生成，完成后可在“文书”中下载。"))
    return redirect(inspection.get_absolute_url())


@require_POST
def inspection_resume_market(request, number):
    inspection = _inspection_or_404(request, number)
    if not request.user.has_perm("inspections.decide_escalation_inspection"):
        raise PermissionDenied
    return _act(request, inspection, lambda: services.market_resume_after_rectification(
        inspection=inspection, by=request.user, reason=request.POST.get("reason", "")), _("市场已恢复运营。"))


# ---- notices (operator staff and inspectors) ------------------------------------------------------


class NoticeListView(FilteredListView):
    """Rectification notices: operator staff see their markets', staff their district's."""

    model = RectificationNotice
    permissions = ("inspections.view_rectificationnotice", "inspections.view_inspection")
    template_name = "inspections/notice_list.html"
    ordering = ("-is_overdue", "due_at", "-issued_at")

    def get_queryset(self):
        return super().get_queryset().annotate(
            open_items=Count("items", filter=Q(items__state__in=[NoticeItem.State.OPEN, NoticeItem.State.REJECTED])))


notice_list = NoticeListView.as_view()


def notice_detail(request, number):
    """The notice page; the operator's staff answer every open item here with photos."""
    notice = _notice_or_404(request, number)
    open_items = [i for i in notice.items.all() if i.needs_answer]
    may_respond = notice.status == RectificationNotice.Status.ISSUED and notice._operator_of_market(request.user)
    form = None
    if may_respond:
        form = RespondForm(request.POST or None, request.FILES or None, items=open_items)
        if request.method == "POST" and form.is_valid():
            try:
                respond_to_notice(notice, by=request.user, answers=form.answers(), files=form.evidence())
            except ValidationError as exc:
                form.add_error(None, exc)
            except TransitionRefused as exc:
                messages.error(request, str(exc))
                return redirect(notice.get_absolute_url())
            else:
                messages.success(request, _("整改情况已提交，等待复查。"))
                return redirect(notice.get_absolute_url())
    elif request.method == "POST":
        raise PermissionDenied
    return render(request, "inspections/notice_detail.html", {
        "notice": notice, "inspection": notice.inspection, "items": _notice_items(notice), "form": form,
        "documents": documents_for(notice), "finding_photos": _finding_photos(notice),
    })


def _finding_photos(notice):
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(Finding)
    photos = {}
    finding_ids = list(notice.items.values_list("finding_id", flat=True))
    for attachment in Attachment.objects.filter(content_type=ct, object_id__in=finding_ids):
        photos.setdefault(attachment.object_id, []).append(attachment)
    return photos

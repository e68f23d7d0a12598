"""Staff pages of wage claims outside the flow's tasks: the list, the claim page (workers, amounts,
evidence, limitation warning, timeline), counter intake with several workers, coordination and payments,
evidence upload, the case file, PII reveal, conversion from a mediation, and the employer page (repeat
offenders). Every claim queryset starts from ``WageClaim.objects.visible_to(user)``: out of scope is 404."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from viewflow.workflow import STATUS

from core import documents
from core.fsm import TransitionRefused
from core.models import Attachment, AuditEvent, Deadline, GeneratedDocument
from core.lists import ChoiceFilter, FilteredListView, FlagFilter, OverdueFilter, SearchFilter, StatusFilter
from core.workflow import add_service_errors

from ..flows import open_wageclaim_process
from ..models.wage import LIMITATION_WARN_DAYS
from ..models import Complaint, EmployerMention, MediationCase, WageClaim, employer_q
from ..repeat_offenders import EmployerRef, flag_rows, threshold
from ..services import wage as services
from ..wage_forms import CoordinateForm, FromMediationForm, SettleForm, WageIntakeForm, WorkerForm, WorkerFormSet
from .staff import _task_url, describe_event


_WAGE_EVENTS = {
    "unsubstantiated_proposed": gettext_lazy("拟认定不成立"),
    "unsubstantiated_declined": gettext_lazy("不同意认定不成立，退回继续核实"),
    "payments_recorded": gettext_lazy("登记实际支付金额"),
    "worker_added": gettext_lazy("增加劳动者"),
    "case_file": gettext_lazy("生成案卷"),
    "attach": gettext_lazy("上传证据材料"),
}


def describe_wage_event(event) -> str:
    """One line of the claim's timeline in words (wage states and events; the rest as for complaints)."""
    if event.action == AuditEvent.Action.TRANSITION and event.to_state in WageClaim.Status.values:
        text = f"{event.get_action_display()} → {WageClaim.Status(event.to_state).label}"
    elif event.name in _WAGE_EVENTS and event.action != AuditEvent.Action.DEADLINE:
        text = str(_WAGE_EVENTS[event.name])
    else:
        return describe_event(event)
    return f"{text}：{event.reason}" if event.reason else text


def _claim_or_404(request, number):
    return get_object_or_404(WageClaim.objects.visible_to(request.user).with_list_data(), number=number)


def _require(request, perm):
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _limitation_near(user) -> Q:
    """Ended employment whose one-year arbitration limit passes within the warning window (or has passed)."""
    cutoff = timezone.localdate() + timedelta(days=LIMITATION_WARN_DAYS) - timedelta(days=365)
    return Q(employment_ongoing=False, employment_ended_on__lte=cutoff)


class WageClaimListView(FilteredListView):
    """The district's claims, most urgent first; filter by status, channel, overdue, limitation, text (a
    number or employer name in part, or a whole credit code)."""

    model = WageClaim
    permissions = ("casework.view_wageclaim",)
    template_name = "casework/wageclaim/list.html"
    filters = (
        StatusFilter(WageClaim.Status.choices),
        ChoiceFilter("channel", field="channel", choices=WageClaim.Channel.choices, label=gettext_lazy("来源"),
                     empty_label=gettext_lazy("全部")),
        OverdueFilter(label=gettext_lazy("仅看逾期")),
        FlagFilter("limitation", label=gettext_lazy("仅看仲裁时效临近"), condition=_limitation_near),
        SearchFilter("number", "employer_name", label=gettext_lazy("编号、用工单位或信用代码"),
                     also=lambda text: Q(employer_credit_code=text.upper())),
    )

    def order(self, queryset):
        return queryset.by_urgency()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page"]  # each row of this page marked as a repeat offender or not, in grouped queries
        page.object_list = flag_rows(page.object_list, self.request.user, name_attr="employer_name",
                                     code_attr="employer_credit_code")
        return context


wageclaim_list = WageClaimListView.as_view()


def wageclaim_detail(request, number):
    """The claim page: summary, limitation warning, workers and amounts, evidence, tasks, timeline."""
    claim = _claim_or_404(request, number)
    user = request.user
    process = open_wageclaim_process(claim)
    tasks = []
    if process is not None:
        tasks = list(process.task_set.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED]).select_related("owner"))
    workers = list(claim.workers.all())
    revealed = request.session.get("revealed_wageclaim") == claim.pk
    (flagged,) = flag_rows([claim], user, name_attr="employer_name", code_attr="employer_credit_code")
    return render(request, "casework/wageclaim/detail.html", {
        "claim": claim,
        "workers": workers,
        "revealed": revealed,
        "employer": EmployerRef.of(claim.employer_name, claim.employer_credit_code),
        "repeat_offender": flagged.repeat_offender,
        "open_tasks": [(t, _task_url(t, user) if hasattr(t.flow_task, "can_assign") else None) for t in tasks],
        "deadlines": Deadline.objects.for_object(claim).order_by("started_at"),
        "timeline": [(e, describe_wage_event(e)) for e in AuditEvent.objects.for_object(claim).timeline()],
        "attachments": Attachment.objects.for_object(claim).select_related("uploaded_by").order_by("uploaded_at"),
        "documents": GeneratedDocument.objects.for_object(claim).order_by("created_at"),
        "coordinate_form": CoordinateForm(initial={"place": claim.market.name if claim.market_id else ""}),
        "settle_form": SettleForm(workers=workers),
        "worker_form": WorkerForm(prefix="worker"),
        "can": {
            "coordinate": claim.status == WageClaim.Status.VERIFIED and user.has_perm("casework.coordinate_wageclaim"),
            "settle": claim.status == WageClaim.Status.COORDINATING
            and user.has_perm("casework.coordinate_wageclaim"),
            "add_worker": claim.status in (WageClaim.Status.REPORTED, WageClaim.Status.VERIFYING)
            and user.has_perm("casework.verify_wageclaim"),
            "upload": claim.is_open and user.has_perm("casework.verify_wageclaim"),
            "reveal": user.has_perm("core.reveal_pii") and not revealed,
            "case_file": user.has_perm("core.export_data") or user.pk == claim.officer_id,
        },
    })


def _act(request, claim, action, success):
    try:
        action()
    except (ValidationError, TransitionRefused) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, success)
    return redirect(claim.get_absolute_url())


@require_POST
def wageclaim_coordinate(request, number):
    """Start quick settlement at the market or street office (协调处理)."""
    claim = _claim_or_404(request, number)
    form = CoordinateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写协调地点（市场或街道）。"))
        return redirect(claim.get_absolute_url())
    return _act(request, claim, lambda: services.wageclaim_start_coordination(
        claim=claim, by=request.user, place=form.cleaned_data["place"]), _("已开始协调处理。"))


@require_POST
def wageclaim_settle(request, number):
    """Record what each worker received and mark the claim settled (the flow moves to closing)."""
    claim = _claim_or_404(request, number)
    form = SettleForm(request.POST, workers=claim.workers.all())
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(claim.get_absolute_url())
    return _act(request, claim, lambda: services.wageclaim_settle(
        claim=claim, by=request.user, paid=form.paid(), note=form.cleaned_data["note"]), _("已登记支付情况。"))


@require_POST
def wageclaim_add_worker(request, number):
    claim = _claim_or_404(request, number)
    form = WorkerForm(request.POST, prefix="worker")
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(claim.get_absolute_url())
    d = form.cleaned_data
    return _act(request, claim, lambda: services.wageclaim_add_worker(claim=claim, by=request.user, worker=services.Worker(
        name=d["name"], id_number=d["id_number"], phone=d["phone"], amount_owed=d["amount_owed"],
        priority=d["priority"])), _("已增加劳动者。"))


@require_POST
def wageclaim_upload(request, number):
    """Attach evidence (work records, chat screenshots, IOUs); checked by content in core.uploads."""
    claim = _claim_or_404(request, number)
    _require(request, "casework.verify_wageclaim")
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择要上传的文件。"))
        return redirect(claim.get_absolute_url())
    from core.uploads import attach_file

    description = (request.POST.get("description") or "").strip() or _("证据材料")
    return _act(request, claim, lambda: attach_file(claim, upload, by=request.user, description=description),
                _("已上传证据材料。"))


@require_POST
def wageclaim_reveal(request, number):
    """Show the workers' full ID numbers and phones on the claim page; the reveal is audited."""
    claim = _claim_or_404(request, number)
    _require(request, "core.reveal_pii")
    AuditEvent.record(claim, AuditEvent.Action.VIEW_PII, by=request.user, name="workers")
    request.session["revealed_wageclaim"] = claim.pk
    return redirect(claim.get_absolute_url())


@require_POST
def wageclaim_case_file(request, number):
    """Queue the case file (案卷) PDF; the claim page shows its progress."""
    claim = _claim_or_404(request, number)
    if not (request.user.has_perm("core.export_data") or request.user.pk == claim.officer_id):
        raise PermissionDenied
    documents.request_document(claim, kind="wageclaim.case_file", by=request.user)
    AuditEvent.record(claim, AuditEvent.Action.EXPORT, by=request.user, name="case_file")
    messages.success(request, _("案卷正在生成，完成后可在“文书”中下载。"))
    return redirect(claim.get_absolute_url())


def wageclaim_intake(request):
    """Counter or hotline registration with several workers (one claim per employer and project)."""
    _require(request, "casework.add_wageclaim")
    form = WageIntakeForm(request.POST or None, request.FILES or None, user=request.user)
    formset = WorkerFormSet(request.POST or None, prefix="workers")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        user = request.user
        if not user.is_superuser and user.district_id and data["district"].pk != user.district_id:
            form.add_error("district", _("只能登记本区的欠薪线索。"))
        else:
            workers = [services.Worker(name=f["name"], id_number=f["id_number"], phone=f["phone"],
                                       amount_owed=f["amount_owed"], priority=f["priority"])
                       for f in formset.cleaned_data if f]
            try:
                submission = services.wageclaim_report(
                    channel=data["channel"], district=data["district"], market=data["market"],
                    work_place=data["work_place"], employer_name=data["employer_name"],
                    employer_credit_code=data["employer_credit_code"], employer_address=data["employer_address"],
                    period_start=data["period_start"], period_end=data["period_end"],
                    employment_ongoing=data["employment_ongoing"], employment_ended_on=data["employment_ended_on"],
                    description=data["description"], workers=workers, files=request.FILES.getlist("files"),
                    by=user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已登记欠薪线索 %(number)s。请告知劳动者查询码：%(code)s（仅显示一次）")
                                 % {"number": submission.claim.number, "code": submission.tracking_code})
                return redirect(submission.claim.get_absolute_url())
    return render(request, "casework/wageclaim/intake.html", {"form": form, "formset": formset})


def wageclaim_from_mediation(request, number):
    """Open a wage claim from a failed or unperformed mediation (link on the mediation case page)."""
    _require(request, "casework.add_wageclaim")
    case = get_object_or_404(MediationCase.objects.visible_to(request.user), number=number)
    existing = WageClaim.objects.filter(source_mediation=case).first()
    if existing is not None:
        return redirect(existing.get_absolute_url())
    if not services.mediation_eligible_for_claim(case):
        messages.error(request, _("只有调解不成或调解协议未履行的案件才能转为欠薪线索。"))
        return redirect(case.get_absolute_url())
    applicants = list(case.applicants.all())
    form = FromMediationForm(request.POST or None, applicants=applicants,
                             default_amount=services.mediation_wage_amount(case))
    if request.method == "POST" and form.is_valid():
        try:
            claim = services.wageclaim_create_from_mediation(case=case, by=request.user, amounts=form.paid())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已转为欠薪线索 %(number)s。") % {"number": claim.number})
            return redirect(claim.get_absolute_url())
    return render(request, "casework/wageclaim/from_mediation.html", {"case": case, "form": form})


# ---- employers (repeat offenders) -------------------------------------------------------------------


def _employer_page(request, ref: EmployerRef, match: Q):
    """All visible cases naming one employer, with the amounts claimed and recovered."""
    if not any(request.user.has_perm(p) for p in ("casework.view_wageclaim", "casework.view_complaint",
                                                   "casework.view_mediationcase")):
        raise PermissionDenied
    mentions = list(EmployerMention.objects.visible_to(request.user)
                    .filter(match).order_by("-opened_at"))
    if not mentions:
        raise Http404
    ids: dict = {}
    for m in mentions:
        ids.setdefault(m.content_type_id, []).append(m.object_id)
    from django.contrib.contenttypes.models import ContentType

    def visible(model, perm, **related):
        if not request.user.has_perm(perm):
            return []
        ct = ContentType.objects.get_for_model(model)
        return list(model.objects.visible_to(request.user).filter(pk__in=ids.get(ct.pk, [])).select_related(
            "district", *related.get("select", ())).order_by("-pk"))

    claims = visible(WageClaim, "casework.view_wageclaim")
    if claims:
        totals = {c.pk: c for c in WageClaim.objects.filter(pk__in=[c.pk for c in claims]).with_totals()}
        for c in claims:
            c.owed_sum, c.paid_sum = totals[c.pk].owed_sum, totals[c.pk].paid_sum
    complaints = visible(Complaint, "casework.view_complaint")
    cases = visible(MediationCase, "casework.view_mediationcase")
    from decimal import Decimal

    from ..models import AgreementObligation, MediationClaim

    converted_complaints = {c.source_complaint_id for c in claims if c.source_complaint_id}
    converted_cases = {c.source_mediation_id for c in claims if c.source_mediation_id}
    zero = Decimal("0.00")
    claimed = sum((c.total_owed for c in claims), zero)
    recovered = sum((c.total_paid for c in claims), zero)
    # A complaint or mediation that became a wage claim is counted once, through the claim.
    claimed += sum((c.amount for c in complaints if c.amount and c.pk not in converted_complaints), zero)
    other_cases = [c.pk for c in cases if c.pk not in converted_cases]
    claimed += sum(MediationClaim.objects.filter(case_id__in=other_cases).values_list("amount", flat=True), zero)
    recovered += sum(AgreementObligation.objects.filter(agreement__case_id__in=other_cases, fulfilled_at__isnull=False,
                                                        amount__isnull=False).values_list("amount", flat=True), zero)
    names = sorted({m.name for m in mentions})
    return render(request, "casework/wageclaim/employer.html", {
        "ref": ref, "names": names, "claims": claims, "complaints": complaints, "cases": cases,
        "total_cases": len(claims) + len(complaints) + len(cases), "claimed": claimed, "recovered": recovered,
        "threshold": threshold(), "flagged": len(mentions) >= threshold(),
    })


def employer_by_code(request, code):
    from ..employers import normalise_credit_code

    code = normalise_credit_code(code)
    # The names of the code's own cases also find the same employer's cases filed without a code.
    keys = set(EmployerMention.objects.visible_to(request.user).filter(credit_code=code).exclude(key="")
               .values_list("key", flat=True))
    return _employer_page(request, EmployerRef(code, ""), Q(credit_code=code) | Q(credit_code="", key__in=keys))


def employer_by_name(request, key):
    from ..employers import employer_key

    key = employer_key(key)
    return _employer_page(request, EmployerRef("", key), employer_q(key=key))

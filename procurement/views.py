"""Staff pages of government purchase of services: projects, selection rounds, contracts and their payment
milestones. Operator staff see their own contracts read-only.

Every lookup starts from ``visible_to(user)``: an out-of-scope record answers 404 (ADR 0001). Each POST
validates a form, calls one service, messages and redirects; refusals come back as Chinese messages."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.scoping import operator_org_id
from core.documents import documents_for
from core.fsm import TransitionRefused
from core.lists import DistrictFilter, FilteredListView, SearchFilter, StatusFilter
from core.models import AuditEvent

from . import services
from .forms import (ApplyForm, AwardForm, MilestoneForm, PaidForm, PanelMemberForm, ProjectForm, QualifyForm,
                    ReasonForm, RenewForm, RoundForm, ScoreForm, TerminateForm)
from .models import (APPROVE_PAYMENT, MANAGE, PAY, RUN_SELECTION, TERMINATE, Candidate, PanelMember, PanelScore,
                     SelectionRound, ServiceContract, ServiceProject)


def _require(request, perm):
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _refusal(request, exc):
    """Show a service's refusal as a message (and keep field errors readable)."""
    if isinstance(exc, ValidationError):
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.error(request, str(exc))


def _form_errors(request, form):
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


# ---- projects ------------------------------------------------------------------------------------------


class ProjectListView(FilteredListView):
    """The projects the user may see, newest period first; filter by district (bureau) and name."""

    model = ServiceProject
    permissions = ("procurement.view_serviceproject",)
    template_name = "procurement/project_list.html"
    filters = (DistrictFilter(), SearchFilter("name", label=gettext_lazy("项目名称")))
    ordering = ("-period_start", "name", "pk")

    def get_queryset(self):
        return (ServiceProject.objects.visible_to(self.request.user).select_related("district")
                .annotate(n_markets=Count("markets", distinct=True), n_rounds=Count("rounds", distinct=True),
                          n_contracts=Count("contracts", distinct=True)))

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_add=self.request.user.has_perm("procurement.add_serviceproject"),
                                        **kwargs)


project_list = ProjectListView.as_view()


def project_create(request):
    _require(request, "procurement.add_serviceproject")
    form = ProjectForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(by=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _refusal(request, exc)
        else:
            messages.success(request, _("已创建项目“%(name)s”。") % {"name": project.name})
            return redirect(project.get_absolute_url())
    return render(request, "procurement/project_form.html", {"form": form})


def project_detail(request, pk):
    """A project: its markets, selection rounds and contracts; the organiser opens a round here."""
    _require(request, "procurement.view_serviceproject")
    project = get_object_or_404(ServiceProject.objects.visible_to(request.user).select_related("district"), pk=pk)
    can_open = request.user.has_perm(RUN_SELECTION)
    form = RoundForm(request.POST or None)
    if request.method == "POST":
        if not can_open:
            raise PermissionDenied
        if form.is_valid():
            try:
                rnd = services.round_open(project=project, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _refusal(request, exc)
            else:
                messages.success(request, _("已发布遴选“%(title)s”。") % {"title": rnd.title})
                return redirect(rnd.get_absolute_url())
        else:
            _form_errors(request, form)
    return render(request, "procurement/project_detail.html", {
        "project": project,
        "markets": project.markets.select_related("district", "operator"),
        "rounds": project.rounds.select_related("winner__operator").annotate(n_candidates=Count("candidates")),
        "contracts": project.contracts.select_related("operator"),
        "form": form, "can_open": can_open,
    })


# ---- selection rounds ----------------------------------------------------------------------------------


def _round_or_404(request, pk):
    rnd = get_object_or_404(SelectionRound.objects.visible_to(request.user)
                            .select_related("project__district", "winner__operator", "awarded_by"), pk=pk)
    seat = PanelMember.objects.filter(round=rnd, user=request.user).first()
    if not request.user.has_perm("procurement.view_selectionround") and seat is None:
        raise PermissionDenied
    return rnd, seat


ROUND_ACTIONS = ("apply", "panel", "close", "qualify", "score", "award", "cancel")


def round_detail(request, pk):
    """遴选 page: candidates with their qualification reasons, the panel and its declared relations, each
    member's own scores, the ranking by mean score, and the organiser's actions."""
    rnd, seat = _round_or_404(request, pk)
    user = request.user
    organiser = user.has_perm(RUN_SELECTION)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ROUND_ACTIONS or (action != "score" and not organiser):
            raise PermissionDenied
        _round_post(request, rnd, action)
        return redirect(rnd.get_absolute_url())
    candidates = list(rnd.candidates.select_related("operator", "qualified_by")
                      .prefetch_related(Prefetch("scores", queryset=PanelScore.objects.select_related("member"))))
    panel = list(rnd.panel.select_related("user"))
    my_scores = {}
    if seat is not None:
        for c in candidates:
            mine = [s for s in c.scores.all() if s.member_id == seat.pk]
            my_scores[c.pk] = {"score": mine[0] if mine else None, "related": seat.is_related_to(c),
                               "can_score": (not mine and rnd.status == SelectionRound.Status.REVIEW
                                             and c.qualification == Candidate.Qualification.QUALIFIED
                                             and not seat.is_related_to(c))}
    ranking = services.round_ranking(rnd, candidates=candidates)
    by_pk = {c.pk: c for c in candidates}
    return render(request, "procurement/round_detail.html", {
        "round": rnd, "project": rnd.project, "seat": seat, "organiser": organiser,
        "rows": [(c, my_scores.get(c.pk)) for c in candidates],
        "panel": [(m, [c.operator.name for c in candidates if m.is_related_to(c)]) for m in panel],
        "ranking": [(r, by_pk[r["candidate"]]) for r in ranking],
        "missing": (services.missing_scores(rnd, candidates=candidates, panel=panel)
                    if rnd.status == SelectionRound.Status.REVIEW else []),
        "tied_top": [r for r in ranking if r["rank"] == 1 and r["tied"]],
        "recorded": rnd.ranking,
        "apply_form": ApplyForm(), "panel_form": PanelMemberForm(district_id=rnd.project.district_id),
        "score_form": ScoreForm(), "qualify_form": QualifyForm(), "award_form": AwardForm(),
        "reason_form": ReasonForm(), "contracts": rnd.contracts.all(),
    })


def _round_post(request, rnd, action):
    user, post = request.user, request.POST
    try:
        if action == "apply":
            form = ApplyForm(post, request.FILES)
            if not form.is_valid():
                return _form_errors(request, form)
            services.candidate_apply(round=rnd, by=user, **form.cleaned_data)
            messages.success(request, _("已登记报名。"))
        elif action == "panel":
            form = PanelMemberForm(post, district_id=rnd.project.district_id)
            if not form.is_valid():
                return _form_errors(request, form)
            services.round_add_panel_member(round=rnd, by=user, **form.cleaned_data)
            messages.success(request, _("已加入评审专家。"))
        elif action == "close":
            services.round_close_applications(round=rnd, by=user)
            messages.success(request, _("报名已截止，开始资格审查与评分。"))
        elif action == "qualify":
            candidate = get_object_or_404(rnd.candidates, pk=post.get("candidate"))
            form = QualifyForm(post)
            form.is_valid()
            extra = (form.cleaned_data.get("extra_reasons") or "").splitlines()
            candidate = services.candidate_qualify(candidate=candidate, by=user, extra_reasons=extra)
            messages.success(request, _("%(operator)s：%(result)s") % {
                "operator": candidate.operator.name, "result": candidate.get_qualification_display()})
        elif action == "score":
            candidate = get_object_or_404(rnd.candidates, pk=post.get("candidate"))
            form = ScoreForm(post)
            if not form.is_valid():
                return _form_errors(request, form)
            services.panel_score(candidate=candidate, by=user, **form.cleaned_data)
            messages.success(request, _("已提交评分。"))
        elif action == "award":
            form = AwardForm(post)
            form.is_valid()
            winner_pk = form.cleaned_data.get("winner")
            winner = get_object_or_404(rnd.candidates, pk=winner_pk) if winner_pk else None
            services.round_award(round=rnd, by=user, winner=winner, reason=form.cleaned_data.get("reason") or "")
            messages.success(request, _("已确定中选机构，并生成合同草稿。"))
        elif action == "cancel":
            services.round_cancel(round=rnd, by=user, reason=post.get("reason", ""))
            messages.success(request, _("已取消遴选。"))
    except (ValidationError, TransitionRefused, PermissionDenied) as exc:
        _refusal(request, exc)
    return None


# ---- contracts -----------------------------------------------------------------------------------------


class ContractListView(FilteredListView):
    """Contracts the user may see (operator staff: their own); filter by status, district, operator."""

    model = ServiceContract
    permissions = ("procurement.view_servicecontract",)
    template_name = "procurement/contract_list.html"
    filters = (StatusFilter(ServiceContract.Status.choices, open_by_default=False), DistrictFilter(),
               SearchFilter("number", "operator__name", label=gettext_lazy("合同编号或运营机构")))
    ordering = ("-start_date", "-pk")

    def get_queryset(self):
        return super().get_queryset().annotate(n_markets=Count("markets", distinct=True),
                                               n_milestones=Count("milestones", distinct=True))


contract_list = ContractListView.as_view()


CONTRACT_ACTIONS = ("activate", "suspend", "resume", "terminate", "expire", "renew", "milestone", "approve",
                    "paid", "summary")


def _contract_can(user, contract):
    if operator_org_id(user):
        return {}
    S = ServiceContract.Status
    manage, final = user.has_perm(MANAGE), contract.is_final
    return {
        "activate": manage and contract.status == S.DRAFT,
        "suspend": manage and contract.status == S.ACTIVE,
        "resume": manage and contract.status == S.SUSPENDED,
        "terminate": user.has_perm(TERMINATE) and contract.status in (S.ACTIVE, S.SUSPENDED),
        "expire": manage and contract.status in (S.ACTIVE, S.SUSPENDED) and contract._period_over(),
        "renew": manage and contract.status in (S.ACTIVE, S.SUSPENDED, S.EXPIRED),
        "milestone": user.has_perm("procurement.add_paymentmilestone") and not final,
        "approve": user.has_perm(APPROVE_PAYMENT),
        "paid": user.has_perm(PAY),
        "summary": user.has_perm("procurement.view_servicecontract"),
    }


def contract_detail(request, number):
    """A contract: parties, markets, period and amount, payment milestones, the renewal chain, documents,
    the timeline, and the actions the user may take (none for operator staff)."""
    _require(request, "procurement.view_servicecontract")
    contract = get_object_or_404(ServiceContract.objects.visible_to(request.user)
                                 .select_related("district", "operator", "project", "selection_round", "previous"),
                                 number=number)
    can = _contract_can(request.user, contract)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in CONTRACT_ACTIONS or not can.get(action):
            raise PermissionDenied
        contract = _contract_post(request, contract, action) or contract
        return redirect(contract.get_absolute_url())
    milestones = list(contract.milestones.select_related("approved_by", "paid_by"))
    chain = services.renewal_chain(contract)
    evaluations = _evaluations_of(request.user, contract)
    labels = dict(ServiceContract.Status.choices)
    timeline = [(e, labels.get(e.to_state, "")) for e in AuditEvent.objects.for_object(contract).order_by("pk")]
    return render(request, "procurement/contract_detail.html", {
        "contract": contract, "markets": contract.markets.select_related("district"),
        "milestones": milestones, "planned_total": sum((m.amount for m in milestones), start=Decimal("0.00")),
        "chain": chain if len(chain) > 1 else [], "documents": documents_for(contract),
        "timeline": timeline, "can": can, "evaluations": evaluations, "terminate_form": TerminateForm(), "renew_form": RenewForm(),
        "milestone_form": MilestoneForm(), "reason_form": ReasonForm(),
    })


def _evaluations_of(user, contract):
    """The contract's performance evaluations the user may see (the evaluations app; none if absent)."""
    try:
        from evaluations.models import Evaluation
    except ImportError:  # pragma: no cover - the evaluations app is part of every deployment
        return []
    return list(Evaluation.objects.visible_to(user).filter(contract=contract).order_by("period_start", "pk"))


def _contract_post(request, contract, action):
    user, post = request.user, request.POST
    try:
        if action == "activate":
            services.contract_activate(contract=contract, by=user)
            messages.success(request, _("合同已生效。"))
        elif action == "suspend":
            services.contract_suspend(contract=contract, by=user, reason=post.get("reason", ""))
            messages.success(request, _("合同已暂停履行。"))
        elif action == "resume":
            services.contract_resume(contract=contract, by=user, reason=post.get("reason", ""))
            messages.success(request, _("合同已恢复履行。"))
        elif action == "terminate":
            form = TerminateForm(post)
            if not form.is_valid():
                return _form_errors(request, form)
            services.contract_terminate(contract=contract, by=user, **form.cleaned_data)
            messages.success(request, _("合同已终止。"))
        elif action == "expire":
            services.contract_expire(contract=contract, by=user)
            messages.success(request, _("合同已到期。"))
        elif action == "renew":
            form = RenewForm(post)
            if not form.is_valid():
                return _form_errors(request, form)
            renewal = services.contract_renew(contract=contract, by=user, **form.cleaned_data)
            messages.success(request, _("已生成续签合同草稿 %(number)s。") % {"number": renewal.number})
            return renewal
        elif action == "milestone":
            form = MilestoneForm(post)
            if not form.is_valid():
                return _form_errors(request, form)
            services.milestone_add(contract=contract, by=user, **form.cleaned_data)
            messages.success(request, _("已增加付款节点。"))
        elif action == "approve":
            milestone = get_object_or_404(contract.milestones, pk=post.get("milestone"))
            services.milestone_approve(milestone=milestone, by=user)
            messages.success(request, _("已核准支付。"))
        elif action == "paid":
            form = PaidForm(post)
            if not form.is_valid():
                return _form_errors(request, form)
            milestone = get_object_or_404(contract.milestones, pk=form.cleaned_data["milestone"])
            services.milestone_mark_paid(milestone=milestone, by=user, paid_on=form.cleaned_data["paid_on"],
                                         reference=form.cleaned_data["reference"])
            messages.success(request, _("已登记付款。"))
        elif action == "summary":
            services.contract_request_summary(contract=contract, by=user)
            messages.success(request, _("合同摘要正在生成。"))
    except (ValidationError, TransitionRefused, PermissionDenied) as exc:
        _refusal(request, exc)
    return None


"""Mediator workload (调解员工作量) for the district official: open cases per mediator of the district (counts by
state, overdue), the running mediations with a reassignment form each, and the cases waiting for a mediator.

Query count is fixed whatever the number of mediators and cases: one aggregate for the counts, one list of
mediators, one list of running cases (applicants prefetched) and one read of the mediators' recorded conflicts,
checked here in memory so the form can say in advance who must recuse; the service checks again on save."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.roles import Role
from accounts.scoping import district_q
from core.workflow import add_service_errors

from .. import services
from ..forms import WorkloadReassignForm
from ..models import MediationCase, MediatorConflict

PAGE_SIZE = 30
S = MediationCase.Status
#: The states that count as a mediator's load (the flow closes fulfilled / not fulfilled cases at once).
LOAD_STATES = (S.MEDIATOR_ASSIGNED, S.IN_MEDIATION, S.AGREEMENT_SIGNED, S.FULFILLED, S.NOT_FULFILLED)


def _require_official(user):
    if not user.has_perm("casework.assign_mediation"):
        raise PermissionDenied


def _conflicted(case, conflicts) -> set[int]:
    """Ids of mediators with a recorded relation to this case's employer or applicants (as services.conflicts_of,
    without a query per pair)."""
    names = {case.respondent_name.strip()} | {p.name.strip() for p in case.applicants.all()}
    return {c.mediator_id for c in conflicts
            if (c.party_name and c.party_name in names)
            or (c.credit_code and case.respondent_credit_code and c.credit_code == case.respondent_credit_code)}


def _workload_page(request, *, refused=None, status=200):
    """The page; ``refused`` is the (case number, bound form) of a reassignment the service refused, re-shown
    in its row with what was typed and why."""
    user = request.user
    now = timezone.now()
    cases = MediationCase.objects.visible_to(user).filter(district_q(user))
    counts = {row["mediator"]: row for row in (
        cases.filter(mediator__isnull=False, status__in=LOAD_STATES).values("mediator").annotate(
            # distinct: the join to the applicants repeats a case once per applicant
            total=Count("pk", distinct=True),
            assigned=Count("pk", filter=Q(status=S.MEDIATOR_ASSIGNED), distinct=True),
            mediating=Count("pk", filter=Q(status=S.IN_MEDIATION), distinct=True),
            signed=Count("pk", filter=Q(status__in=[S.AGREEMENT_SIGNED, S.FULFILLED, S.NOT_FULFILLED]),
                         distinct=True),
            overdue=Count("pk", filter=Q(status__in=MediationCase.MEDIATING, due_at__lt=now), distinct=True),
            priority=Count("pk", filter=Q(applicants__priority=True), distinct=True),
        ))}
    mediators = list(User.objects.filter(Q(is_active=True, groups__name=Role.MEDIATOR, **(
        {} if user.is_superuser or not user.district_id else {"district_id": user.district_id}))
        | Q(pk__in=list(counts))).select_related("district").distinct().order_by("district__name", "last_name",
                                                                                "first_name", "username"))
    empty = {"total": 0, "assigned": 0, "mediating": 0, "signed": 0, "overdue": 0, "priority": 0}
    rows = [(m, counts.get(m.pk, empty)) for m in mediators]

    running = (cases.filter(status__in=MediationCase.MEDIATING).select_related("mediator", "district")
               .prefetch_related("applicants").order_by("due_at", "pk"))
    mediator_filter = request.GET.get("mediator", "")
    if mediator_filter.isdigit():
        running = running.filter(mediator_id=int(mediator_filter))
    page = Paginator(running, PAGE_SIZE).get_page(request.GET.get("page"))
    conflicts = list(MediatorConflict.objects.filter(mediator__in=[m.pk for m in mediators]))
    refused_number, refused_form = refused or (None, None)
    choices = [(case, [(m, m.pk in conflicted, m.pk == case.mediator_id) for m in mediators
                       if m.district_id == case.district_id],
                refused_form if case.number == refused_number else None)
               for case in page for conflicted in [_conflicted(case, conflicts)]]
    waiting = cases.filter(status=S.ACCEPTED).count()
    return render(request, "casework/mediation/workload.html", {
        "rows": rows, "page": page, "cases": choices, "waiting": waiting, "now": now,
        "mediator_filter": mediator_filter,
        "totals": {key: sum(r[key] for _m, r in rows) for key in empty},
        "refused": {"number": refused_number, "form": refused_form,
                    # the case may have left the list (no longer in mediation): its row cannot show the errors
                    "in_list": any(case.number == refused_number for case, _o, _f in choices)} if refused else None,
    }, status=status)


def mediation_workload(request):
    _require_official(request.user)
    return _workload_page(request)


@require_POST
def mediation_workload_reassign(request, number):
    """Reassign from the workload page; the service refuses a mediator outside the district or related to a
    party (回避) and a case that is not in mediation. A refused form comes back in its row with what was typed.
    The page and mediator filter the form was sent from travel in the query string and are kept."""
    case = get_object_or_404(MediationCase.objects.visible_to(request.user), number=number)
    _require_official(request.user)
    # Any mediator of the district may be chosen here; the service names the one who must recuse.
    form = WorkloadReassignForm(request.POST, mediators=services.eligible_mediators(case))
    if form.is_valid():
        mediator = form.cleaned_data["mediator"]
        try:
            services.mediation_reassign(case=case, by=request.user, mediator=mediator,
                                        reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(number)s 已改派给 %(name)s。")
                             % {"number": case.number, "name": mediator.get_full_name() or mediator.username})
            query = request.GET.urlencode()
            return redirect(reverse("mediation:mediation_workload") + (f"?{query}" if query else ""))
    return _workload_page(request, refused=(case.number, form), status=409)

"""Every route of the project is held to an access rule, and scoped routes to the scoping decision:
a district-B official gets 404 for a district-A record, partners and operators get nothing they were
not given, anonymous visitors are sent to the login page, district A gets the page.

How it works
------------
``ROUTES`` walks ``get_resolver().url_patterns`` recursively (viewflow's Site, its Applications, flow
nodes and Django admin included) and lists every route by its namespaced name (``markets:market:detail``)
or, for unnamed routes, by ``path:<route>``. ``test_every_route_has_a_rule`` fails for a route that has
no entry in ``RULES``: adding a URL without deciding who may open it fails the build.

``test_route_access[<route>]`` then requests the route as each actor and checks the expectation its
access kind gives that actor (``ACCESS``), overridden per rule with ``expect=``.

Actors (built lazily by ``World``): ``anon``; ``a`` — district official of 朝阳区 (district A); ``b`` —
district official of 海淀区; ``partner`` — a legal-aid partner; ``operator_b`` — staff of an operator
running only a district-B market. Checked only when a rule names them in ``expect``: ``operator_a``
(runs ``market_a``), ``intake_a`` (受理员 of 朝阳区), ``bureau`` (市局), ``sysadmin`` (系统管理员 role).

Adding a rule
-------------
Key: the exact route name, or a regular expression (``re.fullmatch``) over names; exact names win,
then the first matching regex in ``RULES`` order. Value: ``Rule(access, kwargs=..., ...)``:

* ``access`` — ``"public"``, ``"auth-any"``, ``"scoped"`` (an object of district A), ``"scoped-list"``
  (a list that must show A's object to A and not to others), ``"staff-list"`` (a registry every staff
  member sees in full), ``"staff-any"`` (any bureau staff, no partner/operator), ``"perm"`` (only the
  actors listed in ``expect`` with ``OK``), ``"scoped-deny"`` (only checks that outsiders are kept out;
  say why in ``why``), ``"admin-only"`` (Django admin: everybody without is_staff is sent to a login).
* ``kwargs`` — ``lambda w: {...}``: URL kwargs built from the ``World`` (``w.market_a``, ``w.complaint_a``,
  …; add a ``cached_property`` to ``World`` for a new kind of record, created in district A).
* ``marker`` — ``lambda w: text`` that identifies A's object in a list page (for list accesses).
* ``method``/``data`` — ``"post"`` for POST-only routes (``data`` is posted as is).
* ``status`` — what an allowed actor gets (default ``(200,)``; e.g. ``(302,)`` for index redirects).
* ``expect`` — ``{actor: expectation}`` overriding the access kind, e.g. ``{"operator_a": OK}``.

Example for a new case type::

    "casework:wageclaim:detail": Rule("scoped", kwargs=lambda w: {"pk": w.wageclaim_a.pk}),
"""

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

import config.urls  # noqa: F401  (viewflow wires flow-node URL namespaces when the URLconf loads)
from accounts.models import Organization
from tests.factories import MarketFactory, OperatorFactory, OrganizationFactory, Role, UserFactory, district


# ------------------------------------------------------------------------------------------- the walk

@dataclass(frozen=True)
class Route:
    name: str | None  # namespaced, e.g. "markets:market:detail"
    route: str  # the full pattern, e.g. "staff/markets/market/<path:pk>/detail/"

    @property
    def key(self) -> str:
        return self.name or f"path:{self.route}"


def walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        else:
            name = None
            if pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield Route(name, prefix + str(pattern.pattern))


ROUTES = sorted({r.key: r for r in walk(get_resolver().url_patterns)}.values(), key=lambda r: r.key)


# -------------------------------------------------------------------------------------- expectations

OK = "ok"  # one of the rule's statuses (200 unless the rule says otherwise), not a login redirect
LOGIN = "login"  # redirected to the staff login page
HIDDEN = "hidden"  # 404: the record's existence is not revealed
DENIED = "denied"  # 403, 404 or a redirect away (never the page)
OK_MARKED = "ok-marked"  # OK, and the page shows A's record
OK_UNMARKED = "ok-unmarked"  # DENIED, or OK without A's record in the page
ADMIN_LOGIN = "admin-login"  # a redirect to a login (admin's or ours) or into admin, or admin's catch-all 404
UNCHECKED = "unchecked"

ACTORS = ("anon", "a", "b", "partner", "operator_b")
ACCESS = {
    "public": dict.fromkeys(ACTORS, OK),
    "auth-any": {"anon": LOGIN, "a": OK, "b": OK, "partner": OK, "operator_b": OK},
    "scoped": {"anon": LOGIN, "a": OK, "b": HIDDEN, "partner": DENIED, "operator_b": DENIED},
    "scoped-list": {"anon": LOGIN, "a": OK_MARKED, "b": OK_UNMARKED, "partner": OK_UNMARKED,
                    "operator_b": OK_UNMARKED},
    "staff-list": {"anon": LOGIN, "a": OK_MARKED, "b": OK_MARKED, "partner": OK_UNMARKED,
                   "operator_b": OK_UNMARKED},
    "staff-any": {"anon": LOGIN, "a": OK, "b": OK, "partner": DENIED, "operator_b": DENIED},
    "perm": {"anon": LOGIN, "a": DENIED, "b": DENIED, "partner": DENIED, "operator_b": DENIED},
    "scoped-deny": {"anon": LOGIN, "a": UNCHECKED, "b": DENIED, "partner": DENIED, "operator_b": DENIED},
    "admin-only": dict.fromkeys(ACTORS, ADMIN_LOGIN),
}


@dataclass(frozen=True)
class Rule:
    access: str
    kwargs: Callable[["World"], dict] | None = None
    marker: Callable[["World"], str] | None = None
    expect: dict = field(default_factory=dict)
    method: str = "get"
    data: dict = field(default_factory=dict)
    status: tuple = (200,)
    why: str = ""


# ------------------------------------------------------------------------------------------ the world

DOCUMENT_KIND = "tests.route_access_sheet"


class World:
    """District A is 朝阳区, district B is 海淀区. Records are created on first use."""

    @cached_property
    def op_a(self):
        return OperatorFactory(name="甲区路由测试运营公司")

    @cached_property
    def op_b(self):
        return OperatorFactory(name="乙区路由测试运营公司")

    @cached_property
    def market_a(self):
        return MarketFactory(name="甲区路由测试市场", code="route-a", district=district("朝阳区"), operator=self.op_a)

    @cached_property
    def market_b(self):
        return MarketFactory(name="乙区路由测试市场", code="route-b", district=district("海淀区"), operator=self.op_b)

    @cached_property
    def attachment_a(self):
        from core.uploads import attach_file
        from tests.core.filesamples import PDF_BYTES, upload

        return attach_file(self.market_a, upload("甲区材料.pdf", PDF_BYTES), by=self.user_a)

    @cached_property
    def document_a(self):
        from core import documents

        if DOCUMENT_KIND not in documents._KINDS:
            documents.register_document(DOCUMENT_KIND, template_name="core/pdf/sample.html", title="路由测试文书",
                                        context=lambda market: {"case_number": "TS-2026-000001"})
        return documents.render_document_now(documents.request_document(self.market_a, kind=DOCUMENT_KIND))

    @cached_property
    def complaint_a(self):
        from tests.casework.helpers import submit

        return submit(district=district("朝阳区")).complaint

    @cached_property
    def process_a(self):
        from casework.flows import open_process

        return open_process(self.complaint_a)

    @cached_property
    def review_task_a(self):
        from casework.flows import ComplaintFlow
        from tests.casework.helpers import open_task

        return open_task(self.complaint_a, ComplaintFlow.review)

    @cached_property
    def mediation_a(self):
        from tests.casework.test_mediation import apply

        return apply(district=district("朝阳区"))

    @cached_property
    def mediation_process_a(self):
        from casework.flows import open_mediation_process

        return open_mediation_process(self.mediation_a)

    @cached_property
    def mediation_review_task_a(self):
        from casework.flows import MediationFlow

        return self.mediation_process_a.task_set.get(flow_task=MediationFlow.review)

    @cached_property
    def wageclaim_a(self):
        from tests.casework.wage_helpers import report

        return report(district=district("朝阳区")).claim

    @cached_property
    def wageclaim_process_a(self):
        from casework.flows import open_wageclaim_process

        return open_wageclaim_process(self.wageclaim_a)

    @cached_property
    def wageclaim_verify_task_a(self):
        from casework.flows import WageClaimFlow

        return self.wageclaim_process_a.task_set.get(flow_task=WageClaimFlow.verify)

    @cached_property
    def user_inspector_a(self):
        return UserFactory(username="route_inspector_a", roles=[Role.INSPECTOR], district=district("朝阳区"))

    @cached_property
    def inspection_a(self):
        """An inspection of market_a with one failed item and an issued notice (operator A answers it)."""
        from inspections import services
        from tests.inspections.helpers import plan

        inspection = plan(self.user_inspector_a, market=self.market_a)
        items = list(inspection.checklist.items.all())
        answers = {i.pk: {"result": "pass"} for i in items}
        answers[items[0].pk] = {"result": "fail", "severity": "minor", "note": "灭火器过期"}
        services.inspection_save_draft(inspection=inspection, by=self.user_inspector_a, answers=answers)
        services.inspection_submit(inspection=inspection, by=self.user_inspector_a)
        services.inspection_conclude(inspection=inspection)
        services.notice_issue(inspection=inspection, by=self.user_inspector_a)
        return inspection

    @cached_property
    def inspection_process_a(self):
        from inspections.models import InspectionProcess

        return InspectionProcess.objects.filter(artifact_object_id=self.inspection_a.pk).first()

    @cached_property
    def inspection_task_a(self):
        from inspections.flows import InspectionFlow

        return self.inspection_process_a.task_set.get(flow_task=InspectionFlow.fill)

    @cached_property
    def procurement_project_a(self):
        from tests.procurement.helpers import project

        return project(self.user_a, markets=[self.market_a])

    @cached_property
    def selection_round_a(self):
        import datetime

        from procurement import services

        return services.round_open(project=self.procurement_project_a, by=self.user_a, title="甲区路由测试遴选",
                                   opens_on=datetime.date(2026, 1, 1), closes_on=datetime.date(2026, 1, 31))

    @cached_property
    def contract_a(self):
        """An active service contract of operator A for market_a."""
        from tests.procurement.helpers import active_contract

        return active_contract(self.user_a, operator=self.op_a, markets=[self.market_a])

    @cached_property
    def referral_a(self):
        """A district-A wage claim referred (sent) to the partner actor's organisation, with one packet file."""
        from casework.services import referrals as rs
        from core.uploads import attach_file
        from tests.casework.referral_helpers import sent_referral, verified_claim
        from tests.core.filesamples import PDF_BYTES, upload

        claim = verified_claim(by=self.user_a)
        shown = attach_file(claim, upload("欠条.pdf", PDF_BYTES), by=self.user_a)
        referral = sent_referral(claim, officer=self.user_a, official=self.user_a,
                                 target=self.user_partner.organization, attachments=[shown])
        return rs.Referral.objects.get(pk=referral.pk)

    @cached_property
    def evaluation_a(self):
        """An evaluation of operator A's contract for market_a, self-assessed by operator A: waiting for scoring."""
        from evaluations.flows import submit_self_assessment
        from evaluations.services import scored_indicators
        from tests.evaluations.helpers import create_and_open

        evaluation = create_and_open(self.user_a, contract=self.contract_a)
        return submit_self_assessment(evaluation, by=self.user_operator_a, served_count=500, summary="自评报告",
                                      statements={i.pk: ("已落实", None) for i in scored_indicators(evaluation)})

    @cached_property
    def evaluation_process_a(self):
        from evaluations.flows import open_process

        return open_process(self.evaluation_a)

    @cached_property
    def evaluation_task_a(self):
        from evaluations.flows import EvaluationFlow

        return self.evaluation_process_a.task_set.get(flow_task=EvaluationFlow.score)

    # -- actors

    def user(self, actor):
        return None if actor == "anon" else getattr(self, f"user_{actor}")

    @cached_property
    def user_a(self):
        return UserFactory(username="route_a", roles=[Role.DISTRICT_OFFICIAL], district=district("朝阳区"))

    @cached_property
    def user_b(self):
        return UserFactory(username="route_b", roles=[Role.DISTRICT_OFFICIAL], district=district("海淀区"))

    @cached_property
    def user_intake_a(self):
        return UserFactory(username="route_intake_a", roles=[Role.INTAKE], district=district("朝阳区"))

    @cached_property
    def user_partner(self):
        org = OrganizationFactory(name="路由测试法律援助中心", kind=Organization.Kind.LEGAL_AID, district=None)
        return UserFactory(username="route_partner", roles=[Role.LEGAL_AID], district=None, organization=org)

    @cached_property
    def user_partner_other(self):
        org = OrganizationFactory(name="路由测试另一法律援助中心", kind=Organization.Kind.LEGAL_AID, district=None)
        return UserFactory(username="route_partner_other", roles=[Role.LEGAL_AID], district=None, organization=org)

    @cached_property
    def user_operator_a(self):
        return UserFactory(username="route_operator_a", roles=[Role.OPERATOR], district=None,
                           organization=self.op_a.organization)

    @cached_property
    def user_operator_b(self):
        self.market_b  # noqa: B018  (operator B runs a market, so its lists are not empty by accident)
        return UserFactory(username="route_operator_b", roles=[Role.OPERATOR], district=None,
                           organization=self.op_b.organization)

    @cached_property
    def user_bureau(self):
        return UserFactory(username="route_bureau", roles=[Role.BUREAU_OFFICIAL], district=None)

    @cached_property
    def user_sysadmin(self):
        return UserFactory(username="route_sysadmin", roles=[Role.ADMIN], district=None)


# -------------------------------------------------------------------------------------------- rules

def _market(w):
    return {"pk": w.market_a.pk}


def _market_code(w):
    return {"code": w.market_a.code}


def _operator(w):
    return {"pk": w.op_a.pk}


def _case(w):
    return {"number": w.complaint_a.number}


def _process(w):
    return {"process_pk": w.process_a.pk}


def _process_link(w):
    return f'href="/staff/complaint/{w.process_a.pk}/'


def _task(w):
    return {"process_pk": w.process_a.pk, "task_pk": w.review_task_a.pk}


def _inspection(w):
    return {"number": w.inspection_a.number}


def _notice(w):
    return {"number": w.inspection_a.notice.number}


def _inspection_process(w):
    return {"process_pk": w.inspection_process_a.pk}


def _inspection_process_link(w):
    return f'href="/staff/inspection/{w.inspection_process_a.pk}/'


def _inspection_task(w):
    return {"process_pk": w.inspection_process_a.pk, "task_pk": w.inspection_task_a.pk}


def _evaluation(w):
    return {"number": w.evaluation_a.number}


def _evaluation_process(w):
    return {"process_pk": w.evaluation_process_a.pk}


def _evaluation_process_link(w):
    return f'href="/staff/evaluation/{w.evaluation_process_a.pk}/'


def _evaluation_task(w):
    return {"process_pk": w.evaluation_process_a.pk, "task_pk": w.evaluation_task_a.pk}


RULES: dict[str, Rule] = {
    # Public site.
    "public:home": Rule("public"),
    "public:market_list": Rule("public"),
    "public:market_detail": Rule("public", kwargs=_market_code),
    "public:market_poster": Rule("public", kwargs=_market_code),
    "public:complaint_new": Rule("public"),
    "public:complaint_submitted": Rule("public", status=(200, 302)),
    "public:track": Rule("public"),
    r"public:(track_detail|complaint_resubmit|complaint_withdraw|track_survey|track_leave)": Rule(
        "public", status=(200, 302, 405),
        why="tracking pages act on the case stored in the visitor's session (tracking code + verification); "
            "without one they send the visitor back to the tracking form"),
    "public:survey": Rule("public", kwargs=lambda w: {"token": "no-such-token"}, status=(200, 404)),
    "set_language": Rule("public", status=(302,)),
    "javascript-catalog": Rule("public"),
    # Login.
    "accounts:login": Rule("public"),
    "accounts:login_token": Rule("auth-any", status=(302,), why="without a TOTP device it forwards to next"),
    "accounts:logout": Rule("auth-any", status=(405,), why="POST only"),
    "accounts:twofactor": Rule("auth-any"),
    # Staff site.
    "index": Rule("auth-any", status=(302,), why="the Site index redirects to the first application"),
    "markets:index": Rule("auth-any", status=(302,)),
    r"markets:market:(index|list)": Rule("scoped-list", marker=lambda w: w.market_a.name,
                                         expect={"operator_a": OK_MARKED, "bureau": OK_MARKED}),
    "markets:market:detail": Rule("scoped", kwargs=_market, expect={"operator_a": OK, "bureau": OK}),
    "markets:market:change": Rule("scoped", kwargs=_market,
                                  expect={"operator_a": DENIED, "bureau": DENIED, "sysadmin": OK}),
    "markets:market:add": Rule("perm", expect={"sysadmin": OK}),
    # Operator staff see their own operator record only (Operator.visible_to); another operator's is hidden.
    r"markets:operator:(index|list)": Rule("staff-list", marker=lambda w: w.op_a.name,
                                           expect={"operator_a": OK_MARKED, "operator_b": OK_UNMARKED}),
    "markets:operator:detail": Rule("staff-any", kwargs=_operator,
                                    expect={"operator_a": OK, "operator_b": DENIED, "bureau": OK}),
    "markets:operator:change": Rule("perm", kwargs=_operator, expect={"sysadmin": OK}),
    "markets:operator:add": Rule("perm", expect={"sysadmin": OK}),
    # Complaints (casework).
    "complaint:complaint_list": Rule("scoped-list", marker=lambda w: w.complaint_a.number,
                                     expect={"intake_a": OK_MARKED, "bureau": OK_MARKED}),
    "complaint:complaint_intake": Rule("staff-any", expect={"intake_a": OK}),
    "complaint:complaint_detail": Rule("scoped", kwargs=_case, expect={"intake_a": OK, "operator_a": DENIED}),
    r"complaint:complaint_(note|reassign|extend|reopen|withdraw|reveal|dossier)": Rule(
        "scoped", kwargs=_case, method="post", status=(200, 302, 403),
        why="POST actions: an empty form is refused or redirects with a message; district B gets 404"),
    "complaint:index": Rule("staff-any", status=(200, 302)),
    r"complaint:(task_list|process_list)": Rule("scoped-list", marker=_process_link,
                                                expect={"intake_a": OK_MARKED, "bureau": OK_MARKED}),
    "complaint:queue": Rule("scoped-list", marker=_process_link, expect={"intake_a": OK_MARKED}),
    r"complaint:(inbox|archive)": Rule("scoped-list", marker=_process_link, expect={"a": OK},
                                       why="A's own inbox/archive: nothing is assigned to or done by A yet"),
    "complaint:chart": Rule("staff-any"),
    r"complaint:tasks_(assign|unassign)": Rule("staff-any", method="post", status=(200, 302, 405)),
    r"complaint:process_(detail|chart)": Rule("scoped", kwargs=_process),
    "complaint:process_cancel": Rule("scoped", kwargs=_process, status=(200, 302, 403)),
    r"complaint:review:(index|detail)": Rule("scoped", kwargs=_task, status=(200, 302)),
    r"complaint:\w+:(index|detail|execute|assign|unassign|undo|cancel|revive)": Rule(
        "scoped-deny", kwargs=_task,
        why="task routes of other nodes, called with the review task of A's case: whatever A gets there "
            "(a redirect or a refusal), outsiders must get nothing"),
    # Labour-dispute mediation (casework).
    "mediation:mediation_list": Rule("scoped-list", marker=lambda w: w.mediation_a.number,
                                     expect={"bureau": OK_MARKED}),
    "mediation:mediation_detail": Rule("scoped", kwargs=lambda w: {"number": w.mediation_a.number},
                                       expect={"bureau": OK}),
    r"mediation:mediation_(session|minutes|agreement|signatures|extend|fail|reassign|fulfil|dossier)": Rule(
        "scoped", kwargs=lambda w: {"number": w.mediation_a.number}, method="post", status=(200, 302, 403, 409),
        why="POST edits: A (not the mediator) is refused or shown the form again; district B gets 404"),
    "mediation:mediation_intake": Rule("perm", expect={"a": OK, "b": OK, "intake_a": OK}),
    "mediation:mediation_workload": Rule("perm", expect={"a": OK, "b": OK}),
    "mediation:mediation_workload_reassign": Rule(
        "scoped", kwargs=lambda w: {"number": w.mediation_a.number}, method="post", status=(409,),
        why="A's case is not in mediation: the refusal comes back on the workload page with what was typed"),
    "mediation:mediation_from_complaint": Rule(
        "scoped", kwargs=lambda w: {"number": w.complaint_a.number}, method="post", status=(302,)),
    "public:mediation_apply": Rule("public"),
    "public:mediation_submitted": Rule("public", status=(200, 302)),
    r"public:mediation_track_(detail|survey)": Rule("public", status=(302,)),
    "mediation:index": Rule("staff-any", status=(200, 302)),
    r"mediation:(task_list|process_list|queue)": Rule(
        "scoped-list", marker=lambda w: f'href="/staff/mediation/{w.mediation_process_a.pk}/',
        expect={"bureau": UNCHECKED}),
    r"mediation:(inbox|archive)": Rule(
        "scoped-list", marker=lambda w: f'href="/staff/mediation/{w.mediation_process_a.pk}/', expect={"a": OK},
        why="A's own inbox/archive: nothing is assigned to or done by A yet"),
    "mediation:chart": Rule("staff-any"),
    r"mediation:tasks_(assign|unassign)": Rule("staff-any", method="post", status=(200, 302, 405)),
    r"mediation:process_(detail|chart)": Rule("scoped", kwargs=lambda w: {"process_pk": w.mediation_process_a.pk}),
    "mediation:process_cancel": Rule("scoped", kwargs=lambda w: {"process_pk": w.mediation_process_a.pk},
                                     status=(200, 302, 403)),
    r"mediation:review:(index|detail)": Rule(
        "scoped", kwargs=lambda w: {"process_pk": w.mediation_process_a.pk, "task_pk": w.mediation_review_task_a.pk},
        status=(200, 302)),
    r"mediation:\w+:(index|detail|execute|assign|unassign|undo|cancel|revive)": Rule(
        "scoped-deny",
        kwargs=lambda w: {"process_pk": w.mediation_process_a.pk, "task_pk": w.mediation_review_task_a.pk},
        why="task routes of other nodes, called with the review task of A's mediation: outsiders get nothing"),
    # Wage-arrears claims (casework, issue 5). Partners never see a claim (only their referral packets).
    "wageclaim:wageclaim_list": Rule("scoped-list", marker=lambda w: w.wageclaim_a.number,
                                     expect={"bureau": OK_MARKED}),
    "wageclaim:wageclaim_detail": Rule("scoped", kwargs=lambda w: {"number": w.wageclaim_a.number},
                                       expect={"bureau": OK}),
    r"wageclaim:wageclaim_(coordinate|settle|add_worker|upload|reveal|case_file)": Rule(
        "scoped", kwargs=lambda w: {"number": w.wageclaim_a.number}, method="post", status=(302, 403),
        why="POST actions: an empty or refused form redirects with a message; district B and partners get 404"),
    "wageclaim:wageclaim_intake": Rule("perm", expect={"a": OK, "b": OK, "intake_a": OK}),
    "wageclaim:wageclaim_from_mediation": Rule(
        "scoped", kwargs=lambda w: {"number": w.mediation_a.number}, status=(200, 302),
        why="a mediation still open redirects back with a message; district B gets 404"),
    "wageclaim:employer_by_code": Rule("scoped", kwargs=lambda w: {"code": w.wageclaim_a.employer_credit_code},
                                       expect={"bureau": OK},
                                       why="an employer with no case visible to the viewer is 404"),
    "wageclaim:employer_by_name": Rule("scoped", kwargs=lambda w: {"key": w.wageclaim_a.employer_key},
                                       expect={"bureau": OK}),
    "public:wageclaim_track_detail": Rule("public", status=(302,)),
    "wageclaim:index": Rule("staff-any", status=(200, 302)),
    r"wageclaim:(task_list|process_list|queue)": Rule(
        "scoped-list", marker=lambda w: f'href="/staff/wageclaim/{w.wageclaim_process_a.pk}/',
        expect={"bureau": UNCHECKED}),
    r"wageclaim:(inbox|archive)": Rule(
        "scoped-list", marker=lambda w: f'href="/staff/wageclaim/{w.wageclaim_process_a.pk}/', expect={"a": OK},
        why="A's own inbox/archive: nothing is assigned to or done by A yet"),
    "wageclaim:chart": Rule("staff-any"),
    r"wageclaim:tasks_(assign|unassign)": Rule("staff-any", method="post", status=(200, 302, 405)),
    r"wageclaim:process_(detail|chart)": Rule("scoped", kwargs=lambda w: {"process_pk": w.wageclaim_process_a.pk}),
    "wageclaim:process_cancel": Rule("scoped", kwargs=lambda w: {"process_pk": w.wageclaim_process_a.pk},
                                     status=(200, 302, 403)),
    r"wageclaim:verify:(index|detail)": Rule(
        "scoped", kwargs=lambda w: {"process_pk": w.wageclaim_process_a.pk, "task_pk": w.wageclaim_verify_task_a.pk},
        status=(200, 302)),
    r"wageclaim:\w+:(index|detail|execute|assign|unassign|undo|cancel|revive)": Rule(
        "scoped-deny",
        kwargs=lambda w: {"process_pk": w.wageclaim_process_a.pk, "task_pk": w.wageclaim_verify_task_a.pk},
        why="task routes of other nodes, called with the verify task of A's claim: outsiders get nothing"),
    # Inspections. Operator A sees only its markets' notices; the inspection itself is the bureau's.
    "inspection:inspection_list": Rule("scoped-list", marker=lambda w: w.inspection_a.number,
                                       expect={"bureau": OK_MARKED, "operator_a": DENIED}),
    "inspection:inspection_plan": Rule("staff-any", expect={"operator_a": DENIED, "bureau": DENIED},
                                       why="district staff with plan_inspection; B sees only B's markets"),
    "inspection:inspection_detail": Rule("scoped", kwargs=_inspection, expect={"operator_a": HIDDEN, "bureau": OK}),
    r"inspection:inspection_(draft|photo)": Rule(
        "scoped", kwargs=_inspection, method="post", status=(400, 403, 409),
        why="the phone's JSON endpoints: A (not the inspector) is refused with 403; B gets 404"),
    r"inspection:inspection_(cancel|decide|resume_market|dossier)": Rule(
        "scoped", kwargs=_inspection, method="post", status=(302, 403),
        why="POST actions: an empty form redirects with a message; district B and operators get 404"),
    "inspection:notice_list": Rule("scoped-list", marker=lambda w: w.inspection_a.notice.number,
                                   expect={"operator_a": OK_MARKED, "bureau": OK_MARKED}),
    "inspection:notice_detail": Rule("scoped", kwargs=_notice, expect={"operator_a": OK, "operator_b": HIDDEN}),
    "inspection:index": Rule("auth-any", status=(200, 302), expect={"partner": DENIED},
                             why="operator staff reach the application for their notices"),
    r"inspection:(task_list|process_list)": Rule("scoped-list", marker=_inspection_process_link,
                                                 expect={"bureau": OK_MARKED}),
    r"inspection:(queue|inbox|archive)": Rule("scoped-list", marker=_inspection_process_link, expect={"a": OK},
                                              why="the inspection's tasks are assigned to its inspector, not A"),
    "inspection:chart": Rule("auth-any", expect={"partner": DENIED}),
    r"inspection:tasks_(assign|unassign)": Rule("auth-any", method="post", status=(200, 302, 405),
                                                expect={"partner": DENIED}),
    r"inspection:process_(detail|chart)": Rule("scoped", kwargs=_inspection_process),
    "inspection:process_cancel": Rule("scoped", kwargs=_inspection_process, status=(200, 302, 403)),
    r"inspection:\w+:(index|detail|execute|assign|unassign|undo|cancel|revive)": Rule(
        "scoped-deny", kwargs=_inspection_task,
        why="task routes called with the filing task of A's inspection: outsiders must get nothing"),
    # Procurement (issue 7). Projects and rounds are the districts' and the bureau's; operator staff see
    # only their own contracts, read-only.
    "procurement:index": Rule("auth-any", status=(200, 302), expect={"partner": DENIED},
                              why="operator staff reach the application for their contracts"),
    r"procurement:(project|contract):index": Rule("auth-any", status=(302,), expect={"partner": DENIED},
                                                  why="redirects to the list, which checks the permission"),
    "procurement:project:list": Rule("scoped-list", marker=lambda w: w.procurement_project_a.name,
                                     expect={"bureau": OK_MARKED, "operator_a": DENIED}),
    "procurement:project:create": Rule("staff-any", expect={"bureau": DENIED, "operator_a": DENIED},
                                       why="district officials for their own district"),
    "procurement:project:detail": Rule("scoped", kwargs=lambda w: {"pk": w.procurement_project_a.pk},
                                       expect={"bureau": OK, "operator_a": DENIED}),
    "procurement:project:round_detail": Rule("scoped", kwargs=lambda w: {"pk": w.selection_round_a.pk},
                                             expect={"bureau": OK, "operator_a": DENIED}),
    "procurement:contract:list": Rule("scoped-list", marker=lambda w: w.contract_a.number,
                                      expect={"bureau": OK_MARKED, "operator_a": OK_MARKED}),
    "procurement:contract:detail": Rule("scoped", kwargs=lambda w: {"number": w.contract_a.number},
                                        expect={"bureau": OK, "operator_a": OK, "operator_b": HIDDEN}),
    # Wage-claim referrals: the district's pages (casework.views.referrals) and the receiving organisation's
    # portal (casework.views.partner). A partner of another organisation gets 404 there; staff and operators 403.
    "referral:index": Rule("staff-any", status=(302,), expect={"partner": UNCHECKED, "operator_b": UNCHECKED},
                           why="viewflow's application index redirects to the list, which checks access"),
    "referral:referral_list": Rule("scoped-list", marker=lambda w: w.referral_a.number,
                                   expect={"bureau": OK_MARKED, "intake_a": OK_MARKED, "partner_other": DENIED}),
    "referral:referral_detail": Rule("scoped", kwargs=lambda w: {"number": w.referral_a.number},
                                     expect={"bureau": OK, "intake_a": OK, "partner_other": DENIED}),
    "referral:referral_new": Rule("scoped", kwargs=lambda w: {"claim_number": w.referral_a.claim.number},
                                  expect={"intake_a": OK, "bureau": DENIED, "partner_other": DENIED}),
    r"referral:referral_(consent|approve|send|complete|revoke)": Rule(
        "scoped", kwargs=lambda w: {"number": w.referral_a.number}, method="post", status=(302, 400),
        expect={"partner_other": DENIED},
        why="POST actions: an empty or refused one redirects with a message or re-shows the form; B gets 404"),
    "partner:index": Rule("perm", status=(302,), expect={"partner": OK, "bureau": DENIED},
                          why="viewflow's application index: 403 for users outside the application"),
    "partner:referral_list": Rule("perm", marker=lambda w: w.referral_a.number,
                                  expect={"partner": OK, "partner_other": OK_UNMARKED, "bureau": DENIED},
                                  why="the partner's own referral is listed: tests/casework/test_referrals.py"),
    "partner:referral_detail": Rule("perm", kwargs=lambda w: {"number": w.referral_a.number},
                                    expect={"partner": OK, "partner_other": HIDDEN, "bureau": DENIED,
                                            "intake_a": DENIED, "operator_a": DENIED}),
    r"partner:referral_(accept|decline|update|outcome|extend)": Rule(
        "perm", kwargs=lambda w: {"number": w.referral_a.number}, method="post", status=(302, 400),
        expect={"partner": OK, "partner_other": HIDDEN, "bureau": DENIED},
        why="the receiving organisation's POST actions; an empty form is re-shown with its errors"),
    "partner:referral_file": Rule(
        "perm", kwargs=lambda w: {"number": w.referral_a.number, "pk": w.referral_a.attachments.get().pk},
        expect={"partner": OK, "partner_other": HIDDEN, "bureau": DENIED}),
    # Evaluations. Operator A sees its own evaluations (and submits their self-assessment); B's staff nothing.
    "evaluation:evaluation_list": Rule("scoped-list", marker=lambda w: w.evaluation_a.number,
                                       expect={"bureau": OK_MARKED, "operator_a": OK_MARKED}),
    "evaluation:evaluation_create": Rule("staff-any", expect={"operator_a": DENIED, "bureau": DENIED},
                                         why="district officials (add_evaluation); the bureau approves only"),
    "evaluation:evaluation_detail": Rule("scoped", kwargs=_evaluation,
                                         expect={"operator_a": OK, "operator_b": HIDDEN, "bureau": OK}),
    r"evaluation:evaluation_(open|cancel|report|dossier)": Rule(
        "scoped", kwargs=_evaluation, method="post", status=(302, 403),
        why="POST actions: refused ones redirect with a message; district B and other operators get 404"),
    r"evaluation:evaluation_(self_assessment|plan)": Rule(
        "scoped", kwargs=_evaluation, status=(200, 302, 403), expect={"operator_a": OK, "operator_b": HIDDEN},
        why="the operator's portal pages: staff of A are refused (403), other operators and B get 404"),
    "evaluation:index": Rule("auth-any", status=(200, 302), expect={"partner": DENIED},
                             why="operator staff reach the application for their evaluations"),
    r"evaluation:(task_list|process_list)": Rule("scoped-list", marker=_evaluation_process_link,
                                                 expect={"bureau": OK_MARKED}),
    r"evaluation:(queue|inbox|archive)": Rule("scoped-list", marker=_evaluation_process_link, expect={"a": OK},
                                              why="A (a district official) sees the scoring task in the queue, not yet in the inbox"),
    "evaluation:chart": Rule("auth-any", expect={"partner": DENIED}),
    r"evaluation:tasks_(assign|unassign)": Rule("auth-any", method="post", status=(200, 302, 405),
                                                expect={"partner": DENIED}),
    r"evaluation:process_(detail|chart)": Rule("scoped", kwargs=_evaluation_process),
    "evaluation:process_cancel": Rule("scoped", kwargs=_evaluation_process, status=(200, 302, 403)),
    r"evaluation:\w+:(index|detail|execute|assign|unassign|undo|cancel|revive)": Rule(
        "scoped-deny", kwargs=_evaluation_task,
        why="task routes called with the scoring task of A's evaluation: outsiders must get nothing"),
    # Files: served only when the record they hang on is visible (core.file_views).
    "files:attachment_download": Rule("scoped", kwargs=lambda w: {"pk": w.attachment_a.pk},
                                      expect={"operator_a": OK}),
    "files:document_download": Rule("scoped", kwargs=lambda w: {"pk": w.document_a.pk}),
    "files:document_retry": Rule("scoped", kwargs=lambda w: {"pk": w.document_a.pk}, method="post",
                                 status=(302, 303), why="POST only; a ready document is left as it is"),
    # Django admin: reference data for the system administrator (is_staff).
    "admin:login": Rule("public"),
    r"admin:.*": Rule("admin-only"),
    r"path:admin/.*": Rule("admin-only", why="admin's unnamed redirects and catch-all"),
}


#: Routes that break their rule today, each with what is wrong. Their tests are strict xfails: they pass
#: while the problem lasts and fail once it is fixed, so the entry has to be deleted then.
KNOWN_ISSUES: dict[str, str] = {
}


def rule_for(route: Route) -> Rule | None:
    if route.key in RULES:
        return RULES[route.key]
    for pattern, rule in RULES.items():
        if re.fullmatch(pattern, route.key):
            return rule
    return None


# -------------------------------------------------------------------------------------------- tests

def test_the_walk_sees_public_staff_viewflow_and_admin_routes():
    keys = {r.key for r in ROUTES}
    for name in ("public:market_detail", "accounts:login", "markets:market:detail", "markets:operator:change",
                 "admin:index"):
        assert name in keys, name


def test_every_route_has_a_rule():
    missing = [f"{r.key}  ({r.route})" for r in ROUTES if rule_for(r) is None]
    assert not missing, "routes without an access rule in RULES:\n" + "\n".join(missing)


def test_known_issues_name_real_routes():
    keys = {r.key for r in ROUTES}
    assert not set(KNOWN_ISSUES) - keys, "remove entries for routes that no longer exist"


def test_every_perm_rule_names_who_is_allowed():
    for key, rule in RULES.items():
        if rule.access == "perm":
            assert OK in rule.expect.values(), key
        assert rule.access in ACCESS, key


_FILL = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def _generic_url(route: Route) -> str:
    """A URL for a route whose kwargs do not matter (admin internals): every parameter becomes 1."""
    def fill(match):
        name = match.group(1) or match.group(2)
        return "accounts" if name == "app_label" else "1"
    return "/" + _FILL.sub(fill, route.route).replace("^", "").replace("$", "")


def _url(route: Route, rule: Rule, world: World) -> str:
    if rule.kwargs is not None:
        return reverse(route.name, kwargs=rule.kwargs(world))
    if "<" in route.route or "(?P<" in route.route:
        assert rule.access in ("admin-only", "public"), f"{route.key}: the rule needs kwargs= to build its URL"
        return _generic_url(route)
    return reverse(route.name)


def _verdict(expectation, response, rule, marker, url) -> str | None:
    status = response.status_code
    location = response.get("Location", "")
    login = resolve_url(settings.LOGIN_URL)
    is_login = status == 302 and location.startswith(login)
    denied = status in (403, 404) or (status == 302 and not location.startswith(url))
    body = response.content.decode(errors="replace") if status == 200 and not response.streaming else ""
    if expectation == UNCHECKED:
        return None
    if expectation == OK:
        ok = status in rule.status and not is_login
    elif expectation == LOGIN:
        ok = is_login
    elif expectation == HIDDEN:
        ok = status == 404
    elif expectation == DENIED:
        ok = denied
    elif expectation == OK_MARKED:
        ok = status in rule.status and marker in body
    elif expectation == OK_UNMARKED:
        ok = denied or (status in rule.status and marker not in body)
    elif expectation == ADMIN_LOGIN:
        # Admin sends a user without is_staff to its login page (its logout view, to its index first).
        ok = is_login or status == 404 or (status == 302 and location.startswith(reverse("admin:index"))
                                           and location.split("?")[0] != url)
    else:
        raise AssertionError(f"unknown expectation {expectation}")
    if ok:
        return None
    shown = f"{status} → {location}" if location else str(status)
    if expectation in (OK_MARKED, OK_UNMARKED) and status == 200:
        shown += " (marker present)" if marker in body else " (marker absent)"
    return f"expected {expectation}, got {shown}"


@pytest.fixture(autouse=True)
def _forget_test_document_kind():
    yield
    from core import documents

    documents._KINDS.pop(DOCUMENT_KIND, None)


@pytest.mark.django_db
@pytest.mark.parametrize("route", [
    pytest.param(r, marks=pytest.mark.xfail(reason=KNOWN_ISSUES[r.key], strict=True)) if r.key in KNOWN_ISSUES
    else r
    for r in ROUTES if rule_for(r) is not None
], ids=lambda r: r.key)
def test_route_access(route):
    rule = rule_for(route)
    world = World()
    url = _url(route, rule, world)
    marker = rule.marker(world) if rule.marker else ""
    expectations = {**ACCESS[rule.access], **rule.expect}
    failures = []
    for actor, expectation in expectations.items():
        client = Client(raise_request_exception=False)  # a crash is reported as the 500 it would be
        user = world.user(actor)
        if user is not None:
            client.force_login(user)
        if rule.method == "post":
            response = client.post(url, rule.data)
        else:
            response = client.get(url)
        problem = _verdict(expectation, response, rule, marker, url)
        if problem:
            failures.append(f"{actor}: {problem}")
    assert not failures, f"{route.key} {rule.method.upper()} {url}:\n  " + "\n  ".join(failures)

"""Bulk data for the benchmark: performance evaluations of the market operators (evaluations app) under their
service contracts (procurement app), called by ``bench.generate``.

They are few: each district has a few contract slots (one at 10k and 100k cases, four at 1M; slot 0 is the
operator of the district's two benchmark markets, the others run a station each), each slot a chain of yearly
contracts (two expired, the current one active) evaluated every quarter once the quarter is over, so a
district has a dozen evaluations per slot: ~200 at 10k, ~800 at 1M. Every fifth slot had a former operator
whose contract two years ago ended in an exit after a failed second-quarter evaluation (contract terminated,
markets needing an operator); the current operator's chain starts the year after. Outcomes: 12 % excellent,
60 % pass, 28 % rectification (never in a fourth quarter), which closes once the operator's plan is in and the
district starts the follow-up evaluation (linked; usually passing). How far an evaluation got is a function of
its period's end, a per-evaluation pace (1×–2.5× the usual 3/14/21/25/30 days to open, self-assess, score,
review and approve) and now, so the quarter just over is spread over the open states.

Rows are computed here (they are few) with the real models' rules (indicator scores, weighted totals and
grades from the published rubric) and inserted in bulk: evaluations, markets, scores, evidence, approvals,
the EvaluationFlow processes and tasks the real flow leaves, audit trails, deadlines (self-assessment and plan,
15 working days ≈ 21 calendar days), and on the procurement side projects, contracts (with their audit trail)
and quarterly payment milestones approved or paid once a passing evaluation covers them.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

from django.db import connection
from django.utils import timezone

FLOW = "evaluations/flows.EvaluationFlow"
SELF_KIND, SELF_LABEL = "evaluation.self_assessment", "运营机构提交自评"
PLAN_KIND, PLAN_LABEL = "evaluation.plan", "运营机构提交整改计划"
#: (day offset after the period's end at pace 1) for open, self-assessment, scores, review, approval
STEPS = (3, 14, 21, 25, 30)
NODES = [  # node, kind, permission, who owns it once taken
    ("start", "START", None, None), ("self_assess", "FUNCTION", None, None),
    ("score", "HUMAN", "evaluations.score_evaluation", "scorer"),
    ("review", "HUMAN", "evaluations.review_evaluation", "reviewer"),
    ("route_review", "EXCLUSIVE_GATEWAY", None, None),
    ("approve", "HUMAN", "evaluations.approve_evaluation", "approver"),
    ("route_approval", "SWITCH", None, None), ("await_plan", "FUNCTION", None, None),
    ("follow_up", "HUMAN", "evaluations.add_evaluation", "scorer"), ("end", "END", None, None),
]


def slots_per_district(n: int) -> int:
    return max(1, min(4, n // 250_000))


def _h(*parts: int) -> int:
    """A well-mixed 0..999 bucket of integers (deterministic)."""
    x = 0
    for p in parts:
        x = (x * 1000003 + p * 2654435761) % 4294967291
    return x % 1000


def _at(day: datetime.date, hours: float = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(0))) + datetime.timedelta(hours=hours)


def quarters(year: int):
    for q, (m1, m2, d2) in enumerate(((1, 3, 31), (4, 6, 30), (7, 9, 30), (10, 12, 31)), start=1):
        yield q, datetime.date(year, m1, 1), datetime.date(year, m2, d2)


class Rows:
    """Rows per table, inserted in bulk at the end (ids assigned here where other rows point at them)."""

    def __init__(self, first_process_id: int):
        self.tables: dict[str, tuple[list[str], list[tuple]]] = {}
        self.next_pid = first_process_id
        self.ids: dict[str, int] = {}
        self.hash_seq = 0

    def next_id(self, table: str) -> int:
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]

    def add(self, table: str, **values):
        cols, rows = self.tables.setdefault(table, (list(values), []))
        rows.append(tuple(values[c] for c in cols))

    def audit(self, ct, obj_id, repr_, at, action, name="", from_state="", to_state="", *, actor=None, role="",
              org="", reason="", data=None, tag="5"):
        self.hash_seq += 1
        self.add("core_auditevent", created_at=at, actor_name="工作人员" if actor else "", actor_role=role,
                 actor_org=org, ip=None, content_type_id=ct, object_id=str(obj_id), object_repr=repr_,
                 action=action, name=name, from_state=from_state, to_state=to_state, reason=reason,
                 data=json.dumps(data or {}, ensure_ascii=False, default=str), prev_hash="",
                 hash=tag + format(self.hash_seq, "x").rjust(63, "0"), actor_id=actor)

    def insert(self, cur):
        for table, (cols, rows) in self.tables.items():
            if not rows:
                continue
            placeholders = ", ".join(["%s"] * len(cols))
            cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({placeholders})", rows)
            if "id" in cols:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT coalesce(max(id), 1) FROM {table}))")


def make_slots(districts, n, setup) -> list[dict]:
    """Per district and slot: the current operator (its organisation, one operator user, its markets) and, on an
    exit slot, the former operator that exited. Slot 0 is the benchmark markets' operator."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from accounts.models import District, Organization, User
    from core.validators import credit_code_check_char
    from markets.models import Market, Operator

    password = make_password("bench-only")
    group = Group.objects.get(name="运营机构")
    per = slots_per_district(n)
    slots = []
    for i, district in enumerate(District.objects.filter(pk__in=districts).order_by("pk")):
        for s in range(per):
            if s == 0:
                operator = Operator.objects.get(organization__district=district, organization__kind="operator",
                                                name__endswith="（基准）")
                user_id = setup["operators"][i]
                markets = setup["markets"][i * 2:i * 2 + 2]
            else:
                operator, user_id = _operator(district, f"{district.name}零工驿站运营{s}号（基准）", f"o{district.pk}-{s}",
                                              password, group, Organization, Operator, User, credit_code_check_char)
                markets = [Market.objects.create(
                    kind="station", name=f"{district.name}零工驿站{s}号", code=f"bench-{district.pk}-s{s}",
                    district=district, street="某街道", address=f"某路{s}号", opening_hours="08:00-17:00",
                    phone="010-12345678", operator=operator).pk]
            slot = {"d": i, "district": district.pk, "s": s, "operator": operator.pk, "org_name": operator.name,
                    "user": user_id, "markets": markets, "exit": (i * per + s) % 5 == 2}
            if slot["exit"]:
                former, former_user = _operator(district, f"{district.name}原运营机构{s}号（基准，已退出）",
                                                f"x{district.pk}-{s}", password, group, Organization, Operator, User,
                                                credit_code_check_char, active=False)
                slot.update(former=former.pk, former_name=former.name, former_user=former_user)
            slots.append(slot)
    return slots


def _operator(district, name, username, password, group, Organization, Operator, User, check, active=True):
    org = Organization.objects.create(name=name, kind="operator", district=district)
    first17 = f"91110105MB{org.pk:07d}"
    operator = Operator.objects.create(name=name, organization=org, credit_code=first17 + check(first17))
    user = User.objects.create(username=username, password=password, first_name="运营专员", organization=org,
                               is_active=active)
    User.groups.through.objects.create(user_id=user.pk, group_id=group.pk)
    return operator, user.pk


def generate_evaluations(n: int, params: dict, users: dict, log) -> dict:
    """Projects, contracts, milestones and evaluations with their flow, trail and clocks; returns counts."""
    from django.contrib.contenttypes.models import ContentType

    from evaluations.models import Evaluation, Rubric
    from evaluations.services import DEFAULT_RUBRIC_NAME
    from procurement.models import ServiceContract

    districts = params["districts"]
    slots = make_slots(districts, n, params)
    rubric = Rubric.objects.filter(name=DEFAULT_RUBRIC_NAME, published_at__isnull=False).order_by("-number").first()
    indicators = list(rubric.indicators.order_by("sort_order", "pk"))
    ect = ContentType.objects.get_for_model(Evaluation).pk
    cct = ContentType.objects.get_for_model(ServiceContract).pk
    bureau = users["市局官员"][None]
    now = timezone.now()
    today = timezone.localdate()
    year = today.year
    rows = Rows(first_process_id=params["n_total"] + 1)

    for slot in slots:
        d = slot["d"]
        scorer, reviewer = users["区级负责人"][slot["district"]][:2]
        approver = bureau[(d + slot["s"]) % len(bureau)]
        project = rows.next_id("procurement_serviceproject")
        rows.add("procurement_serviceproject", id=project, name=f"零工市场运营服务项目（{d + 1}-{slot['s'] + 1}）",
                 district_id=slot["district"], services="零工市场（驿站）日常运营、供需对接、维权服务、信息报送。",
                 budget=Decimal("3600000.00"), period_start=datetime.date(year - 2, 1, 1),
                 period_end=datetime.date(year, 12, 31), created_by_id=scorer,
                 created_at=_at(datetime.date(year - 3, 11, 1)))
        for m in slot["markets"]:
            rows.add("procurement_serviceproject_markets", serviceproject_id=project, market_id=m)
        # the chain(s) of yearly contracts: (operator, operator name, operator user, year, previous, exit quarter)
        if slot["exit"]:
            chain = [(slot["former"], slot["former_name"], slot["former_user"], year - 2, False, 2),
                     (slot["operator"], slot["org_name"], slot["user"], year - 1, False, None),
                     (slot["operator"], slot["org_name"], slot["user"], year, True, None)]
        else:
            chain = [(slot["operator"], slot["org_name"], slot["user"], y, y > year - 2, None)
                     for y in (year - 2, year - 1, year)]
        previous = None
        for operator, org_name, op_user, y, renews, exit_q in chain:
            contract = _contract(rows, cct, slot, project, operator, y, previous if renews else None, scorer,
                                 exit_q, today)
            previous = contract["id"]
            for q, start, end in quarters(y):
                if end >= today or (exit_q and q > exit_q):
                    continue
                ctx = {"slot": slot, "contract": contract, "operator": operator, "org_name": org_name,
                       "op_user": op_user, "scorer": scorer, "reviewer": reviewer, "approver": approver,
                       "ect": ect, "cct": cct, "now": now, "indicators": indicators, "rubric": rubric}
                if exit_q and q == exit_q:
                    outcome_score = Decimal("52")
                else:
                    b = _h(slot["district"], slot["s"], y, q) % 100
                    outcome_score = (Decimal("93") if b < 12 else Decimal("82") if b < 72 or q == 4
                                     else Decimal("68"))
                _evaluation(rows, ctx, start, end, outcome_score, pace_key=(slot["district"], slot["s"], y, q),
                            pace=1.0 if exit_q and q == exit_q else None)  # the exit date is the contract's
    with connection.cursor() as cur:
        rows.insert(cur)
    counts = {t: len(r) for t, (_, r) in rows.tables.items()}
    log(f"  evaluations: {counts.get('evaluations_evaluation', 0)} (contracts "
        f"{counts.get('procurement_servicecontract', 0)}, tasks {counts.get('viewflow_task', 0)}, "
        f"audit {counts.get('core_auditevent', 0)})")
    params["n_total"] = rows.next_pid - 1
    return counts


def _contract(rows, cct, slot, project, operator, year, previous, by, exit_q, today):
    cid = rows.next_id("procurement_servicecontract")
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    number = f"HT-{year}-{cid:07d}"
    created = _at(start - datetime.timedelta(days=20))
    activated = _at(start, 9)
    if exit_q:
        # the exit is approved 30 days after the failed quarter's end (see STEPS at pace 1)
        exit_on = list(quarters(year))[exit_q - 1][2] + datetime.timedelta(days=STEPS[4])
        status, terminated_on, expired_on = "terminated", exit_on, None
    elif end < today:
        status, terminated_on, expired_on = "expired", None, end
    else:
        status, terminated_on, expired_on = "active", None, None
    c = {"id": cid, "number": number, "status": status, "start": start, "end": end, "terminated_on": terminated_on}
    rows.add("procurement_servicecontract", id=cid, number=number, project_id=project, selection_round_id=None,
             operator_id=operator, district_id=slot["district"], amount=Decimal("1200000.00"), start_date=start,
             end_date=end, status=status, activated_at=activated, suspension_reason="",
             termination_kind="exit" if exit_q else "", terminated_on=terminated_on,
             termination_reason="绩效评价不合格，经市局审批退出。" if exit_q else "", expired_on=expired_on,
             previous_id=previous, created_by_id=by, created_at=created, updated_at=created)
    for m in slot["markets"]:
        rows.add("procurement_servicecontract_markets", servicecontract_id=cid, market_id=m)
    rows.audit(cct, cid, number, created, "create", actor=by, role="区级负责人", tag="6",
               data={"operator": operator, "amount": "1200000.00", "markets": slot["markets"],
                     "previous": None if previous is None else f"HT-{year - 1}-{previous:07d}"})
    rows.audit(cct, cid, number, activated, "transition", "activate", "draft", "active", actor=by, role="区级负责人",
               tag="6")
    if status == "terminated":
        rows.audit(cct, cid, number, _at(terminated_on, 10), "transition", "terminate", "active", "terminated",
                   actor=by, role="市局官员", tag="6",
                   data={"kind": "exit", "on_date": terminated_on.isoformat(),
                         "reason": "绩效评价不合格，经市局审批退出。"})
    elif status == "expired":
        rows.audit(cct, cid, number, _at(end + datetime.timedelta(days=1), 1), "transition", "expire", "active",
                   "expired", tag="6")
    return c


def _steps(end: datetime.date, pace: float) -> list[datetime.datetime]:
    return [_at(end + datetime.timedelta(days=round(days * pace)), 10) for days in STEPS]


def _evaluation(rows, ctx, start, end, score, *, pace_key, pace=None, follow_up_of=None, created=None):
    """One evaluation of ``ctx``'s contract over ``start``–``end`` walked as far as now allows; a rectification
    that reached the follow-up creates the follow-up evaluation (recursively, always passing)."""
    slot, contract, now = ctx["slot"], ctx["contract"], ctx["now"]
    pace = pace or 1 + (_h(*pace_key) % 4) * 0.5
    opened, submitted, scored, reviewed, approved = _steps(end, pace)
    created = created or opened - datetime.timedelta(hours=1)
    if created > now:
        return
    eid = rows.next_id("evaluations_evaluation")
    number = f"PJ-{created.year}-{eid:07d}"
    ect, scorer, reviewer, approver, op_user = (ctx["ect"], ctx["scorer"], ctx["reviewer"], ctx["approver"],
                                                ctx["op_user"])
    rubric, indicators = ctx["rubric"], ctx["indicators"]
    org = ctx["org_name"]
    # the indicator scores (weighted total, grade) by the rubric's own rules
    from evaluations.models import Score

    score_rows, total = [], Decimal("0")
    for ind in indicators:
        if ind.is_computed:
            value = (ind.zero_at + (ind.full_at - ind.zero_at) * score / 100).quantize(Decimal("0.01"))
            points = ind.score_for(value)
        else:
            value, points = None, score
        s = Score(indicator=ind, score=points)
        total += s.weighted
        score_rows.append((ind, value, points))
    outcome = rubric.grade(total)
    rectify = outcome == "rectify"
    exits = outcome == "fail"
    # how far it got: 0 draft (follow-up not yet opened), 1 self-assessment, 2 scoring, 3 district review,
    # 4 bureau approval, 5 approved (closed / rectification / exited), 6 plan in, 7 follow-up started
    plan_in = approved + datetime.timedelta(days=round(10 * pace))
    follow = approved + datetime.timedelta(days=round(20 * pace))
    times = [opened, submitted, scored, reviewed, approved] + ([plan_in, follow] if rectify else [])
    stage = sum(1 for t in times if t <= now)
    status = {0: "draft", 1: "self_assessment", 2: "scoring", 3: "district_review", 4: "bureau_approval"}.get(stage)
    if stage >= 5:
        status = ("exited" if exits else "rectification" if rectify and stage == 5
                  else "follow_up_pending" if rectify and stage == 6 else "closed")
    plan_by = min(approved.date() + datetime.timedelta(days=60), contract["end"])
    served = 1200 + _h(eid, 7) * 3
    self_due = opened + datetime.timedelta(days=21)
    plan_due = approved + datetime.timedelta(days=21)
    due = self_due if status == "self_assessment" else plan_due if status == "rectification" else None
    rows.add("evaluations_evaluation", id=eid, number=number, contract_id=contract["id"], operator_id=ctx["operator"],
             district_id=slot["district"], period_start=start, period_end=end, rubric_id=rubric.pk,
             follow_up_of_id=follow_up_of, status=status, created_by_id=scorer, created_at=created,
             opened_at=opened if stage >= 1 else None,
             served_count=served if stage >= 2 else None,
             self_summary=f"评价期间共举办供需对接活动12场，服务零工人员和用工主体{served}人次。" if stage >= 2 else "",
             self_submitted_at=submitted if stage >= 2 else None, self_submitted_by_id=op_user if stage >= 2 else None,
             total_score=total if stage >= 3 else None, outcome=outcome if stage >= 3 else "",
             scoring_note="按台账和现场核查情况评分。" if stage >= 3 else "", scored_by_id=scorer if stage >= 3 else None,
             scored_at=scored if stage >= 3 else None, computed_at=submitted if stage >= 2 else None,
             approved_by_id=approver if stage >= 5 else None, approved_at=approved if stage >= 5 else None,
             rectification_requirements="补齐业务培训台账，按月报送数据。" if rectify and stage >= 5 else "",
             plan_text="一、补齐业务培训台账；二、指定数据报送专人；三、每月自查。" if rectify and stage >= 6 else "",
             plan_complete_by=plan_by if rectify and stage >= 6 else None,
             plan_submitted_at=plan_in if rectify and stage >= 6 else None,
             exit_on=approved.date() if exits and stage >= 5 else None,
             closed_at=(follow if rectify else approved) if status in ("closed", "exited") else None,
             cancel_reason="", due_at=due, is_overdue=bool(due and due < now), updated_at=now)
    for m in slot["markets"]:
        rows.add("evaluations_evaluation_markets", evaluation_id=eid, market_id=m)
    if stage >= 2:
        for ind, value, points in score_rows:
            computed = ind.is_computed
            rows.add("evaluations_score", evaluation_id=eid, indicator_id=ind.pk, value=value,
                     basis=f"按评价期间系统数据计算：{value}" if computed else "", sources="[]",
                     score=points if (computed or stage >= 3) else None,
                     note="" if computed else ("按台账和现场核查情况评分。" if stage >= 3 else ""),
                     scored_by_id=None if computed or stage < 3 else scorer,
                     updated_at=scored if stage >= 3 and not computed else submitted)
            if not computed:
                rows.add("evaluations_evidence", evaluation_id=eid, indicator_id=ind.pk,
                         statement=f"{ind.name}：已建立制度并按月落实，佐证材料见台账。", self_score=Decimal("85"),
                         submitted_by_id=op_user, submitted_at=submitted)
    if stage >= 4:
        rows.add("evaluations_approval", evaluation_id=eid, stage="district_review", decision="approve",
                 opinion="评分有据，同意报市局审批。", decided_by_id=reviewer, decided_at=reviewed)
    if stage >= 5:
        rows.add("evaluations_approval", evaluation_id=eid, stage="bureau_approval", decision="approve",
                 opinion="同意。", decided_by_id=approver, decided_at=approved)

    # audit trail (evaluations.services)
    def audit(at, action, name="", f="", t="", who=None, **kw):
        actor, role, org_ = {"scorer": (scorer, "区级负责人", ""), "reviewer": (reviewer, "区级负责人", ""),
                             "approver": (approver, "市局官员", ""), "operator": (op_user, "运营机构", org),
                             None: (None, "", "")}[who]
        rows.audit(ect, eid, number, at, action, name, f, t, actor=actor, role=role, org=org_, **kw)

    audit(created, "create", t="draft", who="scorer",
          data={"contract": contract["id"], "operator": ctx["operator"], "markets": slot["markets"],
                "rubric": rubric.pk, "follow_up_of": ctx.get("follow_up_number")})
    if stage >= 1:
        audit(opened, "transition", "open_self_assessment", "draft", "self_assessment", "scorer")
        audit(opened, "deadline", "deadline_start", who="scorer", data={"kind": SELF_KIND, "label": SELF_LABEL})
    if stage >= 2:
        audit(submitted, "transition", "submit_self_assessment", "self_assessment", "scoring", "operator")
        audit(submitted, "deadline", "deadline_met", who="operator", data={"kind": SELF_KIND, "label": SELF_LABEL})
        audit(submitted, "update", "compute", who="operator",
              data={ind.code: str(value) for ind, value, _ in score_rows if ind.is_computed})
    if stage >= 3:
        audit(scored, "transition", "submit_scores", "scoring", "district_review", "scorer",
              data={"total": str(total), "outcome": outcome})
    if stage >= 4:
        audit(reviewed, "transition", "pass_review", "district_review", "bureau_approval", "reviewer")
    if stage >= 5:
        if exits:
            audit(approved, "transition", "approve_exit", "bureau_approval", "exited", "approver",
                  data={"exit_on": approved.date().isoformat()})
        elif rectify:
            audit(approved, "transition", "approve_rectification", "bureau_approval", "rectification", "approver",
                  data={"requirements": "补齐业务培训台账，按月报送数据。"})
            audit(approved, "deadline", "deadline_start", who="approver", data={"kind": PLAN_KIND, "label": PLAN_LABEL})
        else:
            audit(approved, "transition", "approve_pass", "bureau_approval", "closed", "approver")
    follow_up_number = None
    if rectify and stage >= 6:
        audit(plan_in, "transition", "submit_plan", "rectification", "follow_up_pending", "operator",
              data={"complete_by": plan_by.isoformat()})
        audit(plan_in, "deadline", "deadline_met", who="operator", data={"kind": PLAN_KIND, "label": PLAN_LABEL})
    if rectify and stage >= 7:
        follow_up_number = f"PJ-{follow.year}-{rows.ids['evaluations_evaluation'] + 1:07d}"
        audit(follow, "transition", "start_follow_up", "follow_up_pending", "closed", "scorer",
              data={"follow_up_number": follow_up_number})

    # deadlines
    for kind, label, started, due_at, live, met in (
            (SELF_KIND, SELF_LABEL, opened, self_due, stage == 1, submitted),
            (PLAN_KIND, PLAN_LABEL, approved, plan_due, status == "rectification", plan_in)):
        if kind == PLAN_KIND and not (rectify and stage >= 5) or started > now:
            continue
        remind = due_at - datetime.timedelta(days=3, hours=15)
        rows.add("core_deadline", content_type_id=ect, object_id=eid, kind=kind, label=label, unit="working", days=15,
                 started_at=started, due_at=due_at, provisional=False, remind_days_before=3, remind_at=remind,
                 extended_days=0, extension_reason="", suspended_at=None, suspended_days=0, suspension_reason="",
                 status="running" if live else "met", reminded_at=remind if remind < now else None,
                 overdue_at=due_at if live and due_at < now else None, met_at=None if live else met,
                 extended_by_id=None)

    # the flow: started at opening; the nodes reached, the last one live while the evaluation is open
    if stage >= 1:
        pid = rows.next_pid
        rows.next_pid += 1
        final = status in ("closed", "exited")
        path = ["start", "self_assess", "score", "review", "route_review", "approve", "route_approval"]
        path += (["await_plan", "follow_up"] if rectify else []) + ["end"]
        reached = {1: 2, 2: 3, 3: 4, 4: 6, 5: 8, 6: 9, 7: 10}[stage] if not final else len(path)
        if final and not rectify:
            reached = 8
        rows.add("viewflow_process", id=pid, flow_class=FLOW, status="DONE" if final else "NEW", created=opened,
                 finished=(follow if rectify else approved) if final else None, artifact_content_type_id=ect,
                 artifact_object_id=eid, data="{}", parent_task_id=None, seed_content_type_id=None,
                 seed_object_id=None)
        node_at = {"start": opened, "self_assess": opened, "score": submitted, "review": scored,
                   "route_review": reviewed, "approve": reviewed, "route_approval": approved,
                   "await_plan": approved, "follow_up": plan_in, "end": follow if rectify else approved}
        done_at = {"start": opened, "self_assess": submitted, "score": scored, "review": reviewed,
                   "route_review": reviewed, "approve": approved, "route_approval": approved, "await_plan": plan_in,
                   "follow_up": follow, "end": follow if rectify else approved}
        kinds = {n: (k, p, w) for n, k, p, w in NODES}
        owners = {"scorer": scorer, "reviewer": reviewer, "approver": approver}
        for k, node in enumerate(path[:reached]):
            kind, perm, who = kinds[node]
            live = k == reached - 1 and not final
            # an open human task: waiting in the queue, or (every other one) taken up by its user
            taken = live and kind == "HUMAN" and eid % 2 == 0
            state = "DONE" if not live else "ASSIGNED" if taken else "NEW"
            owner = owners.get(who) if who and (state == "DONE" or taken) else None
            rows.add("viewflow_task", id=pid * 10 + k, flow_task=f"{FLOW}.{node}", flow_task_type=kind, status=state,
                     created=node_at[node], started=node_at[node] if state != "NEW" else None,
                     finished=done_at[node] if state == "DONE" else None, token="start", owner_permission=perm,
                     owner_id=owner, process_id=pid, assigned=node_at[node] if owner else None, data="{}")

    # the follow-up evaluation over the rectification period (evaluations.services.evaluation_start_follow_up)
    if follow_up_number:
        sub = dict(ctx, follow_up_number=number)
        _evaluation(rows, sub, approved.date(), plan_by, Decimal("85"), pace_key=pace_key + (eid,),
                    follow_up_of=eid, created=follow)
    return eid


def milestones(cur) -> int:
    """Quarterly payment milestones of every contract: paid (or, within 30 days of its approval, approved) once a
    passing evaluation of that quarter was approved; planned otherwise."""
    cur.execute("""
    INSERT INTO procurement_paymentmilestone (contract_id, title, amount, period_start, period_end, status,
      evaluation_number, approved_by_id, approved_at, paid_on, payment_reference, paid_by_id)
    SELECT c.id, '第' || q || '季度运营服务费', c.amount / 4, p.ps, p.pe,
      CASE WHEN e.id IS NULL THEN 'planned' WHEN e.approved_at > now() - interval '30 days' THEN 'approved'
           ELSE 'paid' END,
      coalesce(e.number, ''), CASE WHEN e.id IS NOT NULL THEN c.created_by_id END, e.approved_at + interval '5 days',
      CASE WHEN e.approved_at <= now() - interval '30 days' THEN (e.approved_at + interval '20 days')::date END,
      CASE WHEN e.approved_at <= now() - interval '30 days' THEN 'ZF-' || c.id || '-' || q ELSE '' END,
      CASE WHEN e.approved_at <= now() - interval '30 days' THEN c.created_by_id END
    FROM procurement_servicecontract c
    CROSS JOIN generate_series(1, 4) q
    CROSS JOIN LATERAL (SELECT make_date(extract(year FROM c.start_date)::int, q * 3 - 2, 1) AS ps,
                               (make_date(extract(year FROM c.start_date)::int, q * 3 - 2, 1)
                                + interval '3 months' - interval '1 day')::date AS pe) p
    LEFT JOIN evaluations_evaluation e ON e.contract_id = c.id AND e.period_start = p.ps AND e.period_end = p.pe
      AND e.status = 'closed' AND e.outcome IN ('excellent', 'pass')
    ORDER BY c.id, q
    """)
    return cur.rowcount

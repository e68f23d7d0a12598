"""Bulk data for the benchmark: N cases across the workflows (WORKFLOW_MIX: complaints, labour-dispute
mediation, wage-arrears claims, site safety inspections) with their own rows, viewflow processes and tasks,
audit trail and deadlines, in the proportions of a real year-on-year archive (most cases closed, ~5 % open,
some overdue), with the referrals of the referred wage claims, the employer index rows of every case naming
an employer (repeat offenders included) and, from ``bench.gen_evaluations``, the operators' service contracts
and performance evaluations (a few hundred, not a share of N).

Rows are written by set-based ``INSERT … SELECT`` over ``generate_series`` inside PostgreSQL, never through
the services: one statement per table, so a million cases load in minutes. Users (≈200) and their roles go
through ``bulk_create``. Everything is deterministic in the case number ``g`` (1..N), so every size and every
run hold the same shape of data.

What the generated rows are not: the audit rows carry unique placeholder hashes, not a verifiable chain
(``verify_audit`` would stop at the first one; the benchmark measures reading and appending, not verifying),
and ``viewflow_task_previous`` (the flow graph's edges, read only by the process chart) is left empty.
"""

from __future__ import annotations

import datetime
import json
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

# Per mille of cases in each status (a multi-year archive: 95 % finished, 5 % open).
STATUS_MIX = [
    ("closed", 800), ("rejected", 70), ("withdrawn", 50), ("merged", 30),
    ("submitted", 10), ("info_requested", 3), ("accepted", 7), ("assigned", 10), ("investigating", 20),
]
OPEN_STATES = ("submitted", "info_requested", "accepted", "assigned", "investigating")
CATEGORIES = ["wage_arrears", "false_information", "unlicensed_intermediary", "profiteering", "id_seizure",
              "information_leak", "illegal_fees", "safety_hazard", "service_quality", "other"]
PER_DISTRICT = {"受理员": 2, "调解员": 8, "区级负责人": 2}
PHONE_POOL = 500
FLOW = "casework/flows.ComplaintFlow"
#: Per mille of N per workflow.
WORKFLOW_MIX = {"complaints": 600, "mediation": 200, "wage": 150, "inspections": 50}


def split(n: int) -> dict:
    """N cases split across the workflows by WORKFLOW_MIX; complaints take the rounding remainder."""
    parts = {k: n * share // 1000 for k, share in WORKFLOW_MIX.items() if k != "complaints"}
    return {"complaints": n - sum(parts.values()), **parts}


@dataclass
class Generated:
    cases: int
    users: dict  # role -> {district_id: [user ids]}
    districts: list
    seconds: dict


def tracking_code(g: int) -> str:
    """The (fake but well-formed) tracking code of case ``g``: 16 upper-case alphanumerics."""
    return f"BENCH{g:011d}"


# ---- employers named by the cases (the repeat-offender index, casework_employermention) ---------------
#
# A quarter of the cases that name an employer name one of a few "repeat offenders" per district (Zipf-like:
# the first of a district's offenders is named far more often than the last); the rest name employers drawn
# from a pool about as large as the cases themselves, so most of those appear once, a few twice or more.
# Names follow fixed patterns whose normalised key (casework.employers.employer_key) is computable in SQL:
# spaces removed and the company-form suffix dropped. Some complaints and claims spell an offender's name
# differently (有限责任公司, spaces) with the same key, and a share of the cases record its credit code, so the
# badge's two arms (by code, by name) both count rows. The other employers' names come from PostgreSQL's
# hashint8extended (stable: hash partitioning relies on it), so a district's cases share a name by chance.

#: Per cent of the employer-naming cases that name a repeat offender.
REPEAT_SHARE = 25
#: Per cent of the cases naming a repeat offender that record its credit code, by source (salt).
CODE_SHARE = {1: 10, 2: 30, 3: 60}  # complaints, mediation, wage claims
_OFFENDER_WORDS = ["恒信建筑劳务", "宏达装饰工程", "顺通物流", "安居家政服务", "鑫盛建筑劳务", "优选人力资源",
                   "城建劳务分包", "速达配送服务"]


def offenders_per_district(n: int) -> int:
    return max(3, n // 30_000)


def offender_credit_codes(count: int) -> list[str]:
    """Valid unified social credit codes (GB 32100 check character) of offenders 1..count, index 0 unused."""
    from core.validators import credit_code_check_char

    out = [""]
    for k in range(1, count + 1):
        first17 = f"9111010{k:010d}"
        out.append(first17 + credit_code_check_char(first17))
    return out


def _employer_sql(g: str, d: str, salt: int) -> tuple[str, str]:
    """(name, credit code) SQL expressions of the employer case ``g`` (district index ``d``) names; ``salt``
    keeps the sources apart (1 complaints, 2 mediation, 3 wage claims). Needs %(nd)s, %(per_d)s, %(codes)s and
    %(tail_pool)s."""
    h = f"((({g})::bigint * 2246822519 + {salt * 97}) %% 4294967291)"
    u = f"(((({g})::bigint * 3266489917 + {salt * 131}) %% 4294967291) %% 100000) / 100000.0"
    emp = f"(1 + ({d}) + %(nd)s * (floor(power(%(per_d)s + 1.0, {u}))::int - 1))"
    word = "(ARRAY[" + ",".join(f"'{w}'" for w in _OFFENDER_WORDS) + f"])[1 + {emp} %% {len(_OFFENDER_WORDS)}]"
    rep = f"{h} %% 100 < {REPEAT_SHARE}"
    variant = f"(({g}) / 7 + {salt}) %% 8"
    name = (f"CASE WHEN {rep} THEN {word} || CASE WHEN {salt} <> 2 AND {variant} = 0 THEN ' ' || {emp} || ' 有限公司'"
            f" WHEN {salt} <> 2 AND {variant} = 1 THEN {emp} || '有限责任公司' ELSE {emp} || '有限公司' END"
            f" ELSE '某某劳务服务' || ((hashint8extended(({g})::bigint, {salt}) & 9223372036854775807) %% %(tail_pool)s)"
            f" || '有限公司' END")
    code = (f"CASE WHEN {rep} AND ({h} / 100) %% 100 < {CODE_SHARE[salt]} THEN (%(codes)s::text[])[1 + {emp}]"
            f" ELSE '' END")
    return name, code


def employer_key_sql(name: str) -> str:
    """casework.employers.employer_key of a generated name (the patterns above), in SQL."""
    return f"regexp_replace(replace({name}, ' ', ''), '(有限责任公司|有限公司)$', '')"


def _mentions_sql(table: str, ct: str, name: str, code: str, opened: str, where: str = "true") -> str:
    return f"""
    INSERT INTO casework_employermention (content_type_id, object_id, district_id, name, credit_code, key, opened_at)
    SELECT {ct}, id, district_id, left({name}, 200), {code}, {employer_key_sql(name)}, {opened}
    FROM {table} WHERE {where}
    """


def _status_case_sql() -> str:
    parts, upper = [], 0
    for status, share in STATUS_MIX:
        upper += share
        parts.append(f"WHEN r < {upper} THEN '{status}'")
    assert upper == 1000
    return "CASE " + " ".join(parts) + " END"


def make_users() -> dict:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from accounts.models import District, User

    password = make_password("bench-only")
    groups = {g.name: g for g in Group.objects.all()}
    users, roles = [], []
    for district in District.objects.order_by("pk"):
        for role, count in PER_DISTRICT.items():
            for k in range(count):
                users.append(User(username=f"b{district.pk}-{len(users)}", password=password,
                                  first_name=f"{role}{k + 1}", last_name=district.name[:2],
                                  district=district, is_active=True))
                roles.append(role)
    for k in range(4):
        users.append(User(username=f"bureau-{k}", password=password, first_name=f"市局{k}", is_active=True))
        roles.append("市局官员")
    users = User.objects.bulk_create(users)
    through = User.groups.through
    through.objects.bulk_create([through(user_id=u.pk, group_id=groups[r].pk) for u, r in zip(users, roles)])
    by_role: dict = {}
    for u, r in zip(users, roles):
        by_role.setdefault(r, {}).setdefault(u.district_id, []).append(u.pk)
    return by_role


def resident_ids(count: int) -> list[str]:
    """Well-formed resident ID numbers (valid birth date and GB 11643 check digit), deterministic."""
    from core.validators import resident_id_check_digit

    out = []
    for k in range(count):
        born = datetime.date(1970, 1, 1) + datetime.timedelta(days=37 * k % 12000)
        first17 = f"110105{born:%Y%m%d}{k % 1000:03d}"
        out.append(first17 + resident_id_check_digit(first17))
    return out


def generate(n: int, *, log=print) -> Generated:
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import District
    from casework.models import Complaint, MediationCase, MediationParty, WageClaim
    from inspections.models import Inspection, NoticeItem

    seconds = {}
    t0 = time.perf_counter()
    districts = list(District.objects.order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():
        users = make_users()
        setup = make_inspection_setup(districts)
        setup.update(make_partner_setup(districts))
    ct = ContentType.objects.get_for_model(Complaint).pk
    # Encryption is per value and slow-ish; a pool of real ciphertexts stands in for a million phones.
    field = Complaint._meta.get_field("complainant_phone")
    phones = [f"139{k:08d}" for k in range(PHONE_POOL)]
    cipher = [field.get_prep_value(p) for p in phones]
    last4 = [p[-4:] for p in phones]
    id_field = MediationParty._meta.get_field("id_number")
    ids = [id_field.get_prep_value(v) for v in resident_ids(PHONE_POOL)]
    counts = split(n)
    n_all = n

    nd = len(districts)
    intake = [users["受理员"][d][0] for d in districts]
    officials = [users["区级负责人"][d][0] for d in districts]
    mediators = [m for d in districts for m in users["调解员"][d]]  # district k: mediators[8k .. 8k+7]
    per_m = PER_DISTRICT["调解员"]
    seconds["users"] = time.perf_counter() - t0

    params = {
        "n": n, "nd": nd, "districts": districts, "intake": intake, "officials": officials,
        "mediators": mediators, "per_m": per_m, "cipher": cipher, "last4": last4, "pool": PHONE_POOL,
        "secret": settings.SECRET_KEY, "cats": CATEGORIES, "ct": ct, "ids": ids,
        # the other workflows: their sizes, content types and process id offsets (after the complaints')
        "nm": counts["mediation"], "nw": counts["wage"],
        "mct": ContentType.objects.get_for_model(MediationCase).pk,
        "wct": ContentType.objects.get_for_model(WageClaim).pk,
        "mp": counts["complaints"], "wp": counts["complaints"] + counts["mediation"],
        "ni": counts["inspections"], "ip": counts["complaints"] + counts["mediation"] + counts["wage"],
        "ict": ContentType.objects.get_for_model(Inspection).pk,
        "nict": ContentType.objects.get_for_model(NoticeItem).pk, **setup,
        # employers: repeat offenders per district, their credit codes, the pool the others come from
        "per_d": offenders_per_district(n), "codes": offender_credit_codes(nd * offenders_per_district(n)),
        "tail_pool": max(1000, counts["complaints"] + counts["mediation"] + counts["wage"]),
    }
    n = counts["complaints"]
    params["n"] = n
    c_name, c_code = _employer_sql("g", "d", 1)
    log(f"  cases: {counts}")
    closed_sql = "('closed','rejected','withdrawn','merged')"
    with connection.cursor() as cur:
        t = time.perf_counter()
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET work_mem = '256MB'")  # the audit trails are inserted sorted (timelines read them by id)
        # r: a well-mixed 0..999 bucket per case; d: its district (round robin).
        cur.execute(f"""
        WITH base AS (
          SELECT g, ((g::bigint * 2654435761) %% 4294967291) %% 1000 AS r, (g %% %(nd)s) AS d,
                 ((g::bigint * 40503) %% 65521) AS r2
          FROM generate_series(1, %(n)s) g
        ), s AS (
          SELECT g, r, r2, d, {_status_case_sql()} AS status FROM base
        ), t AS (
          SELECT s.*,
            CASE WHEN status IN {closed_sql}
                 THEN now() - interval '130 days' - interval '1000 days' * ((%(n)s - g)::float / %(n)s)
                 ELSE now() - interval '1 hour' * (r2 %% 2880) END AS submitted_at
          FROM s
        ), u AS (
          SELECT t.*,
            CASE WHEN status NOT IN ('submitted','info_requested','rejected','withdrawn','merged')
                 THEN submitted_at + interval '2 days' END AS accepted_at,
            (%(mediators)s::bigint[])[1 + d * %(per_m)s + (g / %(nd)s) %% %(per_m)s] AS mediator,
            r2 %% 10 = 0 AS anon
          FROM t
        )
        INSERT INTO casework_complaint (
          id, number, tracking_code_hash, channel, anonymous, complainant_name, complainant_phone, phone_last4,
          priority, consent_at, consent_version, respondent_kind, respondent_name, respondent_credit_code,
          category, description, occurred_on, amount, status, submitted_at, accepted_at, assigned_at,
          missing_items, info_requested_at, supplement, rejection_reasons, outcome, public_reply, resolved_at,
          referral_target, referral_organization, closed_at, withdrawn_at, withdrawal_reason, reopen_count,
          due_at, due_provisional, is_overdue, extended, updated_at, assignee_id, created_by_id, district_id,
          market_id, merged_into_id, referral_district_id, rejection_approved_by_id, rejection_proposed_by_id,
          responsible_id)
        SELECT g, 'TS-' || to_char(submitted_at, 'YYYY') || '-' || lpad(g::text, 7, '0'),
          encode(sha256(convert_to(%(secret)s || ':' || 'BENCH' || lpad(g::text, 11, '0'), 'UTF8')), 'hex'),
          CASE WHEN r2 %% 3 = 0 THEN 'hotline' ELSE 'online' END, anon,
          CASE WHEN anon THEN '' ELSE '王师傅' END,
          CASE WHEN anon THEN '' ELSE (%(cipher)s::text[])[1 + g %% %(pool)s] END,
          CASE WHEN anon THEN '' ELSE (%(last4)s::text[])[1 + g %% %(pool)s] END,
          g %% 50 = 0, CASE WHEN anon THEN NULL ELSE submitted_at END, CASE WHEN anon THEN '' ELSE '2026-01' END,
          'employer', {c_name}, {c_code}, (%(cats)s::text[])[1 + r2 %% 10],
          '在零工市场接的活，干完三天，老板一直拖着不给工钱，打电话也不接。希望劳动部门帮忙讨回工钱。',
          (submitted_at - interval '5 days')::date, (r2 %% 5000) + 300, status, submitted_at, accepted_at,
          CASE WHEN status IN ('assigned','investigating','closed') THEN accepted_at + interval '1 day' END,
          CASE WHEN status = 'info_requested' THEN '["劳动合同或工资条"]'::jsonb ELSE '[]'::jsonb END,
          CASE WHEN status = 'info_requested' THEN submitted_at + interval '1 day' END,
          '', CASE WHEN status = 'rejected' THEN '不属于本部门职责范围。' ELSE '' END,
          CASE WHEN status = 'closed' THEN '已督促用工单位支付。' ELSE '' END,
          CASE WHEN status = 'closed' THEN '经调查，用工单位已补发工资。' ELSE '' END,
          CASE WHEN status = 'closed' THEN submitted_at + interval '20 days' END,
          '', '',
          CASE WHEN status IN {closed_sql} THEN submitted_at + interval '21 days' END,
          CASE WHEN status = 'withdrawn' THEN submitted_at + interval '3 days' END,
          CASE WHEN status = 'withdrawn' THEN '已与老板协商解决。' ELSE '' END, 0,
          CASE WHEN status IN ('submitted','info_requested') THEN submitted_at + interval '7 days'
               WHEN status IN ('accepted','assigned','investigating') THEN accepted_at + interval '84 days' END,
          false,
          CASE WHEN status IN ('submitted','info_requested') THEN submitted_at + interval '7 days' < now()
               WHEN status IN ('accepted','assigned','investigating') THEN accepted_at + interval '84 days' < now()
               ELSE false END,
          false, now(),
          CASE WHEN status IN ('assigned','investigating','closed') THEN mediator END,
          NULL, (%(districts)s::bigint[])[1 + d], NULL, NULL, NULL,
          CASE WHEN status = 'rejected' THEN (%(officials)s::bigint[])[1 + d] END,
          CASE WHEN status = 'rejected' THEN (%(intake)s::bigint[])[1 + d] END,
          CASE WHEN accepted_at IS NOT NULL THEN (%(intake)s::bigint[])[1 + d] END
        FROM u
        """, params)
        seconds["complaints"] = time.perf_counter() - t
        log(f"  complaints {n}: {seconds['complaints']:.1f}s")
        t = time.perf_counter()
        cur.execute(_mentions_sql("casework_complaint", "%(ct)s", "respondent_name", "respondent_credit_code",
                                  "submitted_at", "respondent_kind = 'employer'"), params)
        seconds["complaint_mentions"] = time.perf_counter() - t
        log(f"  complaint_mentions: {cur.rowcount} rows, {seconds['complaint_mentions']:.1f}s")

        t = time.perf_counter()
        cur.execute(f"""
        INSERT INTO viewflow_process (id, flow_class, status, created, finished, artifact_content_type_id,
                                      artifact_object_id, data)
        SELECT id, '{FLOW}', CASE WHEN status IN {closed_sql} THEN 'DONE' ELSE 'NEW' END, submitted_at,
               closed_at, %(ct)s, id, '{{}}'::jsonb
        FROM casework_complaint
        """, params)
        # The tasks each status has reached: k is the node's position on the path, stage the last one.
        # closed: start review route assign investigate finish end (all done); open ones end in a live task.
        cur.execute(f"""
        WITH nodes(k, node, kind, perm) AS (VALUES
          (0, 'start', 'START', NULL), (1, 'review', 'HUMAN', 'casework.accept_complaint'),
          (2, 'route_review', 'SWITCH', NULL), (3, 'assign', 'HUMAN', 'casework.assign_complaint'),
          (4, 'investigate', 'HUMAN', NULL), (5, 'finish', 'FUNCTION', NULL), (6, 'end', 'END', NULL)
        ), c AS (
          SELECT id, status, submitted_at, accepted_at, assigned_at, closed_at, responsible_id, assignee_id,
                 district_id,
                 CASE status WHEN 'closed' THEN 6 WHEN 'submitted' THEN 1 WHEN 'info_requested' THEN 2
                   WHEN 'accepted' THEN 3 WHEN 'assigned' THEN 4 WHEN 'investigating' THEN 4 ELSE 2 END AS stage
          FROM casework_complaint
        )
        INSERT INTO viewflow_task (id, flow_task, flow_task_type, status, created, started, finished, token,
                                   owner_permission, owner_id, process_id, assigned, data)
        SELECT c.id * 8 + n.k,
          '{FLOW}.' || CASE WHEN c.status = 'info_requested' AND n.k = 2 THEN 'await_info' ELSE n.node END,
          CASE WHEN c.status = 'info_requested' AND n.k = 2 THEN 'FUNCTION' ELSE n.kind END,
          CASE WHEN n.k < c.stage OR c.status IN {closed_sql} THEN 'DONE'
               WHEN n.k = 4 THEN 'ASSIGNED' ELSE 'NEW' END,
          c.submitted_at + interval '1 hour' * n.k,
          CASE WHEN n.k < c.stage OR n.k = 4 THEN c.submitted_at + interval '1 hour' * n.k END,
          CASE WHEN n.k < c.stage OR c.status IN {closed_sql} THEN c.submitted_at + interval '1 hour' * (n.k + 1) END,
          'start', n.perm,
          CASE WHEN n.k = 1 AND n.k < c.stage THEN c.responsible_id
               WHEN n.k = 3 AND n.k < c.stage THEN (%(officials)s::bigint[])[1 + (c.id %% %(nd)s)]
               WHEN n.k = 4 THEN c.assignee_id END,
          c.id, CASE WHEN n.k = 4 THEN c.assigned_at END, '{{}}'::jsonb
        FROM c JOIN nodes n ON n.k <= c.stage
        """, params)
        seconds["flow"] = time.perf_counter() - t
        log(f"  processes and tasks: {seconds['flow']:.1f}s")

        t = time.perf_counter()
        # The audit trail a walk through the flow leaves (see tests/casework/helpers.walk_to_closed):
        # 10 events for a closed case, fewer for the others.
        cur.execute(f"""
        WITH ev(k, action, name, from_state, to_state) AS (VALUES
          (0, 'create', '', '', 'submitted'), (1, 'deadline', 'deadline_start', '', ''),
          (2, 'transition', 'accept', 'submitted', 'accepted'), (3, 'deadline', 'deadline_met', '', ''),
          (4, 'deadline', 'deadline_start', '', ''), (5, 'transition', 'assign', 'accepted', 'assigned'),
          (6, 'transition', 'start_investigation', 'assigned', 'investigating'),
          (7, 'transition', 'resolve', 'investigating', 'resolved'), (8, 'deadline', 'deadline_met', '', ''),
          (9, 'transition', 'close', 'resolved', 'closed')
        ), c AS (
          SELECT id, number, submitted_at, responsible_id, assignee_id,
            CASE status WHEN 'closed' THEN 10 WHEN 'submitted' THEN 2 WHEN 'info_requested' THEN 3
              WHEN 'accepted' THEN 5 WHEN 'assigned' THEN 6 WHEN 'investigating' THEN 7 ELSE 3 END AS events
          FROM casework_complaint
        )
        INSERT INTO core_auditevent (created_at, actor_name, actor_role, actor_org, ip, content_type_id,
          object_id, object_repr, action, name, from_state, to_state, reason, data, prev_hash, hash, actor_id)
        SELECT c.submitted_at + interval '1 hour' * e.k,
          CASE WHEN e.k >= 2 THEN '工作人员' ELSE '' END, CASE WHEN e.k >= 2 THEN '受理员' ELSE '' END, '',
          NULL, %(ct)s, c.id::text, c.number, e.action, e.name, e.from_state, e.to_state, '',
          CASE WHEN e.action = 'deadline' THEN '{{"kind": "complaint.resolve", "label": "办结期限"}}'::jsonb
               ELSE '{{}}'::jsonb END,
          lpad(to_hex(c.id * 16 + e.k - 1), 64, '0'), lpad(to_hex(c.id * 16 + e.k), 64, '0'),
          CASE WHEN e.k >= 6 THEN c.assignee_id WHEN e.k >= 2 THEN c.responsible_id END
        FROM c JOIN ev e ON e.k < c.events
        """, params)
        seconds["audit"] = time.perf_counter() - t
        log(f"  audit events: {seconds['audit']:.1f}s")

        t = time.perf_counter()
        # Deadlines: the acceptance limit (met unless still in intake) and, once accepted, the handling limit.
        # Reminders and escalations already due have fired (stamped), so a sweep at "now" finds nothing.
        cur.execute(f"""
        INSERT INTO core_deadline (content_type_id, object_id, kind, label, unit, days, started_at, due_at,
          provisional, remind_days_before, remind_at, extended_days, extension_reason, suspended_days,
          suspension_reason, status, reminded_at, overdue_at, met_at)
        SELECT %(ct)s, c.id, x.kind, x.label, 'working', x.days, x.started, x.due, false, 3,
          x.due - interval '3 days' - interval '15 hours', 0, '', 0, '', x.status,
          CASE WHEN x.due - interval '3 days' - interval '15 hours' < now() THEN x.due - interval '3 days' END,
          CASE WHEN x.status = 'running' AND x.due < now() THEN x.due END,
          CASE WHEN x.status = 'met' THEN x.started + interval '2 days' END
        FROM casework_complaint c
        CROSS JOIN LATERAL (VALUES
          ('complaint.accept', '受理期限', 5, c.submitted_at, c.submitted_at + interval '7 days',
           CASE WHEN c.status IN ('submitted','info_requested') THEN 'running'
                WHEN c.status IN ('withdrawn','merged') THEN 'cancelled' ELSE 'met' END),
          ('complaint.resolve', '办结期限', 60, c.accepted_at, c.accepted_at + interval '84 days',
           CASE WHEN c.status IN ('accepted','assigned','investigating') THEN 'running' ELSE 'met' END)
        ) AS x(kind, label, days, started, due, status)
        WHERE x.started IS NOT NULL
        """, params)
        seconds["deadlines"] = time.perf_counter() - t
        log(f"  deadlines: {seconds['deadlines']:.1f}s")

        t = time.perf_counter()
        generate_mediation(cur, params, seconds, log)
        seconds["mediation"] = time.perf_counter() - t
        t = time.perf_counter()
        generate_wage(cur, params, seconds, log)
        seconds["wage"] = time.perf_counter() - t
        t = time.perf_counter()
        generate_referrals(cur, params, seconds, log)
        seconds["referral"] = time.perf_counter() - t
        t = time.perf_counter()
        generate_inspections(cur, params, seconds, log)
        seconds["inspection"] = time.perf_counter() - t
        t = time.perf_counter()
        from bench.gen_evaluations import generate_evaluations, milestones

        params["n_total"] = sum(counts.values())
        generate_evaluations(n_all, params, users, log)
        log(f"  payment milestones: {milestones(cur)} rows")
        seconds["evaluation"] = time.perf_counter() - t
        log(f"  evaluations: {seconds['evaluation']:.1f}s")

        t = time.perf_counter()
        for table, column in (("casework_complaint", "id"), ("viewflow_process", "id"), ("viewflow_task", "id"),
                              ("core_auditevent", "id"), ("core_deadline", "id"), ("casework_mediationcase", "id"),
                              ("casework_wageclaim", "id"), ("inspections_inspection", "id"),
                              ("casework_referral", "id")):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                        f"(SELECT coalesce(max({column}), 1) FROM {table}))")
        # The audit chain's head is the newest generated row, as in a running system: the transitions measured
        # move it (core.models.AuditChainHead) rather than create it.
        cur.execute("INSERT INTO core_auditchainhead (id, prev_hash, hash) "
                    "SELECT 1, prev_hash, hash FROM core_auditevent ORDER BY id DESC LIMIT 1 "
                    "ON CONFLICT (id) DO UPDATE SET prev_hash = excluded.prev_hash, hash = excluded.hash")
    # VACUUM cannot run in a transaction; autocommit is Django's default outside atomic blocks.
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    seconds["vacuum_analyze"] = time.perf_counter() - t
    seconds["total"] = time.perf_counter() - t0
    log(f"  vacuum analyze: {seconds['vacuum_analyze']:.1f}s; total {seconds['total']:.1f}s")
    return Generated(cases=sum(counts.values()), users=users, districts=districts, seconds=seconds)


# ---- the other workflows: labour-dispute mediation and wage-arrears claims -------------------------------
#
# Same approach as the complaints: every row a pure function of the case number g, one INSERT … SELECT per
# table. A case's path through its flow ("path") is a list of nodes and a list of audit events; each status
# stands for a prefix of one path (how far the case got) and the state of its last, live task. Processes of
# these flows get ids after the complaints' (process id = offset + case id), their tasks id = process id * 10 + k
# (at most 9 nodes per path), so nothing collides with the complaints' ``id * 8 + k``.

def _hash(col: str) -> str:
    """A well-mixed 0..999 bucket of an integer column (the same as the complaints' ``r``)."""
    return f"((({col})::bigint * 2654435761) %% 4294967291) %% 1000"


def _mix_sql(mix, bucket: str) -> str:
    parts, upper = [], 0
    for name, share in mix:
        upper += share
        parts.append(f"WHEN {bucket} < {upper} THEN '{name}'")
    assert upper == 1000, mix
    return "CASE " + " ".join(parts) + " END"


def _q(value) -> str:
    return "NULL" if value is None else "'" + str(value).replace("'", "''").replace("%", "%%") + "'"


def _tasks_sql(flow: str, paths: dict, cases: str, users: tuple) -> str:
    """Tasks of every case in ``cases`` (a SELECT with id, pid, t0, path, stage, live and u_<who> columns):
    nodes k < stage of its path, all DONE except the last, which is ``live`` (DONE, NEW, ASSIGNED, CANCELED)."""
    rows = ", ".join(f"({_q(p)}, {k}, {_q(node)}, {_q(kind)}, {_q(perm)}, {_q(who)})"
                     for p, nodes in paths.items() for k, (node, kind, perm, who) in enumerate(nodes))
    owner = "CASE n.who " + " ".join(f"WHEN '{w}' THEN c.u_{w}" for w in users) + " END"
    return f"""
    WITH nodes(path, k, node, kind, perm, who) AS (VALUES {rows}), c AS ({cases})
    INSERT INTO viewflow_task (id, flow_task, flow_task_type, status, created, started, finished, token,
                               owner_permission, owner_id, process_id, assigned, data)
    SELECT c.pid * 10 + n.k, '{flow}.' || n.node, n.kind, x.status,
      c.t0 + interval '1 hour' * n.k,
      CASE WHEN x.status IN ('DONE', 'CANCELED') THEN c.t0 + interval '1 hour' * n.k END,
      CASE WHEN x.status IN ('DONE', 'CANCELED') THEN c.t0 + interval '1 hour' * (n.k + 1) END,
      'start', n.perm, x.owner, c.pid, CASE WHEN x.owner IS NOT NULL THEN c.t0 + interval '1 hour' * n.k END,
      '{{}}'::jsonb
    FROM c JOIN nodes n ON n.path = c.path AND n.k < c.stage
    CROSS JOIN LATERAL (SELECT CASE WHEN n.k < c.stage - 1 THEN 'DONE' ELSE c.live END AS status) s
    CROSS JOIN LATERAL (SELECT s.status,
      CASE WHEN n.kind = 'HUMAN' AND s.status <> 'NEW' THEN {owner} END AS owner) x
    """


def _audit_sql(paths: dict, cases: str, users: dict, tag: int) -> str:
    """The audit trail of every case in ``cases`` (id, number, t0, path, events, u_<who>): the first
    ``events`` events of its path, inserted in order (the case page's timeline is ordered by id). ``tag``
    (1..9) keeps the placeholder hashes apart from other flows'.
    An event's data (and optional 7th element, its reason) written ``"@col"`` is the case's column ``col``
    (per-case JSON, e.g. the referral a claim note names)."""
    events = [(p, k, ev[:6], ev[6] if len(ev) > 6 else None) for p, evs in paths.items() for k, ev in enumerate(evs)]
    rows = ", ".join(f"({_q(p)}, {k}, {_q(a)}, {_q(name)}, {_q(f)}, {_q(t)}, {_q(who)}, {_q(data)}, {_q(reason)})"
                     for p, k, (a, name, f, t, who, data), reason in events)
    actor = "CASE e.who " + " ".join(f"WHEN '{w}' THEN c.u_{w}" for w in users) + " END"
    role = "CASE e.who " + " ".join(f"WHEN '{w}' THEN '{r}'" for w, r in users.items()) + " ELSE '' END"
    data_cols = sorted({ev[5] for _, _, ev, _ in events if (ev[5] or "").startswith("@")})
    reason_cols = sorted({r for _, _, _, r in events if (r or "").startswith("@")})
    data = "coalesce(e.data, '{}')::jsonb"
    if data_cols:
        data = (f"CASE e.data " + " ".join(f"WHEN '{col}' THEN c.{col[1:]}" for col in data_cols)
                + f" ELSE {data} END")
    reason = "coalesce(e.reason, '')"
    if reason_cols:
        reason = ("CASE e.reason " + " ".join(f"WHEN '{col}' THEN c.{col[1:]}" for col in reason_cols)
                  + f" ELSE {reason} END")
    return f"""
    WITH ev(path, k, action, name, from_state, to_state, who, data, reason) AS (VALUES {rows}), c AS ({cases})
    INSERT INTO core_auditevent (created_at, actor_name, actor_role, actor_org, ip, content_type_id,
      object_id, object_repr, action, name, from_state, to_state, reason, data, prev_hash, hash, actor_id)
    SELECT c.t0 + interval '1 hour' * e.k, CASE WHEN e.who IS NULL THEN '' ELSE '工作人员' END, {role}, '',
      NULL, %(ct)s, c.id::text, c.number, e.action, e.name, e.from_state, e.to_state, {reason}, {data},
      CASE WHEN e.k = 0 THEN '' ELSE '{tag}' || lpad(to_hex(c.id * 16 + e.k - 1), 63, '0') END,
      '{tag}' || lpad(to_hex(c.id * 16 + e.k), 63, '0'), {actor}
    FROM c JOIN ev e ON e.path = c.path AND e.k < c.events
    ORDER BY c.id, e.k
    """


def _deadline_ev(name, kind, label):
    return ("deadline", name, "", "", None, json.dumps({"kind": kind, "label": label}, ensure_ascii=False))


def _tr(name, src, dst, who):
    return ("transition", name, src, dst, who, None)


def _upd(name, who):
    return ("update", name, "", "", who, None)


def _note(name, who, data=None):
    return ("note", name, "", "", who, data)


# -- mediation (casework.MediationCase, MediationFlow) --

# Per mille; closed_f/closed_n/closed_x are closed cases by the path they took (agreement fulfilled, agreement
# not fulfilled, mediation failed). fulfilled/not_fulfilled/failed are never at rest: the flow closes at once.
MEDIATION_MIX = [
    ("closed_f", 430), ("closed_n", 70), ("closed_x", 300), ("declined", 60), ("withdrawn", 90),
    ("applied", 15), ("accepted", 5), ("mediator_assigned", 8), ("in_mediation", 12), ("agreement_signed", 10),
]
MEDIATION_FLOW = "casework/flows.MediationFlow"
_M_LIMIT = ("mediation.limit", "调解期限（十五日）")
_M_HEAD = [("start", "START", None, None), ("review", "HUMAN", "casework.accept_mediation", "acceptor"),
           ("route_review", "EXCLUSIVE_GATEWAY", None, None),
           ("assign", "HUMAN", "casework.assign_mediation", "official"), ("await_outcome", "FUNCTION", None, None)]
MEDIATION_NODES = {
    "F": _M_HEAD + [("route_outcome", "EXCLUSIVE_GATEWAY", None, None), ("await_fulfilment", "FUNCTION", None, None),
                    ("finish", "FUNCTION", None, None), ("end", "END", None, None)],
    "X": _M_HEAD + [("route_outcome", "EXCLUSIVE_GATEWAY", None, None), ("finish", "FUNCTION", None, None),
                    ("end", "END", None, None)],
    "D": [("start", "START", None, None), ("review", "HUMAN", "casework.accept_mediation", "official"),
          ("route_review", "EXCLUSIVE_GATEWAY", None, None), ("end", "END", None, None)],
    "W": list(_M_HEAD),
}
_M_PREFIX = [
    ("create", "", "", "applied", None, None), _deadline_ev("deadline_start", *_M_LIMIT),
    _tr("accept", "applied", "accepted", "acceptor"), _tr("assign", "accepted", "mediator_assigned", "official"),
    _tr("start_mediation", "mediator_assigned", "in_mediation", "mediator"), _upd("session_scheduled", "mediator"),
    _upd("minutes_recorded", "mediator"),
]
_M_AGREE = [_upd("agreement_drafted", "mediator"), _upd("signatures_recorded", "mediator"),
            _tr("sign_agreement", "in_mediation", "agreement_signed", "mediator"),
            _deadline_ev("deadline_met", *_M_LIMIT)]
MEDIATION_EVENTS = {
    "F": _M_PREFIX + _M_AGREE + [_upd("obligation_fulfilled", "mediator"),
                                 _tr("mark_fulfilled", "agreement_signed", "fulfilled", "mediator"),
                                 _tr("close", "fulfilled", "closed", None)],
    "N": _M_PREFIX + _M_AGREE + [_tr("mark_not_fulfilled", "agreement_signed", "not_fulfilled", "mediator"),
                                 _tr("close", "not_fulfilled", "closed", None)],
    "X": _M_PREFIX + [_tr("fail", "in_mediation", "failed", "mediator"), _deadline_ev("deadline_cancel", *_M_LIMIT),
                      _tr("close", "failed", "closed", None)],
    "D": _M_PREFIX[:2] + [_tr("decline", "applied", "declined", "official"),
                          _deadline_ev("deadline_cancel", *_M_LIMIT)],
    "W": _M_PREFIX[:6] + [_tr("withdraw", "in_mediation", "withdrawn", None),
                          _deadline_ev("deadline_cancel", *_M_LIMIT)],
}
# outcome -> (task path, tasks reached, state of the last task, event path, events reached)
MEDIATION_STAGE = {
    "closed_f": ("F", 9, "DONE", "F", 14), "closed_n": ("F", 9, "DONE", "N", 13),
    "closed_x": ("X", 8, "DONE", "X", 10), "declined": ("D", 4, "DONE", "D", 4),
    "withdrawn": ("W", 5, "CANCELED", "W", 8),
    # half of the applications were taken up by a mediator (ASSIGNED: the mediator's inbox), the rest queue
    "applied": ("F", 2, "CLAIMED", "F", 2), "accepted": ("F", 4, "NEW", "F", 3),
    "mediator_assigned": ("F", 5, "NEW", "F", 4), "in_mediation": ("F", 5, "NEW", "F", 6),
    "agreement_signed": ("F", 7, "NEW", "F", 11),
}
MEDIATION_OPEN = ("applied", "accepted", "mediator_assigned", "in_mediation", "agreement_signed")


def _stage_case(table: dict, index: int, outcome: str = "o") -> str:
    return f"CASE {outcome} " + " ".join(f"WHEN '{o}' THEN {_q(v[index]) if isinstance(v[index], str) else v[index]}"
                                          for o, v in table.items()) + " END"


def generate_mediation(cur, params: dict, seconds: dict, log) -> None:
    mix = _mix_sql(MEDIATION_MIX, "r")
    m_name, m_code = _employer_sql("g", "d", 2)
    closed = "('closed_f','closed_n','closed_x','declined','withdrawn')"
    agreed = "('closed_f','closed_n','agreement_signed')"
    sessions = "('closed_f','closed_n','closed_x','withdrawn','in_mediation','agreement_signed')"
    acceptor = "(%(mediators)s::bigint[])[1 + d * %(per_m)s + (g / %(nd)s + 3) %% %(per_m)s]"
    # o: the case's outcome (MEDIATION_MIX), recomputed from its id wherever a statement needs it.
    base = f"""
      SELECT g, r, d, r2, {mix} AS o FROM (
        SELECT g, {_hash('g')} AS r, g %% %(nd)s AS d, ((g::bigint * 40503) %% 65521) AS r2
        FROM generate_series(1, %(nm)s) g) b"""

    def step(name, sql):
        t = time.perf_counter()
        cur.execute(sql, params)
        seconds[name] = time.perf_counter() - t
        log(f"  {name}: {cur.rowcount} rows, {seconds[name]:.1f}s")

    step("mediation_cases", f"""
    WITH s AS ({base}), t AS (
      SELECT s.*, CASE
          WHEN o IN {closed} THEN now() - interval '130 days' - interval '1000 days' * ((%(nm)s - g)::float / %(nm)s)
          WHEN o IN ('applied', 'accepted') THEN now() - interval '9 hours' - interval '1 hour' * (r2 %% 480)
          WHEN o IN ('mediator_assigned', 'in_mediation')
            THEN now() - interval '9 hours' - interval '1 hour' * (r2 %% 320)
          ELSE now() - interval '10 days' - interval '1 hour' * (r2 %% 1440) END AS rec,
        CASE r2 %% 4 WHEN 0 THEN 'online' WHEN 1 THEN 'oral' ELSE 'counter' END AS channel
      FROM s
    ), u AS (
      SELECT t.*,
        CASE WHEN o NOT IN ('applied', 'declined') THEN rec + interval '4 hours' END AS accepted_at,
        CASE WHEN o NOT IN ('applied', 'accepted', 'declined') THEN rec + interval '8 hours' END AS assigned_at,
        CASE WHEN o = 'closed_x' THEN rec + interval '1 day' * (CASE WHEN r2 %% 3 = 0 THEN 15 ELSE 10 END) END
          AS failed_at,
        CASE WHEN o IN {agreed} THEN rec + interval '8 days' END AS agreed_at,
        CASE WHEN o = 'withdrawn' THEN rec + interval '5 days' END AS withdrawn_at
      FROM t
    )
    INSERT INTO casework_mediationcase (
      id, number, channel, matters, reasons, received_at, respondent_name, respondent_credit_code,
      respondent_contact, respondent_phone, status, version, accepted_at, decline_reasons, arbitration_advice,
      assigned_at, failure_reason, failure_note, failed_at, agreement_effective_at, fulfilment_checked_at,
      closed_at, withdrawn_at, withdrawal_reason, due_at, due_provisional, updated_at, accepted_by_id,
      created_by_id, district_id, market_id, mediator_id, consent_version, source_complaint_id, tracking_code_hash)
    SELECT g, 'TJ-' || to_char(rec, 'YYYY') || '-' || lpad(g::text, 7, '0'), channel,
      '拖欠工资及加班费争议', '在零工市场承揽装修零活二十天，用人单位至今未结清工钱，协商未果，申请调解。', rec,
      {m_name}, {m_code}, '', '',
      CASE WHEN o LIKE 'closed_%%' THEN 'closed' ELSE o END, 1, accepted_at,
      CASE WHEN o = 'declined' THEN '申请事项不属于劳动争议调解范围。' ELSE '' END,
      CASE WHEN o = 'declined' THEN '可自知道或者应当知道权利被侵害之日起一年内向劳动人事争议仲裁委员会申请仲裁。'
           ELSE '' END,
      assigned_at,
      CASE WHEN o = 'closed_x' THEN CASE WHEN r2 %% 3 = 0 THEN 'time_limit' WHEN r2 %% 3 = 1 THEN 'no_agreement'
                                    ELSE 'party_refused' END ELSE '' END,
      CASE WHEN o = 'closed_x' THEN '双方对工钱数额分歧较大，未能达成调解协议。' ELSE '' END,
      failed_at, agreed_at,
      CASE WHEN o IN ('closed_f', 'closed_n') THEN agreed_at + interval '20 days' END,
      CASE WHEN o IN ('closed_f', 'closed_n') THEN agreed_at + interval '20 days' WHEN o = 'closed_x' THEN failed_at
           WHEN o = 'declined' THEN rec + interval '3 days' WHEN o = 'withdrawn' THEN withdrawn_at END,
      withdrawn_at, CASE WHEN o = 'withdrawn' THEN '已与用人单位自行和解。' ELSE '' END,
      CASE WHEN o IN ('applied', 'accepted', 'mediator_assigned', 'in_mediation') THEN rec + interval '15 days' END,
      false, now(),
      CASE WHEN accepted_at IS NOT NULL THEN {acceptor} END,
      CASE WHEN channel = 'online' THEN NULL ELSE (%(intake)s::bigint[])[1 + d] END,
      (%(districts)s::bigint[])[1 + d], NULL,
      CASE WHEN assigned_at IS NOT NULL
           THEN (%(mediators)s::bigint[])[1 + d * %(per_m)s + (g / %(nd)s) %% %(per_m)s] END,
      CASE WHEN channel = 'online' THEN '2026-01' ELSE '' END, NULL,
      CASE WHEN channel = 'online' THEN encode(sha256(convert_to(
        %(secret)s || ':' || 'BENCHM' || lpad(g::text, 10, '0'), 'UTF8')), 'hex') ELSE '' END
    FROM u
    """)
    step("mediation_mentions", _mentions_sql("casework_mediationcase", "%(mct)s", "respondent_name",
                                             "respondent_credit_code", "received_at"))
    step("mediation_parties", """
    INSERT INTO casework_mediationparty (case_id, name, id_number, phone, priority)
    SELECT c.id, (ARRAY['王','李','张','刘','陈','杨','赵','黄'])[1 + (c.id + k) %% 8] || '师傅',
      (%(ids)s::text[])[1 + (c.id * 2 + k) %% %(pool)s], (%(cipher)s::text[])[1 + (c.id + k) %% %(pool)s],
      (c.id + k) %% 25 = 0
    FROM casework_mediationcase c CROSS JOIN LATERAL generate_series(1, 1 + (c.id %% 4 = 0)::int) k
    """)
    step("mediation_claims", """
    INSERT INTO casework_mediationclaim (case_id, kind, amount, note)
    SELECT c.id, CASE k WHEN 1 THEN 'unpaid_wages' ELSE 'overtime' END, (c.id %% 9000) + 500 * k, ''
    FROM casework_mediationcase c CROSS JOIN LATERAL generate_series(1, 1 + (c.id %% 3 = 0)::int) k
    """)
    step("mediation_sessions", f"""
    WITH c AS (SELECT id, received_at, mediator_id, {mix} AS o FROM (
                 SELECT id, received_at, mediator_id, {_hash('id')} AS r FROM casework_mediationcase) x)
    INSERT INTO casework_mediationsession (case_id, scheduled_at, place, online, participants, minutes,
      applicant_absent, respondent_absent, recorded_at, created_by_id)
    SELECT c.id, c.received_at + interval '1 day' + interval '3 days' * (k - 1),
      CASE WHEN c.id %% 7 = 0 THEN '腾讯会议 123 456 789' ELSE '零工市场调解室' END, c.id %% 7 = 0, '',
      CASE WHEN c.o = 'in_mediation' THEN ''
           ELSE '申请人陈述用工经过及欠薪数额，被申请人对工作天数有异议，调解员释明相关法律规定。' END,
      false, c.o = 'closed_x' AND k = 1 AND c.id %% 5 = 0,
      CASE WHEN c.o <> 'in_mediation' THEN c.received_at + interval '1 day 2 hours' + interval '3 days' * (k - 1) END,
      c.mediator_id
    FROM c CROSS JOIN LATERAL generate_series(1, 1 + (c.o <> 'in_mediation' AND c.id %% 3 = 0)::int) k
    WHERE c.o IN {sessions}
    """)
    step("mediation_agreements", """
    INSERT INTO casework_mediationagreement (case_id, facts, applicant_signed_at, respondent_signed_at,
      mediator_signed_at, seal_recorded_at, drafted_at)
    SELECT id, '申请人于零工市场承揽零活，被申请人拖欠工钱，经调解双方自愿达成如下协议。',
      agreement_effective_at - interval '1 hour', agreement_effective_at - interval '1 hour',
      agreement_effective_at - interval '1 hour', agreement_effective_at, agreement_effective_at - interval '1 day'
    FROM casework_mediationcase WHERE agreement_effective_at IS NOT NULL
    """)
    step("mediation_obligations", f"""
    WITH c AS (SELECT a.id AS agreement_id, m.id, m.mediator_id, m.agreement_effective_at AS eff,
                      {mix} AS o
               FROM casework_mediationagreement a JOIN (
                 SELECT *, {_hash('id')} AS r FROM casework_mediationcase) m ON m.id = a.case_id)
    INSERT INTO casework_agreementobligation (agreement_id, description, kind, amount, due_on, method,
      fulfilled_at, fulfilled_by_id)
    SELECT agreement_id, '被申请人向申请人支付拖欠工资', 'wages', (id %% 9000) + 500,
      (eff + interval '15 days')::date, '银行转账',
      CASE WHEN o = 'closed_f' THEN eff + interval '10 days' END,
      CASE WHEN o = 'closed_f' THEN mediator_id END
    FROM c
    """)
    step("mediation_processes", f"""
    WITH c AS (SELECT id, received_at, closed_at, {mix} AS o FROM (
                 SELECT id, received_at, closed_at, {_hash('id')} AS r FROM casework_mediationcase) x)
    INSERT INTO viewflow_process (id, flow_class, status, created, finished, artifact_content_type_id,
                                  artifact_object_id, data)
    SELECT %(mp)s + id, '{MEDIATION_FLOW}',
      CASE WHEN o = 'withdrawn' THEN 'CANCELED' WHEN o IN {closed} THEN 'DONE' ELSE 'NEW' END,
      received_at, closed_at, %(mct)s, id, '{{}}'::jsonb
    FROM c
    """)
    cases = f"""
      SELECT x.*, %(mp)s + x.id AS pid, x.received_at AS t0, {_stage_case(MEDIATION_STAGE, 0)} AS path,
        {_stage_case(MEDIATION_STAGE, 1)} AS stage,
        CASE {_stage_case(MEDIATION_STAGE, 2)} WHEN 'CLAIMED' THEN
          CASE WHEN x.id %% 2 = 0 THEN 'ASSIGNED' ELSE 'NEW' END ELSE {_stage_case(MEDIATION_STAGE, 2)} END AS live,
        (%(officials)s::bigint[])[1 + x.id %% %(nd)s] AS u_official,
        (%(mediators)s::bigint[])[1 + (x.id %% %(nd)s) * %(per_m)s + (x.id / %(nd)s + 3) %% %(per_m)s] AS u_acceptor
      FROM (SELECT id, received_at, mediator_id AS u_mediator, number, {mix} AS o FROM (
              SELECT *, {_hash('id')} AS r FROM casework_mediationcase) y) x"""
    step("mediation_tasks", _tasks_sql(MEDIATION_FLOW, MEDIATION_NODES, cases, ("official", "acceptor")))
    ev_cases = f"""
      SELECT x.*, x.received_at AS t0, {_stage_case(MEDIATION_STAGE, 3)} AS path,
        {_stage_case(MEDIATION_STAGE, 4)} AS events, accepted_by_id AS u_acceptor,
        (%(officials)s::bigint[])[1 + x.id %% %(nd)s] AS u_official
      FROM (SELECT id, number, received_at, mediator_id AS u_mediator, accepted_by_id, {mix} AS o FROM (
              SELECT *, {_hash('id')} AS r FROM casework_mediationcase) y) x"""
    step("mediation_audit", _audit_sql(MEDIATION_EVENTS, ev_cases, {"acceptor": "调解员", "official": "区级负责人",
                                                                  "mediator": "调解员"}, 1)
         .replace("%(ct)s", "%(mct)s"))
    # The 15-day limit (calendar days from receipt): running while open and not yet agreed; met by the
    # agreement, or by a time-limit failure; cancelled otherwise. Reminders and overdue already stamped.
    step("mediation_deadlines", f"""
    WITH c AS (SELECT id, received_at, agreement_effective_at, failed_at, failure_reason, {mix} AS o FROM (
                 SELECT *, {_hash('id')} AS r FROM casework_mediationcase) x),
    d AS (SELECT c.*, received_at + interval '15 days' AS due,
            CASE WHEN o IN ('applied', 'accepted', 'mediator_assigned', 'in_mediation') THEN 'running'
                 WHEN o IN {agreed} OR failure_reason = 'time_limit' THEN 'met' ELSE 'cancelled' END AS status
          FROM c)
    INSERT INTO core_deadline (content_type_id, object_id, kind, label, unit, days, started_at, due_at,
      provisional, remind_days_before, remind_at, extended_days, extension_reason, suspended_days,
      suspension_reason, status, reminded_at, overdue_at, met_at)
    SELECT %(mct)s, id, '{_M_LIMIT[0]}', '{_M_LIMIT[1]}', 'calendar', 15, received_at, due, false, 3,
      due - interval '3 days', 0, '', 0, '', status,
      CASE WHEN due - interval '3 days' < now() THEN due - interval '3 days' END,
      CASE WHEN (status = 'running' OR failure_reason = 'time_limit') AND due < now() THEN due END,
      CASE WHEN status = 'met' THEN coalesce(agreement_effective_at, failed_at) END
    FROM d
    """)


# -- wage-arrears claims (casework.WageClaim, WageClaimFlow) --

# closed_s: closed after a settlement, closed_r: closed after a referral; proposed: still verifying with an
# unsubstantiated finding proposed (the district official's queue).
WAGE_MIX = [
    ("closed_s", 660), ("closed_r", 160), ("unsubstantiated", 130), ("reported", 8), ("verifying", 10),
    ("proposed", 5), ("verified", 5), ("coordinating", 12), ("settled", 5), ("referred", 5),
]
WAGE_FLOW = "casework/flows.WageClaimFlow"
_W_VERIFY = ("wageclaim.verify", "核实期限")
_W_RESOLVE = ("wageclaim.resolve", "办结期限")
_W_HEAD = [("start", "START", None, None), ("verify", "HUMAN", "casework.verify_wageclaim", "officer"),
           ("route_verification", "SWITCH", None, None)]
WAGE_NODES = {
    "V": _W_HEAD + [("await_resolution", "FUNCTION", None, None),
                    ("close", "HUMAN", "casework.close_wageclaim", "official"), ("end", "END", None, None)],
    "U": _W_HEAD + [("approve_unsubstantiated", "HUMAN", "casework.close_wageclaim", "official"),
                    ("route_unsubstantiated", "EXCLUSIVE_GATEWAY", None, None), ("end", "END", None, None)],
}
_W_PREFIX = [("create", "", "", "reported", None, None), _deadline_ev("deadline_start", *_W_VERIFY),
             _tr("start_verification", "reported", "verifying", "officer")]
_W_VERIFIED = [_tr("verify", "verifying", "verified", "officer"), _deadline_ev("deadline_met", *_W_VERIFY),
               _deadline_ev("deadline_start", *_W_RESOLVE),
               _tr("start_coordination", "verified", "coordinating", "officer")]
WAGE_EVENTS = {
    "S": _W_PREFIX + _W_VERIFIED + [_upd("payments_recorded", "officer"),
                                    _tr("settle", "coordinating", "settled", "officer"),
                                    _deadline_ev("deadline_met", *_W_RESOLVE),
                                    _tr("close", "settled", "closed", "official")],
    # the referral's notes on the claim (casework.services.referrals): drafted, then on sending the claim is
    # referred (the official who approved it), its handling clock met, and the sending noted
    "R": _W_PREFIX + _W_VERIFIED + [_note("referral_drafted", "officer", "@ref1"),
                                    _tr("refer", "coordinating", "referred", "official") + ("@refer_reason",),
                                    _deadline_ev("deadline_met", *_W_RESOLVE),
                                    _note("referral_sent", "officer", "@ref1"),
                                    _tr("close", "referred", "closed", "official")],
    # a first referral declined by the partner, then a second one (the claim stays referred)
    "R2": _W_PREFIX + _W_VERIFIED + [_note("referral_drafted", "officer", "@ref1"),
                                     _tr("refer", "coordinating", "referred", "official") + ("@refer_reason",),
                                     _deadline_ev("deadline_met", *_W_RESOLVE),
                                     _note("referral_sent", "officer", "@ref1"),
                                     _note("referral_drafted", "officer", "@ref2"),
                                     _note("referral_sent", "officer", "@ref2"),
                                     _tr("close", "referred", "closed", "official")],
    "U": _W_PREFIX + [_upd("unsubstantiated_proposed", "officer"),
                      _tr("find_unsubstantiated", "verifying", "unsubstantiated", "official"),
                      _deadline_ev("deadline_met", *_W_VERIFY)],
}
WAGE_STAGE = {
    "closed_s": ("V", 6, "DONE", "S", 11), "closed_r": ("V", 6, "DONE", "R", 12),
    "unsubstantiated": ("U", 6, "DONE", "U", 6), "reported": ("V", 2, "NEW", "S", 2),
    "verifying": ("V", 2, "ASSIGNED", "S", 3), "proposed": ("U", 4, "NEW", "U", 4),
    "verified": ("V", 4, "NEW", "S", 6), "coordinating": ("V", 4, "NEW", "S", 7),
    "settled": ("V", 5, "NEW", "S", 10), "referred": ("V", 5, "NEW", "R", 11),
}


def generate_wage(cur, params: dict, seconds: dict, log) -> None:
    mix = _mix_sql(WAGE_MIX, "r")
    w_name, w_code = _employer_sql("g", "d", 3)
    archive = "('closed_s','closed_r','unsubstantiated')"
    verified = "('closed_s','closed_r','verified','coordinating','settled','referred')"

    def step(name, sql):
        t = time.perf_counter()
        cur.execute(sql.replace("%(ct)s", "%(wct)s"), params)
        seconds[name] = time.perf_counter() - t
        log(f"  {name}: {cur.rowcount} rows, {seconds[name]:.1f}s")

    step("wage_claims", f"""
    WITH s AS (
      SELECT g, r, d, r2, {mix} AS o FROM (
        SELECT g, {_hash('g')} AS r, g %% %(nd)s AS d, ((g::bigint * 40503) %% 65521) AS r2
        FROM generate_series(1, %(nw)s) g) b
    ), t AS (
      SELECT s.*, CASE
          WHEN o IN {archive} THEN now() - interval '130 days' - interval '1000 days' * ((%(nw)s - g)::float / %(nw)s)
          WHEN o IN ('reported', 'verifying', 'proposed')
            THEN now() - interval '1 hour' - interval '1 hour' * (r2 %% 240)
          ELSE now() - interval '4 days' - interval '1 hour' * (r2 %% 2400) END AS rec,
        (%(mediators)s::bigint[])[1 + d * %(per_m)s + (g / %(nd)s + 5) %% %(per_m)s] AS officer
      FROM s
    ), u AS (
      SELECT t.*,
        CASE WHEN o IN {verified} THEN rec + interval '3 days' END AS verified_at,
        CASE WHEN o IN ('closed_s', 'settled') THEN least(rec + interval '20 days', now() - interval '1 hour') END
          AS settled_at,
        CASE WHEN o IN ('closed_r', 'referred') THEN least(rec + interval '20 days', now() - interval '1 hour') END
          AS referred_at
      FROM t
    )
    INSERT INTO casework_wageclaim (
      id, number, channel, work_place, description, employer_name, employer_credit_code, employer_address,
      employer_key, period_start, period_end, employment_ongoing, employment_ended_on, tracking_code_hash,
      phone_last4, status, received_at, verification_started_at, verified_at, verification_note,
      unsubstantiated_reason, public_reply, coordination_started_at, coordination_place, settled_at,
      settlement_note, referred_at, outcome, closing_note, closed_at, priority, due_at, due_provisional,
      is_overdue, updated_at, closed_by_id, created_by_id, district_id, market_id, officer_id, source_complaint_id,
      source_mediation_id, unsubstantiated_proposed_by_id)
    SELECT g, 'QX-' || to_char(rec, 'YYYY') || '-' || lpad(g::text, 7, '0'),
      CASE r2 %% 3 WHEN 0 THEN 'hotline' WHEN 1 THEN 'counter' ELSE 'online' END,
      '某小区外墙保温工程', '干了一个月，说好月底结清，至今拖欠。',
      {w_name}, {w_code}, '', {employer_key_sql(w_name)},
      (rec - interval '60 days')::date, (rec - interval '10 days')::date, g %% 3 = 0,
      CASE WHEN g %% 3 <> 0 THEN (rec - interval '10 days')::date END,
      encode(sha256(convert_to(%(secret)s || ':' || 'BENCHW' || lpad(g::text, 10, '0'), 'UTF8')), 'hex'),
      (%(last4)s::text[])[1 + (g + 1) %% %(pool)s],
      CASE WHEN o IN ('closed_s', 'closed_r') THEN 'closed' WHEN o = 'proposed' THEN 'verifying' ELSE o END,
      rec, CASE WHEN o <> 'reported' THEN rec + interval '2 hours' END, verified_at,
      CASE WHEN verified_at IS NOT NULL THEN '经向用工单位核实，欠薪情况属实。' ELSE '' END,
      CASE WHEN o IN ('unsubstantiated', 'proposed') THEN '经核实，工资已按约定支付。' ELSE '' END,
      CASE WHEN o = 'unsubstantiated' THEN '经核实，反映的欠薪情况不成立；如有异议可申请劳动仲裁。' ELSE '' END,
      CASE WHEN o IN ('closed_s', 'closed_r', 'coordinating', 'settled', 'referred')
           THEN rec + interval '3 days 6 hours' END,
      CASE WHEN o IN ('closed_s', 'closed_r', 'coordinating', 'settled', 'referred') THEN '零工市场调解室' ELSE '' END,
      settled_at, CASE WHEN settled_at IS NOT NULL THEN '用工单位已当场支付。' ELSE '' END, referred_at,
      CASE o WHEN 'closed_s' THEN CASE WHEN r2 %% 4 = 0 THEN 'partly_recovered' ELSE 'fully_recovered' END
             WHEN 'closed_r' THEN CASE WHEN r2 %% 2 = 0 THEN 'arbitration' ELSE 'litigation' END ELSE '' END,
      CASE WHEN o IN ('closed_s', 'closed_r') THEN '已办结。' ELSE '' END,
      CASE WHEN o IN ('closed_s', 'closed_r') THEN coalesce(settled_at, referred_at) + interval '5 days'
           WHEN o = 'unsubstantiated' THEN rec + interval '5 days' END,
      g %% 20 = 0,
      CASE WHEN o IN ('reported', 'verifying', 'proposed') THEN rec + interval '7 days'
           WHEN o IN ('verified', 'coordinating') THEN verified_at + interval '84 days' END,
      false,
      CASE WHEN o IN ('reported', 'verifying', 'proposed') THEN rec + interval '7 days' < now()
           WHEN o IN ('verified', 'coordinating') THEN verified_at + interval '84 days' < now() ELSE false END,
      now(),
      CASE WHEN o IN {archive} THEN (%(officials)s::bigint[])[1 + d] END,
      CASE WHEN r2 %% 3 = 2 THEN NULL ELSE (%(intake)s::bigint[])[1 + d] END,
      (%(districts)s::bigint[])[1 + d], NULL, CASE WHEN o <> 'reported' THEN officer END, NULL, NULL,
      CASE WHEN o IN ('unsubstantiated', 'proposed') THEN officer END
    FROM u
    """)
    step("wage_mentions", _mentions_sql("casework_wageclaim", "%(ct)s", "employer_name", "employer_credit_code",
                                        "received_at"))
    step("wage_workers", f"""
    WITH c AS (SELECT id, priority, settled_at, {mix} AS o FROM (
                 SELECT id, priority, settled_at, {_hash('id')} AS r FROM casework_wageclaim) x)
    INSERT INTO casework_wageclaimworker (claim_id, name, id_number, phone, amount_owed, amount_paid, paid_at,
                                          priority)
    SELECT c.id, (ARRAY['王','李','张','刘','陈','杨','赵','黄'])[1 + (c.id + k) %% 8] || '师傅',
      (%(ids)s::text[])[1 + (c.id * 3 + k) %% %(pool)s], (%(cipher)s::text[])[1 + (c.id + k) %% %(pool)s],
      (c.id * 7 + k * 13) %% 8000 + 800,
      CASE WHEN c.settled_at IS NOT NULL THEN (c.id * 7 + k * 13) %% 8000 + 800 ELSE 0 END,
      c.settled_at, c.priority AND k = 1
    FROM c CROSS JOIN LATERAL generate_series(1, 1 + c.id %% 3) k
    """)
    step("wage_processes", f"""
    WITH c AS (SELECT id, received_at, closed_at, {mix} AS o FROM (
                 SELECT id, received_at, closed_at, {_hash('id')} AS r FROM casework_wageclaim) x)
    INSERT INTO viewflow_process (id, flow_class, status, created, finished, artifact_content_type_id,
                                  artifact_object_id, data)
    SELECT %(wp)s + id, '{WAGE_FLOW}', CASE WHEN o IN {archive} THEN 'DONE' ELSE 'NEW' END,
      received_at, closed_at, %(wct)s, id, '{{}}'::jsonb
    FROM c
    """)
    inner = f"""(SELECT id, number, received_at, referred_at, officer_id AS u_officer, district_id, {mix} AS o
              FROM (SELECT *, {_hash('id')} AS r FROM casework_wageclaim) y) x"""
    cases = f"""
      SELECT x.*, %(wp)s + x.id AS pid, x.received_at AS t0, {_stage_case(WAGE_STAGE, 0)} AS path,
        {_stage_case(WAGE_STAGE, 1)} AS stage, {_stage_case(WAGE_STAGE, 2)} AS live,
        (%(officials)s::bigint[])[1 + x.id %% %(nd)s] AS u_official
      FROM {inner}"""
    step("wage_tasks", _tasks_sql(WAGE_FLOW, WAGE_NODES, cases, ("officer", "official")))
    # a claim referred twice (the first referral declined) has two more notes (path R2)
    ev_cases = f"""
      SELECT y.*, coalesce(y.path2, {_stage_case(WAGE_STAGE, 3, "y.o")}) AS path,
        {_stage_case(WAGE_STAGE, 4, "y.o")} + CASE WHEN y.path2 IS NULL THEN 0 ELSE 2 END AS events
      FROM (SELECT x.*, x.received_at AS t0, (%(officials)s::bigint[])[1 + x.id %% %(nd)s] AS u_official,
              {wage_referral_columns("x")}
            FROM {inner}) y"""
    step("wage_audit", _audit_sql(WAGE_EVENTS, ev_cases, {"officer": "调解员", "official": "区级负责人"}, 2))
    # Verification clock (5 working days from registration) and, once verified, the handling clock (60).
    step("wage_deadlines", f"""
    WITH c AS (SELECT w.*, {mix} AS o FROM (SELECT *, {_hash('id')} AS r FROM casework_wageclaim) w)
    INSERT INTO core_deadline (content_type_id, object_id, kind, label, unit, days, started_at, due_at,
      provisional, remind_days_before, remind_at, extended_days, extension_reason, suspended_days,
      suspension_reason, status, reminded_at, overdue_at, met_at)
    SELECT %(wct)s, c.id, x.kind, x.label, 'working', x.days, x.started, x.due, false, 3,
      x.due - interval '3 days' - interval '15 hours', 0, '', 0, '', x.status,
      CASE WHEN x.due - interval '3 days' - interval '15 hours' < now() THEN x.due - interval '3 days' END,
      CASE WHEN x.status = 'running' AND x.due < now() THEN x.due END,
      CASE WHEN x.status = 'met' THEN x.met END
    FROM c CROSS JOIN LATERAL (VALUES
      ('{_W_VERIFY[0]}', '{_W_VERIFY[1]}', 5, c.received_at, c.received_at + interval '7 days',
       CASE WHEN c.o IN ('reported', 'verifying', 'proposed') THEN 'running' ELSE 'met' END,
       coalesce(c.verified_at, c.closed_at)),
      ('{_W_RESOLVE[0]}', '{_W_RESOLVE[1]}', 60, c.verified_at, c.verified_at + interval '84 days',
       CASE WHEN c.o IN ('verified', 'coordinating') THEN 'running' ELSE 'met' END,
       coalesce(c.settled_at, c.referred_at))
    ) AS x(kind, label, days, started, due, status, met)
    WHERE x.started IS NOT NULL
    """)


# -- site safety inspections (inspections.Inspection, InspectionFlow) --

# closed_p: passed and closed; closed_r: closed after a rectification notice was accepted at re-inspection.
INSPECTION_MIX = [
    ("closed_p", 620), ("closed_r", 300), ("cancelled", 30), ("planned", 15), ("in_progress", 5),
    ("rectification_required", 5), ("notice_issued", 12), ("responded", 5), ("reinspection", 3), ("escalated", 5),
]
INSPECTION_FLOW = "inspections/flows.InspectionFlow"
MARKETS_PER_DISTRICT = 2
_I_HEAD = [("start", "START", None, None), ("fill", "HUMAN", None, "inspector"), ("conclude", "FUNCTION", None, None),
           ("route_result", "SWITCH", None, None)]
INSPECTION_NODES = {
    "P": _I_HEAD + [("finish", "FUNCTION", None, None), ("end", "END", None, None)],
    "R": _I_HEAD + [("issue_notice", "HUMAN", None, "inspector"), ("await_response", "FUNCTION", None, None),
                    ("reinspect", "HUMAN", None, "inspector"), ("route_review", "EXCLUSIVE_GATEWAY", None, None),
                    ("finish", "FUNCTION", None, None), ("end", "END", None, None)],
    "C": _I_HEAD[:2],
}
_I_PREFIX = [("create", "", "", "planned", None, None), _tr("start", "planned", "in_progress", "inspector"),
             _tr("submit", "in_progress", "submitted", "inspector")]
_I_NOTICE = [_tr("require_rectification", "submitted", "rectification_required", None),
             _tr("issue_notice", "rectification_required", "notice_issued", "inspector")]
INSPECTION_EVENTS = {
    "P": _I_PREFIX + [_tr("pass_", "submitted", "passed", None), _tr("close", "passed", "closed", None)],
    "R": _I_PREFIX + _I_NOTICE + [_tr("record_response", "notice_issued", "responded", "operator"),
                                  _tr("start_reinspection", "responded", "reinspection", "inspector"),
                                  _tr("confirm_rectified", "reinspection", "rectified", "inspector"),
                                  _tr("close", "rectified", "closed", None)],
    "E": _I_PREFIX + _I_NOTICE + [_tr("escalate", "notice_issued", "escalated", None)],
    "C": _I_PREFIX[:1] + [_tr("cancel", "planned", "cancelled", "official")],
}
INSPECTION_STAGE = {
    "closed_p": ("P", 6, "DONE", "P", 5), "closed_r": ("R", 10, "DONE", "R", 9),
    "cancelled": ("C", 2, "CANCELED", "C", 2), "planned": ("P", 2, "ASSIGNED", "P", 1),
    "in_progress": ("P", 2, "ASSIGNED", "P", 2), "rectification_required": ("R", 5, "ASSIGNED", "R", 4),
    "notice_issued": ("R", 6, "NEW", "R", 5), "responded": ("R", 7, "ASSIGNED", "R", 6),
    "reinspection": ("R", 7, "ASSIGNED", "R", 7), "escalated": ("R", 6, "NEW", "E", 6),
}
#: calendar days to fix a finding, by severity (inspections.services.RECTIFICATION_DAYS_DEFAULT)
_I_DAYS = "CASE f.severity WHEN 'critical' THEN 1 WHEN 'major' THEN 7 ELSE 15 END"


def make_inspection_setup(districts) -> dict:
    """Per district: two markets run by one operator (with one operator staff user), two inspectors."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from accounts.models import District, Organization, User
    from core.validators import credit_code_check_char
    from inspections.models import ChecklistVersion
    from markets.models import Market, Operator

    password = make_password("bench-only")
    groups = {g.name: g for g in Group.objects.filter(name__in=["检查员", "运营机构"])}
    out = {"markets": [], "inspectors": [], "operators": []}
    through = User.groups.through
    for district in District.objects.filter(pk__in=districts).order_by("pk"):
        org = Organization.objects.create(name=f"{district.name}零工服务运营中心（基准）", kind="operator",
                                          district=district)
        first17 = f"91110105MA{district.pk:07d}"
        operator = Operator.objects.create(name=org.name, organization=org,
                                           credit_code=first17 + credit_code_check_char(first17))
        staff = [User(username=f"op{district.pk}", password=password, first_name="运营专员",
                      organization=org, is_active=True)]
        staff += [User(username=f"insp{district.pk}-{k}", password=password, first_name=f"检查员{k + 1}",
                       last_name=district.name[:2], district=district, is_active=True) for k in range(2)]
        staff = User.objects.bulk_create(staff)
        through.objects.bulk_create([through(user_id=staff[0].pk, group_id=groups["运营机构"].pk)]
                                    + [through(user_id=u.pk, group_id=groups["检查员"].pk) for u in staff[1:]])
        markets = Market.objects.bulk_create([
            Market(kind="market" if k == 0 else "station", name=f"{district.name}零工市场{k + 1}号",
                   code=f"bench-{district.pk}-{k}", district=district, street="某街道", address="某路1号",
                   opening_hours="06:00-18:00", phone="010-12345678", operator=operator)
            for k in range(MARKETS_PER_DISTRICT)])
        out["markets"] += [m.pk for m in markets]
        out["inspectors"] += [u.pk for u in staff[1:]]
        out["operators"].append(staff[0].pk)
    version = ChecklistVersion.objects.filter(published_at__isnull=False).order_by("-number", "-pk").first()
    out["checklist"] = version.pk
    return out


def generate_inspections(cur, params: dict, seconds: dict, log) -> None:
    mix = _mix_sql(INSPECTION_MIX, "r")
    archive = "('closed_p','closed_r','cancelled')"
    noticed = "('closed_r','notice_issued','responded','reinspection','escalated')"

    def step(name, sql):
        t = time.perf_counter()
        cur.execute(sql.replace("%(ct)s", "%(ict)s"), params)
        seconds[name] = time.perf_counter() - t
        log(f"  {name}: {cur.rowcount} rows, {seconds[name]:.1f}s")

    # t0: the visit (planned inspections: a day ahead); the inspection was planned a week before it.
    step("inspections", f"""
    WITH s AS (
      SELECT g, r, d, r2, {mix} AS o FROM (
        SELECT g, {_hash('g')} AS r, g %% %(nd)s AS d, ((g::bigint * 40503) %% 65521) AS r2
        FROM generate_series(1, %(ni)s) g) b
    ), t AS (
      SELECT s.*, CASE
          WHEN o IN {archive} THEN now() - interval '130 days' - interval '1000 days' * ((%(ni)s - g)::float / %(ni)s)
          WHEN o = 'planned' THEN now() + interval '1 hour' * (r2 %% 240)
          WHEN o IN ('in_progress', 'rectification_required')
            THEN now() - interval '4 hours' - interval '1 hour' * (r2 %% 48)
          WHEN o = 'notice_issued' THEN now() - interval '5 hours' - interval '1 hour' * (r2 %% 120)
          WHEN o = 'escalated' THEN now() - interval '10 days' - interval '1 hour' * (r2 %% 240)
          ELSE now() - interval '5 days' - interval '1 hour' * (r2 %% 120) END AS visit,
        (%(markets)s::bigint[])[1 + d * {MARKETS_PER_DISTRICT} + (g / %(nd)s) %% {MARKETS_PER_DISTRICT}] AS market,
        (%(inspectors)s::bigint[])[1 + d * 2 + (g / %(nd)s + 1) %% 2] AS inspector
      FROM s
    )
    INSERT INTO inspections_inspection (
      id, number, source, planned_for, purpose, status, started_at, submitted_at, concluded_at, closed_at, summary,
      on_site_contact, latitude, longitude, location_accuracy, located_at, draft_saved_at, cancel_reason,
      escalated_at, due_at, is_overdue, updated_at, checklist_id, complaint_id, district_id, inspector_id, market_id)
    SELECT g, 'JC-' || to_char(visit, 'YYYY') || '-' || lpad(g::text, 7, '0'), 'scheduled', visit::date,
      '月度消防安全检查',
      CASE WHEN o LIKE 'closed_%%' THEN 'closed' ELSE o END,
      CASE WHEN o NOT IN ('planned', 'cancelled') THEN visit END,
      CASE WHEN o NOT IN ('planned', 'cancelled', 'in_progress') THEN visit + interval '2 hours' END,
      CASE WHEN o NOT IN ('planned', 'cancelled', 'in_progress') THEN visit + interval '2 hours' END,
      CASE WHEN o = 'closed_p' THEN visit + interval '2 hours'
           WHEN o = 'closed_r' THEN visit + interval '6 days 4 hours'
           WHEN o = 'cancelled' THEN visit - interval '1 day' END,
      CASE WHEN o IN ('planned', 'cancelled') THEN '' ELSE '现场检查消防器材、疏散通道和候工区。' END,
      CASE WHEN o IN ('planned', 'cancelled') THEN '' ELSE '现场负责人' END, NULL, NULL, NULL, NULL,
      CASE WHEN o NOT IN ('planned', 'cancelled') THEN visit + interval '1 hour' END,
      CASE WHEN o = 'cancelled' THEN '市场临时停业装修。' ELSE '' END,
      CASE WHEN o = 'escalated' THEN visit + interval '2 hours' + interval '7 days' END,
      CASE WHEN o IN ('notice_issued', 'escalated') THEN visit + interval '3 hours' + interval '7 days' END,
      o = 'escalated', now(), %(checklist)s, NULL, (%(districts)s::bigint[])[1 + d], inspector, market
    FROM t
    """)
    # One finding per checklist item once the visit started; in progress: the first half answered so far.
    # Rectification paths fail one or two items (major, or minor), the others pass (a few not applicable).
    step("inspection_findings", f"""
    WITH items AS (SELECT id, row_number() OVER (ORDER BY sort_order, id) AS pos, count(*) OVER () AS total
                   FROM inspections_checklistitem WHERE version_id = %(checklist)s),
    i AS (SELECT id, started_at, {mix} AS o FROM (
            SELECT id, started_at, {_hash('id')} AS r FROM inspections_inspection WHERE started_at IS NOT NULL) x)
    INSERT INTO inspections_finding (inspection_id, item_id, result, severity, note, updated_at)
    SELECT i.id, items.id, x.result, CASE WHEN x.result = 'fail' THEN
        CASE WHEN (i.id + items.pos) %% 3 = 0 THEN 'minor' ELSE 'major' END ELSE '' END,
      CASE WHEN x.result = 'fail' THEN '灭火器压力不足，疏散通道堆放杂物。' ELSE '' END, i.started_at
    FROM i CROSS JOIN items
    CROSS JOIN LATERAL (SELECT CASE
        WHEN i.o = 'in_progress' AND items.pos > items.total / 2 THEN ''
        WHEN i.o NOT IN ('closed_p', 'in_progress')
             AND (items.pos = 1 + i.id %% items.total OR (i.id %% 2 = 0 AND items.pos = 1 + (i.id + 7) %% items.total))
          THEN 'fail'
        WHEN items.pos %% 9 = 0 THEN 'na' ELSE 'pass' END AS result) x
    """)
    step("inspection_notices", f"""
    WITH i AS (SELECT x.*, {mix} AS o FROM (
                 SELECT *, {_hash('id')} AS r FROM inspections_inspection) x)
    INSERT INTO inspections_rectificationnotice (inspection_id, number, market_id, status, issued_at, issued_by_id,
      round, responded_at, reviewed_at, escalated_at, escalation_reason, decision_suspend, decision_reason,
      decided_by_id, decided_at, due_at, is_overdue, updated_at)
    SELECT id, 'ZG-' || substr(number, 4), market_id,
      CASE o WHEN 'closed_r' THEN 'accepted' WHEN 'escalated' THEN 'escalated'
             WHEN 'notice_issued' THEN 'issued' ELSE 'responded' END,
      concluded_at + interval '1 hour', inspector_id, 1,
      CASE WHEN o IN ('closed_r', 'responded', 'reinspection') THEN concluded_at + interval '3 days' END,
      CASE WHEN o = 'closed_r' THEN concluded_at + interval '6 days' END,
      escalated_at, CASE WHEN o = 'escalated' THEN '整改期限已届满，运营机构未反馈。' ELSE '' END, NULL, '', NULL, NULL,
      due_at, is_overdue, now()
    FROM i WHERE o IN {noticed}
    """)
    step("inspection_notice_items", f"""
    WITH n AS (SELECT x.*, {mix} AS o FROM (
                 SELECT n.id, n.inspection_id, n.issued_at, {_hash('n.inspection_id')} AS r
                 FROM inspections_rectificationnotice n) x)
    INSERT INTO inspections_noticeitem (notice_id, finding_id, severity, requirement, days, deadline_at, state,
                                        sort_order)
    SELECT n.id, f.id, f.severity, '灭火器压力不足，疏散通道堆放杂物，请限期整改。', {_I_DAYS},
      n.issued_at + interval '1 day' * {_I_DAYS},
      CASE n.o WHEN 'closed_r' THEN 'accepted' WHEN 'notice_issued' THEN 'open' WHEN 'escalated' THEN 'open'
               ELSE 'answered' END,
      row_number() OVER (PARTITION BY n.id ORDER BY f.severity, f.id) - 1
    FROM n JOIN inspections_finding f ON f.inspection_id = n.inspection_id AND f.result = 'fail'
    """)
    step("inspection_responses", """
    INSERT INTO inspections_noticeitemresponse (item_id, round, text, submitted_by_id, submitted_at, accepted,
      review_note, reviewed_by_id, reviewed_at)
    SELECT it.id, 1, '已更换灭火器并清理疏散通道，附整改后照片。',
      (%(operators)s::bigint[])[1 + i.id %% %(nd)s], n.responded_at,
      CASE WHEN n.status = 'accepted' THEN true END, '',
      CASE WHEN n.status = 'accepted' THEN i.inspector_id END, n.reviewed_at
    FROM inspections_noticeitem it JOIN inspections_rectificationnotice n ON n.id = it.notice_id
    JOIN inspections_inspection i ON i.id = n.inspection_id
    WHERE n.responded_at IS NOT NULL
    """)
    step("inspection_processes", f"""
    WITH c AS (SELECT id, started_at, planned_for, closed_at, {mix} AS o FROM (
                 SELECT *, {_hash('id')} AS r FROM inspections_inspection) x)
    INSERT INTO viewflow_process (id, flow_class, status, created, finished, artifact_content_type_id,
                                  artifact_object_id, data)
    SELECT %(ip)s + id, '{INSPECTION_FLOW}',
      CASE WHEN o = 'cancelled' THEN 'CANCELED' WHEN o IN {archive} THEN 'DONE' ELSE 'NEW' END,
      planned_for - interval '7 days', closed_at, %(ict)s, id, '{{}}'::jsonb
    FROM c
    """)
    inner = f"""(SELECT id, number, planned_for - interval '7 days' AS t0, inspector_id AS u_inspector,
                        district_id, {mix} AS o FROM (
              SELECT *, {_hash('id')} AS r FROM inspections_inspection) y) x"""
    cases = f"""
      SELECT x.*, %(ip)s + x.id AS pid, {_stage_case(INSPECTION_STAGE, 0)} AS path,
        {_stage_case(INSPECTION_STAGE, 1)} AS stage, {_stage_case(INSPECTION_STAGE, 2)} AS live
      FROM {inner}"""
    step("inspection_tasks", _tasks_sql(INSPECTION_FLOW, INSPECTION_NODES, cases, ("inspector",)))
    ev_cases = f"""
      SELECT x.*, {_stage_case(INSPECTION_STAGE, 3)} AS path, {_stage_case(INSPECTION_STAGE, 4)} AS events,
        (%(officials)s::bigint[])[1 + x.id %% %(nd)s] AS u_official,
        (%(operators)s::bigint[])[1 + x.id %% %(nd)s] AS u_operator
      FROM {inner}"""
    step("inspection_audit", _audit_sql(INSPECTION_EVENTS, ev_cases, {"inspector": "检查员", "official": "区级负责人",
                                                                      "operator": "运营机构"}, 3))
    # One clock per notice item (calendar days by severity, from the notice): running while the operator has
    # not answered (escalated ones are past due, stamped), met once answered.
    step("inspection_deadlines", """
    INSERT INTO core_deadline (content_type_id, object_id, kind, label, unit, days, started_at, due_at,
      provisional, remind_days_before, remind_at, extended_days, extension_reason, suspended_days,
      suspension_reason, status, reminded_at, overdue_at, met_at)
    SELECT %(nict)s, it.id, 'inspection.notice_item',
      CASE it.severity WHEN 'critical' THEN '整改期限（重大）' WHEN 'major' THEN '整改期限（较大）'
                       ELSE '整改期限（一般）' END,
      'calendar', it.days, n.issued_at, it.deadline_at, false, CASE WHEN it.days > 1 THEN 1 ELSE 0 END,
      it.deadline_at - interval '1 day' * CASE WHEN it.days > 1 THEN 1 ELSE 0 END, 0, '', 0, '',
      CASE WHEN it.state = 'open' THEN 'running' ELSE 'met' END,
      CASE WHEN it.deadline_at - interval '1 day' < now() THEN it.deadline_at - interval '1 day' END,
      CASE WHEN it.state = 'open' AND it.deadline_at < now() THEN it.deadline_at END,
      CASE WHEN it.state <> 'open' THEN n.responded_at END
    FROM inspections_noticeitem it JOIN inspections_rectificationnotice n ON n.id = it.notice_id
    """)


# -- referrals of wage claims (casework.Referral; no flow of their own) --
#
# Every claim on the referral path ("closed_r", and the open "referred") has the referral that made it
# ``referred``: to the district's legal-aid centre (70 %) or labour-inspection brigade (30 %), every worker in
# the packet (the default fields) with a verbal consent recorded, approved by the district official, sent by
# the officer on the day the claim became referred. 8 % of the closed ones were first declined by legal aid
# and referred again three days later. Referrals of closed claims are done (4 % still in progress: the
# partner's case outlives the claim); open ones are as far as their age allows (sent < 1 day, accepted
# < 10 days, in progress < 45 days, outcome reported), a fifth of them with a slow partner who has not
# accepted within 10 days (acceptance clock overdue). Clocks as the services start them: acceptance (legal
# aid 3 working days, labour inspection 5), and for labour inspection the 60-working-day investigation.

REFERRAL_DECLINED_FIRST = 8  # per cent of the closed referred claims
REFERRAL_STILL_OPEN = 4  # per cent of the closed referred claims whose referral is still in progress
REFERRAL_INSPECTION = 3  # tenths of referrals going to labour inspection
REFERRAL_SLOW = 20  # per cent of the open ones whose partner is slow to accept
PACKET = '["employer", "facts", "amounts", "worker_name", "worker_phone"]'
_R_ACCEPT = {"legal_aid": (3, 5, "法律援助机构接收期限（三个工作日）"),
             "labour_inspection": (5, 7, "劳动保障监察受理期限（五个工作日）")}  # working days, ≈ calendar, label
_R_INVESTIGATE = ("referral.investigate", "劳动保障监察办案期限（六十个工作日）")


def _ref_hash(cid: str) -> str:
    return f"((({cid})::bigint * 1597334677) %% 4294967291)"


def _ref_two(cid: str, o: str) -> str:
    return f"({o} = 'closed_r' AND {_ref_hash(cid)} %% 100 < {REFERRAL_DECLINED_FIRST})"


def _ref_kind(cid: str) -> str:
    return (f"CASE WHEN ({_ref_hash(cid)} / 100) %% 10 < {REFERRAL_INSPECTION} THEN 'labour_inspection'"
            " ELSE 'legal_aid' END")


def _ref_number(rid: str, drafted: str) -> str:
    return f"'YS-' || to_char({drafted}, 'YYYY') || '-' || lpad(({rid})::text, 7, '0')"


def _ref_target_name(kind: str, d: str) -> str:
    return (f"CASE {kind} WHEN 'legal_aid' THEN (%(aid_names)s::text[])[1 + {d}]"
            f" ELSE (%(insp_names)s::text[])[1 + {d}] END")


def wage_referral_columns(x: str = "x") -> str:
    """Columns of a wage claim row ``x`` (id, referred_at, o) for its audit trail: the notes naming its
    referrals (ref1, ref2) and the reason of its ``refer`` transition, as casework.services.referrals writes them."""
    two = _ref_two(f"{x}.id", f"{x}.o")
    kind1 = f"CASE WHEN {two} THEN 'legal_aid' ELSE {_ref_kind(f'{x}.id')} END"
    d = f"{x}.id %% %(nd)s"
    num1 = _ref_number(f"{x}.id * 2 - 1", f"{x}.referred_at - interval '1 day'")
    num2 = _ref_number(f"{x}.id * 2", f"{x}.referred_at + interval '2 days'")
    return f"""
        jsonb_build_object('target', {_ref_target_name(kind1, d)}, 'referral', {num1}) AS ref1,
        jsonb_build_object('target', {_ref_target_name(_ref_kind(f'{x}.id'), d)}, 'referral', {num2}) AS ref2,
        '移送' || {_ref_target_name(kind1, d)} || '（' || {num1} || '）' AS refer_reason,
        CASE WHEN {two} THEN 'R2' ELSE NULL END AS path2"""


def make_partner_setup(districts) -> dict:
    """Per district: its legal-aid centre and labour-inspection brigade, each with one partner user."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from accounts.models import District, Organization, User

    password = make_password("bench-only")
    group = Group.objects.get(name="法律援助伙伴")
    out = {"aid_orgs": [], "insp_orgs": [], "aid_names": [], "insp_names": [], "aid_users": [], "insp_users": []}
    through = User.groups.through
    for district in District.objects.filter(pk__in=districts).order_by("pk"):
        for key, kind, name in (("aid", "legal_aid", f"{district.name}法律援助中心（基准）"),
                                ("insp", "labour_inspection", f"{district.name}劳动保障监察大队（基准）")):
            org = Organization.objects.create(name=name, kind=kind, district=None)
            user = User.objects.create(username=f"{key}{district.pk}", password=password, first_name="经办人",
                                       organization=org, is_active=True)
            through.objects.create(user_id=user.pk, group_id=group.pk)
            out[f"{key}_orgs"].append(org.pk)
            out[f"{key}_names"].append(name)
            out[f"{key}_users"].append(user.pk)
    return out


def generate_referrals(cur, params: dict, seconds: dict, log) -> None:
    from django.contrib.contenttypes.models import ContentType

    from casework.models import Referral

    params["rct"] = ContentType.objects.get_for_model(Referral).pk
    mix = _mix_sql(WAGE_MIX, "r")

    def step(name, sql):
        t = time.perf_counter()
        cur.execute(sql, params)
        seconds[name] = time.perf_counter() - t
        log(f"  {name}: {cur.rowcount} rows, {seconds[name]:.1f}s")

    h = _ref_hash("c.id")
    open_status = (f"CASE WHEN now() - s.sent < interval '1 day' OR ({h} %% 100 < {REFERRAL_SLOW}"
                   f" AND now() - s.sent < interval '10 days') THEN 'sent'"
                   f" WHEN now() - s.sent < interval '10 days' THEN 'accepted'"
                   f" WHEN now() - s.sent < interval '45 days' THEN 'in_progress' ELSE 'outcome_reported' END")
    final_status = (f"CASE WHEN c.o = 'referred' THEN {open_status}"
                    f" WHEN {h} %% 100 < {REFERRAL_DECLINED_FIRST + REFERRAL_STILL_OPEN}"
                    f" AND NOT {_ref_two('c.id', 'c.o')} THEN 'in_progress' ELSE 'done' END")
    past = "('accepted', 'in_progress', 'outcome_reported', 'done')"
    accept_due = (f"sent + interval '1 day' * CASE kind WHEN 'legal_aid' THEN {_R_ACCEPT['legal_aid'][1]}"
                  f" ELSE {_R_ACCEPT['labour_inspection'][1]} END")
    step("referrals", f"""
    WITH c AS (SELECT w.*, {mix} AS o FROM (SELECT *, {_hash('id')} AS r FROM casework_wageclaim) w),
    s AS (
      SELECT c.id AS cid, c.id * 2 - 1 AS rid, c.referred_at AS sent,
        CASE WHEN {_ref_two('c.id', 'c.o')} THEN 'legal_aid' ELSE {_ref_kind('c.id')} END AS kind, c.o
      FROM c WHERE c.o IN ('closed_r', 'referred')
      UNION ALL
      SELECT c.id, c.id * 2, c.referred_at + interval '3 days', {_ref_kind('c.id')}, c.o
      FROM c WHERE {_ref_two('c.id', 'c.o')}
    ), t AS (
      SELECT s.*, w.district_id, w.officer_id, w.id %% %(nd)s AS d,
        CASE WHEN s.rid = w.id * 2 - 1 AND {_ref_two('w.id', 's.o')} THEN 'declined'
             ELSE (SELECT {final_status} FROM (SELECT w.id, s.o) AS c) END AS status
      FROM s JOIN casework_wageclaim w ON w.id = s.cid
    )
    INSERT INTO casework_referral (id, number, claim_id, district_id, kind, target_id, summary, crime_basis,
      packet_fields, status, drafted_by_id, created_at, approved_by_id, approved_at, sent_by_id, sent_at,
      accepted_by_id, accepted_at, partner_case_number, declined_at, decline_reason, recovered_amount, case_stage,
      closing_reason, outcome_note, outcome_reported_at, done_by_id, done_at, revoked_at, revoke_reason, due_at,
      due_provisional, is_overdue, updated_at)
    SELECT rid, {_ref_number('rid', "sent - interval '1 day'")}, cid, district_id, kind,
      CASE kind WHEN 'legal_aid' THEN (%(aid_orgs)s::bigint[])[1 + d] ELSE (%(insp_orgs)s::bigint[])[1 + d] END,
      CASE kind WHEN 'legal_aid' THEN '请为劳动者提供法律援助，追索拖欠工资。'
           ELSE '用人单位拖欠劳动者工资，经协调未果，请依法查处。' END, '', '{PACKET}'::jsonb, status,
      officer_id, sent - interval '1 day', (%(officials)s::bigint[])[1 + d], sent - interval '2 hours', officer_id,
      sent,
      CASE WHEN status IN {past} THEN CASE kind WHEN 'legal_aid' THEN (%(aid_users)s::bigint[])[1 + d]
                                          ELSE (%(insp_users)s::bigint[])[1 + d] END END,
      CASE WHEN status IN {past} THEN sent + interval '1 day' END,
      CASE WHEN status IN {past} THEN CASE kind WHEN 'legal_aid' THEN '法援' ELSE '监察' END || rid ELSE '' END,
      CASE WHEN status = 'declined' THEN sent + interval '1 day' END,
      CASE WHEN status = 'declined' THEN '申请人经济状况不符合法律援助条件，建议转劳动保障监察。' ELSE '' END,
      CASE WHEN status IN ('outcome_reported', 'done') THEN (cid %% 8000) + 500 END,
      CASE WHEN status IN ('outcome_reported', 'done') THEN
        CASE kind WHEN 'legal_aid' THEN 'arbitration' ELSE 'administrative' END ELSE '' END,
      CASE WHEN status IN ('outcome_reported', 'done') THEN
        CASE WHEN cid %% 3 = 0 THEN 'partly_recovered' ELSE 'fully_recovered' END ELSE '' END,
      CASE WHEN status IN ('outcome_reported', 'done') THEN '经仲裁调解，用人单位支付拖欠工资。' ELSE '' END,
      CASE WHEN status IN ('outcome_reported', 'done') THEN sent + interval '45 days' END,
      CASE WHEN status = 'done' THEN officer_id END, CASE WHEN status = 'done' THEN sent + interval '48 days' END,
      NULL, '',
      CASE WHEN status = 'sent' THEN {accept_due}
           WHEN status IN ('accepted', 'in_progress') AND kind = 'labour_inspection'
             THEN sent + interval '1 day' + interval '84 days' END,
      false,
      CASE WHEN status = 'sent' THEN {accept_due} < now()
           WHEN status IN ('accepted', 'in_progress') AND kind = 'labour_inspection'
             THEN sent + interval '85 days' < now() ELSE false END,
      now()
    FROM t ORDER BY rid
    """)
    step("referral_workers", """
    INSERT INTO casework_referral_workers (referral_id, wageclaimworker_id)
    SELECT r.id, w.id FROM casework_referral r JOIN casework_wageclaimworker w ON w.claim_id = r.claim_id
    ORDER BY r.id, w.id
    """)
    step("referral_consents", """
    INSERT INTO casework_referralconsent (referral_id, worker_id, organization_id, method, given_at, note,
                                          recorded_by_id, recorded_at)
    SELECT r.id, w.id, r.target_id, 'verbal', r.sent_at - interval '20 hours' + interval '1 minute' * w.id,
      '电话告知移送单位名称及提供的信息，本人同意。', r.drafted_by_id,
      r.sent_at - interval '20 hours' + interval '1 minute' * w.id
    FROM casework_referral r JOIN casework_wageclaimworker w ON w.claim_id = r.claim_id
    ORDER BY r.id, w.id
    """)
    step("referral_updates", """
    INSERT INTO casework_referralupdate (referral_id, author_id, note, created_at)
    SELECT id, accepted_by_id, '已立案，正在组织双方调解。', sent_at + interval '10 days'
    FROM casework_referral WHERE status IN ('in_progress', 'outcome_reported', 'done') ORDER BY id
    """)
    # Clocks: acceptance for every sent referral; labour inspection's investigation once accepted.
    step("referral_deadlines", f"""
    INSERT INTO core_deadline (content_type_id, object_id, kind, label, unit, days, started_at, due_at,
      provisional, remind_days_before, remind_at, extended_days, extension_reason, suspended_days,
      suspension_reason, status, reminded_at, overdue_at, met_at)
    SELECT %(rct)s, r.id, x.kind, x.label, 'working', x.days, x.started, x.due, false, x.remind,
      x.due - interval '1 day' * x.remind - interval '15 hours', 0, '', 0, '', x.status,
      CASE WHEN x.due - interval '1 day' * x.remind - interval '15 hours' < now()
           THEN x.due - interval '1 day' * x.remind - interval '15 hours' END,
      CASE WHEN x.status = 'running' AND x.due < now() THEN x.due END,
      CASE WHEN x.status = 'met' THEN x.met END
    FROM casework_referral r CROSS JOIN LATERAL (VALUES
      ('referral.accept', CASE r.kind WHEN 'legal_aid' THEN '{_R_ACCEPT['legal_aid'][2]}'
                                      ELSE '{_R_ACCEPT['labour_inspection'][2]}' END,
       CASE r.kind WHEN 'legal_aid' THEN {_R_ACCEPT['legal_aid'][0]} ELSE {_R_ACCEPT['labour_inspection'][0]} END, 1,
       r.sent_at, r.sent_at + interval '1 day' * CASE r.kind WHEN 'legal_aid' THEN {_R_ACCEPT['legal_aid'][1]}
                                                          ELSE {_R_ACCEPT['labour_inspection'][1]} END,
       CASE WHEN r.status = 'sent' THEN 'running' ELSE 'met' END, coalesce(r.accepted_at, r.declined_at)),
      ('{_R_INVESTIGATE[0]}', '{_R_INVESTIGATE[1]}', 60, 10, r.accepted_at, r.accepted_at + interval '84 days',
       CASE WHEN r.status IN ('accepted', 'in_progress') THEN 'running' ELSE 'met' END, r.outcome_reported_at)
    ) AS x(kind, label, days, remind, started, due, status, met)
    WHERE x.kind = 'referral.accept' OR (r.kind = 'labour_inspection' AND r.accepted_at IS NOT NULL)
    """)
    # The referral's own trail (casework.services.referrals): drafted, one consent per worker, approved, sent
    # with its acceptance clock; declined, or accepted (labour inspection: investigation clock), progress,
    # outcome (investigation clock met) and completion, as far as its status got.
    ev = [
        # (k, action, name, from, to, who, timestamp, one per worker)
        (0, "create", "", "", "drafted", "officer", "created_at", False),
        (1, "note", "consent_recorded", "", "", "officer", "consent", True),
        (2, "note", "approve", "", "", "official", "approved_at", False),
        (3, "transition", "send", "drafted", "sent", "officer", "sent_at", False),
        (4, "deadline", "deadline_start", "", "", "officer", "sent_at", False),
        (5, "transition", "decline", "sent", "declined", "partner", "declined_at", False),
        (6, "transition", "accept", "sent", "accepted", "partner", "accepted_at", False),
        (7, "deadline", "deadline_met", "", "", "partner", "met_accept", False),
        (8, "deadline", "deadline_start", "", "", "partner", "accepted_at", False),
        (9, "transition", "report_progress", "accepted", "in_progress", "partner", "progress", False),
        (10, "transition", "report_outcome", "in_progress", "outcome_reported", "partner", "outcome_reported_at",
         False),
        (11, "deadline", "deadline_met", "", "", "partner", "outcome_reported_at", False),
        (12, "transition", "complete", "outcome_reported", "done", "officer", "done_at", False),
    ]
    rows = ", ".join(f"({k}, {_q(a)}, {_q(n)}, {_q(f)}, {_q(t)}, {_q(w)}, {_q(at)}, {str(pw).lower()})"
                     for k, a, n, f, t, w, at, pw in ev)
    # which events a referral has: by its status and kind
    has = """CASE
      WHEN e.k <= 4 THEN true
      WHEN e.k = 5 THEN r.status = 'declined'
      WHEN e.k = 7 THEN r.status <> 'sent'
      WHEN e.k = 6 THEN r.status IN ('accepted', 'in_progress', 'outcome_reported', 'done')
      WHEN e.k = 8 THEN r.kind = 'labour_inspection' AND r.accepted_at IS NOT NULL
      WHEN e.k = 9 THEN r.status IN ('in_progress', 'outcome_reported', 'done')
      WHEN e.k = 10 THEN r.status IN ('outcome_reported', 'done')
      WHEN e.k = 11 THEN r.kind = 'labour_inspection' AND r.status IN ('outcome_reported', 'done')
      ELSE r.status = 'done' END"""
    accept_dl = f"""jsonb_build_object('kind', 'referral.accept', 'label', CASE r.kind WHEN 'legal_aid'
                      THEN '{_R_ACCEPT['legal_aid'][2]}' ELSE '{_R_ACCEPT['labour_inspection'][2]}' END)"""
    invest_dl = f"jsonb_build_object('kind', '{_R_INVESTIGATE[0]}', 'label', '{_R_INVESTIGATE[1]}')"
    step("referral_audit", f"""
    WITH ev(k, action, name, from_state, to_state, who, at, per_worker) AS (VALUES {rows}),
    r AS (SELECT r.*, o.name AS target_name, cl.number AS claim_number,
            (SELECT array_agg(w.id ORDER BY w.id) FROM casework_wageclaimworker w WHERE w.claim_id = r.claim_id)
              AS workers
          FROM casework_referral r JOIN accounts_organization o ON o.id = r.target_id
          JOIN casework_wageclaim cl ON cl.id = r.claim_id)
    INSERT INTO core_auditevent (created_at, actor_name, actor_role, actor_org, ip, content_type_id,
      object_id, object_repr, action, name, from_state, to_state, reason, data, prev_hash, hash, actor_id)
    SELECT
      CASE e.at WHEN 'created_at' THEN r.created_at WHEN 'approved_at' THEN r.approved_at
        WHEN 'sent_at' THEN r.sent_at WHEN 'declined_at' THEN r.declined_at WHEN 'accepted_at' THEN r.accepted_at
        WHEN 'met_accept' THEN coalesce(r.accepted_at, r.declined_at)
        WHEN 'progress' THEN r.sent_at + interval '10 days'
        WHEN 'outcome_reported_at' THEN r.outcome_reported_at WHEN 'done_at' THEN r.done_at
        ELSE r.sent_at - interval '20 hours' + interval '1 minute' * wk.wid END,
      '工作人员', CASE e.who WHEN 'officer' THEN '调解员' WHEN 'official' THEN '区级负责人' ELSE '法律援助伙伴' END,
      CASE WHEN e.who = 'partner' THEN r.target_name ELSE '' END,
      NULL, %(rct)s, r.id::text, r.number, e.action, e.name, e.from_state, e.to_state,
      CASE WHEN e.name = 'decline' THEN r.decline_reason ELSE '' END,
      CASE
        WHEN e.k = 0 THEN jsonb_build_object('claim', r.claim_number, 'target', r.target_name,
                                             'fields', r.packet_fields, 'workers', to_jsonb(r.workers),
                                             'attachments', '[]'::jsonb)
        WHEN e.k = 1 THEN jsonb_build_object('method', 'verbal', 'worker', wk.wid, 'organization', r.target_name,
                                             'consent', (SELECT x.id FROM casework_referralconsent x
                                                         WHERE x.referral_id = r.id AND x.worker_id = wk.wid))
        WHEN e.k IN (4, 7) THEN {accept_dl}
        WHEN e.k IN (8, 11) THEN {invest_dl}
        WHEN e.k = 6 THEN jsonb_build_object('partner_case_number', r.partner_case_number)
        WHEN e.k = 10 THEN jsonb_build_object('note', r.outcome_note, 'case_stage', r.case_stage,
                                              'closing_reason', r.closing_reason,
                                              'recovered_amount', r.recovered_amount::text)
        ELSE '{{}}'::jsonb END,
      '', '4' || lpad(to_hex(r.id * 64 + e.k * 4 + wk.n), 63, '0'),
      CASE e.who WHEN 'officer' THEN r.drafted_by_id WHEN 'official' THEN r.approved_by_id ELSE
        CASE r.kind WHEN 'legal_aid' THEN (%(aid_users)s::bigint[])[1 + r.claim_id %% %(nd)s]
                    ELSE (%(insp_users)s::bigint[])[1 + r.claim_id %% %(nd)s] END END
    FROM r JOIN ev e ON {has}
    CROSS JOIN LATERAL (SELECT u.wid, u.n FROM unnest(r.workers) WITH ORDINALITY u(wid, n)
                        WHERE e.per_worker
                        UNION ALL SELECT NULL::bigint, 0 WHERE NOT e.per_worker) wk
    ORDER BY r.id, e.k, wk.n
    """)

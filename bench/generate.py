"""Bulk data for the benchmark: N complaints with their viewflow processes and tasks, audit trail and
deadlines, in the proportions of a real year-on-year archive (most cases closed, ~5 % open, some overdue).

Rows are written by set-based ``INSERT … SELECT`` over ``generate_series`` inside PostgreSQL, never through
the services: one statement per table, so a million cases load in minutes. Users (≈200) and their roles go
through ``bulk_create``. Everything is deterministic in the case number ``g`` (1..N), so every size and every
run hold the same shape of data.

What the generated rows are not: the audit rows carry unique placeholder hashes, not a verifiable chain
(``verify_audit`` would stop at the first one; the benchmark measures reading and appending, not verifying),
and ``viewflow_task_previous`` (the flow graph's edges, read only by the process chart) is left empty.
"""

from __future__ import annotations

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


@dataclass
class Generated:
    cases: int
    users: dict  # role -> {district_id: [user ids]}
    districts: list
    seconds: dict


def tracking_code(g: int) -> str:
    """The (fake but well-formed) tracking code of case ``g``: 16 upper-case alphanumerics."""
    return f"BENCH{g:011d}"


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


def generate(n: int, *, log=print) -> Generated:
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import District
    from casework.models import Complaint

    seconds = {}
    t0 = time.perf_counter()
    with transaction.atomic():
        users = make_users()
    districts = list(District.objects.order_by("pk").values_list("pk", flat=True))
    ct = ContentType.objects.get_for_model(Complaint).pk
    # Encryption is per value and slow-ish; a pool of real ciphertexts stands in for a million phones.
    field = Complaint._meta.get_field("complainant_phone")
    phones = [f"139{k:08d}" for k in range(PHONE_POOL)]
    cipher = [field.get_prep_value(p) for p in phones]
    last4 = [p[-4:] for p in phones]

    nd = len(districts)
    intake = [users["受理员"][d][0] for d in districts]
    officials = [users["区级负责人"][d][0] for d in districts]
    mediators = [m for d in districts for m in users["调解员"][d]]  # district k: mediators[8k .. 8k+7]
    per_m = PER_DISTRICT["调解员"]
    seconds["users"] = time.perf_counter() - t0

    params = {
        "n": n, "nd": nd, "districts": districts, "intake": intake, "officials": officials,
        "mediators": mediators, "per_m": per_m, "cipher": cipher, "last4": last4, "pool": PHONE_POOL,
        "secret": settings.SECRET_KEY, "cats": CATEGORIES, "ct": ct,
    }
    closed_sql = "('closed','rejected','withdrawn','merged')"
    with connection.cursor() as cur:
        t = time.perf_counter()
        cur.execute("SET synchronous_commit = off")
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
          'employer', '某某劳务派遣公司' || (g %% 5000), '', (%(cats)s::text[])[1 + r2 %% 10],
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
        for table, column in (("casework_complaint", "id"), ("viewflow_process", "id"), ("viewflow_task", "id"),
                              ("core_auditevent", "id"), ("core_deadline", "id")):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                        f"(SELECT coalesce(max({column}), 1) FROM {table}))")
    # VACUUM cannot run in a transaction; autocommit is Django's default outside atomic blocks.
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    seconds["vacuum_analyze"] = time.perf_counter() - t
    seconds["total"] = time.perf_counter() - t0
    log(f"  vacuum analyze: {seconds['vacuum_analyze']:.1f}s; total {seconds['total']:.1f}s")
    return Generated(cases=n, users=users, districts=districts, seconds=seconds)

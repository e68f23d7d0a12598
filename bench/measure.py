"""Measurements 1–7 on one database (one size), run in its own process by ``bench.__main__``.

Pages go through Django's full request stack (every middleware, the session, the template) with the test
Client, which is what a WSGI worker runs minus the socket. For each page we record wall time, the number of
queries and the time spent in them; the hand-written SQL for the same rows runs on the same connection right
after, and its ratio is ours / raw for the database work (page DB time / raw SQL time) and for the whole page.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import sys
import time
from contextlib import contextmanager

from django.db import connection, transaction

FLOW = "casework/flows.ComplaintFlow"
CLOSED = ("rejected", "closed", "withdrawn", "merged")


def stats(samples: list[float]) -> dict:
    s = sorted(samples)
    return {"median": statistics.median(s), "min": s[0], "max": s[-1], "n": len(s),
            "p25": s[max(0, math.floor(len(s) * 0.25))], "p75": s[min(len(s) - 1, math.floor(len(s) * 0.75))]}


class QueryLog:
    def __init__(self):
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((time.perf_counter() - t, sql, params))


@contextmanager
def logged():
    log = QueryLog()
    with connection.execute_wrapper(log):
        yield log


def explain(sql, params) -> str:
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(r[0] for r in cur.fetchall())


def cpu_probe() -> float:
    """Milliseconds a fixed pure-Python loop takes (median of 5): how fast the machine is at that moment. This
    host's speed drifts: on 2026-11-27 the same loop took 300–510 ms within minutes, and every absolute figure
    drifts with it, so each size records the probe before its pages and after its transitions."""
    times = []
    for _ in range(5):
        t, total = time.perf_counter(), 0
        for i in range(1_000_000):
            total += i * i
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def raw(sql, params=()) -> list:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description is not None else []


def page_rows(statements) -> int:
    """How many rows the page lists (the list is the last statement of a page's raw SQL): a 10k-case page
    may not be full, and a page of 25 rows renders more than one of 3."""
    return len(raw(*statements[-1]))


def time_raw(statements, repeats) -> list[float]:
    """Wall time of running the statements back to back (one round trip each), fetching every row."""
    for sql, params in statements:  # warm-up
        raw(sql, params)
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        for sql, params in statements:
            raw(sql, params)
        samples.append(time.perf_counter() - t)
    return samples


#: Queries every signed-in request makes whatever the page (session, user, 2FA device, permissions, roles).
_PER_REQUEST = ('"django_session"', '"otp_totp_totpdevice"', '"auth_permission"', '"auth_group"."name"',
                'FROM "accounts_user" WHERE "accounts_user"."id" = %s LIMIT 21')


def _per_request(sql):
    return any(marker in sql for marker in _PER_REQUEST)


def measure_page(client, method, url, repeats, data=None, follow=False, expect=200):
    """Wall and DB time of a request; the plans of its two slowest queries (from the last run)."""
    def go():
        r = client.post(url, data, follow=follow) if method == "post" else client.get(url, follow=follow)
        assert r.status_code == expect, (url, r.status_code)
        return r

    go()  # warm caches (content types, permissions, templates)
    walls, dbs, datas, counts, last = [], [], [], [], None
    for _ in range(repeats):
        with logged() as log:
            t = time.perf_counter()
            r = go()
            walls.append(time.perf_counter() - t)
        dbs.append(sum(q[0] for q in log.queries))
        datas.append(sum(q[0] for q in log.queries if not _per_request(q[1])))
        counts.append(len(log.queries))
        last = log
    slow = sorted(last.queries, key=lambda q: -q[0])[:2]
    plans = []
    for dur, sql, params in slow:
        if sql.lstrip().upper().startswith("SELECT"):
            try:
                plans.append({"ms": dur * 1000, "sql": sql, "plan": explain(sql, params)})
            except Exception as exc:  # a plan we cannot reproduce is reported, not fatal
                plans.append({"ms": dur * 1000, "sql": sql, "plan": f"(EXPLAIN failed: {exc})"})
    return {"wall": stats(walls), "db": stats(dbs), "db_data": stats(datas), "queries": max(counts), "queries_min": min(counts),
            "bytes": len(r.content), "plans": plans,
            "query_list": [(round(d * 1000, 3), s[:160]) for d, s, _ in last.queries]}


def client_for(user):
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c


# ---- raw SQL for the same rows -----------------------------------------------------------------------
# Lists return their page and their total in one statement (``count(*) OVER ()``), as the pages do.

URGENCY = "c.is_overdue DESC, c.priority DESC, c.due_at ASC NULLS LAST"


# The menu of a flow's pages shows two badges: the inbox count (which the inbox page's own list carries) and the
# queue count (its own query); the queue page carries its count and asks for the inbox's. The raw side computes
# what the page shows, the badge included (as raw_detail reads everything the case page shows).

def raw_queue_count(user):
    """The complaint queue badge on an inbox page: NEW human tasks of the complaint flow open to the user, on
    open cases in scope. Written on the indexed (node | permission) key (core migration 0010): a mediator's
    permissions match none of the complaint flow's nodes, so the key's index finds nothing at once."""
    import config.urls  # noqa: F401  (viewflow binds its flows' nodes when the URLconf loads)
    from casework.flows import ComplaintFlow
    from core.workflow import human_nodes

    perms = [*sorted(user.get_all_permissions()), "-"]
    pairs = [f"{node}|{perm}" for node in human_nodes(ComplaintFlow) for perm in perms]
    return ("""
        SELECT count(*) FROM viewflow_task t JOIN viewflow_process p ON p.id = t.process_id
        JOIN casework_complaint c ON c.id = p.artifact_object_id
        WHERE ((CASE WHEN (t.flow_task_type = 'HUMAN' AND t.status = 'NEW')
                     THEN (t.flow_task || '|' || COALESCE(t.owner_permission, '-')) ELSE NULL END) = ANY(%s)
               OR (t.owner_id = %s AND t.status = 'NEW' AND t.flow_task_type = 'HUMAN'))
          AND p.flow_class = %s AND c.status <> ALL(%s)
          AND (c.district_id = %s OR c.responsible_id = %s OR c.assignee_id = %s)""",
            [pairs, user.pk, FLOW, list(CLOSED), user.district_id, user.pk, user.pk])


def raw_inbox_count(user):
    return ("""
        SELECT count(*) FROM viewflow_task t JOIN viewflow_process p ON p.id = t.process_id
        JOIN casework_complaint c ON c.id = p.artifact_object_id
        WHERE t.owner_id = %s AND t.status = 'ASSIGNED' AND p.flow_class = %s AND c.status <> ALL(%s)
          AND (c.district_id = %s OR c.responsible_id = %s OR c.assignee_id = %s)""",
            [user.pk, FLOW, list(CLOSED), user.district_id, user.pk, user.pk])


def raw_inbox(user):
    return [raw_queue_count(user), (f"""
        SELECT t.id, t.process_id, t.flow_task, t.created, c.number, c.due_at, c.is_overdue, c.priority,
               count(*) OVER ()
        FROM viewflow_task t JOIN viewflow_process p ON p.id = t.process_id
        JOIN casework_complaint c ON c.id = p.artifact_object_id
        WHERE t.owner_id = %s AND t.status = 'ASSIGNED' AND p.flow_class = %s
          AND (c.district_id = %s OR c.responsible_id = %s OR c.assignee_id = %s)
        ORDER BY {URGENCY}, t.created DESC LIMIT 25""",
             [user.pk, FLOW, user.district_id, user.pk, user.pk])]


def raw_queue(user):
    """Written to start where the answer is: the district's open cases (a MATERIALIZED CTE), then each one's
    process and its NEW human tasks (LATERAL with OFFSET 0, which PostgreSQL does not flatten: one index probe
    per case, whatever the planner estimates)."""
    perms = sorted(user.get_all_permissions())
    return [raw_inbox_count(user), (f"""
        WITH c AS MATERIALIZED (
          SELECT id, number, due_at, is_overdue, priority FROM casework_complaint
          WHERE status NOT IN ('rejected', 'closed', 'withdrawn', 'merged')
            AND (district_id = %s OR responsible_id = %s OR assignee_id = %s))
        SELECT t.id, t.process_id, t.flow_task, t.created, c.number, c.due_at, c.is_overdue, c.priority,
               count(*) OVER ()
        FROM c JOIN viewflow_process p ON p.artifact_object_id = c.id AND p.flow_class = %s
        CROSS JOIN LATERAL (
          SELECT t.id, t.process_id, t.flow_task, t.created FROM viewflow_task t
          WHERE t.process_id = p.id AND t.status = 'NEW' AND t.flow_task_type = 'HUMAN'
            AND (t.owner_permission IS NULL OR t.owner_permission = ANY(%s) OR t.owner_id = %s)
          OFFSET 0) t
        ORDER BY {URGENCY}, t.created DESC LIMIT 25""",
             [user.district_id, user.pk, user.pk, FLOW, perms, user.pk])]


def raw_list(user, status, category):
    """The filtered list and the repeat-offender badges its rows show (casework.repeat_offenders.counts_for:
    the employer index rows of the user's district naming each row's employer, by credit code and by
    normalised name), as the page shows them."""
    from casework.repeat_offenders import EmployerRef

    listing = (f"""
        SELECT c.id, c.number, c.status, c.category, c.respondent_name, c.submitted_at, c.due_at, c.is_overdue,
               c.priority, d.name, m.name, a.first_name, a.last_name, r.first_name, r.last_name,
               c.respondent_credit_code, count(*) OVER ()
        FROM casework_complaint c JOIN accounts_district d ON d.id = c.district_id
        LEFT JOIN markets_market m ON m.id = c.market_id
        LEFT JOIN accounts_user a ON a.id = c.assignee_id LEFT JOIN accounts_user r ON r.id = c.responsible_id
        WHERE (c.district_id = %s OR c.responsible_id = %s OR c.assignee_id = %s)
          AND c.status = %s AND c.category = %s
        ORDER BY {URGENCY}, c.id LIMIT 25""", [user.district_id, user.pk, user.pk, status, category])
    refs = {EmployerRef.of(row[4] or "", row[15] or "") for row in raw(*listing)}
    refs = {ref for ref in refs if ref}
    codes = sorted({ref.credit_code for ref in refs if ref.credit_code})
    statements = []
    keys = {ref.key for ref in refs if ref.key}
    if codes:
        by_code = ("""SELECT credit_code, key, count(*) FROM casework_employermention
                      WHERE district_id = %s AND credit_code = ANY(%s) GROUP BY credit_code, key""",
                   [user.district_id, codes])
        statements.append(by_code)
        keys |= {key for _, key, _ in raw(*by_code) if key}
    if keys:
        statements.append(("""SELECT key, count(*), count(*) FILTER (WHERE credit_code = '')
                              FROM casework_employermention WHERE district_id = %s AND key = ANY(%s)
                              GROUP BY key""", [user.district_id, sorted(keys)]))
    return statements + [listing]  # the list last (page_rows)


def raw_detail(complaint, ct):
    cid = complaint.pk
    return [
        ("""SELECT c.*, d.name, a.first_name, r.first_name FROM casework_complaint c
            JOIN accounts_district d ON d.id = c.district_id LEFT JOIN accounts_user a ON a.id = c.assignee_id
            LEFT JOIN accounts_user r ON r.id = c.responsible_id WHERE c.number = %s""", [complaint.number]),
        ("""SELECT e.id, e.created_at, e.action, e.name, e.from_state, e.to_state, e.reason, e.actor_name,
                   e.actor_role FROM core_auditevent e
            WHERE e.content_type_id = %s AND e.object_id = %s ORDER BY e.id""", [ct, str(cid)]),
        ("SELECT * FROM core_deadline WHERE content_type_id = %s AND object_id = %s ORDER BY started_at",
         [ct, cid]),
        ("""SELECT t.id, t.flow_task, t.status, t.owner_id FROM viewflow_process p
            JOIN viewflow_task t ON t.process_id = p.id
            WHERE p.artifact_object_id = %s AND p.flow_class = %s AND p.status NOT IN ('DONE', 'CANCELED')
              AND t.status IN ('NEW', 'ASSIGNED')""", [cid, FLOW]),
        ("SELECT * FROM core_attachment WHERE content_type_id = %s AND object_id = %s", [ct, cid]),
        ("SELECT * FROM core_generateddocument WHERE content_type_id = %s AND object_id = %s", [ct, cid]),
        ("SELECT * FROM casework_complaintnote WHERE complaint_id = %s", [cid]),
    ]


def raw_track(code_hash):
    return [("""SELECT c.number, c.status, c.category, c.anonymous, c.submitted_at, c.accepted_at, c.due_at,
                      c.public_reply, c.closed_at, c.phone_last4, d.name, m.name, s.answered_at
               FROM casework_complaint c JOIN accounts_district d ON d.id = c.district_id
               LEFT JOIN markets_market m ON m.id = c.market_id
               LEFT JOIN casework_satisfactionsurvey s ON s.content_type_id = 27 AND s.object_id = c.id
               WHERE c.tracking_code_hash = %s""", [code_hash])]


# ---- 1b: the mediator's inbox on the mediation flow ------------------------------------------------------

MEDIATION_FLOW = "casework/flows.MediationFlow"


def raw_mediation_inbox(user):
    """What ScopedInboxView shows for MediationFlow: the user's ASSIGNED tasks whose case they may see
    (district or mediator), nearest 15-day limit first (mediation cases have no overdue flag or priority), and the
    menu's queue badge for the mediation flow."""
    # The badge case-first (the district's open mediation cases, then each one's NEW human tasks), as raw_queue
    # is written: a mediator's permissions match most open mediation tasks of the city, so the key-first form
    # read 1,504 of them at 1,000,000 cases (10.7 ms, against 3.7 ms for this one).
    badge = ("""
        WITH c AS MATERIALIZED (
          SELECT id FROM casework_mediationcase
          WHERE status <> ALL(%s) AND (district_id = %s OR mediator_id = %s))
        SELECT count(*) FROM c JOIN viewflow_process p ON p.artifact_object_id = c.id AND p.flow_class = %s
        CROSS JOIN LATERAL (
          SELECT 1 FROM viewflow_task t
          WHERE t.process_id = p.id AND t.status = 'NEW' AND t.flow_task_type = 'HUMAN'
            AND (t.owner_permission IS NULL OR t.owner_permission = ANY(%s) OR t.owner_id = %s)
          OFFSET 0) t""",
             [["declined", "closed", "withdrawn"], user.district_id, user.pk, MEDIATION_FLOW,
              sorted(user.get_all_permissions()), user.pk])
    return [badge, ("""
        SELECT t.id, t.process_id, t.flow_task, t.created, c.number, c.due_at
        FROM viewflow_task t JOIN viewflow_process p ON p.id = t.process_id
        JOIN casework_mediationcase c ON c.id = p.artifact_object_id
        WHERE t.owner_id = %s AND t.status = 'ASSIGNED' AND p.flow_class = %s
          AND (c.district_id = %s OR c.mediator_id = %s)
        ORDER BY c.due_at ASC NULLS LAST, t.created DESC LIMIT 25""",
             [user.pk, MEDIATION_FLOW, user.district_id, user.pk])]


def mediation_inbox(repeats) -> dict:
    """The mediator holding the most ASSIGNED mediation tasks (applications they took up for review)."""
    from accounts.models import User

    rows = raw("""SELECT t.owner_id, count(*) FROM viewflow_task t JOIN viewflow_process p ON p.id = t.process_id
                  WHERE t.status = 'ASSIGNED' AND p.flow_class = %s AND t.owner_id IS NOT NULL
                  GROUP BY t.owner_id ORDER BY count(*) DESC, t.owner_id LIMIT 1""", [MEDIATION_FLOW])
    user = User.objects.get(pk=rows[0][0]) if rows else pick_users()[0]
    out = measure_page(client_for(user), "get", "/staff/mediation/inbox/", repeats)
    out["raw"] = stats(time_raw(raw_mediation_inbox(user), repeats))
    out["rows"] = page_rows(raw_mediation_inbox(user))
    out["user"], out["assigned"] = user.username, rows[0][1] if rows else 0
    return out


# ---- the measurements ----------------------------------------------------------------------------------


def pick_users():
    from accounts.models import User

    mediator_id, district_id = raw("""
        SELECT t.owner_id, u.district_id FROM viewflow_task t JOIN accounts_user u ON u.id = t.owner_id
        WHERE t.status = 'ASSIGNED' AND left(t.flow_task, 29) = 'casework/flows.ComplaintFlow.'
        GROUP BY t.owner_id, u.district_id ORDER BY count(*) DESC, t.owner_id
        LIMIT 1""")[0]
    mediator = User.objects.get(pk=mediator_id)
    official = User.objects.filter(district_id=district_id, groups__name="区级负责人").order_by("pk").first()
    return mediator, official


def pages(repeats, *, stock=False) -> dict:
    from django.contrib.contenttypes.models import ContentType

    from bench.generate import tracking_code
    from casework.models import Complaint, hash_tracking_code

    ct = ContentType.objects.get_for_model(Complaint).pk
    mediator, official = pick_users()
    out = {"users": {"mediator": mediator.username, "official": official.username}}
    cm, co = client_for(mediator), client_for(official)

    out["inbox"] = measure_page(cm, "get", "/staff/complaint/inbox/", repeats)
    out["inbox"]["raw"] = stats(time_raw(raw_inbox(mediator), repeats))
    out["inbox"]["rows"] = page_rows(raw_inbox(mediator))
    out["queue"] = measure_page(co, "get", "/staff/complaint/queue/", repeats)
    out["queue"]["raw"] = stats(time_raw(raw_queue(official), repeats))
    out["queue"]["rows"] = page_rows(raw_queue(official))
    if stock:
        return out

    # An open status and the category most frequent in it in the official's district: a list that is never
    # empty (an empty page makes fewer queries: no badges to look up), so sizes compare like with like.
    status = "investigating"
    category = raw("""SELECT category FROM casework_complaint WHERE district_id = %s AND status = %s
                      GROUP BY category ORDER BY count(*) DESC, category LIMIT 1""",
                   [official.district_id, status])[0][0]
    out["list"] = measure_page(co, "get", f"/staff/complaint/cases/?status={status}&category={category}", repeats)
    out["list"]["raw"] = stats(time_raw(raw_list(official, status, category), repeats))
    out["list"]["rows"] = page_rows(raw_list(official, status, category))
    out["list"]["filter"] = {"status": status, "category": category}

    case = Complaint.objects.get(pk=dossier_case_id())
    out["detail"] = measure_page(co, "get", f"/staff/complaint/cases/{case.number}/", repeats)
    out["detail"]["raw"] = stats(time_raw(raw_detail(case, ct), repeats))
    out["detail"]["timeline_events"] = raw("SELECT count(*) FROM core_auditevent WHERE content_type_id = %s "
                                           "AND object_id = %s", [ct, str(case.pk)])[0][0]

    tracked = (Complaint.objects.filter(district_id=official.district_id, status="closed", anonymous=False)
               .order_by("-pk").first())
    code = tracking_code(tracked.pk)
    from django.test import Client

    public = Client()
    track = measure_page(public, "post", "/track/", repeats, data={"code": code, "last4": tracked.phone_last4},
                         follow=True)
    out["track"] = track
    out["track"]["raw"] = stats(time_raw(raw_track(hash_tracking_code(code)), repeats))
    out["mediation_inbox"] = mediation_inbox(repeats)
    return out


# ---- 5: transitions ---------------------------------------------------------------------------------


def transitions(repeats) -> dict:
    from casework import services
    from casework.models import Complaint

    result = {}
    accept = _accept_as_intake()
    submitted = list(Complaint.objects.filter(status="submitted").order_by("pk"))
    assigned = list(Complaint.objects.filter(status="assigned").select_related("assignee").order_by("pk"))
    result["accept"] = _rate(submitted, accept, repeats)
    result["start_investigation"] = _rate(
        assigned, lambda c: services.complaint_start_investigation(complaint=c, by=c.assignee), repeats)
    with logged() as log:
        accept(Complaint.objects.filter(status="submitted").order_by("-pk").first())
    result["accept"]["queries"] = len(log.queries)
    with logged() as log:
        c = Complaint.objects.filter(status="assigned").select_related("assignee").order_by("-pk").first()
        services.complaint_start_investigation(complaint=c, by=c.assignee)
    result["start_investigation"]["queries"] = len(log.queries)
    return result


def _accept_as_intake():
    """``complaint_accept`` of a complaint by its district's intake officer."""
    from accounts.models import User
    from casework import services

    intake = {u.district_id: u for u in User.objects.filter(groups__name="受理员").order_by("pk")}
    return lambda c: services.complaint_accept(complaint=c, by=intake[c.district_id])


def _rate(cases, call, repeats, most=100):
    """Calls per second of ``call`` over ``cases``: one warm-up, then ``repeats`` batches of up to ``most``."""
    batch = max(1, min(most, len(cases) // (repeats + 1)))
    rates, it = [], iter(cases)
    call(next(it))  # warm-up
    for _ in range(repeats):
        chunk = [next(it) for _ in range(batch)]
        t = time.perf_counter()
        for c in chunk:
            call(c)
        rates.append(batch / (time.perf_counter() - t))
    return {"per_second": stats(rates), "batch": batch}


def accept_by_kind(repeats) -> dict:
    """``accept`` apart by kind. Measurement 5 accepts the generated complaints as they come, one in ten about
    wage arrears, whose accept also opens the wage claim in the same transaction. Here each kind gets complaints
    filed through the service just before (each with its acceptance clock, flow and SMS), 25 per batch, in one
    district that is not the measured official's. Runs after everything else of the size; then the flows of what
    it filed (the complaints' and the wage claims') are cancelled, so that nothing measured later (viewflow's
    stock queue lists every district's tasks; the growth rounds) sees them."""
    from django.db.models import Max
    from django.utils import timezone
    from viewflow.workflow.models import Process, Task
    from viewflow.workflow.status import PROCESS, STATUS

    accept = _accept_as_intake()
    _, official = pick_users()
    last_process = Process.objects.aggregate(last=Max("pk"))["last"] or 0
    result = {}
    for kind in ("other", "wage_arrears"):
        filed = _filed_complaints(25 * (repeats + 1) + 2, kind, away_from=official.district_id)
        result[kind] = _rate(filed[:-1], accept, repeats, most=25)
        with logged() as log:
            accept(filed[-1])
        result[kind]["queries"] = len(log.queries)
    Task.objects.filter(process_id__gt=last_process, status__in=[STATUS.NEW, STATUS.ASSIGNED]).update(
        status=STATUS.CANCELED, finished=timezone.now())
    Process.objects.filter(pk__gt=last_process).exclude(status__in=[PROCESS.DONE, PROCESS.CANCELED]).update(
        status=PROCESS.CANCELED, finished=timezone.now())
    return result


def _filed_complaints(count, category, away_from):
    """``count`` complaints of ``category`` filed through ``complaint_submit`` (named, with a phone) in the first
    district that is not ``away_from``; not timed."""
    from accounts.models import District
    from casework import services

    district = District.objects.exclude(pk=away_from).order_by("pk").first()
    return [services.complaint_submit(
        channel="hotline", district=district, category=category,
        description="基准测试：受理耗时测量用投诉。", respondent_kind="employer",
        respondent_name=f"基准测试用工单位{i}", complainant_name="基准测试", complainant_phone=f"139{i:08d}",
        consent=True, amount=1000 if category == "wage_arrears" else None).complaint for i in range(count)]


# ---- 6: the sweep -------------------------------------------------------------------------------------


def _make_due(slice_ids, now_sql="now()"):
    """Half of the slice becomes due for escalation, the other half for a reminder."""
    half = len(slice_ids) // 2
    over, remind = slice_ids[:half], slice_ids[half:]
    raw(f"""UPDATE core_deadline SET due_at = {now_sql} - interval '1 hour', overdue_at = NULL,
                  reminded_at = coalesce(reminded_at, {now_sql} - interval '3 days') WHERE id = ANY(%s)""", [over])
    raw("""UPDATE casework_complaint SET is_overdue = false WHERE id IN
           (SELECT object_id FROM core_deadline WHERE id = ANY(%s))""", [over])
    raw(f"""UPDATE core_deadline SET due_at = {now_sql} + interval '2 days', overdue_at = NULL,
                  remind_at = {now_sql} - interval '1 hour', reminded_at = NULL WHERE id = ANY(%s)""", [remind])
    return len(over), len(remind)


RAW_SWEEP = """
WITH over AS (
  UPDATE core_deadline d SET overdue_at = now()
  WHERE d.id IN (SELECT id FROM core_deadline WHERE status = 'running' AND overdue_at IS NULL AND due_at <= now()
                 ORDER BY id FOR UPDATE SKIP LOCKED)
  RETURNING d.id, d.object_id, d.label
), flagged AS (
  UPDATE casework_complaint c SET is_overdue = true, updated_at = now() FROM over o
  WHERE c.id = o.object_id AND c.status NOT IN ('rejected', 'closed', 'withdrawn', 'merged')
  RETURNING c.id, c.number, c.district_id, o.id AS deadline_id, o.label
), audit AS (
  INSERT INTO core_auditevent (created_at, actor_name, actor_role, actor_org, content_type_id, object_id,
    object_repr, action, name, from_state, to_state, reason, data, prev_hash, hash)
  SELECT now(), '', '', '', 27, f.id::text, f.number, 'deadline', 'overdue', '', '', f.label, '{}'::jsonb,
         '', md5(random()::text) || md5(f.deadline_id::text || clock_timestamp()::text) FROM flagged f
  RETURNING 1
), officials AS (
  INSERT INTO core_notification (channel, recipient_id, to_address, subject, body, content_type_id, object_id,
    dedupe_key, status, error, created_at, sent_at)
  SELECT 'inbox', u.id, '', '逾期督办：' || f.number, f.label || '已届满，案件尚未办结，请督办。', 27, f.id,
         'raw:' || f.deadline_id || ':overdue:' || u.id || ':' || clock_timestamp(), 'sent', '', now(), now()
  FROM flagged f JOIN accounts_user u ON u.district_id = f.district_id AND u.is_active
  JOIN accounts_user_groups ug ON ug.user_id = u.id JOIN auth_group g ON g.id = ug.group_id AND g.name = '区级负责人'
  RETURNING 1
), rem AS (
  UPDATE core_deadline d SET reminded_at = now()
  WHERE d.id IN (SELECT id FROM core_deadline WHERE status = 'running' AND reminded_at IS NULL
                 AND remind_at <= now() AND due_at > now() ORDER BY id FOR UPDATE SKIP LOCKED)
  RETURNING d.id, d.object_id, d.label, d.due_at
)
INSERT INTO core_notification (channel, recipient_id, to_address, subject, body, content_type_id, object_id,
  dedupe_key, status, error, created_at, sent_at)
SELECT 'inbox', coalesce(c.assignee_id, u.id), '', '期限提醒：' || c.number, r.label || '将于届满。', 27, c.id,
       'raw:' || r.id || ':remind:' || coalesce(c.assignee_id, u.id) || ':' || clock_timestamp(), 'sent', '',
       now(), now()
FROM rem r JOIN casework_complaint c ON c.id = r.object_id
LEFT JOIN LATERAL (SELECT u.id FROM accounts_user u JOIN accounts_user_groups ug ON ug.user_id = u.id
                   JOIN auth_group g ON g.id = ug.group_id AND g.name = '受理员'
                   WHERE c.assignee_id IS NULL AND u.district_id = c.district_id AND u.is_active) u ON true
"""


def sweep_bench(repeats) -> dict:
    from core.deadlines import sweep

    running = [r[0] for r in raw("SELECT id FROM core_deadline WHERE status = 'running' ORDER BY id")]
    open_cases = raw("SELECT count(*) FROM casework_complaint WHERE status <> ALL(%s)", [list(CLOSED)])[0][0]
    k = max(2, round(open_cases * 0.01))
    rounds = 2 * repeats + 2
    k = min(k, len(running) // rounds)
    assert sweep()["overdue"] == 0 or True  # settle anything the generator left due
    ours, base, fired = [], [], []
    for r in range(rounds):
        ids = running[r * k:(r + 1) * k]
        over, remind = _make_due(ids)
        t = time.perf_counter()
        if r % 2 == 0:
            result = sweep()
            ours.append(time.perf_counter() - t)
            fired.append(result)
        else:
            with transaction.atomic():
                raw(RAW_SWEEP)
            base.append(time.perf_counter() - t)
    # Drop the warm-up pair.
    return {"due_per_sweep": k, "open_cases": open_cases, "running_deadlines": len(running),
            "ours": stats(ours[1:]), "raw": stats(base[1:]), "fired": fired[1:]}


# ---- 7: the case file -------------------------------------------------------------------------------


def dossier_case_id() -> int:
    """A closed case of the measured district made to hold 50 timeline events and 10 attachments."""
    from django.contrib.contenttypes.models import ContentType

    from casework.models import Complaint

    ct = ContentType.objects.get_for_model(Complaint).pk
    mediator, official = pick_users()
    case = (Complaint.objects.filter(district_id=official.district_id, status="closed").order_by("-pk").first())
    have = raw("SELECT count(*) FROM core_auditevent WHERE content_type_id = %s AND object_id = %s",
               [ct, str(case.pk)])[0][0]
    if have < 50:
        raw("""INSERT INTO core_auditevent (created_at, actor_name, actor_role, actor_org, content_type_id,
                 object_id, object_repr, action, name, from_state, to_state, reason, data, prev_hash, hash, actor_id)
               SELECT now() + interval '1 second' * k, '调解员甲', '调解员', '', %s, %s, %s, 'note',
                      CASE WHEN k %% 2 = 0 THEN 'contact' ELSE 'note' END, '', '',
                      '与用工单位负责人电话沟通，对方表示将于本周内支付拖欠工资。', '{}'::jsonb, '',
                      md5(%s || ':' || k) || md5(k || ':' || %s), %s
               FROM generate_series(1, %s) k""",
            [ct, str(case.pk), case.number, str(case.pk), str(case.pk), case.assignee_id, 50 - have])
        raw("""INSERT INTO core_attachment (content_type_id, object_id, file, original_name, mime_type, extension,
                 size, sha256, description, is_public, uploaded_by_id, uploaded_at)
               SELECT %s, %s, 'attachments/bench/' || k || '.pdf', '工资条照片' || k || '.jpg', 'image/jpeg',
                      '.jpg', 245760 + k, md5(k::text) || md5(k::text), '投诉人提交的证据', true, NULL, now()
               FROM generate_series(1, 10) k""", [ct, case.pk])
    return case.pk


def dossier(repeats) -> dict:
    from django.utils import translation

    from casework.models import Complaint
    from core import documents

    case = Complaint.objects.get(pk=dossier_case_id())
    spec = documents.document_kind("complaint.dossier")
    doc = documents.request_document(case, kind="complaint.dossier")

    def render():
        with translation.override("zh-hans"):
            return documents.render_pdf(spec.template_name, documents._context_for(doc, case))

    render()  # warm-up: Pango, fonts
    samples, size = [], 0
    for _ in range(repeats):
        t = time.perf_counter()
        size = len(render())
        samples.append(time.perf_counter() - t)
    return {"seconds": stats(samples), "pdf_bytes": size, "document_id": doc.pk}


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--generate", action="store_true")
    parser.add_argument("--stock", action="store_true", help="viewflow's stock inbox/queue views")
    parser.add_argument("--pages-only", action="store_true",
                        help="measurements 1–4 only (the interleaved growth rounds of bench.__main__)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)

    if args.stock:
        from viewflow.workflow.flow import FlowAppViewset
        from viewflow.workflow.flow.views import FlowInboxListView, FlowQueueListView

        from casework.viewsets import ComplaintFlowViewset

        ComplaintFlowViewset.inbox_view_class = FlowInboxListView
        ComplaintFlowViewset.queue_view_class = FlowQueueListView
        ComplaintFlowViewset.get_context_data = FlowAppViewset.get_context_data
    import config.urls  # noqa: F401  (binds the flow's node URLs)

    out = {"n": args.n}
    if args.generate:
        from bench.generate import generate

        out["generate"] = generate(args.n, log=lambda s: print(s, file=sys.stderr, flush=True)).seconds
    out["counts"] = {name: raw(f"SELECT count(*) FROM {table}")[0][0] for name, table in (
        ("complaints", "casework_complaint"), ("tasks", "viewflow_task"), ("audit", "core_auditevent"),
        ("deadlines", "core_deadline"), ("mediation", "casework_mediationcase"), ("wage", "casework_wageclaim"),
        ("inspections", "inspections_inspection"))}
    out["cpu_probe_ms"] = {"before": cpu_probe()}
    t = time.perf_counter()
    out["pages"] = pages(args.repeats, stock=args.stock)
    print(f"  pages {time.perf_counter() - t:.1f}s", file=sys.stderr, flush=True)
    if not (args.stock or args.pages_only):
        t = time.perf_counter()
        out["dossier"] = dossier(args.repeats)
        print(f"  dossier {time.perf_counter() - t:.1f}s", file=sys.stderr, flush=True)
        t = time.perf_counter()
        out["transitions"] = transitions(args.repeats)
        print(f"  transitions {time.perf_counter() - t:.1f}s", file=sys.stderr, flush=True)
        t = time.perf_counter()
        out["sweep"] = sweep_bench(args.repeats)
        print(f"  sweep {time.perf_counter() - t:.1f}s", file=sys.stderr, flush=True)
        t = time.perf_counter()
        out["transitions"]["accept_by_kind"] = accept_by_kind(args.repeats)
        print(f"  accept by kind {time.perf_counter() - t:.1f}s", file=sys.stderr, flush=True)
    out["cpu_probe_ms"]["after"] = cpu_probe()
    with open(args.out, "w") as fh:
        json.dump(out, fh, default=str, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    main()

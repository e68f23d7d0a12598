"""District B cannot see or act on district A's complaint through any URL; pages run bounded queries."""

import pytest
from django.test import Client

from casework.flows import ComplaintFlow, open_process
from tests.casework.helpers import do_task, open_task, submit, walk_to_closed

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def test_other_district_gets_404_on_every_case_url(intake, other_official, other_intake):
    complaint = submit().complaint
    number = complaint.number
    for user in (other_official, other_intake):
        c = client_for(user)
        assert c.get(f"/staff/complaint/cases/{number}/").status_code == 404
        for action in ("note", "reassign", "extend", "reopen", "withdraw", "reveal", "dossier"):
            assert c.post(f"/staff/complaint/cases/{number}/{action}/", {"reason": "x", "body": "x"}).status_code == 404
        assert number not in c.get("/staff/complaint/cases/").content.decode()
        assert number not in c.get("/staff/complaint/queue/").content.decode()


def test_other_district_cannot_claim_or_execute_the_task(intake, other_intake):
    complaint = submit().complaint
    task = open_task(complaint, ComplaintFlow.review)
    c = client_for(other_intake)
    r = c.post(ComplaintFlow.review.reverse("assign", args=[task.process_id, task.pk]))
    assert r.status_code in (403, 404)
    task.refresh_from_db()
    assert task.owner is None
    assert c.get(ComplaintFlow.instance.reverse("process_detail", args=[task.process_id])).status_code in (403, 404)


def test_partner_and_operator_see_no_complaints(partner, operator_user):
    complaint = submit().complaint
    for user in (partner, operator_user):
        c = client_for(user)
        assert c.get(f"/staff/complaint/cases/{complaint.number}/").status_code in (403, 404)


def test_same_district_sees_the_case(intake):
    complaint = submit().complaint
    r = client_for(intake).get(f"/staff/complaint/cases/{complaint.number}/")
    assert r.status_code == 200 and complaint.number in r.content.decode()
    assert "13912345678" not in r.content.decode()  # masked unless revealed


def test_reveal_shows_phone_and_is_audited(official):
    from core.models import AuditEvent

    complaint = submit().complaint
    c = client_for(official)
    c.post(f"/staff/complaint/cases/{complaint.number}/reveal/")
    assert "13912345678" in c.get(f"/staff/complaint/cases/{complaint.number}/").content.decode()
    assert AuditEvent.objects.for_object(complaint).filter(action="view_pii", actor=official).exists()


def test_list_and_detail_queries_do_not_grow_with_cases(intake, official, mediator, django_assert_max_num_queries):
    for _ in range(3):
        walk_to_closed(submit().complaint, intake=intake, official=official, mediator=mediator)
    complaint = submit().complaint
    c = client_for(official)
    c.get("/staff/complaint/cases/?status=closed")  # warm caches (content types, permissions)
    with django_assert_max_num_queries(25):
        assert c.get("/staff/complaint/cases/?status=closed").status_code == 200
    with django_assert_max_num_queries(40):
        assert c.get(f"/staff/complaint/cases/{complaint.number}/").status_code == 200
    for _ in range(5):
        walk_to_closed(submit().complaint, intake=intake, official=official, mediator=mediator)
    with django_assert_max_num_queries(25):
        assert c.get("/staff/complaint/cases/?status=closed").status_code == 200
    with django_assert_max_num_queries(30):
        assert c.get("/staff/complaint/inbox/").status_code == 200
    with django_assert_max_num_queries(30):
        assert c.get("/staff/complaint/queue/").status_code == 200


def test_inbox_lists_case_number_and_due_date_most_urgent_first(intake):
    from casework.models import Complaint

    calm = submit().complaint
    urgent = submit().complaint
    Complaint.objects.filter(pk=urgent.pk).update(is_overdue=True)
    html = client_for(intake).get("/staff/complaint/queue/").content.decode()
    assert urgent.number in html and calm.number in html
    assert html.index(urgent.number) < html.index(calm.number)
    assert "已逾期" in html


def test_task_lists_link_each_row_to_its_own_task_and_case(intake, official, mediator):
    """The task link is reversed once per node and request and the case link without loading the case
    (core.workflow.CaseColumnsMixin): each row must still point at its own task and case."""
    from casework.models import Complaint
    from viewflow.workflow import STATUS

    first, second = submit().complaint, submit().complaint
    do_task(intake, first, ComplaintFlow.review, {"decision": "accept"})  # first now waits at "assign"
    html = client_for(official).get("/staff/complaint/queue/").content.decode()
    for complaint in (first, second):
        task = open_process(complaint).task_set.get(status=STATUS.NEW)
        url = task.flow_task.reverse("index", args=[task.process_id, task.pk])
        assert f'<a href="{url}">#{task.process_id}/{task.pk}</a>' in html
        case = Complaint.objects.get(pk=complaint.pk)
        assert f'<a href="{case.get_absolute_url()}">{case.number}</a>' in html
    nodes = {open_process(c).task_set.get(status=STATUS.NEW).flow_task for c in (first, second)}
    assert nodes == {ComplaintFlow.assign, ComplaintFlow.review}  # two nodes: two link templates


def test_menu_counters_count_only_the_users_district(intake, other_intake):
    submit()
    submit()
    mine = client_for(intake).get("/staff/complaint/queue/")
    theirs = client_for(other_intake).get("/staff/complaint/queue/")
    assert mine.context["user_queue"].count() == 2
    assert theirs.context["user_queue"].count() == 0


def test_timeline_reads_in_words(intake):
    from casework.views.staff import describe_event
    from core.models import AuditEvent

    complaint = submit().complaint
    from casework import services

    services.complaint_accept(complaint=complaint, by=intake)
    texts = [describe_event(e) for e in AuditEvent.objects.for_object(complaint).timeline()]
    assert "状态变更 → 已受理" in texts
    assert "受理期限 开始计时" in texts and "办结期限 开始计时" in texts


def test_task_lists_speak_chinese_and_do_not_list_every_process(intake):
    import re

    for _ in range(3):
        submit()
    html = client_for(intake).get("/staff/complaint/queue/").content.decode()
    for english in ("Review", "Start", "Reopen", "投诉举报办理/"):
        assert english not in html, english
    assert "受理审查" in html
    # no process drop-down in the filter: one option per task type, not per case
    assert len(re.findall(r"<option", html)) < 15


def test_process_panel_shows_no_internal_fields(intake):
    complaint = submit().complaint
    from casework.flows import open_process

    process = open_process(complaint)
    from casework.flows import ComplaintFlow

    html = client_for(intake).get(ComplaintFlow.instance.reverse("process_detail", args=[process.pk])).content.decode()
    assert complaint.number in html
    for leak in ("Tracking code hash", complaint.tracking_code_hash, "Phone last4", "13912345678"):
        assert leak not in html


def test_the_case_list_makes_the_same_queries_short_and_paged_and_never_counts_apart(intake, official, mediator):
    """The page's rows carry the list's total (core.workflow.CountedPagePaginator): no separate COUNT whether the
    filter matches nothing, a few cases or more than a page; the same queries for a short and a full page (an
    empty one skips the repeat-offender badges, which look up the rows shown); and the total shown is right."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casework.views.staff import PAGE_SIZE

    c = client_for(official)
    url = "/staff/complaint/cases/?status=submitted"
    c.get(url)  # warm caches

    def shown():
        with CaptureQueriesContext(connection) as ctx:
            response = c.get(url)
        assert response.status_code == 200
        sql = [q["sql"] for q in ctx.captured_queries]
        assert not [q for q in sql if q.startswith("SELECT COUNT(*)")]
        return response.context["page"].paginator.count, len(sql)

    assert shown()[0] == 0
    submit()
    short = shown()
    for _ in range(PAGE_SIZE):
        submit()
    full = shown()
    assert (short[0], full[0]) == (1, PAGE_SIZE + 1)
    assert short[1] == full[1]

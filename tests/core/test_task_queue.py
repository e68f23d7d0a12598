"""core.workflow.open_to / queue_of: the queue (and its menu badge) written for PostgreSQL's partial indexes
picks exactly the tasks viewflow's own ``Task.objects.queue`` picks; CountedPagePaginator reads a page and
the list's total in one query."""

import pytest
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

import config.urls  # noqa: F401  (viewflow wires flow-node URL namespaces when the URLconf loads)
from accounts.models import District
from casework.flows import ComplaintFlow, open_process
from core.workflow import CountedPagePaginator, queue_of
from tests.casework.helpers import submit

pytestmark = pytest.mark.django_db


def _task(process, **fields):
    defaults = dict(flow_task=ComplaintFlow.review, flow_task_type="HUMAN", status=STATUS.NEW)
    return Task.objects.create(process=process, **{**defaults, **fields})


def test_the_queue_is_viewflows_queue(intake, mediator, official):
    process = open_process(submit().complaint)
    held = sorted(intake.get_all_permissions())[0]
    expected = {
        _task(process, owner_permission=held),
        _task(process, owner_permission=None),  # no permission: open to everyone
        _task(process, owner_permission="auth.delete_group", owner=intake),  # the user's own
    }
    _task(process, owner_permission="auth.delete_group")  # a permission the user lacks
    _task(process, owner_permission="auth.delete_group", owner=mediator)
    _task(process, owner_permission=held, status=STATUS.ASSIGNED, owner=official)
    _task(process, owner_permission=None, flow_task_type="FUNCTION")
    ours = set(queue_of(ComplaintFlow, intake))
    assert ours == set(Task.objects.queue([ComplaintFlow], intake))
    assert expected <= ours
    for user in (mediator, official):
        assert set(queue_of(ComplaintFlow, user)) == set(Task.objects.queue([ComplaintFlow], user))


def test_a_superuser_sees_every_queued_task(intake):
    from tests.factories import UserFactory

    admin = UserFactory(is_superuser=True)
    process = open_process(submit().complaint)
    _task(process, owner_permission="auth.delete_group")
    assert set(queue_of(ComplaintFlow, admin)) == set(Task.objects.queue([ComplaintFlow], admin))


def _one_query(paginator, number):
    with CaptureQueriesContext(connection) as ctx:
        page = paginator.page(number)
        rows = list(page)
        count = paginator.count
    return page, rows, count, [q["sql"] for q in ctx.captured_queries]


def test_a_page_carries_the_total_in_its_one_query():
    districts = District.objects.order_by("pk")
    total = districts.count()
    assert total > 5
    for per_page in (total + 1, 5):
        page, rows, count, sql = _one_query(CountedPagePaginator(districts, per_page), 1)
        assert rows == list(districts[:per_page]) and count == total
        assert len(sql) == 1 and "COUNT(*) OVER ()" in sql[0] and "SELECT COUNT(*)" not in sql[0]
    page, rows, count, sql = _one_query(CountedPagePaginator(districts, 5), "2")
    assert rows == list(districts[5:10]) and count == total and page.number == 2 and len(sql) == 1
    last = CountedPagePaginator(districts, 5)
    assert list(last.page(last.num_pages)) == list(districts[5 * (last.num_pages - 1):])


def test_an_empty_list_and_a_page_past_the_end():
    none = District.objects.filter(pk__lt=0).order_by("pk")
    page, rows, count, sql = _one_query(CountedPagePaginator(none, 5), 1)
    assert rows == [] and count == 0 and page.paginator.num_pages == 1
    districts = District.objects.order_by("pk")
    with pytest.raises(EmptyPage):
        CountedPagePaginator(districts, 5).page(districts.count() // 5 + 2)
    with pytest.raises(PageNotAnInteger):
        CountedPagePaginator(districts, 5).page("x")
    with pytest.raises(EmptyPage):
        CountedPagePaginator(districts, 5).page(0)


def test_the_flow_queue_key_is_the_indexed_expression(mediator):
    """core migration 0010 indexes the SQL that ``FLOW_QUEUE_KEY`` compiles to; if the two drift apart,
    PostgreSQL silently stops using the index (and every queue badge reads the city's open tasks). With plain
    scans priced out, one flow's queue must be answered from ``open_task_flow_queue_idx``, whose index condition
    itself drops other flows' tasks; migration 0011 dropped the flow-less key's index."""
    if connection.vendor != "postgresql":
        pytest.skip("the index exists on PostgreSQL only")
    from core.workflow import open_to

    def plan(queryset):
        sql, params = queryset.values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: force the planner to show
            cursor.execute("SET LOCAL enable_indexscan = off")  # which index can answer each arm (a BitmapOr)
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())

    scoped = plan(open_to(Task.objects.order_by(), mediator, ComplaintFlow))
    assert "open_task_flow_queue_idx" in scoped, scoped
    index_scan = scoped[scoped.index("open_task_flow_queue_idx"):]
    condition = index_scan.split("Index Cond", 1)[1].split("\n")[0]
    assert "ComplaintFlow.review|" in condition and "MediationFlow" not in condition, scoped
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'open_task_queue_idx'")
        assert cursor.fetchone() == (0,)


def test_a_flows_queue_leaves_out_other_flows_tasks_asking_the_same_permission(mediator):
    from casework.flows import MediationFlow
    from core.workflow import open_to

    process = open_process(submit().complaint)
    held = sorted(mediator.get_all_permissions())[0]
    own = _task(process, owner_permission=held)
    other = _task(process, owner_permission=held, flow_task=MediationFlow.review)
    assert {own, other} <= set(Task.objects.queue([ComplaintFlow, MediationFlow], mediator))
    scoped = set(open_to(Task.objects.all(), mediator, ComplaintFlow))
    assert own in scoped and other not in scoped

"""core.workflow.open_to / queue_of: the queue (and its menu badge) written for PostgreSQL's partial indexes
picks exactly the tasks viewflow's own ``Task.objects.queue`` picks; ShortFirstPagePaginator counts only a
full first page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

import config.urls  # noqa: F401  (viewflow wires flow-node URL namespaces when the URLconf loads)
from accounts.models import District
from casework.flows import ComplaintFlow, open_process
from core.workflow import ShortFirstPagePaginator, queue_of
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


def test_a_first_page_with_room_to_spare_is_not_counted():
    districts = District.objects.order_by("pk")
    total = districts.count()
    expected = list(districts)
    with CaptureQueriesContext(connection) as ctx:
        paginator = ShortFirstPagePaginator(District.objects.order_by("pk"), total + 1)
        page = paginator.page(1)
        assert paginator.count == total and paginator.num_pages == 1
        assert list(page) == expected
    assert len(ctx) == 1 and "COUNT" not in ctx.captured_queries[0]["sql"]


def test_a_full_first_page_is_counted_and_later_pages_as_usual():
    districts = District.objects.order_by("pk")
    total = districts.count()
    paginator = ShortFirstPagePaginator(District.objects.order_by("pk"), 5)
    with CaptureQueriesContext(connection) as ctx:
        page = paginator.page("1")
        assert len(page) == 5
    assert len(ctx) == 1
    assert paginator.count == total  # counted now, with COUNT
    assert list(ShortFirstPagePaginator(districts, 5).page(2)) == list(districts[5:10])
    last = ShortFirstPagePaginator(districts, 5)
    assert last.page(last.num_pages).number == -(-total // 5)

"""core.workflow.ScopedFlowAppViewset gives every flow the same scoped task lists: shown here on the mediation
flow (the complaint flow's lists are covered in tests/casework/test_menu_counts.py and test_complaint_flow.py).

The queue lists only the viewer's district, most urgent first, with the case number and deadline; its filter
offers the flow's tasks by Chinese title (not a drop-down of every queued process); the menu badge counts the
same scoped tasks, once per request."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

import config.urls  # noqa: F401  (viewflow wires flow-node URL namespaces when the URLconf loads)
from casework.flows import MediationFlow
from tests.casework.test_mediation import apply
from tests.factories import district

pytestmark = pytest.mark.django_db

QUEUE = "/staff/mediation/queue/"


def _get(user, url):
    client = Client()
    client.force_login(user)
    client.get(url)  # warm-up: session, permissions
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return response, ctx


def test_mediation_queue_is_scoped_sorted_and_labelled(official, other_official):
    near = apply()
    far = apply()
    type(far).objects.filter(pk=far.pk).update(due_at=near.due_at + timedelta(days=3))  # a later deadline
    elsewhere = apply(district=district("海淀区"))

    response, ctx = _get(official, QUEUE)
    html = response.content.decode()
    assert response.status_code == 200
    assert near.number in html and far.number in html and elsewhere.number not in html
    assert html.index(near.number) < html.index(far.number)  # nearest deadline first
    assert "案件编号" in html and "办理期限" in html
    # The filter names the flow's tasks in Chinese and lists no processes.
    assert str(MediationFlow.review.task_title) in html
    assert f"#{near.pk}" not in html.split("<table")[0]
    counts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert len(counts) == 1  # the inbox badge; the queue's short first page is its own count and the badge's
    assert response.context["user_queue"].count() == 2

    response, _ = _get(other_official, QUEUE)
    html = response.content.decode()
    assert elsewhere.number in html and near.number not in html
    assert response.context["user_queue"].count() == 1


def test_mediation_queue_query_count_does_not_grow_with_cases(official, django_assert_max_num_queries):
    apply()
    client = Client()
    client.force_login(official)
    client.get(QUEUE)
    with django_assert_max_num_queries(14):
        client.get(QUEUE)
    with CaptureQueriesContext(connection) as few:
        client.get(QUEUE)
    for _ in range(10):
        apply()
    with CaptureQueriesContext(connection) as many:
        response = client.get(QUEUE)
    assert response.context["user_queue"].count() == 11
    assert len(many.captured_queries) == len(few.captured_queries)

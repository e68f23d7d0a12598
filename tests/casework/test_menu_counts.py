"""The inbox and queue pages count their tasks once: the menu badge of the page's own list reuses the
paginator's count (same tasks, unfiltered); a filtered list counts the badge separately and correctly. A list
page carries its total in its one query (core.workflow.CountedPagePaginator), so the list itself runs no COUNT."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from casework.flows import ComplaintFlow
from tests.casework.helpers import open_task, submit

pytestmark = pytest.mark.django_db


def _counts(user, url):
    client = Client()
    client.force_login(user)
    client.get(url)  # warm-up: session, permissions
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    counts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    return response, counts


def test_the_queue_page_counts_the_queue_once_and_the_badge_shows_it(intake):
    submit()
    submit()
    response, counts = _counts(intake, "/staff/complaint/queue/")
    assert response.context["user_queue"].count() == 2
    assert len(counts) == 1  # the inbox badge; the queue's page carries its total, shared with its badge


def test_the_inbox_page_counts_the_inbox_once(intake):
    complaint = submit().complaint
    task = open_task(complaint, ComplaintFlow.review)
    client = Client()
    client.force_login(intake)
    assert client.post(ComplaintFlow.review.reverse("assign", args=[task.process_id, task.pk])).status_code == 302
    response, counts = _counts(intake, "/staff/complaint/inbox/")
    assert response.context["user_inbox"].count() == 1
    assert response.context["user_queue"].count() == 0
    assert len(counts) == 1  # the queue badge; the inbox's page carries its total, shared with its badge


def test_a_filtered_list_does_not_lend_its_count_to_the_badge(intake):
    submit()
    submit()
    response, counts = _counts(intake, "/staff/complaint/queue/?created=today")
    assert response.context["user_queue"].count() == 2
    assert len(counts) == 2  # both badges; the filtered list's page carries its own total
    html = response.content.decode()
    assert re.search(r">\s*2\s*<", html)

"""gc_lists.list_rows renders viewflow's list rows in Python: the markup must be byte for byte what viewflow's
template loop writes, and the case link built from a sentinel must be the one the case reverses itself."""

import pytest
from django.template import Context, Template
from django.test import Client

from casework.flows import ComplaintFlow
from tests.casework.helpers import do_task, submit

pytestmark = pytest.mark.django_db

# viewflow 2.4's views/list.html row loop (without the bulk-action cell), and ours.
VIEWFLOW_ROWS = ('{% load viewflow %}{% for obj, row in page|list_page_data:view %}<tr data-row-id="{{ obj.pk }}">'
                 '{% for column, value in row %}<td class="vf-list__table-cell-{{ column.column_type }}">{{ value }}'
                 '</td>{% endfor %}</tr>{% endfor %}')
OUR_ROWS = ('{% load gc_lists %}{% list_rows page view as rows %}{% for obj, cells in rows %}'
            '<tr data-row-id="{{ obj.pk }}">{{ cells }}</tr>{% endfor %}')


def _page(user, url):
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.context["view"], response.context["page_obj"]


@pytest.mark.parametrize("url", ["/staff/complaint/queue/", "/staff/complaint/archive/"])
def test_rows_are_the_markup_viewflows_template_writes(url, intake, official):
    first = submit().complaint
    submit()
    do_task(intake, first, ComplaintFlow.review, {"decision": "accept"})  # a done task for the archive
    view, page = _page(official if "queue" in url else intake, url)
    theirs = Template(VIEWFLOW_ROWS).render(Context({"page": page, "view": view}))
    ours = Template(OUR_ROWS).render(Context({"page": page, "view": view}))
    assert ours.count("<tr ") == len(page.object_list) > 0
    assert ours == theirs


def test_rows_escape_values_as_the_template_does(intake, official):
    """A value that is not marked safe (here a task title with markup in it) is escaped once, not twice."""
    submit()
    view, page = _page(official, "/staff/complaint/queue/")
    nodes = {task.flow_task for task in page.object_list}
    titles = {node: node.task_title for node in nodes}
    try:
        for node in nodes:  # the title column reads the node's title through the task
            node.task_title = '<b>"R&D"</b>'
        theirs = Template(VIEWFLOW_ROWS).render(Context({"page": page, "view": view}))
        ours = Template(OUR_ROWS).render(Context({"page": page, "view": view}))
    finally:
        for node, title in titles.items():
            node.task_title = title
    assert "&lt;b&gt;&quot;R&amp;D&quot;&lt;/b&gt;" in ours
    assert ours == theirs


def test_a_case_number_that_is_not_plain_is_reversed_on_its_own(official):
    from casework.models import Complaint
    from core.workflow import ScopedQueueView

    view = ScopedQueueView(flow_class=ComplaintFlow)
    for number in ("TS-2026-000123", "TS 2026 1", "投诉-1", "A&B"):
        case = Complaint(number=number)
        assert view._case_url(number) == case.get_absolute_url()
    assert view._case_url("TS-2026-000124").endswith("/TS-2026-000124/")

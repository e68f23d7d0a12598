"""Drive the complaint flow the way staff do: through the task views, as the given user."""

from django.test import Client

import config.urls  # noqa: F401  (viewflow wires node URL namespaces when the URLconf loads)
from viewflow.workflow import STATUS

from casework.flows import ComplaintFlow, open_process
from casework.services import complaint_submit
from tests.factories import district


def submit(**overrides):
    data = dict(channel="online", district=district("朝阳区"), category="wage_arrears",
                description="老板拖欠三天工钱。", respondent_kind="employer", respondent_name="某某建筑劳务公司",
                complainant_name="王师傅", complainant_phone="13912345678", consent=True)
    data.update(overrides)
    return complaint_submit(**data)


def open_task(complaint, node):
    process = open_process(complaint)
    assert process is not None, "the complaint has no running process"
    return process.task_set.filter(flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED]).first()


def do_task(user, complaint, node, data, *, expect_redirect=True):
    """Claim the task if needed, then post the form as ``user``. Returns the last response."""
    client = Client()
    client.force_login(user)
    task = open_task(complaint, node)
    assert task is not None, f"no open {node.name} task"
    if task.status == STATUS.NEW:
        response = client.post(node.reverse("assign", args=[task.process_id, task.pk]))
        assert response.status_code == 302, response.status_code
    response = client.post(node.reverse("execute", args=[task.process_id, task.pk]), data)
    if expect_redirect:
        assert response.status_code == 302, (response.status_code, getattr(response, "context", None)
                                             and response.context.get("form") and response.context["form"].errors)
    complaint.refresh_from_db()
    return response


def walk_to_closed(complaint, *, intake, official, mediator):
    do_task(intake, complaint, ComplaintFlow.review, {"decision": "accept"})
    do_task(official, complaint, ComplaintFlow.assign, {"assignee": mediator.pk})
    do_task(mediator, complaint, ComplaintFlow.investigate, {"_start": "1"}, expect_redirect=True)
    do_task(mediator, complaint, ComplaintFlow.investigate,
            {"decision": "resolve", "outcome": "已督促支付", "public_reply": "经调查，用工单位已于当日补发工资。"})
    return complaint

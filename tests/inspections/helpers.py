"""Drive the inspection flow the way people do: through the task views and pages, as the given user."""

from django.test import Client

import config.urls  # noqa: F401  (viewflow wires node URL namespaces when the URLconf loads)
from viewflow.workflow import STATUS

from inspections import services
from inspections.flows import InspectionFlow, open_task
from inspections.models import Inspection
from tests.core.filesamples import jpeg_with_exif, upload
from tests.factories import MarketFactory, Role, UserFactory, district


def photo(name="现场.jpg"):
    return upload(name, jpeg_with_exif(), "image/jpeg")


def operator_for(market, username="t_op_staff"):
    return UserFactory(username=username, roles=[Role.OPERATOR], district=None,
                       organization=market.operator.organization)


def plan(inspector, *, market=None, by=None, **kwargs):
    market = market or MarketFactory(district=district("朝阳区"))
    return services.inspection_plan(market=market, inspector=inspector, planned_for=kwargs.pop("planned_for", None)
                                    or __import__("datetime").date(2026, 11, 20), by=by, **kwargs)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def do_task(user, inspection, node, data, *, expect_redirect=True, files=None):
    """Claim the task if needed, then post the form as ``user``. Returns the response."""
    client = client_for(user)
    task = open_task(inspection, node)
    assert task is not None, f"no open {node.name} task"
    if task.status == STATUS.NEW:
        response = client.post(node.reverse("assign", args=[task.process_id, task.pk]))
        assert response.status_code == 302, response.status_code
    payload = dict(data)
    if files:
        payload.update(files)
    response = client.post(node.reverse("execute", args=[task.process_id, task.pk]), payload)
    if expect_redirect:
        assert response.status_code == 302, (response.status_code, response.context and response.context.get("form")
                                             and response.context["form"].errors)
    inspection.refresh_from_db()
    return response


def answers_all(inspection, *, fail=None, severity="major", note="灭火器过期"):
    """Form data answering every item: ``fail`` (an item) fails with ``severity``, the rest pass."""
    data = {}
    for item in inspection.checklist.items.all():
        data[f"result_{item.pk}"] = "fail" if fail is not None and item.pk == fail.pk else "pass"
        data[f"severity_{item.pk}"] = severity if fail is not None and item.pk == fail.pk else ""
        data[f"note_{item.pk}"] = note if fail is not None and item.pk == fail.pk else ""
    return data


def file_and_submit(inspector, inspection, *, fail=None, severity="major", with_photo=True):
    data = answers_all(inspection, fail=fail, severity=severity)
    data["_submit"] = "1"
    files = {f"photos_{fail.pk}": photo()} if fail is not None and with_photo else None
    do_task(inspector, inspection, InspectionFlow.fill, data, files=files)
    return inspection


def issue(inspector, inspection):
    do_task(inspector, inspection, InspectionFlow.issue_notice, {
        f"req_{f.pk}": "更换过期灭火器。" for f in inspection.findings.filter(result="fail")})
    inspection.refresh_from_db()
    return inspection.notice


def respond(operator, notice, *, text="已更换全部灭火器。"):
    client = client_for(operator)
    data = {}
    for item in notice.items.all():
        if item.needs_answer:
            data[f"text_{item.pk}"] = text
            data[f"photos_{item.pk}"] = photo("整改后.jpg")
    response = client.post(notice.get_absolute_url(), data)
    notice.refresh_from_db()
    return response


def reinspect(inspector, inspection, *, accept=True, note=""):
    do_task(inspector, inspection, InspectionFlow.reinspect, {"_start": "1"})
    data = {}
    for item in inspection.notice.items.filter(state="answered"):
        data[f"verdict_{item.pk}"] = "accept" if accept else "reject"
        data[f"review_{item.pk}"] = note
    do_task(inspector, inspection, InspectionFlow.reinspect, data)
    return Inspection.objects.get(pk=inspection.pk)

"""Drive wage claims the way staff do: services to file them, the real task views to move them."""

from decimal import Decimal

from django.test import Client
from viewflow.workflow import STATUS

import config.urls  # noqa: F401  (viewflow wires node URL namespaces when the URLconf loads)
from casework.flows import WageClaimFlow, open_wageclaim_process
from casework.models import WageClaim
from casework.services import wage as services
from core.validators import credit_code_check_char, resident_id_check_digit
from tests.factories import district

ID17 = "11010519900307123"
ID = ID17 + resident_id_check_digit(ID17)
ID17_B = "11010819851120456"
ID_B = ID17_B + resident_id_check_digit(ID17_B)
CC17 = "91110105MA01WAGE1"
CC = CC17 + credit_code_check_char(CC17)


def report(**over) -> services.WageSubmission:
    data = dict(
        channel="counter", district=district("朝阳区"), employer_name="北京某某建筑劳务有限公司", employer_credit_code=CC,
        employer_address="朝阳区某某路1号", work_place="望京某工地", description="完工后拖欠两个月工资。",
        workers=[services.Worker(name="王师傅", id_number=ID, phone="13912345678", amount_owed=Decimal("3000.10")),
                 services.Worker(name="李师傅", id_number=ID_B, phone="13812345678", amount_owed=Decimal("2500.25"),
                                 priority=True)],
    )
    data.update(over)
    return services.wageclaim_report(**data)


def fresh(claim) -> WageClaim:
    return WageClaim.objects.get(pk=claim.pk)


def open_task(claim, node):
    process = open_wageclaim_process(claim)
    if process is None:
        return None
    return process.task_set.filter(flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED]).first()


def do_task(user, claim, node, data, *, expect=302):
    """Claim ``node``'s open task if needed, then post its form as ``user``; returns the response."""
    client = Client()
    client.force_login(user)
    task = open_task(claim, node)
    assert task is not None, f"no open {node.name} task"
    if task.status == STATUS.NEW:
        response = client.post(node.reverse("assign", args=[task.process_id, task.pk]))
        assert response.status_code == 302, response.status_code
    response = client.post(node.reverse("execute", args=[task.process_id, task.pk]), data)
    if expect is not None:
        assert response.status_code == expect, (
            response.status_code, getattr(response, "context", None) and response.context.get("form")
            and response.context["form"].errors)
    return response


def verify(claim, officer):
    do_task(officer, claim, WageClaimFlow.verify, {"_start": "1"})
    do_task(officer, claim, WageClaimFlow.verify, {"decision": "verified", "note": "经核实考勤记录和聊天记录，欠薪属实。"})
    return fresh(claim)

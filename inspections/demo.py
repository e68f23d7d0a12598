"""Demo inspections for ``manage.py seed_demo``: one or more in every state in 朝阳区, plus ``cases`` extra
planned ones across districts for benchmarks.

Everything goes through the services and the flow's tasks, completed the way the task views complete them
(claim, run the service, execute), so the demo has the same audit trail, deadlines, documents and
notifications as real cases. The overdue case's clocks are restarted in the past through the deadline API and
the regular sweep then escalates it.

Idempotent: the state set is recognised by a marker in ``purpose`` and created once; extra cases carry
another marker and only the missing number is added on a second run."""

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image
from viewflow.workflow import STATUS

from accounts.models import User
from core import deadlines
from markets.models import Market

from . import services
from .flows import InspectionFlow, open_process, respond_to_notice
from .models import Inspection

DEMO_MARKER = "（演示检查）"
BULK_MARKER = "（基准测试检查）"
DISTRICT = "朝阳区"


def _photo(name, colour):
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def complete_task(inspection, node, user, action=None):
    """Do what a task view does on POST: lock the process, claim the task, run ``action``, execute."""
    process = open_process(inspection)
    with InspectionFlow.lock(process.pk), transaction.atomic():
        task = process.task_set.filter(flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED]).get()
        activation = node.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(user)
        activation.start(None)
        if action is not None:
            action()
        activation.execute()
    return Inspection.objects.get(pk=inspection.pk)


def _file(inspection, inspector, *, fail=None, severity="major", submit=True):
    items = list(inspection.checklist.items.all())
    answers = {i.pk: {"result": "pass"} for i in items}
    if fail is not None:
        answers[items[fail].pk] = {"result": "fail", "severity": severity,
                                   "note": "安全出口处堆放杂物" if severity == "critical" else "灭火器压力不足"}
    services.inspection_save_draft(inspection=inspection, by=inspector, answers=answers,
                                   summary="现场检查，运营机构负责人陪同。", on_site_contact="吴刚",
                                   location={"latitude": "39.958000", "longitude": "116.460000", "accuracy": 15})
    if fail is not None:
        services.finding_add_photo(inspection=inspection, item_id=items[fail].pk, by=inspector,
                                   uploaded_file=_photo("现场问题.jpg", (180, 40, 40)))
    if submit:
        inspection = complete_task(inspection, InspectionFlow.fill, inspector,
                                   lambda: services.inspection_submit(inspection=inspection, by=inspector))
    return Inspection.objects.get(pk=inspection.pk)


def _issue(inspection, inspector):
    return complete_task(inspection, InspectionFlow.issue_notice, inspector,
                         lambda: services.notice_issue(inspection=inspection, by=inspector))


def _respond(inspection, operator):
    notice = inspection.notice
    items = [i for i in notice.items.all() if i.needs_answer]
    respond_to_notice(notice, by=operator, answers={i.pk: "已按要求完成整改。" for i in items},
                      files={i.pk: [_photo("整改后.jpg", (40, 160, 60))] for i in items})
    return Inspection.objects.get(pk=inspection.pk)


def _review(inspection, inspector, accept=True):
    def action():
        services.inspection_start_reinspection(inspection=inspection, by=inspector)
        notice = inspection.notice
        services.notice_review(notice=notice, by=inspector, verdicts={
            i.pk: (accept, "" if accept else "灭火器仍未更换") for i in notice.items.filter(state="answered")})

    return complete_task(inspection, InspectionFlow.reinspect, inspector, action)


def seed(stdout, cases=0):
    inspector = User.objects.filter(username="inspector").first()
    official = User.objects.filter(username="district").first()
    operator = User.objects.filter(username="operator").first()
    if inspector is None or official is None or operator is None:
        stdout.write("inspections: demo accounts missing, skipped")
        return
    markets = list(Market.objects.filter(district=inspector.district, status=Market.Status.OPEN,
                                         operator__organization_id=operator.organization_id).order_by("pk"))
    markets = markets or list(Market.objects.filter(district=inspector.district, status=Market.Status.OPEN))
    if not markets:
        return
    if not Inspection.objects.filter(purpose__endswith=DEMO_MARKER).exists():
        _seed_states(stdout, inspector, official, operator, markets)
    _seed_bulk(stdout, cases)


def _plan(market, inspector, days_ago, purpose):
    return services.inspection_plan(market=market, inspector=inspector,
                                    planned_for=timezone.localdate() - timedelta(days=days_ago),
                                    purpose=purpose + DEMO_MARKER)


def _seed_states(stdout, inspector, official, operator, markets):
    m = lambda n: markets[n % len(markets)]  # noqa: E731
    _plan(m(0), inspector, -3, "月度消防检查")                                       # planned
    _file(_plan(m(1), inspector, 0, "月度消防检查"), inspector, fail=2, submit=False)  # in progress (draft)
    _file(_plan(m(2), inspector, 20, "月度消防检查"), inspector)                       # passed and closed
    issued = _file(_plan(m(3), inspector, 2, "节前安全检查"), inspector, fail=0)
    _issue(issued, inspector)                                                          # notice issued
    responded = _issue(_file(_plan(m(4), inspector, 6, "月度消防检查"), inspector, fail=4, severity="minor"),
                       inspector)
    _respond(responded, operator)                                                      # operator responded
    rejected = _respond(_issue(_file(_plan(m(5), inspector, 15, "月度消防检查"), inspector, fail=8), inspector),
                        operator)
    _review(rejected, inspector, accept=False)                                         # back to the operator
    done = _respond(_issue(_file(_plan(m(6), inspector, 25, "专项检查"), inspector, fail=1), inspector), operator)
    _review(done, inspector)                                                           # rectified and closed
    critical = _issue(_file(_plan(m(7), inspector, 1, "投诉核查"), inspector, fail=1, severity="critical"),
                      inspector)                                                       # escalated at once
    suspended = _issue(_file(_plan(m(8), inspector, 3, "月度消防检查"), inspector, fail=3, severity="critical"),
                       inspector)
    services.notice_decide_escalation(notice=suspended.notice, by=official, suspend_market=True,
                                      reason="电气线路私拉乱接，存在火灾隐患，责令暂停运营。")  # market suspended
    overdue = _issue(_file(_plan(m(9), inspector, 10, "月度消防检查"), inspector, fail=5), inspector)
    # Restart its clock ten days back (a visible cancel/start in its trail); the regular sweep escalates it.
    for item in overdue.notice.items.all():
        deadlines.cancel_deadlines(item, kinds=[services.ITEM_DEADLINE_KIND])
        services._start_item_deadline(item, started_at=timezone.now() - timedelta(days=10))
    services._sync_due(overdue.notice)
    deadlines.sweep()
    stdout.write(f"inspections: {Inspection.objects.filter(purpose__endswith=DEMO_MARKER).count()} demo inspections"
                 f" ({critical.number} critical)")


def _seed_bulk(stdout, cases):
    if cases <= 0:
        return
    have = Inspection.objects.filter(purpose__endswith=BULK_MARKER).count()
    markets = list(Market.objects.filter(status=Market.Status.OPEN).order_by("pk"))
    made = 0
    for n in range(have, cases):
        market = markets[n % len(markets)]
        inspector = services.eligible_inspectors(market.district_id).first()
        if inspector is None:
            continue
        services.inspection_plan(market=market, inspector=inspector,
                                 planned_for=timezone.localdate() + timedelta(days=n % 28),
                                 purpose="例行检查" + BULK_MARKER)
        made += 1
    stdout.write(f"inspections: {made} extra planned inspections")

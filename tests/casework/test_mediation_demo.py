"""``casework.demo`` also seeds mediation cases in every resting state, through services and flow tasks."""

import io

import pytest
from viewflow.workflow import STATUS

from casework import demo
from casework.flows import MediationFlow, open_mediation_process
from casework.models import MediationCase
from core.models import GeneratedDocument
from tests.factories import MarketFactory, Role, UserFactory

pytestmark = pytest.mark.django_db
S = MediationCase.Status


@pytest.fixture
def demo_users(chaoyang):
    MarketFactory(code="cy-shibalidian", district=chaoyang)
    return {name: UserFactory(username=name, roles=[role], district=chaoyang)
            for name, role in (("intake", Role.INTAKE), ("district", Role.DISTRICT_OFFICIAL),
                               ("mediator", Role.MEDIATOR))}


def open_nodes(case):
    process = open_mediation_process(case)
    if process is None:
        return set()
    return {t.flow_task for t in process.task_set.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED])}


def test_seed_makes_mediation_cases_in_every_state_through_the_flow_and_is_idempotent(demo_users):
    out = io.StringIO()
    demo.seed(stdout=out, cases=0)
    cases = list(MediationCase.objects.filter(matters__endswith="（演示调解案例）"))
    by_status = {}
    for c in cases:
        by_status.setdefault(c.status, []).append(c)
    assert set(by_status) == {S.APPLIED, S.ACCEPTED, S.DECLINED, S.MEDIATOR_ASSIGNED, S.IN_MEDIATION,
                              S.AGREEMENT_SIGNED, S.CLOSED, S.WITHDRAWN}
    closed = by_status[S.CLOSED]
    assert {bool(c.failure_reason) for c in closed} == {True, False}  # failed and agreement-based closures
    assert any(c.applicants.count() == 2 for c in by_status[S.APPLIED])
    assert open_nodes(by_status[S.APPLIED][0]) == {MediationFlow.review}
    assert open_nodes(by_status[S.ACCEPTED][0]) == {MediationFlow.assign}
    assert open_nodes(by_status[S.IN_MEDIATION][0]) == {MediationFlow.await_outcome}
    assert open_nodes(by_status[S.AGREEMENT_SIGNED][0]) == {MediationFlow.await_fulfilment}
    assert all(open_mediation_process(c) is None for c in closed)
    assert by_status[S.IN_MEDIATION][0].mediator == demo_users["mediator"]
    signed = by_status[S.AGREEMENT_SIGNED][0]
    assert GeneratedDocument.objects.for_object(signed).filter(kind="mediation.agreement").exists()
    assert "调解演示案例" in out.getvalue()

    count = MediationCase.objects.count()
    demo.seed(stdout=io.StringIO(), cases=0)
    assert MediationCase.objects.count() == count


def _login(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _section(page, start, end="</table>"):
    return page.split(start, 1)[1].split(end, 1)[0]


def test_demo_case_with_an_unpaid_agreement_shows_the_payment_order_and_arbitration_guidance(demo_users):
    from datetime import timedelta

    from django.utils import timezone

    from casework import services

    demo.seed(stdout=io.StringIO(), cases=0)
    overdue = [c for c in MediationCase.objects.filter(matters__endswith="（演示调解案例）", status=S.AGREEMENT_SIGNED)
               if services.missed_payment_obligations(c)]
    assert len(overdue) == 1
    case = overdue[0]
    obligation = case.agreement.obligations.get()
    today = timezone.localdate()
    # Dates agree with each other: signed three weeks ago, due a week ago, the session before the signing.
    assert timezone.localtime(case.agreement_effective_at).date() == today - timedelta(days=21)
    assert obligation.due_on == today - timedelta(days=7) and obligation.fulfilled_at is None
    assert case.sessions.get().scheduled_at < case.agreement_effective_at
    assert case.received_at <= case.accepted_at <= case.assigned_at < case.agreement_effective_at
    for user in (demo_users["district"], demo_users["mediator"]):
        page = _login(user).get(case.get_absolute_url()).content.decode()
        guidance = _section(page, 'id="payment-order"', "</section>")
        assert "支付令" in guidance and "第十六条" in guidance and "第二十七条" in guidance
        assert "3200.00" in guidance
    # The other signed case is not due yet: no guidance there.
    others = MediationCase.objects.filter(matters__endswith="（演示调解案例）", status=S.AGREEMENT_SIGNED).exclude(
        pk=case.pk)
    assert others and all('id="payment-order"' not in _login(demo_users["district"]).get(
        c.get_absolute_url()).content.decode() for c in others)


def test_demo_case_pages_show_the_timeline_in_words_and_online_sessions_with_participants(demo_users):
    import re

    demo.seed(stdout=io.StringIO(), cases=0)
    client = _login(demo_users["district"])
    cases = list(MediationCase.objects.filter(matters__endswith="（演示调解案例）"))
    for case in cases:
        page = client.get(case.get_absolute_url()).content.decode()
        timeline = _section(page, 'id="timeline"')
        rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td>", timeline)
        assert rows, case.number
        for _at, _actor, what, change in rows:
            # every event is named in Chinese (no raw codes such as session_scheduled or mediation.acceptance)
            assert not re.search(r"[a-z]{3,}", what), (case.number, what)
            assert not re.search(r"[a-z]{3,}", change), (case.number, change)
        assert "<td>创建</td><td> → 待受理</td>" in timeline, case.number
    signed = next(c for c in cases if c.status == S.AGREEMENT_SIGNED)
    assert client.post(f"/staff/mediation/cases/{signed.number}/dossier/").status_code == 302
    timeline = _section(client.get(signed.get_absolute_url()).content.decode(), 'id="timeline"')
    for label in ("状态变更·受理", "状态变更·指派调解员", "修改·安排调解", "修改·记录调解笔录", "修改·起草调解协议",
                  "修改·记录签名和印章", "状态变更·调解协议生效", "导出·导出案卷", "期限·期限已完成"):
        assert label in timeline, label
    assert "调解中 → 已达成调解协议" in timeline and "区级负责人" in timeline

    online = [c for c in cases if c.sessions.filter(online=True).exists()]
    assert len(online) == 1
    sessions = _section(client.get(online[0].get_absolute_url()).content.decode(), 'id="sessions"', "</ul>")
    assert "线上调解" in sessions and "腾讯会议" in sessions
    assert "其他参加人员：十八里店街道劳动保障所 李工作人员" in sessions

"""``casework.demo.seed``: complaints in every state, made through services and flow tasks; idempotent."""

import io

import pytest
from viewflow.workflow import STATUS

from casework import demo
from casework.flows import ComplaintFlow, open_process
from casework.models import Complaint
from tests.factories import MarketFactory, Role, UserFactory

pytestmark = pytest.mark.django_db

S = Complaint.Status


@pytest.fixture
def demo_users(chaoyang):
    MarketFactory(code="cy-shibalidian", district=chaoyang)
    return {
        "intake": UserFactory(username="intake", roles=[Role.INTAKE], district=chaoyang),
        "district": UserFactory(username="district", roles=[Role.DISTRICT_OFFICIAL], district=chaoyang),
        "mediator": UserFactory(username="mediator", roles=[Role.MEDIATOR], district=chaoyang),
    }


def open_nodes(complaint):
    process = open_process(complaint)
    if process is None:
        return set()
    return {t.flow_task for t in process.task_set.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED])}


def test_seed_makes_every_state_through_the_flow_and_is_idempotent(demo_users):
    out = io.StringIO()
    demo.seed(stdout=out, cases=0)
    cases = list(Complaint.objects.filter(description__endswith=demo.DEMO_MARKER))
    statuses = {c.status for c in cases}
    assert statuses >= {S.SUBMITTED, S.INFO_REQUESTED, S.REJECTION_PROPOSED, S.REJECTED, S.ACCEPTED, S.ASSIGNED,
                        S.INVESTIGATING, S.CLOSED, S.WITHDRAWN, S.MERGED}
    assert all(c.district.name == "朝阳区" for c in cases)
    closed = [c for c in cases if c.status == S.CLOSED]
    assert {bool(c.referral_target) for c in closed} == {True, False}  # resolved→closed and referred→closed
    overdue = [c for c in cases if c.is_overdue]
    assert len(overdue) == 1 and overdue[0].status == S.SUBMITTED and overdue[0].due_at < overdue[0].updated_at

    # Each open case waits on the task its state implies: the data went through the flow.
    by_status = {c.status: c for c in cases}
    assert open_nodes(by_status[S.INFO_REQUESTED]) == {ComplaintFlow.await_info}
    assert open_nodes(by_status[S.REJECTION_PROPOSED]) == {ComplaintFlow.approve_rejection}
    assert open_nodes(by_status[S.ACCEPTED]) == {ComplaintFlow.assign}
    assert open_nodes(by_status[S.INVESTIGATING]) == {ComplaintFlow.investigate}
    assert by_status[S.INVESTIGATING].responsible == demo_users["intake"]
    assert by_status[S.INVESTIGATING].assignee == demo_users["mediator"]
    assert all(open_process(c) is None for c in closed)
    assert "查询码" in out.getvalue()

    count = Complaint.objects.count()
    demo.seed(stdout=io.StringIO(), cases=0)
    assert Complaint.objects.count() == count


def test_cases_adds_only_the_missing_bulk_complaints(demo_users):
    demo.seed(stdout=io.StringIO(), cases=4)
    bulk = Complaint.objects.filter(description__endswith=demo.BULK_MARKER)
    assert bulk.count() == 4
    assert bulk.filter(status=S.CLOSED).exists() and bulk.filter(status=S.SUBMITTED).exists()
    demo.seed(stdout=io.StringIO(), cases=5)
    assert bulk.count() == 5


def test_seed_skips_without_the_demo_accounts(db):
    out = io.StringIO()
    demo.seed(stdout=out, cases=3)
    assert Complaint.objects.count() == 0 and "跳过" in out.getvalue()

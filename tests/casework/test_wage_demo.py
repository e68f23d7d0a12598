"""``casework.demo`` also seeds wage claims in every state, through services and flow tasks, idempotently."""

import io

import pytest
from viewflow.workflow import STATUS

from casework import demo
from casework.flows import WageClaimFlow, open_wageclaim_process
from casework.models import WageClaim
from casework.repeat_offenders import flag_rows
from tests.factories import MarketFactory, Role, UserFactory

pytestmark = pytest.mark.django_db
S = WageClaim.Status


@pytest.fixture
def demo_users(chaoyang):
    MarketFactory(code="cy-shibalidian", district=chaoyang)
    return {name: UserFactory(username=name, roles=[role], district=chaoyang)
            for name, role in (("intake", Role.INTAKE), ("district", Role.DISTRICT_OFFICIAL),
                               ("mediator", Role.MEDIATOR))}


def open_nodes(claim):
    process = open_wageclaim_process(claim)
    if process is None:
        return set()
    return {t.flow_task for t in process.task_set.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED])}


def test_seed_makes_claims_in_every_state_and_is_idempotent(demo_users):
    out = io.StringIO()
    demo.seed(stdout=out, cases=0)
    claims = list(WageClaim.objects.all())
    by_status = {}
    for c in claims:
        by_status.setdefault(c.status, []).append(c)
    assert set(by_status) == set(S.values)
    assert open_nodes(by_status[S.REPORTED][0]) == {WageClaimFlow.verify}
    proposals = [c for c in by_status[S.VERIFYING] if c.unsubstantiated_proposed_by_id]
    assert proposals and open_nodes(proposals[0]) == {WageClaimFlow.approve_unsubstantiated}
    assert open_nodes(by_status[S.SETTLED][0]) == {WageClaimFlow.close}
    assert all(open_nodes(c) == {WageClaimFlow.close} for c in by_status[S.REFERRED])
    assert {c.outcome for c in by_status[S.CLOSED]} >= {"fully_recovered", "arbitration"}
    assert all(open_wageclaim_process(c) is None for c in by_status[S.CLOSED] + by_status[S.UNSUBSTANTIATED])
    assert WageClaim.objects.filter(channel="mediation", source_mediation__isnull=False).exists()
    assert {c.limitation_warning() for c in claims} >= {"near", "passed"}
    flagged = [c for c in flag_rows(claims, demo_users["district"], name_attr="employer_name",
                                    code_attr="employer_credit_code") if c.repeat_offender]
    assert {c.employer_name for c in flagged} >= {"北京宏远建筑劳务有限公司", "北京宏远建筑劳务有限责任公司"}
    assert "欠薪线索演示案例" in out.getvalue()
    count = WageClaim.objects.count()
    demo.seed(stdout=io.StringIO(), cases=0)
    assert WageClaim.objects.count() == count


def test_every_demo_claim_page_renders_for_the_official_and_the_bureau(demo_users, bureau):
    from django.test import Client

    demo.seed(stdout=io.StringIO(), cases=0)
    for user in (demo_users["district"], bureau):
        client = Client()
        client.force_login(user)
        for claim in WageClaim.objects.all():
            response = client.get(claim.get_absolute_url())
            assert response.status_code == 200, (claim.status, response.status_code)
            assert claim.number in response.content.decode()
        assert client.get("/staff/wageclaim/claims/", {"status": ""}).status_code == 200

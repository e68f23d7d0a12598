"""``casework.demo`` seeds referrals in every state for the demo legal-aid centre (user ``partner``), a
labour-inspection transfer and a police transfer, through the services; idempotently."""

import io

import pytest
from django.test import Client

from accounts.models import Organization
from casework import demo_referrals
from casework.flows import WageClaimFlow, open_wageclaim_process
from casework.models import Referral
from tests.factories import OrganizationFactory, Role, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(chaoyang):
    aid = OrganizationFactory(name=demo_referrals.LEGAL_AID_NAME, kind=Organization.Kind.LEGAL_AID, district=chaoyang)
    OrganizationFactory(name=demo_referrals.INSPECTION_NAME, kind=Organization.Kind.LABOUR_INSPECTION,
                        district=chaoyang)
    return {
        "intake": UserFactory(username="intake", roles=[Role.INTAKE], district=chaoyang),
        "district": UserFactory(username="district", roles=[Role.DISTRICT_OFFICIAL], district=chaoyang),
        "partner": UserFactory(username="partner", roles=[Role.LEGAL_AID], district=None, organization=aid),
    }


def test_seed_makes_referrals_in_every_state_and_is_idempotent(people, chaoyang):
    out = io.StringIO()
    demo_referrals.seed(out, chaoyang, people["intake"], people["district"])
    referrals = list(Referral.objects.select_related("target", "claim"))
    assert {r.status for r in referrals} == set(Referral.Status.values)
    assert {r.kind for r in referrals} == set(Referral.Kind.values)
    for r in referrals:
        if r.status != Referral.Status.DRAFTED:
            process = open_wageclaim_process(r.claim)
            assert r.claim.status == "referred"
            assert {t.flow_task for t in process.task_set.filter(status="NEW")} == {WageClaimFlow.close}
    assert "移送演示案例" in out.getvalue()
    count = len(referrals)
    demo_referrals.seed(io.StringIO(), chaoyang, people["intake"], people["district"])
    assert Referral.objects.count() == count


def test_demo_partner_sees_its_live_referrals(people, chaoyang):
    demo_referrals.seed(io.StringIO(), chaoyang, people["intake"], people["district"])
    c = Client()
    c.force_login(people["partner"])
    for r in Referral.objects.filter(target=people["partner"].organization):
        expected = 200 if r.status in Referral.PARTNER_LIVE else (404 if r.status == "drafted" else 403)
        assert c.get(r.get_partner_url()).status_code == expected, r.status

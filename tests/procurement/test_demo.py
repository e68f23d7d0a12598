"""``procurement.demo.seed`` through ``manage.py seed_demo``: a finished round, contracts in every state,
milestones with exact decimals; idempotent."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from markets.models import Market
from procurement.models import Candidate, PaymentMilestone, SelectionRound, ServiceContract, ServiceProject

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_every_contract_state_and_is_idempotent(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-2026")
    call_command("seed_demo", stdout=StringIO())
    statuses = set(ServiceContract.objects.values_list("status", flat=True))
    # the evaluations demo (when installed) exits the 海淀区 contract after this one ran
    assert statuses >= {"draft", "active", "suspended", "terminated", "expired"}
    rnd = SelectionRound.objects.get(status=SelectionRound.Status.AWARDED)
    assert rnd.winner.operator.name == "北京安业人力资源有限公司"
    assert [(r["mean"], r["rank"]) for r in rnd.ranking] == [("88.50", 1), ("84.75", 2)]
    assert rnd.candidates.filter(qualification=Candidate.Qualification.DISQUALIFIED).count() == 1
    main = ServiceContract.objects.get(project__name__startswith="朝阳区", previous__isnull=True)
    assert sum(m.amount for m in main.milestones.all()) == main.amount == Decimal("2400000.00")
    assert main.renewal.status == ServiceContract.Status.DRAFT
    assert set(Market.objects.filter(service_contracts=main).values_list("operator__name", flat=True)) == {
        "北京京才汇人力资源服务有限公司"}
    counts = (ServiceProject.objects.count(), ServiceContract.objects.count(), PaymentMilestone.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (ServiceProject.objects.count(), ServiceContract.objects.count(),
            PaymentMilestone.objects.count()) == counts


def test_every_demo_contract_page_renders_for_its_viewers(settings, monkeypatch):
    from django.test import Client

    from accounts.models import User

    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-2026")
    call_command("seed_demo", stdout=StringIO())
    clients = {}
    for username in ("district", "district_b", "bureau", "operator"):
        clients[username] = Client()
        clients[username].force_login(User.objects.get(username=username))
    operator = User.objects.get(username="operator")
    for contract in ServiceContract.objects.select_related("district", "operator"):
        url = contract.get_absolute_url()
        assert clients["bureau"].get(url).status_code == 200, contract.number
        own_district = "district" if contract.district.name == "朝阳区" else "district_b"
        assert clients[own_district].get(url).status_code == 200, contract.number
        expected = 200 if contract.operator.organization_id == operator.organization_id else 404
        assert clients["operator"].get(url).status_code == expected, contract.number
    for rnd in SelectionRound.objects.all():
        assert clients["district_b"].get(rnd.get_absolute_url()).status_code == 200
        assert clients["district"].get(rnd.get_absolute_url()).status_code == 404
    main = ServiceContract.objects.get(project__name__startswith="朝阳区", previous__isnull=True)
    page = clients["district"].get(main.get_absolute_url()).content.decode()
    assert "绩效评价" in page and "PJ-" in page  # the evaluations demo evaluated it

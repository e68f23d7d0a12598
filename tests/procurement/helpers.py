"""Build procurement records through the services, the way the staff pages do."""

import datetime
from decimal import Decimal

from procurement import services
from tests.factories import MarketFactory, OperatorFactory, Role, UserFactory, district

PERIOD = (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))


def project(official, *, markets=None, budget="1200000.00"):
    markets = markets or [MarketFactory(district=official.district)]
    return services.project_create(by=official, name="朝阳区零工市场运营服务项目", district=official.district,
                                   markets=markets, services="零工市场日常运营、岗位信息发布、劳动维权服务",
                                   budget=Decimal(budget), period_start=PERIOD[0], period_end=PERIOD[1])


def selection(official, *, proj=None, operators=2, panel=3):
    """An open round with ``operators`` applicants (valid licence and credit code) and ``panel`` members."""
    proj = proj or project(official)
    rnd = services.round_open(project=proj, by=official, title="2026年度运营机构遴选",
                              opens_on=datetime.date(2026, 1, 1), closes_on=datetime.date(2026, 1, 31))
    candidates = [apply(official, rnd, OperatorFactory(licence_number=f"LIC-{i}")) for i in range(operators)]
    members = [services.round_add_panel_member(round=rnd, by=official, user=expert(f"{rnd.pk}_{i}"))
               for i in range(panel)]
    return rnd, candidates, members


def expert(suffix):
    return UserFactory(username=f"expert_{suffix}", roles=[Role.DISTRICT_OFFICIAL], district=district("朝阳区"))


def apply(official, rnd, operator, **kwargs):
    kwargs.setdefault("credit_code", operator.credit_code)
    kwargs.setdefault("licence_number", operator.licence_number or "LIC-1")
    return services.candidate_apply(round=rnd, operator=operator, by=official, **kwargs)


def review(official, rnd, candidates):
    services.round_close_applications(round=rnd, by=official)
    return [services.candidate_qualify(candidate=c, by=official) for c in candidates]


def score_all(members, candidates, table):
    """table[m][c] is member m's score for candidate c (None: no score)."""
    for m, row in zip(members, table):
        for c, value in zip(candidates, row):
            if value is not None:
                services.panel_score(candidate=c, by=m.user, score=Decimal(value))


def active_contract(official, **kwargs):
    from tests.factories import ServiceContractFactory

    contract = ServiceContractFactory(district=official.district, **kwargs)
    return services.contract_activate(contract=contract, by=official)

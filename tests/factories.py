"""factory_boy factories shared by all test modules."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from accounts.models import District, Organization, User
from accounts.roles import Role
from core.validators import credit_code_check_char
from markets.models import Market, Operator


def district(name="朝阳区") -> District:
    return District.objects.get(name=name)


def make_credit_code(n: int) -> str:
    body = f"91110105{n:09d}"
    return body + credit_code_check_char(body)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"单位{n}")
    kind = Organization.Kind.DISTRICT_OFFICE
    district = factory.LazyFunction(lambda: district("朝阳区"))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = "张"
    first_name = factory.Sequence(lambda n: f"{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")
    district = factory.LazyFunction(lambda: district("朝阳区"))

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or ():
            self.groups.add(Group.objects.get(name=role))
        if create:
            self.save()


class OperatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Operator

    name = factory.Sequence(lambda n: f"运营机构{n}有限公司")
    credit_code = factory.Sequence(make_credit_code)
    contact_name = "李经理"
    contact_phone = "13800000000"
    organization = factory.SubFactory(
        OrganizationFactory, kind=Organization.Kind.OPERATOR, name=factory.SelfAttribute("..name"), district=None
    )


class MarketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Market

    kind = Market.Kind.MARKET
    name = factory.Sequence(lambda n: f"测试零工市场{n}")
    code = factory.Sequence(lambda n: f"m{n}")
    district = factory.LazyFunction(lambda: district("朝阳区"))
    street = "太阳宫街道"
    address = "朝阳区太阳宫中路1号"
    opening_hours = "06:00-18:00"
    phone = "010-12345678"
    complaint_phone = "010-12333000"
    operator = factory.SubFactory(OperatorFactory)


class ServiceContractFactory(factory.django.DjangoModelFactory):
    """A draft service contract (pass ``status=...`` to start elsewhere; procurement's own tests move it
    through ``procurement.services``). Markets: ``markets=[...]``, else one new market of its district run
    by its operator."""

    class Meta:
        model = "procurement.ServiceContract"
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"HT-2026-{900000 + n:06d}")
    operator = factory.SubFactory(OperatorFactory)
    district = factory.LazyFunction(lambda: district("朝阳区"))
    amount = Decimal("1200000.00")
    start_date = datetime.date(2026, 1, 1)
    end_date = datetime.date(2026, 12, 31)

    @factory.post_generation
    def markets(self, create, extracted, **kwargs):
        if not create:
            return
        self.markets.set(extracted if extracted is not None
                         else [MarketFactory(operator=self.operator, district=self.district)])


__all__ = ["UserFactory", "OrganizationFactory", "OperatorFactory", "MarketFactory", "ServiceContractFactory",
           "district", "Role", "make_credit_code"]

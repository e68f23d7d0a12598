"""`manage.py seed_demo`: one account per role, organisations, ~20 markets; idempotent; refuses without
DEBUG unless forced; calls every app's demo hook with --cases."""

import sys
import types
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Organization, User
from accounts.roles import Role
from markets.models import Market, Operator

pytestmark = pytest.mark.django_db

EXPECTED_ROLES = {
    "intake": Role.INTAKE, "mediator": Role.MEDIATOR, "inspector": Role.INSPECTOR,
    "district": Role.DISTRICT_OFFICIAL, "district_b": Role.DISTRICT_OFFICIAL, "bureau": Role.BUREAU_OFFICIAL,
    "partner": Role.LEGAL_AID, "operator": Role.OPERATOR, "admin": Role.ADMIN,
}


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot():
    return (User.objects.count(), Organization.objects.count(), Operator.objects.count(), Market.objects.count())


def test_refuses_to_run_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        seed()
    assert not User.objects.filter(username="intake").exists()


def test_force_flag_runs_without_debug(settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.setenv("DEMO_PASSWORD", "bench-pass-2026")
    seed("--force-i-know")
    assert User.objects.filter(username="intake").exists()


def test_creates_one_account_per_role_with_the_right_group_and_district(debug, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-2026")
    output = seed()
    for username, role in EXPECTED_ROLES.items():
        user = User.objects.get(username=username)
        assert set(user.groups.values_list("name", flat=True)) == {role}, username
        assert user.check_password("demo-pass-2026"), username
        assert username in output
    assert "demo-pass-2026" in output, "the password is printed with the account table"
    for username in ("intake", "mediator", "inspector", "district"):
        assert User.objects.get(username=username).district.name == "朝阳区"
    assert User.objects.get(username="district_b").district.name == "海淀区"
    assert User.objects.get(username="bureau").district is None
    assert User.objects.get(username="partner").organization.kind == Organization.Kind.LEGAL_AID
    assert User.objects.get(username="admin").is_staff


def test_generates_and_prints_a_password_when_none_is_given(debug, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    output = seed()
    intake = User.objects.get(username="intake")
    printed = [word for line in output.splitlines() if "密码" in line for word in line.split("：")[1:]]
    assert printed and intake.check_password(printed[0].strip())


def test_organizations_markets_and_operators_survive_a_second_run_unchanged(debug, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-2026")
    seed()
    before = snapshot()
    seed()
    assert snapshot() == before, "running twice is harmless"
    assert User.objects.get(username="intake").groups.count() == 1
    names = set(Organization.objects.values_list("name", flat=True))
    assert {"北京市人力资源和社会保障局", "北京市朝阳区人力资源和社会保障局", "北京市海淀区人力资源和社会保障局",
            "北京市朝阳区法律援助中心", "北京市朝阳区劳动保障监察大队"} <= names
    assert 18 <= Market.objects.count() <= 25
    assert Market.objects.values("district").distinct().count() >= 8
    assert Market.objects.filter(status=Market.Status.SUSPENDED).exists()
    assert Market.objects.filter(status=Market.Status.CLOSED).exists()
    for operator in Operator.objects.all():
        operator.full_clean()  # credit codes pass the GB 32100 check
    operator_user = User.objects.get(username="operator")
    own = Market.objects.visible_to(operator_user)
    assert own.exists() and own.count() < Market.objects.count()
    assert Market.objects.visible_to(User.objects.get(username="district")).filter(district__name="朝阳区").count() \
        == Market.objects.filter(district__name="朝阳区").count()


def test_calls_each_apps_demo_hook_with_cases(debug, monkeypatch):
    calls = []
    hook = types.ModuleType("markets.demo")
    hook.seed = lambda *, stdout, cases: calls.append(cases)
    monkeypatch.setitem(sys.modules, "markets.demo", hook)
    seed("--cases", "7")
    assert calls == [7]


""".env.example lists every GIGCASE_* variable the code reads, each under a comment and with its default; every
one the code reads from Django settings is read from the environment by config/settings/base.py (else setting
it in .env would do nothing), and the default .env.example shows is the one in force."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
NAME = re.compile(r"\bGIGCASE_[A-Z0-9_]+\b")
CODE_DIRS = ["accounts", "bench", "casework", "config", "core", "evaluations", "inspections", "markets",
             "procurement", "tests/e2e"]
#: Read straight from the environment (os.environ / env.int), never through django.conf.settings.
ENVIRONMENT_ONLY = {"GIGCASE_DB_PARALLEL_WORKERS", "GIGCASE_DB_PREPARE_THRESHOLD", "GIGCASE_SCREENSHOTS", "GIGCASE_VAR_DIR"}
#: Their .env.example value is an example, not the default (keys; a path shown relative to the checkout).
EXAMPLE_VALUES = {"GIGCASE_FIELD_KEYS", "GIGCASE_VAR_DIR"}


def names_in_code():
    names = set()
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" not in path.parts:
                names.update(NAME.findall(path.read_text(encoding="utf-8")))
    return names


def documented():
    """``{name: default}`` of the ``# NAME=value`` lines, after checking each stands under a comment."""
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    found = {}
    for number, line in enumerate(lines):
        match = re.fullmatch(r"#? ?(GIGCASE_[A-Z0-9_]+)=(.*)", line)
        if match:
            start = number
            while start > 0 and lines[start - 1].strip():
                start -= 1
            prose = [above for above in lines[start:number] if not re.match(r"#? ?[A-Z][A-Z0-9_]*=", above)]
            assert prose, f"{match[1]} has no comment saying what it does in .env.example"
            found[match[1]] = match[2]
    return found


def test_every_gigcase_variable_is_in_env_example():
    missing = names_in_code() - set(documented())
    assert not missing, f"not in .env.example: {sorted(missing)}"


def test_every_setting_the_code_reads_comes_from_the_environment():
    settings_names = names_in_code() - ENVIRONMENT_ONLY
    base = (ROOT / "config" / "settings" / "base.py").read_text(encoding="utf-8")
    not_read = [name for name in sorted(settings_names) if f'env("{name}"' not in base
                and not re.search(rf'env\.\w+\("{name}"', base)]
    assert not not_read, f"read from settings but never from the environment: {not_read}"


def as_shown(value) -> str:
    """A setting's value the way .env.example writes it."""
    if isinstance(value, (tuple, list)):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items())
    return str(value)


@pytest.mark.parametrize("name", sorted(set(documented()) - ENVIRONMENT_ONLY - EXAMPLE_VALUES))
def test_the_default_shown_is_the_one_in_force(name):
    if name in os.environ:
        pytest.skip(f"{name} is set in this environment")
    shown = documented()[name]
    value = getattr(settings, name)
    if name == "GIGCASE_RECTIFICATION_DAYS":
        # Empty in settings: every severity keeps inspections.services' default, which is what is shown.
        from inspections.services import RECTIFICATION_DAYS_DEFAULT

        assert value == {}
        value = {str(severity): days for severity, days in RECTIFICATION_DAYS_DEFAULT.items()}
        assert dict(item.split("=") for item in shown.split(",")) == {k: str(v) for k, v in value.items()}
        return
    assert as_shown(value) == shown


def test_the_settings_defaults_match_the_codes_own():
    """The modules keep a fallback for settings modules that lack the setting; it must not drift."""
    from casework.documents import RESUBMIT_DAYS_DEFAULT
    from casework.repeat_offenders import DEFAULT_THRESHOLD
    from evaluations.services import PLAN_DAYS_DEFAULT, SELF_ASSESSMENT_DAYS_DEFAULT
    from procurement.services import EXIT_BAR_YEARS_DEFAULT

    shown = documented()
    assert shown["GIGCASE_COMPLAINT_RESUBMIT_DAYS"] == str(RESUBMIT_DAYS_DEFAULT)
    assert shown["GIGCASE_REPEAT_OFFENDER_THRESHOLD"] == str(DEFAULT_THRESHOLD)
    assert shown["GIGCASE_EVALUATION_SELF_ASSESSMENT_DAYS"] == str(SELF_ASSESSMENT_DAYS_DEFAULT)
    assert shown["GIGCASE_EVALUATION_PLAN_DAYS"] == str(PLAN_DAYS_DEFAULT)
    assert shown["GIGCASE_EXIT_BAR_YEARS"] == str(EXIT_BAR_YEARS_DEFAULT)


def test_postgresql_connections_bind_on_the_server_and_prepare_repeated_statements(monkeypatch):
    """config.settings.base.tune_postgres: the options base and production settings give PostgreSQL, and the
    empty GIGCASE_DB_PREPARE_THRESHOLD that turns preparing off (for a pooler in transaction mode)."""
    import importlib

    import config.settings.base as base

    database = {"ENGINE": "django.db.backends.postgresql"}
    base.tune_postgres(database)
    assert database["OPTIONS"]["server_side_binding"] is True
    assert database["OPTIONS"]["prepare_threshold"] == 2
    assert "random_page_cost=1.1" in database["OPTIONS"]["options"]
    monkeypatch.setenv("GIGCASE_DB_PREPARE_THRESHOLD", "")
    try:
        reloaded = importlib.reload(base)
        database = {"ENGINE": "django.db.backends.postgresql"}
        reloaded.tune_postgres(database)
        assert database["OPTIONS"]["prepare_threshold"] is None
    finally:
        monkeypatch.delenv("GIGCASE_DB_PREPARE_THRESHOLD")
        importlib.reload(base)

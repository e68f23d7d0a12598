"""Shared fixtures. Tests that need PostgreSQL, Redis or Chromium are marked; on a laptop without them
they skip with the reason, and under CI=true they fail instead (CI must run everything)."""

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _missing(reason: str):
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _missing("this test needs PostgreSQL: set DATABASE_URL=postgres://…")
    if item.get_closest_marker("redis") and not _reachable(REDIS_URL):
        _missing(f"this test needs Redis at {REDIS_URL}")
    if item.get_closest_marker("browser"):
        if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
            _missing(f"this test needs Chromium at {CHROMIUM} (apt-get install chromium)")
        try:
            import playwright  # noqa: F401
        except ImportError:
            _missing("this test needs the playwright package")


@pytest.fixture(autouse=True)
def _private_storage(tmp_path, settings):
    """Each test writes uploads and documents to its own private folder."""
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}},
    }


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test ends in the project's language. A request in English (Accept-Language, the language cookie)
    leaves English active in this thread after the response (LocaleMiddleware does not put it back), and
    every later test's gettext outside a request (service messages, documents, notifications) would be
    English."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


def _uses_db(request) -> str | None:
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    if "transactional_db" in names or "live_server" in names or (marker and marker.kwargs.get("transaction")):
        return "transactional_db"
    if marker or "db" in names:
        return "db"
    return None


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Districts, role groups, the holiday calendar, the default checklist and rubric come from data migrations, and
    a transactional test's flush deletes them; put them back for whichever test runs next. (Tests do not use
    ``serialized_rollback``: reloading the serialized rows clashes with what post_migrate re-creates.)"""
    kind = _uses_db(request)
    if kind is None:
        return
    request.getfixturevalue(kind)
    from accounts.models import District

    if District.objects.exists():
        return
    import importlib

    from django.contrib.auth.models import Group, Permission
    from django.core.management import call_command

    from accounts.roles import sync_roles
    from core.calendar_seed import seed_calendar
    from core.models import CalendarDay, CalendarYear

    districts = importlib.import_module("accounts.migrations.0002_districts_and_roles").DISTRICTS
    for order, (code, name) in enumerate(districts, start=1):
        District.objects.update_or_create(code=code, defaults={"name": name, "sort_order": order})
    if not Permission.objects.exists():  # the flush removed content types and permissions too
        call_command("migrate", run_syncdb=False, verbosity=0)  # re-runs post_migrate: permissions
    sync_roles(Group, Permission)
    seed_calendar(CalendarYear, CalendarDay)
    from django.apps import apps

    from inspections.models import ChecklistTemplate

    if not ChecklistTemplate.objects.exists():
        importlib.import_module("inspections.migrations.0002_default_checklist").create(apps, None)
    from evaluations.models import Rubric

    if not Rubric.objects.exists():
        importlib.import_module("evaluations.migrations.0002_default_rubric").create(apps, None)


@pytest.fixture
def redis_url():
    return REDIS_URL


from tests.factories import *  # noqa: E402,F401,F403
from tests.fixtures import *  # noqa: E402,F401,F403

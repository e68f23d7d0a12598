"""Tests: SQLite unless DATABASE_URL is set (CI sets PostgreSQL). Celery eager unless a test starts a worker."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("GIGCASE_FIELD_KEYS", "7Yb3o7m1tq2H3tEo2yqk6v0mZ5Zl0f6W1o4p9dK3r8A=")

from .base import *  # noqa: E402,F401,F403
from pathlib import Path  # noqa: E402
from .base import VAR_DIR, env  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
VAR_DIR = Path(env("GIGCASE_VAR_DIR", default=str(VAR_DIR / "test")))  # noqa: F405
MEDIA_ROOT = VAR_DIR / "private"
STORAGES = {  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": None}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = False
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
AXES_ENABLED = True
WHITENOISE_AUTOREFRESH = True  # no collectstatic in tests

"""The embedded default (`make demo`): SQLite, eager Celery, DEBUG on, local keys.
Never used in production: `production.py` refuses the defaults set here."""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("DJANGO_SECRET_KEY", "local-only-not-secret-9b1c2d7e4f")
# A fixed demo key so that the demo database survives restarts; production must set its own.
os.environ.setdefault("GIGCASE_FIELD_KEYS", "Jf0m9e0E9W2uJmV8S3C9c2q9y7m8mY0Fq2GmQ4rWv4E=")

from .base import *  # noqa: E402,F401,F403

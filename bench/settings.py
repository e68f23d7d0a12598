"""Settings of the benchmark: production-like (DEBUG off, real Celery broker, Redis cache) on the embedded
defaults' keys. The database comes from DATABASE_URL, set per size by ``bench.__main__``."""

import os

os.environ.setdefault("DJANGO_DEBUG", "false")

from config.settings.local import *  # noqa: E402,F401,F403

DEBUG = False
# Persistent connections as in production (config/settings/production.py: CONN_MAX_AGE 60): a page does not
# open a new PostgreSQL connection, and statements the connection prepared stay prepared across requests.
DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
# Transitions enqueue for real (a broker round trip), as in production; nothing consumes the queue.
CELERY_BROKER_URL = BENCH_REDIS_URL
CELERY_TASK_ALWAYS_EAGER = False
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": BENCH_REDIS_URL}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # 200 generated users, no real logins
STORAGES = {  # noqa: F405
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "root": {"handlers": [], "level": "ERROR"}}

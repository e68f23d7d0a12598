"""Settings shared by every environment. Values come from the environment (django-environ);
`local`, `test` and `production` only adjust them. See `.env.example` for every variable."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

# Data lives under var/ by default: SQLite, private uploads and generated documents. It is outside
# the web root; files are only ever served through permission-checked views.
VAR_DIR = Path(env("GIGCASE_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'gigcase.sqlite3'}")}
_PREPARE_THRESHOLD = env.str("GIGCASE_DB_PREPARE_THRESHOLD", default="2").strip()


def tune_postgres(database: dict) -> None:
    """The connection options every PostgreSQL connection of ours runs with (base and production settings).

    - ``random_page_cost=1.1``: the working set (open tasks, their processes and cases) is in RAM or on SSD;
      price a random read near a sequential one, or the planner hash-joins the task lists against a full scan
      of viewflow_process, which grows with every case ever filed (bench report 2026-11-26).
    - No parallel workers per query by default (ADR 0002): on the web's short queries starting them costs more
      than they save (the menu's queue count: 3 ms of work, 25 ms with two workers at 1M cases). Batch
      processes may set GIGCASE_DB_PARALLEL_WORKERS.
    - Parameters bound on the server, and a statement prepared once a connection has run it twice
      (GIGCASE_DB_PREPARE_THRESHOLD, default 2): a transition's statements repeat, so the server parses and
      plans each once per connection (bench report 2026-11-27, measurement 5: ~120 → ~155 transitions/s).
      Behind a pooler in transaction mode that does not track prepared statements (PgBouncer before 1.21)
      set GIGCASE_DB_PREPARE_THRESHOLD to an empty value: statements are then never prepared.
    """
    options = database.setdefault("OPTIONS", {})
    options.setdefault("options", "-c random_page_cost=1.1 -c max_parallel_workers_per_gather="
                                  f"{env.int('GIGCASE_DB_PARALLEL_WORKERS', default=0)}")
    options.setdefault("server_side_binding", True)
    options.setdefault("prepare_threshold", int(_PREPARE_THRESHOLD) if _PREPARE_THRESHOLD else None)


DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers (web + in-process tasks) wait instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    tune_postgres(DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "viewflow",
    "viewflow.workflow",
    "core",
    "accounts",
    "markets",
    "casework",
    "inspections",
    "evaluations",
    "procurement",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Secure by default: every view needs a login unless marked @login_not_required (public pages).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Sessions of users with a TOTP device must pass the token step before non-public pages.
    "accounts.middleware.OTPRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.RequestContextMiddleware",
    "viewflow.middleware.SiteMiddleware",
    "viewflow.middleware.HotwireTurboMiddleware",
    # Last, so that a lock-out answers before any view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.gigcase",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/staff/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Login throttling (django-axes): lock a username+IP pair after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_VERBOSE = False
# The name authenticator apps show next to the account.
OTP_TOTP_ISSUER = "GigCase"

# Chinese first, English available.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
# locale/vendor holds Chinese for viewflow's and django-filter's strings, kept apart so that `makemessages`
# (which only sees our sources) does not mark them obsolete. Ours come first and win on the same msgid.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "vendor"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # MEDIA is private: no MEDIA_URL is routed; files go out through core.file_views.
        "OPTIONS": {"location": str(VAR_DIR / "private"), "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "private"
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://gigcase")}

# Celery: eager in-process by default (the embedded demo); a broker URL switches to real workers.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://")
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=50)
# The beat schedule lives in code (one beat process in production).
CELERY_BEAT_SCHEDULE = {
    "sweep-deadlines": {"task": "core.tasks.sweep_deadlines_task", "schedule": 60.0},
    "calendar-check": {"task": "core.tasks.check_calendar_loaded_task", "schedule": crontab(hour=8, minute=0)},
    # Routine inspections of the month (crowded venues at least monthly), planned early on the 1st.
    "plan-inspections": {"task": "inspections.tasks.plan_inspections_task",
                         "schedule": crontab(day_of_month=1, hour=6, minute=0)},
    # Service contracts whose period ended yesterday expire early in the morning (issue 7).
    "expire-contracts": {"task": "procurement.tasks.expire_contracts_task", "schedule": crontab(hour=1, minute=5)},
}

# Field encryption for PII (Fernet). Comma-separated keys: the first encrypts, all decrypt (rotation).
GIGCASE_FIELD_KEYS = env.list("GIGCASE_FIELD_KEYS")
# Notifier for SMS to the public. No SMS gateway exists here: the default records the message in the
# database (core.Notification) so staff can see what would have been sent.
GIGCASE_SMS_BACKEND = env("GIGCASE_SMS_BACKEND", default="core.notify.DatabaseSMSBackend")
GIGCASE_SITE_URL = env("GIGCASE_SITE_URL", default="http://127.0.0.1:8000")
GIGCASE_UPLOAD_MAX_BYTES = env.int("GIGCASE_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
GIGCASE_PUBLIC_HOTLINE = env("GIGCASE_PUBLIC_HOTLINE", default="12333")
# An employer named by at least this many cases (wage claims, complaints, mediations) is flagged as a
# repeat offender in every list where its cases appear (issue 5).
GIGCASE_REPEAT_OFFENDER_THRESHOLD = env.int("GIGCASE_REPEAT_OFFENDER_THRESHOLD", default=3)
# An operator whose contract ended by exit (退出, clause (二十二)) fails the qualification review of any
# selection round for this many years after the termination date (issue 7).
GIGCASE_EXIT_BAR_YEARS = env.int("GIGCASE_EXIT_BAR_YEARS", default=3)
# Working days the operator has for the self-assessment once an evaluation is opened, and for the
# rectification plan after a 限期整改 outcome (evaluations.services; its defaults are the same).
GIGCASE_EVALUATION_SELF_ASSESSMENT_DAYS = env.int("GIGCASE_EVALUATION_SELF_ASSESSMENT_DAYS", default=15)
GIGCASE_EVALUATION_PLAN_DAYS = env.int("GIGCASE_EVALUATION_PLAN_DAYS", default=15)
# Calendar days to fix a rectification-notice item, by severity ("critical=1,major=7,minor=15"); a severity
# left out keeps inspections.services.RECTIFICATION_DAYS_DEFAULT.
GIGCASE_RECTIFICATION_DAYS = {severity: int(days) for severity, days
                              in env.dict("GIGCASE_RECTIFICATION_DAYS", default={}).items()}
# Working days a complainant has to supply missing material (补正期限, stated in the 补正通知书).
GIGCASE_COMPLAINT_RESUBMIT_DAYS = env.int("GIGCASE_COMPLAINT_RESUBMIT_DAYS", default=10)

# The public forms (complaint, mediation application, tracking). A form sent back sooner than this many
# seconds after it was served is taken for a robot (both complaint and mediation forms).
GIGCASE_COMPLAINT_MIN_FILL_SECONDS = env.float("GIGCASE_COMPLAINT_MIN_FILL_SECONDS", default=3)
# Rate limits, "count,seconds": at most count submissions per client IP (or per phone number) in a window.
GIGCASE_COMPLAINT_RATE_IP = env.tuple("GIGCASE_COMPLAINT_RATE_IP", cast=int, default=(5, 3600))
GIGCASE_COMPLAINT_RATE_PHONE = env.tuple("GIGCASE_COMPLAINT_RATE_PHONE", cast=int, default=(3, 86400))
GIGCASE_MEDIATION_RATE_IP = env.tuple("GIGCASE_MEDIATION_RATE_IP", cast=int, default=(5, 3600))
GIGCASE_MEDIATION_RATE_PHONE = env.tuple("GIGCASE_MEDIATION_RATE_PHONE", cast=int, default=(3, 86400))
GIGCASE_TRACK_RATE_IP = env.tuple("GIGCASE_TRACK_RATE_IP", cast=int, default=(10, 600))
# How long a successful tracking lookup keeps the case open in that browser.
GIGCASE_TRACK_SESSION_SECONDS = env.int("GIGCASE_TRACK_SESSION_SECONDS", default=30 * 60)

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="gigcase@localhost")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"weasyprint": {"level": "ERROR"}, "fontTools": {"level": "ERROR"},
                "axes": {"level": env("AXES_LOG_LEVEL", default="WARNING")}},
}

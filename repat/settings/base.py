"""Settings shared by every environment. Everything is read from the environment here; the
per-environment modules only choose defaults (dev, test) or insist on values (prod)."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("REPAT_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    # The REST API (repat/api): Django REST framework, its OpenAPI schema, and Swagger UI and Redoc
    # served from static files (no CDN, under the site's CSP)
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "repat.core",
    "repat.accounts",
    "repat.reminders",
    "cases",
    "services",
    "repat.approvals",
    "repat.reports",
    "repat.audit",
    "repat.today",
    "repat.api",
    # Development tools (seeding, benchmarks): imports every app above, imported by none.
    "repat.devtools",
]

MIDDLEWARE = [
    # The request's id (X-Request-ID) for its log lines, the tasks it queues and the response.
    "repat.core.logs.RequestIdMiddleware",
    # /healthz and /readyz for load balancers: first, so that a probe by IP needs no host, session or sign-in.
    "repat.core.health.HealthMiddleware",
    # Once a request writes, its reads stay on the primary (DATABASE_REPLICA_URL, repat/core/db_router.py).
    "repat.core.middleware.ReplicaPinMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response, redirects and static files included.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "repat.audit.context.AuditContextMiddleware",
    # An /api/v1/ address that matches no route answers in the API's error shape (JSON), not HTML.
    "repat.api.middleware.ApiNotFoundMiddleware",
    # A 404 or 403 on an object's page is audited (route and id), and a burst of them alerted.
    "repat.audit.refusals.RefusalAuditMiddleware",
    # request.user.is_verified(): has this session passed the second factor (django-otp)?
    "django_otp.middleware.OTPMiddleware",
    # Every page needs a login unless its view is marked @login_not_required (login, set language).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "repat.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute session limits, then the second factor where it is required or set up.
    "repat.accounts.middleware.SessionTimeoutMiddleware",
    "repat.accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "repat.core.middleware.NoStoreMiddleware",
    # A view whose query ran past REPAT_WEB_STATEMENT_TIMEOUT_MS answers a clean 503 (repat/core/timeouts.py).
    "repat.core.timeouts.QueryTimeoutMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "repat.urls"
WSGI_APPLICATION = "repat.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "repat.reminders.context_processors.bell",
                "repat.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'repat.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, worker and beat share one file: wait for locks instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
else:
    # The working set of a programme's database sits in memory (or on SSD), where reading a row
    # through an index costs about as much as reading it in sequence; PostgreSQL's default (4.0)
    # assumes spinning disks and would read a million cases to find a few thousand by name.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c random_page_cost=" + os.environ.get(
        "REPAT_DB_RANDOM_PAGE_COST", "1.1"
    )

# Web requests only (repat/wsgi.py): PostgreSQL cancels any statement running longer than this,
# and the page says to try again (503). 0 turns it off. Workers and commands have no such limit.
REPAT_WEB_STATEMENT_TIMEOUT_MS = int(os.environ.get("REPAT_WEB_STATEMENT_TIMEOUT_MS", "30000"))

# A PostgreSQL streaming replica for reads that may be a few seconds old (dashboards, reports, search,
# exports): repat/core/db_router.py decides, and falls back to the primary when it does not answer.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
REPAT_REPLICA_RETRY_SECONDS = float(os.environ.get("REPAT_REPLICA_RETRY_SECONDS", "30"))
# A replica further behind than this is not read (0: no limit); how often each process asks.
REPAT_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("REPAT_REPLICA_MAX_LAG_SECONDS", "30"))
REPAT_REPLICA_LAG_CHECK_SECONDS = float(os.environ.get("REPAT_REPLICA_LAG_CHECK_SECONDS", "5"))
DATABASE_ROUTERS = []
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    DATABASES["replica"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        # A replica that is down costs a page at most this long, then is left alone for a while.
        "connect_timeout": int(os.environ.get("REPAT_REPLICA_CONNECT_TIMEOUT", "2")),
    }
    # Test runs read the test database through this alias (no second test database is made).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["repat.core.db_router.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "today:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("ru", _("Russian")),
    ("ky", _("Kyrgyz")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Bishkek"  # display; the database stores UTC

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Uploads, progress reports and import files (cases/storage.py: private_storage()), and the audit
    # trail's published heads (repat/audit/anchors.py): folders, or a bucket (REPAT_S3_BUCKET, below).
    "private": {"BACKEND": "cases.storage.PrivateStorage"},
    "audit_heads": {"BACKEND": "repat.core.storage.AuditHeadFolder"},
}

FORM_RENDERER = "repat.core.forms.FormRenderer"
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Authentication and session security ---
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Failed sign-ins lock out the username and, separately, the address they come from (django-axes).
# The lockout says so on the login page; audit rows for sign-ins come from repat.audit, not axes.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "repat.accounts.backends.UserBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("REPAT_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("REPAT_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# How many reverse proxies append to X-Forwarded-For in front of the app (repat/core/clients.py).
REPAT_TRUSTED_PROXY_COUNT = int(os.environ.get("REPAT_TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "repat.core.clients.client_ip"
AXES_LOCKOUT_CALLABLE = "repat.accounts.views.locked_out"
AXES_DISABLE_ACCESS_LOG = True
# A success must not wipe the failures: it would reset the address's count for every username tried.
AXES_RESET_ON_SUCCESS = False

# Second factor (django-otp, TOTP apps, single-use recovery codes). Required for supervisors,
# administrators and anyone who can reach the admin site (repat.accounts.permissions).
OTP_TOTP_ISSUER = "Repat"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Wrong codes in a row wait 1, 2, 4, 8... seconds times this factor before the next try.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
REPAT_RECOVERY_CODES = 10

# A session ends after this long without a request, and in any case this long after sign-in.
REPAT_SESSION_IDLE_MINUTES = int(os.environ.get("REPAT_SESSION_IDLE_MINUTES", "30"))
REPAT_SESSION_MAX_HOURS = int(os.environ.get("REPAT_SESSION_MAX_HOURS", "12"))
SESSION_COOKIE_AGE = REPAT_SESSION_MAX_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Large exports ask for the password again when the last sign-in or confirmation is older than this.
REPAT_REAUTH_MINUTES = int(os.environ.get("REPAT_REAUTH_MINUTES", "10"))

# Content-Security-Policy (django-csp): nothing inline, nothing from elsewhere. Templates keep no
# inline scripts, styles or event handlers (tests/accounts/test_headers.py scans them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
# --- End of authentication and session security ---

# E-mail (console in development; SMTP in production).
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
# Where the file-based backend writes (development and the real-stack tests count the files).
EMAIL_FILE_PATH = os.environ.get("DJANGO_EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "Repat <repat@localhost>")

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport under var/, so that
# `make run` needs no server. Results are not kept: the database is the source of truth.
REDIS_URL = os.environ.get("REDIS_URL", "")
BROKER_DIR = VAR_DIR / "broker"
# Sessions live in the database, whether Redis is set or not: signed-in people keep working while
# Redis is down, and a session ended then (sign-out, timeout) cannot come back from a cache that
# missed the change. Reading the session is one query by primary key.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        # Publishing (after a save) tries once, and a Redis that does not answer fails it in well
        # under a second; the work waits in the database for the next relay or sweep. (The worker's
        # own reconnection is governed by CELERY_BROKER_CONNECTION_MAX_RETRIES, not by these.)
        "max_retries": 0,
        "socket_connect_timeout": 0.5,
        "socket_timeout": 2,
    }
    # Reference lists are cached in Redis; a Redis that is down is an empty cache (repat/core/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "repat.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "repat",
            "TIMEOUT": 12 * 60 * 60,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.5},
        }
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # The exchange tables: kombu's default is "control" in the working directory (the repo root).
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
# Every task has a time limit: past the soft one it is interrupted (SoftTimeLimitExceeded, which the
# long tasks handle by leaving their state consistent), past the hard one its worker process is
# replaced. A stuck SMTP server or query never holds a worker for good. Long tasks (the sweep,
# progress reports) set their own limits beside their code.
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("REPAT_TASK_SOFT_TIME_LIMIT", "300"))
CELERY_TASK_TIME_LIMIT = int(os.environ.get("REPAT_TASK_TIME_LIMIT", "360"))
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# A second beat started by mistake stands by instead of doubling every schedule (repat/core/beat.py).
CELERY_BEAT_SCHEDULER = "repat.core.beat.SingleBeatScheduler"
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "repat.accounts.tasks.clear_expired_sessions",
        "schedule": 3600.0,
    },
    # One schedule for all reminders: the sweep finds what is due and records it; the relay sends
    # the e-mails waiting in the database (so nothing is lost while the broker is down).
    "reminder-sweep": {
        "task": "repat.reminders.tasks.sweep",
        "schedule": float(os.environ.get("REPAT_SWEEP_SECONDS", "900")),
    },
    "reminder-relay": {
        "task": "repat.reminders.tasks.relay",
        "schedule": float(os.environ.get("REPAT_RELAY_SECONDS", "120")),
    },
    "retention": {
        "task": "cases.tasks.retention",
        "schedule": float(os.environ.get("REPAT_RETENTION_SECONDS", str(24 * 3600))),
    },
    # The audit trail's signed head, written outside the database and e-mailed to administrators.
    "audit-head": {
        "task": "repat.audit.tasks.publish_head",
        "schedule": float(os.environ.get("REPAT_AUDIT_HEAD_SECONDS", str(24 * 3600))),
    },
    # Dashboard figures come from snapshots; this keeps the recently viewed ones fresh.
    "dashboard-refresh": {
        "task": "repat.reports.tasks.refresh_dashboards",
        "schedule": float(os.environ.get("REPAT_DASHBOARD_REFRESH_SECONDS", "300")),
    },
    # Progress reports asked for while the broker was down, or whose worker died, are queued again.
    "report-requeue": {
        "task": "repat.reports.tasks.requeue_reports",
        "schedule": 300.0,
    },
    # Manifest imports whose task's message was lost (the broker was down) are queued again.
    "manifest-requeue": {
        "task": "cases.tasks.requeue_manifests",
        "schedule": 300.0,
    },
}
# Fail fast when the broker is down: saving a case must not wait for Redis (see the transport
# options above: one try, short socket timeouts; no retry when publishing).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False

# An e-mail that cannot be sent (SMTP down, refused) is tried again after 1, 2, 4... minutes, at most
# an hour apart, for this long from its first failure; only then is it marked failed for an
# administrator, who can send it again from the admin (Reminders).
REPAT_EMAIL_RETRY_HOURS = float(os.environ.get("REPAT_EMAIL_RETRY_HOURS", "24"))
# A daily digest lists this many reminders and says "and N more" for the rest (all are in the app).
REPAT_DIGEST_MAX_ITEMS = int(os.environ.get("REPAT_DIGEST_MAX_ITEMS", "50"))
# A dashboard viewed for the first time over at most this many cases is computed in the request (a
# few aggregate queries, well under a second); a larger one shows the newest figures of the same
# regions while its own are computed in the background.
REPAT_DASHBOARD_SYNC_CASES = int(os.environ.get("REPAT_DASHBOARD_SYNC_CASES", "20000"))

# Domain settings.
# Where `make run` listens (host:port, or a port alone), and the address e-mails link to: the site's
# public address in production, else the development server's.
REPAT_ADDRESS = os.environ.get("REPAT_ADDRESS", "127.0.0.1:8000")


def _local_site_url(address: str) -> str:
    host, _sep, port = address.rpartition(":")
    if host in ("", "0.0.0.0", "::", "[::]"):  # noqa: S104 - listening everywhere: link to this machine
        host = "127.0.0.1"
    return f"http://{host}:{port}"


REPAT_SITE_URL = os.environ.get("REPAT_SITE_URL") or _local_site_url(REPAT_ADDRESS)
# --- REST API (repat/api, docs/api.md) ---
# Requests per token (or per signed-in user) and minute; the counter lives in the cache (Redis when
# REDIS_URL is set, so that every web node counts together).
REPAT_API_RATE = os.environ.get("REPAT_API_RATE", "600/minute")
# The longest a token may live, and the default when none is chosen.
REPAT_API_TOKEN_MAX_DAYS = int(os.environ.get("REPAT_API_TOKEN_MAX_DAYS", "365"))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "repat.api.authentication.ApiTokenAuthentication",
        "repat.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["repat.api.permissions.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["repat.api.throttling.PerTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": REPAT_API_RATE},
    "DEFAULT_PAGINATION_CLASS": "repat.api.pagination.KeysetPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "repat.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "PAGE_SIZE": 25,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Repat API",
    "DESCRIPTION": "Case management for returnees: the same rules as the pages (docs/api.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its pages are for signed-in people and tokens only, like every page.
    "SERVE_PERMISSIONS": ["repat.api.permissions.TokenScope"],
    "SERVE_AUTHENTICATION": [
        "repat.api.authentication.ApiTokenAuthentication",
        "repat.api.authentication.VerifiedSessionAuthentication",
    ],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Some fields are left out for some readers (a referral's identity for provider staff): none is
    # promised in every response.
    "COMPONENT_NO_READ_ONLY_REQUIRED": True,
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.models.Case.Status",
        "DocumentStatusEnum": "cases.models.IdentityDocument.Status",
        "DocumentKindEnum": "cases.models.IdentityDocument.Kind",
        "NoteKindEnum": "cases.models.Note.Kind",
        "ReferralStatusEnum": "services.models.Referral.Status",
        "ProviderKindEnum": "services.models.Provider.Kind",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "repat.api.schema.error_responses"],
}

REPAT_PAGE_SIZE = int(os.environ.get("REPAT_PAGE_SIZE", "25"))
# Lists count at most this many matching rows ("more than 1,000 cases"): see core/pagination.py.
REPAT_COUNT_BOUND = int(os.environ.get("REPAT_COUNT_BOUND", "1000"))
REPAT_CASE_NUMBER_PREFIX = os.environ.get("REPAT_CASE_NUMBER_PREFIX", "KG")
REPAT_ALLOW_DEMO_DATA = False
# Messages ("… was registered") may name a returnee: keep them on the server, not in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# Retention: closed cases are anonymised this many years after closing, after being listed for
# this many days (the dry run an administrator can review; reopening a case takes it off the list).
REPAT_RETENTION_YEARS = int(os.environ.get("REPAT_RETENTION_YEARS", "5"))
REPAT_RETENTION_NOTICE_DAYS = int(os.environ.get("REPAT_RETENTION_NOTICE_DAYS", "30"))
# "Break the glass": how long an emergency opening of a case outside one's scope lasts.
REPAT_EMERGENCY_ACCESS_MINUTES = int(os.environ.get("REPAT_EMERGENCY_ACCESS_MINUTES", "120"))
# How long after merging two records of one person an administrator may still undo the merge.
REPAT_MERGE_UNDO_DAYS = int(os.environ.get("REPAT_MERGE_UNDO_DAYS", "30"))
# One person refused (404/403) on this many different objects within this many minutes: the
# administrators are alerted (repat/audit/refusals.py), once per burst.
REPAT_REFUSAL_ALERT_THRESHOLD = int(os.environ.get("REPAT_REFUSAL_ALERT_THRESHOLD", "20"))
REPAT_REFUSAL_ALERT_WINDOW_MINUTES = int(os.environ.get("REPAT_REFUSAL_ALERT_WINDOW_MINUTES", "10"))
# Keys (Fernet, newest first, comma-separated) that encrypt the restricted section. Development
# and tests use a fixed public key; production must set its own (prod.py refuses to start without).
REPAT_FIELD_ENCRYPTION_KEYS = env_list("REPAT_FIELD_ENCRYPTION_KEYS", "zTjHx0vSCAtiB9ZDmEOJPfSgr20qrwENjaJsT6TOa24=")
# Keys that seal the audit trail (HMAC-SHA256), as "id:secret", newest first, comma-separated: new
# rows are sealed with the first, older rows are checked with the key their id names. They live
# outside the database, so that its owner cannot rewrite the trail and seal it again. Development
# and tests use this public key; production must set its own (prod.py refuses this one).
REPAT_AUDIT_DEV_KEY = "dev:repat-public-development-audit-key-never-for-production"
REPAT_AUDIT_KEYS = env_list("REPAT_AUDIT_KEYS", REPAT_AUDIT_DEV_KEY)
# Where the signed heads of the trail are published (daily, by beat), and who else receives them by
# e-mail besides the administrators: keep copies apart from the database and its backups.
REPAT_AUDIT_HEAD_DIR = Path(os.environ.get("REPAT_AUDIT_HEAD_DIR", VAR_DIR / "audit-heads"))
REPAT_AUDIT_HEAD_EMAILS = env_list("REPAT_AUDIT_HEAD_EMAILS")

# Logs: JSON lines (REPAT_LOG_FORMAT=json, the default in production) or plain text, each with the
# request id (X-Request-ID) and, in a worker, the task id (repat/core/logs.py). Errors are e-mailed
# to ADMINS without personal data (no request, no local variables, no exception text).
REPAT_LOG_FORMAT = os.environ.get("REPAT_LOG_FORMAT", "json")
ADMINS = [(address, address) for address in env_list("DJANGO_ADMINS")]
SERVER_EMAIL = os.environ.get("DJANGO_SERVER_EMAIL", DEFAULT_FROM_EMAIL)
EMAIL_SUBJECT_PREFIX = "[Repat] "
# The same error is e-mailed to ADMINS at most once in this many seconds per process (repat/core/logs.py).
REPAT_ERROR_MAIL_INTERVAL_SECONDS = float(os.environ.get("REPAT_ERROR_MAIL_INTERVAL_SECONDS", "600"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "repat.core.logs.JsonFormatter"},
    },
    "filters": {
        "no_debug": {"()": "repat.core.logs.WarningsOnly"},
        "request_id": {"()": "repat.core.logs.RequestIdFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if REPAT_LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        },
        "mail_admins": {
            "class": "repat.core.logs.PrivateAdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "request_id"],
        },
    },
    "root": {"handlers": ["console", "mail_admins"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own "django" logger would e-mail ADMINS with its stock handler (the request's data,
        # local variables): its records go up to the root's handlers instead.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # Request logs repeat URLs and may carry query strings: keep them at warning.
        "django.request": {"level": "WARNING"},
        # WeasyPrint narrates every step of a PDF at INFO; its warnings are what matter.
        "weasyprint": {"level": "WARNING"},
        # The template engine's debug records repeat a page's whole context (names included).
        "django.template": {"level": "WARNING", "filters": ["no_debug"]},
        "fontTools": {"level": "WARNING"},
    },
}
# Sentry, only when SENTRY_DSN is set (web and workers), without personal data (repat/core/sentry.py).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    from repat.core.sentry import init_sentry

    init_sentry(SENTRY_DSN, environment=os.environ.get("SENTRY_ENVIRONMENT", ""))
FORMAT_MODULE_PATH = ["repat.formats"]

# Uploads (document scans, consent forms): outside the web root, served only through a view that
# applies need-to-know. Only these types, recognised by their content, not their name.
REPAT_PRIVATE_MEDIA_ROOT = Path(os.environ.get("REPAT_PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))


def s3_storage(environ, folder: str = "") -> dict:
    """A storage on the S3-compatible bucket REPAT_S3_BUCKET, in `folder` under REPAT_S3_PREFIX.
    Several web nodes and workers must share their files: a scan uploaded through one node is
    downloaded through another. Credentials: REPAT_S3_ACCESS_KEY_ID and REPAT_S3_SECRET_ACCESS_KEY,
    or else boto3's own chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws, an instance role)."""
    from botocore.config import Config

    options = {
        "bucket_name": environ["REPAT_S3_BUCKET"],
        "endpoint_url": environ.get("REPAT_S3_ENDPOINT_URL") or None,
        "region_name": environ.get("REPAT_S3_REGION") or None,
        "access_key": environ.get("REPAT_S3_ACCESS_KEY_ID") or None,
        "secret_key": environ.get("REPAT_S3_SECRET_ACCESS_KEY") or None,
        "location": "/".join(part for part in (environ.get("REPAT_S3_PREFIX", "").strip("/"), folder) if part),
        "addressing_style": environ.get("REPAT_S3_ADDRESSING_STYLE") or None,
        # A store that does not answer fails a request (and /readyz) in seconds, not minutes.
        "client_config": Config(
            connect_timeout=float(environ.get("REPAT_S3_TIMEOUT_SECONDS", "3")),
            read_timeout=float(environ.get("REPAT_S3_TIMEOUT_SECONDS", "3")) * 5,
            retries={"max_attempts": 2, "mode": "standard"},
        ),
    }
    # Encryption at rest by the store: "AES256" (keys held by the store) or "aws:kms" (with
    # REPAT_S3_KMS_KEY_ID); empty, the bucket's default (AWS encrypts every new object with AES256).
    encryption = environ.get("REPAT_S3_ENCRYPTION", "")
    if encryption:
        options["object_parameters"] = {"ServerSideEncryption": encryption}
        if environ.get("REPAT_S3_KMS_KEY_ID"):
            options["object_parameters"]["SSEKMSKeyId"] = environ["REPAT_S3_KMS_KEY_ID"]
    return {"BACKEND": "repat.core.storage_s3.PrivateS3Storage", "OPTIONS": options}


def s3_storages(environ) -> dict:
    """The STORAGES entries that move to the bucket: private files at its root (or REPAT_S3_PREFIX),
    the audit heads in audit-heads/ (written by beat on one node, verified on any)."""
    return {"private": s3_storage(environ), "audit_heads": s3_storage(environ, "audit-heads")}


REPAT_S3_BUCKET = os.environ.get("REPAT_S3_BUCKET", "")
if REPAT_S3_BUCKET:
    STORAGES.update(s3_storages(os.environ))
REPAT_UPLOAD_MAX_BYTES = int(os.environ.get("REPAT_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# A manifest (issue 16) with at most this many rows is committed in the request, and one of at
# most this many bytes is read in it; larger ones go to a Celery task with a progress bar.
REPAT_MANIFEST_SYNC_ROWS = int(os.environ.get("REPAT_MANIFEST_SYNC_ROWS", "100"))
REPAT_MANIFEST_SYNC_BYTES = int(os.environ.get("REPAT_MANIFEST_SYNC_BYTES", "20000"))
# From this many people a manifest is registered by the bulk path (cases/actions/manifest.py).
REPAT_MANIFEST_BULK_ROWS = int(os.environ.get("REPAT_MANIFEST_BULK_ROWS", "20"))
FILE_UPLOAD_PERMISSIONS = 0o600

# The empty choice of a list's filter: "Any" in the reader's language, not django-filter's "---------".
FILTERS_EMPTY_CHOICE_LABEL = pgettext_lazy("filter with no choice made", "Any")

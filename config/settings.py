"""Plumbline settings: every value comes from the environment through one environ.Env()."""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

# Development gets throwaway keys; production must set its own or refuse to start.
_DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"
_DEV_ENCRYPTION_KEY = "ZGV2LW9ubHktaW5zZWN1cmUtZW5jcnlwdGlvbi1rZXk="
SECRET_KEY = env("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else None)
PLUMBLINE_ENCRYPTION_KEYS = env.list(
    "PLUMBLINE_ENCRYPTION_KEYS", default=[_DEV_ENCRYPTION_KEY] if DEBUG else []
)
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see .env.example).")
if not PLUMBLINE_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("PLUMBLINE_ENCRYPTION_KEYS must be set when DEBUG is off (see .env.example).")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS: on by default when DEBUG is off (`manage.py check --deploy` is clean), each switchable.
# Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https (only
# when the proxy always sets that header itself), or SECURE_SSL_REDIRECT=false if it redirects.
_proxy_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
if _proxy_header and len(_proxy_header) != 2:
    raise ImproperlyConfigured(
        "SECURE_PROXY_SSL_HEADER is a header and a value, e.g. HTTP_X_FORWARDED_PROTO,https."
    )
SECURE_PROXY_SSL_HEADER = (_proxy_header[0], _proxy_header[1]) if _proxy_header else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
X_FRAME_OPTIONS = "DENY"

# No inline script or style anywhere (htmx reads its config from a meta tag; app.js does the rest).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Sign-in throttling (django-axes): this many failures for a username from one address lock that
# pair out for the cool-off time; a success resets the count.
AXES_FAILURE_LIMIT = env.int("PLUMBLINE_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("PLUMBLINE_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_VERBOSE = False
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Error pages and reports hide marked variables and POST parameters even with DEBUG on.
DEFAULT_EXCEPTION_REPORTER_FILTER = "config.reporting.SecretsHiddenFilter"

# Absolute links pushed to the catalog are built from this.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Plain http to a catalog is allowed only for loopback hosts unless this is on.
PLUMBLINE_ALLOW_INSECURE_HTTP = env.bool("PLUMBLINE_ALLOW_INSECURE_HTTP", default=False)
# Catalog requests never go to loopback, private, link-local or unspecified addresses (checked on
# every connection, on the address the name resolves to then), except: loopback when this is on
# (the local sandboxes: `make run` and the tests), and the hosts named here (on-premises catalogs).
PLUMBLINE_ALLOW_LOOPBACK = env.bool("PLUMBLINE_ALLOW_LOOPBACK", default=False)
PLUMBLINE_ALLOWED_PRIVATE_HOSTS = env.list("PLUMBLINE_ALLOWED_PRIVATE_HOSTS", default=[])
# A pull that would remove more than this share of an integration's tag assignments stops.
PLUMBLINE_TAG_REMOVAL_THRESHOLD = env.float("PLUMBLINE_TAG_REMOVAL_THRESHOLD", default=0.5)
# Seconds an event-driven push waits so that a burst of events becomes one push.
PLUMBLINE_EVENT_DEBOUNCE_SECONDS = env.float("PLUMBLINE_EVENT_DEBOUNCE_SECONDS", default=2.0)
# A run whose heartbeat is older than this is considered dead (a run beats every quarter of it).
PLUMBLINE_HEARTBEAT_TIMEOUT_SECONDS = env.float("PLUMBLINE_HEARTBEAT_TIMEOUT_SECONDS", default=120)
# How often the web process's watchdog fails runs whose worker died (0: only the maintenance task).
PLUMBLINE_WATCHDOG_SECONDS = env.float("PLUMBLINE_WATCHDOG_SECONDS", default=30)
# A run still working after this many seconds stops at its next safe point (below Q_TIMEOUT).
PLUMBLINE_RUN_DEADLINE_SECONDS = env.float("PLUMBLINE_RUN_DEADLINE_SECONDS", default=3300)
# After this many catalog calls in a row fail to connect or get a 5xx, the run stops.
PLUMBLINE_CIRCUIT_BREAKER_FAILURES = env.int("PLUMBLINE_CIRCUIT_BREAKER_FAILURES", default=3)
# `make run` only (scripts/run.sh sets it): per catalog type, the local sandbox's URL and demo
# credentials, e.g. {"atlan": {"url": "http://127.0.0.1:8765", "token": "..."}}, which the Add
# Integration form fills in one click. Ignored unless DEBUG is on, so never offered in production.
PLUMBLINE_DEMO_SANDBOXES: dict[str, dict[str, str]] = (
    env.json("PLUMBLINE_DEMO_SANDBOXES", default={}) if DEBUG else {}
)
# A sync reads, matches, pulls and pushes a datastore this many tables (with their columns) at a
# time: a worker's memory follows this, not the catalog's size.
PLUMBLINE_SYNC_TABLES_PER_BATCH = env.int("PLUMBLINE_SYNC_TABLES_PER_BATCH", default=100)
# load_catalog refuses larger files before reading them: a parsed file takes several times its size.
PLUMBLINE_CATALOG_MAX_BYTES = env.int("PLUMBLINE_CATALOG_MAX_BYTES", default=100_000_000)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "catalog",
    # Before django_q: its qcluster command (integrations/management/commands) replaces django-q2's.
    "integrations",
    "django_q",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.signed_in_no_store",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]
try:
    import whitenoise  # noqa: F401

    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")
    _STATIC_BACKEND = "whitenoise.storage.CompressedStaticFilesStorage"
except ImportError:  # whitenoise is a production extra
    _STATIC_BACKEND = "django.contrib.staticfiles.storage.StaticFilesStorage"

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
                "accounts.context_processors.roles",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the worker share one file: WAL, a busy timeout and IMMEDIATE
    # transactions keep "database is locked" away.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file (so the live server and worker processes can share it), one per test process.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env(
        "SQLITE_TEST_NAME", default=str(Path(tempfile.gettempdir()) / f"plumbline-test-{os.getpid()}.sqlite3")
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "catalog:datastore_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": _STATIC_BACKEND},
}

REDIS_URL = env("REDIS_URL", default="")

Q_CLUSTER = {
    "name": "plumbline",
    "workers": env.int("Q_WORKERS", default=2),
    # A sync is never run twice: retry (redelivery) is far above timeout, failures are
    # acknowledged, and one attempt only. The client retries HTTP calls itself.
    "timeout": env.int("Q_TIMEOUT", default=3600),
    "retry": env.int("Q_RETRY", default=4000),
    "max_attempts": 1,
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 500,
    "poll": 0.5,
    "label": "Task queue",
    "sync": env.bool("Q_SYNC", default=False),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# Two caches: the default one in each process, and the API throttles' counters, shared by every web
# process through Redis when there is one (per process otherwise, so each process allows the rate).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "api-throttle": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "plb"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api-throttle"}
    ),
}

# The JSON API under /api/: tokens for scripts, the session (with CSRF) for the browser, JSON only.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a request without credentials is answered 401 with a Token challenge.
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["config.api.permissions.AdminChangesViewerReads"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.PagePagination",
    "DEFAULT_THROTTLE_CLASSES": ["config.api.throttling.ApiRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        # Per API token, and per signed-in user for browser sessions (number/second|minute|hour|day).
        "token": env("PLUMBLINE_API_RATE_TOKEN", default="600/minute"),
        "session": env("PLUMBLINE_API_RATE_SESSION", default="600/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.errors.api_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Plumbline API",
    "DESCRIPTION": (
        "Integrations with data catalogs, their syncs and runs, and read access to the catalog. "
        "Send a personal API token (Settings › API tokens) as `Authorization: Token <key>`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's files come from the installed drf-spectacular-sidecar, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "IntegrationStatusEnum": "integrations.models.Integration.Status",
        "IntegrationTypeEnum": "integrations.models.Integration.Type",
        "RunStatusEnum": "integrations.models.SyncRun.Status",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # django-axes logs every sign-in at INFO; its lockouts are WARNINGs.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

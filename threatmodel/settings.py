"""One settings module for every environment, configured by environment variables.

With nothing set, the product runs on one machine with no services: SQLite under ``var/``,
Celery tasks executed eagerly in the request, local-memory cache. Setting ``DATABASE_URL``
switches to PostgreSQL; ``REDIS_URL`` (or ``CELERY_BROKER_URL``) switches Celery and the cache
to Redis. ``DEBUG`` is off unless asked for, and a production start without ``SECRET_KEY``
refuses to boot rather than run with a guessable key.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from threatmodel.env import env_bool, env_int, env_list, env_str

# Lets typed code write ModelAdmin[Model], QuerySet[Model] … at run time as mypy reads them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("THREATMODEL_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set and DEBUG is off. Set SECRET_KEY (or SECRET_KEY_FILE) to a long random "
            "value, or set DEBUG=1 for local development. `make run` generates one under var/."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] + (["testserver"] if DEBUG else []))
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "threatmodel",
    "dfd",
    "stride",
    "library",
]

MIDDLEWARE = [
    "threatmodel.middleware.DatabaseBusyMiddleware",
    "threatmodel.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "threatmodel.middleware.PermissionsPolicyMiddleware",
    # Gzip outside the conditional GET, so the ETag is computed on the JSON itself (and made weak).
    "threatmodel.compression.ApiGZipMiddleware",
    "threatmodel.compression.PrivateRevalidateMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "threatmodel.urls"
WSGI_APPLICATION = "threatmodel.wsgi.application"
ASGI_APPLICATION = "threatmodel.asgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DB_POOL_MIN_SIZE = env_int("DB_POOL_MIN_SIZE", 1)
DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 8)  # 0: no pool (then DB_CONN_MAX_AGE applies)
DB_POOL_TIMEOUT = float(env_int("DB_POOL_TIMEOUT", 10))
DB_BUSY_RETRY_AFTER = env_int("DB_BUSY_RETRY_AFTER", 2)  # seconds, in the 503's Retry-After
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DB_POOL_MAX_SIZE > 0:
        # Under ASGI each request runs in its own thread, and persistent connections are kept per
        # thread: with CONN_MAX_AGE they pile up until PostgreSQL says "too many clients" (measured
        # by bench/load.py). A pool bounds what each process holds; a request that cannot get a
        # connection within DB_POOL_TIMEOUT is answered 503 with Retry-After, never 500.
        DATABASES["default"]["OPTIONS"] = {
            **DATABASES["default"].get("OPTIONS", {}),
            "pool": {"min_size": DB_POOL_MIN_SIZE, "max_size": DB_POOL_MAX_SIZE, "timeout": DB_POOL_TIMEOUT},
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 0)
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "threatmodel.sqlite3"),
            # Wait for a concurrent writer instead of failing at once ("database is locked").
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Celery / cache ---------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
# No broker means no worker: run tasks in the caller so the single-machine default still works.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A broker that is down must cost a request a second, not a hang: connect and publish retries are short,
# and threatmodel/queueing.py records what waits instead of failing the committed request.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# The beat schedule lives with the Celery app (threatmodel/celery.py): building a crontab here would
# load Celery into every process that reads the settings, the offline gate included.

if REDIS_URL:
    # Falls back to the process's memory while Redis is unreachable (common/cache.py): the web keeps serving.
    CACHES = {"default": {"BACKEND": "common.cache.ResilientRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Live workshops (WebSockets through Channels) -------------------------------------------------
# One room per open model. In memory by default (`make run` needs no service); on Redis when
# REDIS_URL is set, so that several web processes share the rooms.
if REDIS_URL:
    CHANNEL_LAYERS = {
        # redis-py 8 reads with a 5 s socket timeout by default, which a room's blocking receive
        # (BZPOPMIN, 5 s) reaches whenever it is idle: every socket would drop every few seconds.
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30}]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Bounds per connection: the largest message, and a token bucket of messages (burst, then per second).
THREATMODEL_LIVE_MAX_MESSAGE_BYTES = env_int("THREATMODEL_LIVE_MAX_MESSAGE_BYTES", 1024 * 1024)
THREATMODEL_LIVE_BURST = env_int("THREATMODEL_LIVE_BURST", 60)
THREATMODEL_LIVE_PER_SECOND = env_int("THREATMODEL_LIVE_PER_SECOND", 20)
# A client further behind than this many operations gets the document instead of the operations.
THREATMODEL_LIVE_CATCH_UP_MAX_OPS = env_int("THREATMODEL_LIVE_CATCH_UP_MAX_OPS", 2_000)

# --- Auth, sessions, security headers -----------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Every password check goes through the sign-in lock (threatmodel.signin): per account and per address.
AUTHENTICATION_BACKENDS = ["threatmodel.signin.ThrottledModelBackend"]
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 30)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60)
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

HTTPS = env_bool("HTTPS", default=False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# Behind a proxy, X-Forwarded-Proto says the scheme and X-Forwarded-For the client, but only the
# last NUM_PROXIES entries of X-Forwarded-For are the deployment's own (common.client); without
# BEHIND_PROXY both headers are ignored.
BEHIND_PROXY = env_bool("BEHIND_PROXY", default=False)
NUM_PROXIES = env_int("NUM_PROXIES", 1)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Django's own CSP: every page passes it with no inline script or style (the templates link files;
# the browser app is one module script). Only the Redoc page relaxes style-src (threatmodel/urls.py).
SECURE_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Powerful browser features the product never uses, switched off for every page (and anything it frames).
PERMISSIONS_POLICY = {
    feature: ()
    for feature in ("accelerometer", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer",
                    "microphone", "midi", "payment", "usb", "xr-spatial-tracking")
}  # fmt: skip

# --- I18N / static ------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request when it is missing
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [FRONTEND_DIST] if FRONTEND_DIST.is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

# Mail goes to the console unless a real backend is configured: EMAIL_BACKEND=smtp plus EMAIL_HOST etc.
_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
}
_email_backend = env_str("EMAIL_BACKEND", "console")
MAILERS: dict[str, dict[str, object]] = {"default": {"BACKEND": _EMAIL_BACKENDS.get(_email_backend, _email_backend)}}
if _email_backend == "file":  # one file per message in EMAIL_FILE_PATH (tests across processes, demos)
    MAILERS["default"]["OPTIONS"] = {"file_path": env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))}
if _email_backend == "smtp":
    MAILERS["default"]["OPTIONS"] = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 587),
        "username": env_str("EMAIL_HOST_USER"),
        "password": env_str("EMAIL_HOST_PASSWORD"),
        "use_tls": env_bool("EMAIL_USE_TLS", default=True),
        "timeout": 10,
    }
INVITATION_DAYS = env_int("INVITATION_DAYS", 7)  # how long a team invitation may be accepted
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "threatmodel@localhost")

# --- REST API -----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "threatmodel.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's parsers with depth, size and character bounds: a hostile body is a 400, never a 500.
    "DEFAULT_PARSER_CLASSES": [
        "common.api.parsers.BoundedJSONParser",
        "common.api.parsers.BoundedFormParser",
        "common.api.parsers.BoundedMultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "common.api.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "common.api.filters.ScopedFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # No OPTIONS metadata: nothing here uses it, and it would answer 200 about any object, another team's too.
    "DEFAULT_METADATA_CLASS": None,
    "EXCEPTION_HANDLER": "common.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": "20/min", "token": "20/hour", "token_address": "60/hour"},
    # DRF's throttles key on the client address by the same rule as common.client: X-Forwarded-For
    # is read only behind a proxy, and only as far as the deployment's own proxies wrote it.
    "NUM_PROXIES": NUM_PROXIES if BEHIND_PROXY else 0,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # `?format=` names an export format (json, otm, csv…), not a DRF renderer.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Threat modeling workbench API",
    "DESCRIPTION": (
        "Teams, threat models, data-flow diagrams and their threats. Every object belongs to a team; "
        "a user outside the team gets 404. Diagram changes go through the operations endpoint with a base "
        "version (409 when stale). Errors have one shape: {\"error\": {\"code\", \"message\", \"details\"}}."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "common.api.schema.document_common_errors"],
    "ENUM_NAME_OVERRIDES": {
        "StageEnum": "threatmodel.choices.Stage",
        "DecisionKindEnum": "threatmodel.models.workflow.DecisionKind",
        "DecisionStatusEnum": "threatmodel.models.workflow.DecisionStatus",
        "MitigationStatusEnum": "threatmodel.models.workflow.MitigationStatus",
        "MitigationSettableStatusEnum": "threatmodel.models.workflow.SETTABLE_MITIGATION_STATUSES",
        "ThreatStatusEnum": "stride.choices.ThreatStatus",
        "ImportStatusEnum": "threatmodel.models.imports.ImportStatus",
    },
}

# --- Product limits -----------------------------------------------------------------------------------
# An import larger than this is refused from its Content-Length, before a byte of it is parsed.
THREATMODEL_IMPORT_MAX_BYTES = env_int("THREATMODEL_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
# An upload larger than this is imported by a worker (an import job with its steps), not inside the request.
THREATMODEL_IMPORT_INLINE_MAX_BYTES = env_int("THREATMODEL_IMPORT_INLINE_MAX_BYTES", 2 * 1024 * 1024)
# Bounds that keep a single request (and a hostile file) from exhausting the server.
THREATMODEL_MAX_OPS_PER_BATCH = env_int("THREATMODEL_MAX_OPS_PER_BATCH", 50_000)
THREATMODEL_MAX_ELEMENTS_PER_MODEL = env_int("THREATMODEL_MAX_ELEMENTS_PER_MODEL", 50_000)
# Up to this many elements a model is re-analysed inside the request that changed it; larger
# models are analysed by a Celery task (bench/analyse.py measures both sides of this line).
THREATMODEL_INLINE_ANALYSIS_MAX_ELEMENTS = env_int("THREATMODEL_INLINE_ANALYSIS_MAX_ELEMENTS", 2_000)
# Graphviz layout time grows faster than linearly (about 2 s for 1,000 elements here); larger
# diagrams are still exported as DOT text, and drawn in reports as an inventory only.
THREATMODEL_RENDER_MAX_ELEMENTS = env_int("THREATMODEL_RENDER_MAX_ELEMENTS", 1_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = THREATMODEL_IMPORT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint and fontTools narrate every step of a PDF at INFO; their warnings are what matter.
    "loggers": {"django.db.backends": {"level": "INFO"}, "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

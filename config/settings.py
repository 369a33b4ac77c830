"""PPL Studio settings: one module, every knob from the environment (see .env.example).

A `.env` file beside manage.py is read if present; real environment variables win over it.
"""

from __future__ import annotations

import ipaddress
import math
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

from config.env import env_bool, env_float, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env", override=False)

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = env_secret("SECRET_KEY")
    if key:
        return key
    if env_bool("REQUIRE_SECRET_KEY", False):
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set.")
    # Embedded mode: one key per checkout, shared by the web server and the workers
    # (django-q2 signs task payloads with it), kept out of the repository.
    path = BASE_DIR / "db" / ".secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
# Kubernetes probes and Prometheus address the pod by its IP (downward API: POD_IP).
if env_str("POD_IP"):
    ALLOWED_HOSTS.append(env_str("POD_IP"))
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
HOST = env_str("HOST", "127.0.0.1")
PORT = env_int("PORT", 8000, minimum=1)

INSTALLED_APPS = [
    # The Django admin with our site (config/admin_site.py); a web process loads its model admins
    # with the first admin request (config/lazy_admin.py), every other process at start-up.
    "config.lazy_admin.LazyStudioAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc from our static files (no CDN, a strict CSP)
    "django_q",
    "accounts",
    "gallery",
    "templates_app",
    "generation",
]

MIDDLEWARE = [
    "config.request_id.RequestIdMiddleware",  # first: every later line and error carries the id
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Accept-Language picks ko or en for API messages (config/errors.py) and field errors.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The admin's and the API docs' Content-Security-Policy (the web app sets its own).
    "config.csp.ContentSecurityPolicyMiddleware",
    # Last, so it sees a view's exception first: database or broker down → 503, not 500.
    "config.unavailable.ServiceUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.ops_views.health_banner",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db' / 'studio.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # django-q2's ORM broker on SQLite loses results to "database is locked" with Django's
    # defaults (217 of a 1,000-task burst, measured). WAL lets readers run beside the writer;
    # IMMEDIATE takes the write lock at BEGIN so transactions queue on busy_timeout instead
    # of failing on lock upgrade.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT_SECONDS", 20),
        "init_command": ("PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000;"),
    }
    # A file, not memory, so worker processes started by the tests share the test database;
    # one per test run, so runs side by side do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "db" / f"test-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}

# Retry-After of a 503 `service_unavailable` (database or broker unreachable; config/unavailable.py).
SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS = env_int("SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS", 10, minimum=1)

# --- Cache ------------------------------------------------------------------------------------
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL.startswith("redis"):
    # Best-effort (config/cache.py): Redis unreachable means cache misses, never a failed request.
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": {
                "RETRY_SECONDS": env_float("CACHE_RETRY_SECONDS", 5.0, minimum=0),
                "SOCKET_TIMEOUT": env_float("CACHE_TIMEOUT_SECONDS", 1.0, minimum=0.05),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Counts failed sign-ins and refuses them while throttled, for the API and the admin alike.
AUTHENTICATION_BACKENDS = ["accounts.backends.ThrottledModelBackend"]
LOGIN_URL = "/admin/login/"

LANGUAGE_CODE = "en-us"
LANGUAGES = [("ko", "한국어"), ("en", "English")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files and storage -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
OUTPUT_DIR = Path(env_str("OUTPUT_DIR", str(BASE_DIR / "outputs"))).resolve()
STORAGES = {
    # Files are private: they are served through owner-checked API views, never by URL.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(OUTPUT_DIR), "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# The web app's build (static/app/, from frontend/) is served by WhiteNoise. Vite names its
# assets name-HASH.ext (8 URL-safe characters) and the storage above does not re-hash them, so
# WhiteNoise's own test would never see them as immutable: this pattern does. index.html, at every
# app route (config/spa.py) and under /static/app/, is revalidated on each load.
WHITENOISE_IMMUTABLE_FILE_TEST = r"^/static/app/assets/.+-[A-Za-z0-9_-]{8}\.[A-Za-z0-9]+$"


def _static_file_headers(headers, path: str, url: str) -> None:
    if url.endswith(".html"):
        headers["Cache-Control"] = "no-cache"


WHITENOISE_ADD_HEADERS_FUNCTION = _static_file_headers
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 5 * 1024 * 1024, minimum=1024)
# Multipart bodies carry up to two images plus fields; Django refuses bigger bodies early.
DATA_UPLOAD_MAX_MEMORY_SIZE = 3 * MAX_UPLOAD_BYTES
# A JSON request body (config/parsers.py): the largest real one, a template, is ~100 KB.
JSON_BODY_MAX_BYTES = env_int("JSON_BODY_MAX_BYTES", 1024 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES + 1
INPUT_MAX_SIDE_PX = env_int("INPUT_MAX_SIDE_PX", 1024, minimum=64)
# Checked from the header before decoding: decoding costs CPU and memory in proportion (a 6300 x 6300
# PNG took seconds of web CPU at the former 40 M); 25 M still takes a 24-megapixel camera photo.
INPUT_MAX_PIXELS = env_int("INPUT_MAX_PIXELS", 25_000_000, minimum=1_000_000)
# All the images one request decodes together (two inputs at the limit, or an upload and its
# thumbnail); past it the request is refused (400) instead of holding a web thread for seconds.
INPUT_DECODE_PIXELS_PER_REQUEST = env_int(
    "INPUT_DECODE_PIXELS_PER_REQUEST", 2 * INPUT_MAX_PIXELS + 10_000_000, minimum=INPUT_MAX_PIXELS
)

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # JWT first: its WWW-Authenticate header turns anonymous requests into 401, not 403.
        "accounts.authentication.RevocableJWTAuthentication",  # sign-out ends the access token too
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bodies bounded in size and nesting depth (config/parsers.py); forms as DRF's defaults.
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    # Per-user rates of job creation, uploads and imports (config/throttles.py; views opt in).
    "DEFAULT_THROTTLE_CLASSES": ["config.throttles.UserActionThrottle"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

# Failed sign-ins (session, token, admin, wrong old password) per username and per client
# address, counted in the cache over a fixed window; past a limit even the right password is refused.
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 300, minimum=1)
LOGIN_FAILURES_PER_USERNAME = env_int("LOGIN_FAILURES_PER_USERNAME", 5, minimum=1)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 20, minimum=1)
# Per-user requests a minute (0: unlimited) of job creation (also retries and the seed endpoints
# that make a job), image uploads, and URL imports; past them 429 `throttled` with Retry-After.
THROTTLE_JOBS_PER_MINUTE = env_int("THROTTLE_JOBS_PER_MINUTE", 30, minimum=0)
THROTTLE_UPLOADS_PER_MINUTE = env_int("THROTTLE_UPLOADS_PER_MINUTE", 60, minimum=0)
THROTTLE_IMPORTS_PER_MINUTE = env_int("THROTTLE_IMPORTS_PER_MINUTE", 20, minimum=0)
# Reverse proxies (addresses or networks) whose X-Forwarded-For names the real client. Behind an
# ingress, set this to its addresses, or every client shares the proxy's address (and its counter).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
for _network in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_network!r} is not an address or a network.")

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 30, minimum=1)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7, minimum=1)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "SIGNING_KEY": env_secret("JWT_SIGNING_KEY") or SECRET_KEY,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "PPL Studio API",
    "DESCRIPTION": "PPL images, goods mock-ups, prompt edits and product-detail pages "
    "through a fair background queue.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]",
    # Every 4xx/503 an operation can answer, with the Error shape (config/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.error_responses",
    ],
    "PATH_CONVERTER_OVERRIDES": {"id": int},  # config/fields.py: ids that fit 64 bits
    "ENUM_NAME_OVERRIDES": {"ErrorCode": "config.error_codes.error_code_choices"},
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "idempotency-key",
    "origin",
    "x-csrftoken",
    "x-requested-with",
)
CORS_EXPOSE_HEADERS = ("content-disposition", "idempotent-replayed", "retry-after")

# --- Job engine -------------------------------------------------------------------------------
MAX_PER_USER_QUEUE = env_int("MAX_PER_USER_QUEUE", 3, minimum=0)
MAX_PER_USER_CONCURRENT = env_int("MAX_PER_USER_CONCURRENT", 1, minimum=1)
JOB_TIMEOUT_SECONDS = env_int("JOB_TIMEOUT_SECONDS", 180, minimum=1)
PPL_PROVIDER = env_str("PPL_PROVIDER", "local")
GOODS_PROVIDER = env_str("GOODS_PROVIDER", "local")
LOCAL_PROVIDER_DELAY_SECONDS = env_float("LOCAL_PROVIDER_DELAY_SECONDS", 3.0, minimum=0)
LOCAL_MAX_CONCURRENT = env_int("LOCAL_MAX_CONCURRENT", 500, minimum=1)
# How long a claimed job may sit in one stage before the reconciler assumes its task was lost.
ENGINE_STAGE_GRACE_SECONDS = env_int("ENGINE_STAGE_GRACE_SECONDS", 45, minimum=1)
ENGINE_POLL_CONCURRENCY = env_int("ENGINE_POLL_CONCURRENCY", 200, minimum=1)
# Provider submits (the one paid call per job) the engine runs at once, as tasks of its loop.
ENGINE_SUBMIT_CONCURRENCY = env_int("ENGINE_SUBMIT_CONCURRENCY", 50, minimum=1)
ENGINE_DISPATCH_BATCH = env_int("ENGINE_DISPATCH_BATCH", 200, minimum=1)
PROGRESS_LOG_STEP = env_int("PROGRESS_LOG_STEP", 20, minimum=1)
PROGRESS_LOG_MIN_MS = env_int("PROGRESS_LOG_MIN_MS", 1000, minimum=0)
ETA_SAMPLE_SIZE = env_int("ETA_SAMPLE_SIZE", 20, minimum=1)

# --- Providers (provider-apis.md) ------------------------------------------------------------
EDIT_PROVIDER = env_str("EDIT_PROVIDER", "local")
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "").rstrip("/")  # set: Replicate and BFL call back
PROVIDER_CONNECT_TIMEOUT_SECONDS = env_float("PROVIDER_CONNECT_TIMEOUT_SECONDS", 5.0, minimum=0.1)
PROVIDER_READ_TIMEOUT_SECONDS = env_float("PROVIDER_READ_TIMEOUT_SECONDS", 30.0, minimum=0.1)
PROVIDER_MAX_ATTEMPTS = env_int("PROVIDER_MAX_ATTEMPTS", 4, minimum=1)
# A create the provider surely did not process (connect error, 429, 502/503/504) sends the job
# back to the queue (waiting_reason=provider_unavailable), tried again after 2, 4, 8 … s (at most
# the cap; a longer Retry-After wins) until JOB_TIMEOUT_SECONDS. /healthz fails the provider
# while its last create failed less than PROVIDER_OUTAGE_HEALTH_SECONDS ago.
PROVIDER_OUTAGE_BACKOFF_SECONDS = env_float("PROVIDER_OUTAGE_BACKOFF_SECONDS", 2.0, minimum=0.1)
PROVIDER_OUTAGE_BACKOFF_MAX_SECONDS = env_float("PROVIDER_OUTAGE_BACKOFF_MAX_SECONDS", 60.0, minimum=0.1)
PROVIDER_OUTAGE_HEALTH_SECONDS = env_int("PROVIDER_OUTAGE_HEALTH_SECONDS", 120, minimum=1)
PROVIDER_RESULT_MAX_BYTES = env_int("PROVIDER_RESULT_MAX_BYTES", 30 * 1024 * 1024, minimum=1024)
# With webhooks on, polling is only the safety net for a callback that never comes.
WEBHOOK_FALLBACK_POLL_SECONDS = env_float("WEBHOOK_FALLBACK_POLL_SECONDS", 20.0, minimum=1)
WEBHOOK_TOLERANCE_SECONDS = env_int("WEBHOOK_TOLERANCE_SECONDS", 300, minimum=1)
# A job cut off mid-submit (its process killed during the provider call) whose submit carried a
# webhook stays `submitting` this long for the provider's callback, which names the job, then
# fails `submit_interrupted` (a paid provider is never sent the job twice).
WEBHOOK_RECOVERY_SECONDS = env_int("WEBHOOK_RECOVERY_SECONDS", 120, minimum=1)
# The seed endpoints answer image bytes synchronously: how long they wait for the job.
SEED_ENDPOINT_WAIT_SECONDS = env_int("SEED_ENDPOINT_WAIT_SECONDS", JOB_TIMEOUT_SECONDS + 10, minimum=1)
# Requests that hold a web thread for long (seed waits, user-URL fetches) are capped so they never
# take every thread of a gunicorn worker (WEB_THREADS, as deploy/gunicorn.conf.py reads it): past
# a cap, 429 `throttled` with Retry-After; together they leave at least one thread free, so
# /healthz/live is never queued behind them (config/slow.py).
WEB_THREADS = env_int("WEB_THREADS", 4, minimum=1)
SEED_WAIT_MAX_PER_PROCESS = env_int("SEED_WAIT_MAX_PER_PROCESS", max(1, WEB_THREADS // 2), minimum=1)
SEED_WAIT_MAX_PER_USER = env_int("SEED_WAIT_MAX_PER_USER", 2, minimum=1)
FETCH_MAX_PER_PROCESS = env_int("FETCH_MAX_PER_PROCESS", max(1, WEB_THREADS // 4), minimum=1)
SLOW_REQUESTS_RETRY_AFTER_SECONDS = env_int("SLOW_REQUESTS_RETRY_AFTER_SECONDS", 10, minimum=1)

REPLICATE_API_TOKEN = env_secret("REPLICATE_API_TOKEN")
REPLICATE_API_BASE = env_str("REPLICATE_API_BASE", "https://api.replicate.com/v1")
REPLICATE_PPL_MODEL = env_str("REPLICATE_PPL_MODEL", "flux-kontext-apps/multi-image-kontext-max")
REPLICATE_EDIT_MODEL = env_str("REPLICATE_EDIT_MODEL", "black-forest-labs/flux-kontext-pro")
REPLICATE_GOODS_MODEL = env_str("REPLICATE_GOODS_MODEL", "black-forest-labs/flux-kontext-max")
REPLICATE_WEBHOOK_SECRET = env_secret("REPLICATE_WEBHOOK_SECRET")  # whsec_… from /v1/webhooks/default/secret
REPLICATE_MAX_CONCURRENT = env_int("REPLICATE_MAX_CONCURRENT", 20, minimum=1)

BFL_API_KEY = env_secret("BFL_API_KEY")
BFL_API_BASE = env_str("BFL_API_BASE", "https://api.bfl.ai")
BFL_MODEL = env_str("BFL_MODEL", "flux-kontext-max")
BFL_WEBHOOK_SECRET = env_secret("BFL_WEBHOOK_SECRET")
BFL_MAX_CONCURRENT = env_int("BFL_MAX_CONCURRENT", 6, minimum=1)  # kontext-max's account limit

TOGETHER_API_KEY = env_secret("TOGETHER_API_KEY")
TOGETHER_API_BASE = env_str("TOGETHER_API_BASE", "https://api.together.xyz/v1")
TOGETHER_EDIT_MODEL = env_str("TOGETHER_EDIT_MODEL", "black-forest-labs/FLUX.1-kontext-dev")
TOGETHER_MAX_CONCURRENT = env_int("TOGETHER_MAX_CONCURRENT", 4, minimum=1)
TOGETHER_IMAGE_MODEL = env_str("TOGETHER_IMAGE_MODEL", "black-forest-labs/FLUX.1-kontext-pro")
# Product pages: which provider draws block images (text to image), and pages at once.
PAGE_IMAGE_PROVIDER = env_str("PAGE_IMAGE_PROVIDER", "local")
PAGE_MAX_CONCURRENT = env_int("PAGE_MAX_CONCURRENT", 8, minimum=1)

COMFYUI_SERVER = env_str("COMFYUI_SERVER", "127.0.0.1:8188")
COMFY_HTTP_CONNECT_TIMEOUT = env_float("COMFY_HTTP_CONNECT_TIMEOUT", 3.0, minimum=0.1)
COMFY_HTTP_READ_TIMEOUT = env_float("COMFY_HTTP_READ_TIMEOUT", 10.0, minimum=0.1)
COMFY_WS_CONNECT_TIMEOUT = env_float("COMFY_WS_CONNECT_TIMEOUT", 5.0, minimum=0.1)
COMFY_WS_IDLE_TIMEOUT = env_float("COMFY_WS_IDLE_TIMEOUT", 120.0, minimum=1)
COMFYUI_MAX_CONCURRENT = env_int("COMFYUI_MAX_CONCURRENT", 1, minimum=1)  # one GPU

LLM_PROVIDER = env_str("LLM_PROVIDER", "local")  # openai | local
OPENAI_API_KEY = env_secret("OPENAI_API_KEY")
OPENAI_BASE_URL = env_str("OPENAI_BASE_URL", "https://api.openai.com/v1")
LLM_MODEL = env_str("LLM_MODEL", "gpt-4o-mini")
LLM_TIMEOUT_SECONDS = env_float("LLM_TIMEOUT_SECONDS", 60.0, minimum=1)

# Hosts a user-given URL may point at although they are not public (tests, staging).
ALLOWED_FETCH_HOSTS = env_list("ALLOWED_FETCH_HOSTS")
# Hosts a provider's result files may be downloaded from ("name" or "*.domain"; the providers'
# delivery hosts by default). Downloads go through the same guard as user URLs (public addresses
# only, each redirect checked), so a fake provider on loopback also needs ALLOWED_FETCH_HOSTS.
BFL_RESULT_HOSTS = env_list("BFL_RESULT_HOSTS", "*.bfl.ai,bfldeliveryprod.blob.core.windows.net")
REPLICATE_RESULT_HOSTS = env_list("REPLICATE_RESULT_HOSTS", "replicate.delivery,*.replicate.delivery")
TOGETHER_RESULT_HOSTS = env_list("TOGETHER_RESULT_HOSTS", "*.together.ai,*.together.xyz")

# --- django-q2 --------------------------------------------------------------------------------
Q_BROKER = env_str("Q_BROKER", "orm")
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
Q_WORKERS = env_int("Q_WORKERS", 2, minimum=1)
Q_TIMEOUT = env_int("Q_TIMEOUT", 30, minimum=5)
Q_RETRY = env_int("Q_RETRY", 120, minimum=10)
Q_CLUSTER: dict[str, Any] = {
    "name": env_str("Q_CLUSTER_NAME", "studio"),
    "workers": Q_WORKERS,
    "timeout": Q_TIMEOUT,
    "retry": Q_RETRY,
    "queue_limit": Q_WORKERS,
    "bulk": 1,
    "ack_failures": True,
    "max_attempts": 1,
    # The Job table is the source of truth; successful task rows are noise (and cost a
    # SELECT FOR UPDATE per completion at the default of 250).
    "save_limit": -1,
    "catch_up": False,
    "recycle": 500,
    "max_rss": env_int("Q_MAX_RSS_KB", 200_000),
    "poll": env_float("Q_POLL_SECONDS", 0.1, minimum=0.01),
    "guard_cycle": 0.5,
    "label": "Task queue",
    # The brokers renew the cluster's heartbeat (/healthz, workers_alive; see Operations below).
    "broker_class": (
        "generation.heartbeat.HeartbeatRedisBroker"
        if Q_BROKER == "redis"
        else "generation.heartbeat.HeartbeatOrmBroker"
    ),
}
if Q_BROKER == "redis":
    # Bounded waits (query parameters in REDIS_URL win): a Redis that does not answer fails an
    # enqueue in seconds, which the web tier survives (generation/services/queue.py), instead of
    # holding the request for the system's TCP timeout. dequeue's BLPOP waits 1 s, below both.
    _redis_timeouts = {
        "socket_connect_timeout": env_float("REDIS_CONNECT_TIMEOUT_SECONDS", 2.0, minimum=0.1),
        "socket_timeout": env_float("REDIS_TIMEOUT_SECONDS", 5.0, minimum=2.0),
    }
    _missing = [f"{k}={v:g}" for k, v in _redis_timeouts.items() if f"{k}=" not in REDIS_URL]
    _separator = "&" if "?" in REDIS_URL else "?"
    Q_CLUSTER["redis"] = REDIS_URL + (_separator + "&".join(_missing) if _missing else "")
elif Q_BROKER == "orm":
    Q_CLUSTER["orm"] = "default"
else:
    raise ImproperlyConfigured(f"Q_BROKER must be orm or redis, not {Q_BROKER!r}")
# django-q2 re-delivers a task `retry` seconds after dequeue, and time spent in the cluster's
# local queue counts, so retry must cover the worst wait plus the run (measured duplicates).
_min_retry = Q_TIMEOUT * (1 + math.ceil((Q_CLUSTER["queue_limit"] + 1) / Q_WORKERS))
if _min_retry >= Q_RETRY:
    raise ImproperlyConfigured(
        f"Q_RETRY ({Q_RETRY}) must exceed {_min_retry}s for Q_TIMEOUT={Q_TIMEOUT} and "
        f"Q_WORKERS={Q_WORKERS}, or django-q2 delivers tasks twice."
    )
# A product page is written by the engine process; past this budget it fails, clearly. The
# reconciler takes a page still `submitting` after ENGINE_STAGE_GRACE_SECONDS for one whose
# engine died, so the budget stays within it.
PAGE_TIMEOUT_SECONDS = env_float(
    "PAGE_TIMEOUT_SECONDS", max(1.0, min(25.0, ENGINE_STAGE_GRACE_SECONDS - 2)), minimum=1
)
if PAGE_TIMEOUT_SECONDS > ENGINE_STAGE_GRACE_SECONDS:
    raise ImproperlyConfigured("PAGE_TIMEOUT_SECONDS must not exceed ENGINE_STAGE_GRACE_SECONDS.")

# --- Logging ----------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOG_FORMAT = env_str("LOG_FORMAT", "json")
LOG_TO_FILE = env_bool("LOG_TO_FILE", False)
LOG_FILE_PATH = Path(env_str("LOG_FILE_PATH", str(BASE_DIR / "logs" / "app.log")))
LOG_MAX_BYTES = env_int("LOG_MAX_BYTES", 1_048_576, minimum=1024)
LOG_BACKUP_COUNT = env_int("LOG_BACKUP_COUNT", 3, minimum=0)
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")

_handlers = ["console"]
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "config.logging.JsonFormatter"},
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(context)s",
            "()": "config.logging.TextFormatter",
        },
    },
    # Every log line written during a request carries its request id (config/request_id.py).
    "filters": {"request_id": {"()": "config.request_id.RequestIdFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": _handlers, "level": LOG_LEVEL},
    "loggers": {
        "studio.request": {"level": env_str("ACCESS_LOG_LEVEL", "INFO").upper()},
        "django-q": {"level": env_str("Q_LOG_LEVEL", "WARNING").upper(), "propagate": True},
        "httpx": {"level": "WARNING"},
        "httpx2": {"level": "WARNING"},
    },
}
if LOG_TO_FILE:
    LOG_FILE_PATH.parent.mkdir(parents=True, exist_ok=True)
    LOGGING["handlers"]["file"] = {
        "class": "logging.handlers.RotatingFileHandler",
        "filename": str(LOG_FILE_PATH),
        "maxBytes": LOG_MAX_BYTES,
        "backupCount": LOG_BACKUP_COUNT,
        "formatter": "json",
        "filters": ["request_id"],
    }
    _handlers.append("file")

# --- Gallery: storage, quota, trash, safe URL fetching ----------------------------------------
# Where image files live: local files under OUTPUT_DIR (default), S3 (or any S3-compatible
# store) or Azure Blob, through django-storages. Remote stores serve downloads as signed URLs
# that expire after STORAGE_URL_EXPIRE_SECONDS.
STORAGE_BACKEND = env_str("STORAGE_BACKEND", "local").strip().lower()
STORAGE_URL_EXPIRE_SECONDS = env_int("STORAGE_URL_EXPIRE_SECONDS", 300, minimum=10)


def _storage_backend_needs(module: str, package: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise ImproperlyConfigured(
            f"STORAGE_BACKEND={STORAGE_BACKEND} needs the {package} package (pip install {package})."
        )


if STORAGE_BACKEND == "s3":
    _storage_backend_needs("boto3", "boto3")
    if not env_str("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME.")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            # Empty keys leave boto3 its own credential chain (instance role, IRSA, ~/.aws).
            "access_key": env_secret("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_secret("AWS_SECRET_ACCESS_KEY") or None,
            "location": env_str("AWS_LOCATION", ""),
            "querystring_auth": True,
            "querystring_expire": STORAGE_URL_EXPIRE_SECONDS,
            "file_overwrite": False,
        },
    }
elif STORAGE_BACKEND == "azure":
    _storage_backend_needs("azure.storage.blob", "azure-storage-blob")
    if not env_str("AZURE_CONTAINER"):
        raise ImproperlyConfigured("STORAGE_BACKEND=azure needs AZURE_CONTAINER.")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.azure_storage.AzureStorage",
        "OPTIONS": {
            "azure_container": env_str("AZURE_CONTAINER"),
            "account_name": env_str("AZURE_ACCOUNT_NAME") or None,
            "account_key": env_secret("AZURE_ACCOUNT_KEY") or None,
            "connection_string": env_secret("AZURE_CONNECTION_STRING") or None,
            "location": env_str("AZURE_LOCATION", ""),
            "expiration_secs": STORAGE_URL_EXPIRE_SECONDS,
            "overwrite_files": False,
        },
    }
elif STORAGE_BACKEND != "local":
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be local, s3 or azure, not {STORAGE_BACKEND!r}")

# Per-user storage for originals, thumbnails, trash and job inputs; a per-user override sits on
# the user. 0 means unlimited.
STORAGE_QUOTA_MB = env_int("STORAGE_QUOTA_MB", 1024, minimum=0)
TRASH_RETENTION_DAYS = env_int("TRASH_RETENTION_DAYS", 30, minimum=1)
# A finished job's input files are removed this long after it ended (swept hourly); the job keeps
# its record and says its inputs expired.
JOB_INPUT_RETENTION_DAYS = env_int("JOB_INPUT_RETENTION_DAYS", 30, minimum=1)
THUMBNAIL_SIDE_PX = env_int("THUMBNAIL_SIDE_PX", 320, minimum=32)
# Uploads and imports to the gallery keep more detail than job inputs (INPUT_MAX_SIDE_PX).
GALLERY_MAX_SIDE_PX = env_int("GALLERY_MAX_SIDE_PX", 4096, minimum=64)
# The admin list counts exactly up to this many rows, then estimates (never a full COUNT(*)).
ADMIN_LIST_EXACT_COUNT_LIMIT = env_int("ADMIN_LIST_EXACT_COUNT_LIMIT", 1000, minimum=0)
# The storage folders the orphan-file command scans: the gallery's own and job inputs (whose
# references, JobInput rows, generation registers in gallery.references); it looks nowhere else.
GALLERY_ORPHAN_PREFIXES = env_list("GALLERY_ORPHAN_PREFIXES", "images/,thumbs/,inputs/")
if any(p.strip("/") == "" for p in GALLERY_ORPHAN_PREFIXES):
    raise ImproperlyConfigured("GALLERY_ORPHAN_PREFIXES may not name the whole storage.")

# Fetching user-given URLs (gallery/fetch.py: gallery import, providers' image_url): public
# addresses only. ALLOWED_FETCH_HOSTS (read in the providers section above) opens specific
# hosts anyway (tests, staging): "host" for any port, "host:port" for one, "[::1]:8080".
FETCH_CONNECT_TIMEOUT_SECONDS = env_float("FETCH_CONNECT_TIMEOUT_SECONDS", 5.0, minimum=0.1)
FETCH_READ_TIMEOUT_SECONDS = env_float("FETCH_READ_TIMEOUT_SECONDS", 10.0, minimum=0.1)
FETCH_TOTAL_TIMEOUT_SECONDS = env_float("FETCH_TOTAL_TIMEOUT_SECONDS", 20.0, minimum=0.5)


# --- Operations: health, request ids, metrics, production security (deploy/RUNBOOK.md) ------
# /healthz answers 503 when OUTPUT_DIR's filesystem has less free space than this.
HEALTHZ_DISK_MIN_FREE_MB = env_int("HEALTHZ_DISK_MIN_FREE_MB", 1024, minimum=0)
# Health results are reused this long per process, so probes cannot overload what they check.
HEALTHZ_CACHE_SECONDS = env_float("HEALTHZ_CACHE_SECONDS", 3.0, minimum=0)
HEALTHZ_PROBE_TIMEOUT_SECONDS = env_float("HEALTHZ_PROBE_TIMEOUT_SECONDS", 3.0, minimum=0.1)
HEALTHZ_QUEUE_WAIT_WARN_SECONDS = env_int("HEALTHZ_QUEUE_WAIT_WARN_SECONDS", 300, minimum=1)
# Worker clusters renew a heartbeat this often; /healthz fails when none is younger than the TTL.
CLUSTER_HEARTBEAT_SECONDS = env_float("CLUSTER_HEARTBEAT_SECONDS", 2.0, minimum=0.1)
CLUSTER_HEARTBEAT_TTL_SECONDS = env_int("CLUSTER_HEARTBEAT_TTL_SECONDS", 10, minimum=2)
if CLUSTER_HEARTBEAT_TTL_SECONDS <= 2 * CLUSTER_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured("CLUSTER_HEARTBEAT_TTL_SECONDS must exceed twice CLUSTER_HEARTBEAT_SECONDS.")
# `manage.py workers_alive` (the worker pod's liveness probe): a cluster that started no task for
# this long while tasks wait is hung. Its heartbeat and progress files live in WORKER_STATE_DIR.
WORKER_STALL_SECONDS = env_int("WORKER_STALL_SECONDS", max(120, 4 * Q_TIMEOUT), minimum=Q_TIMEOUT + 5)
# runworkers restarts its own cluster in place past this (tasks waiting, none started): every
# task ends within Q_TIMEOUT, so a healthy cluster always starts one sooner. 0 turns it off.
WORKER_RESTART_SECONDS = env_int("WORKER_RESTART_SECONDS", Q_TIMEOUT + 15, minimum=0)
if 0 < WORKER_RESTART_SECONDS < Q_TIMEOUT + 5:
    raise ImproperlyConfigured("WORKER_RESTART_SECONDS must be at least Q_TIMEOUT + 5 (or 0: off).")
WORKER_STATE_DIR = env_str("WORKER_STATE_DIR", "")  # default: the system temp dir

# /metrics: a bearer token (METRICS_TOKEN) or a client address in METRICS_ALLOWED_IPS (addresses
# or networks); anything else gets 401/403.
METRICS_TOKEN = env_secret("METRICS_TOKEN")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
METRICS_CACHE_SECONDS = env_float("METRICS_CACHE_SECONDS", 5.0, minimum=0)

# Production security, secure by default: with DEBUG off the site is taken to be served over https
# (secure cookies, a year of HSTS, http redirected to https), so `check --deploy` is clean with
# nothing but SECRET_KEY and ALLOWED_HOSTS. A plain-http deployment says so with HTTPS=off
# (scripts/run.sh on loopback, the compose file, the e2e suite and the benchmarks do); each knob
# below still overrides its part.
HTTPS = env_bool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", HTTPS)
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31_536_000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    # Preloading is the domain owner's commitment (hstspreload.org), never a default.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
# Probes and scrapes reach the pod over plain http and must not be redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz", r"^metrics$"]
if env_bool("TRUST_X_FORWARDED_PROTO", False):  # only behind a proxy that sets the header itself
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Templates and product pages (templates_app) ------------------------------------------------
# Catalogue reads (templates, categories, sets) are cached this long; every change invalidates them.
TEMPLATE_CACHE_SECONDS = env_int("TEMPLATE_CACHE_SECONDS", 300, minimum=0)
# Block-writing LLM calls of one page in flight at once.
PAGE_BLOCK_CONCURRENCY = env_int("PAGE_BLOCK_CONCURRENCY", 4, minimum=1)
PAGE_MAX_BLOCKS = env_int("PAGE_MAX_BLOCKS", 12, minimum=1)

# --- Live events (accounts/events.py, accounts/streams.py) -------------------------------------
# The outbox keeps this many hours of events; a client resuming from an older id gets `reset`.
EVENT_RETENTION_HOURS = env_int("EVENT_RETENTION_HOURS", 24, minimum=1)
# What wakes the streams of a web process when an event commits: redis (pub/sub on
# EVENT_REDIS_URL), postgres (LISTEN/NOTIFY), poll (a read of the table every EVENT_POLL_SECONDS).
# auto: redis when EVENT_REDIS_URL or REDIS_URL is set explicitly, else postgres on PostgreSQL,
# else poll. A lost wake-up loses nothing: every process also reads the table every
# EVENT_POLL_SECONDS (and the log is what streams send).
EVENT_REDIS_URL = env_str("EVENT_REDIS_URL") or (REDIS_URL if "REDIS_URL" in os.environ else "")
EVENT_NOTIFY = env_str("EVENT_NOTIFY", "auto")
if EVENT_NOTIFY == "auto":
    EVENT_NOTIFY = (
        "redis"
        if EVENT_REDIS_URL
        else "postgres"
        if DATABASES["default"]["ENGINE"].endswith("postgresql")
        else "poll"
    )
if EVENT_NOTIFY not in ("redis", "postgres", "poll"):
    raise ImproperlyConfigured(f"EVENT_NOTIFY must be auto, redis, postgres or poll, not {EVENT_NOTIFY!r}")
if EVENT_NOTIFY == "redis" and not EVENT_REDIS_URL:
    EVENT_REDIS_URL = REDIS_URL
EVENT_POLL_SECONDS = env_float("EVENT_POLL_SECONDS", 0.2 if EVENT_NOTIFY == "poll" else 5.0, minimum=0.02)
# Progress events per job at most this often (the final 100 % always goes out).
EVENT_PROGRESS_MIN_MS = env_int("EVENT_PROGRESS_MIN_MS", 300, minimum=0)
EVENT_HEARTBEAT_SECONDS = env_float("EVENT_HEARTBEAT_SECONDS", 15.0, minimum=0.1)

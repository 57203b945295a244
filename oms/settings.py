"""Settings, driven by the environment so that one module serves development, tests and production.

DATABASE_URL selects the database: unset means an embedded SQLite file under var/, and
`postgres://user:pass@host:port/name` switches to PostgreSQL.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

from oms.core.envvars import BadEnvironmentValue, env_float, env_int

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("OMS_VAR_DIR", BASE_DIR / "var"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


def database_from_url(url: str | None) -> dict:
    """Translate DATABASE_URL into Django's DATABASES entry (SQLite when unset)."""
    if not url or url.startswith("sqlite"):
        path = url.split("://", 1)[1].lstrip("/") if url and "://" in url else ""
        name = ("/" + path) if path else str(VAR_DIR / "oms.sqlite3")
        return {
            "ENGINE": "oms.core.sqlite",
            "NAME": name,
            "OPTIONS": {
                # Writers queue for the lock instead of failing with "database is locked":
                # IMMEDIATE takes the write lock at BEGIN, the timeout makes others wait for it.
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # ":memory:" said outright, not None: pytest-django knows an in-memory test database
            # only by Django's own engine name, and under xdist (`make test`'s workers) it gave
            # this engine's a file name of the live database's path with a suffix.
            "TEST": {"NAME": os.environ.get("OMS_SQLITE_TEST_NAME") or ":memory:"},
            # Keep connections: closing SQLite's last connection checkpoints the WAL, which cost a
            # fifth of each request's time in the profile.
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 600),
        }
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise BadEnvironmentValue(
            f"DATABASE_URL scheme {parts.scheme!r} is not supported (use postgres:// or sqlite://)"
        )
    return {
        "ENGINE": "oms.core.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 600),
        "CONN_HEALTH_CHECKS": _env_bool("DB_CONN_HEALTH_CHECKS", True),
        # Parameters travel apart from the SQL (no quoting in Python), and psycopg prepares a
        # statement after it has run a few times: both cut the create path's CPU per order.
        "OPTIONS": {
            "server_side_binding": _env_bool("DB_SERVER_SIDE_BINDING", True),
            # Empty turns prepared statements off (needed behind PgBouncer in transaction mode).
            "prepare_threshold": env_int("DB_PREPARE_THRESHOLD", 5)
            if os.environ.get("DB_PREPARE_THRESHOLD", "5").strip()
            else None,
        },
        # Behind PgBouncer in transaction mode a cursor cannot outlive its transaction's server
        # connection: .iterator() must fetch in chunks without a server-side cursor.
        "DISABLE_SERVER_SIDE_CURSORS": _env_bool("DB_DISABLE_SERVER_SIDE_CURSORS", False),
    }


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once per installation under var/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG", False)
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", ["*"])
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Its templates and static files: the API docs page loads Swagger UI from our own static
    # files, not from a CDN (a browser without internet access showed a blank page).
    "ninja",
    "oms.core",
    "oms.access",
    "oms.channels",
    "oms.locations",
    "oms.catalog",
    "oms.customers",
    "oms.orders",
    "oms.idempotency",
    "oms.integrations",
    "oms.observe",
    "oms.events",
]

MIDDLEWARE = [
    # First: it logs and counts every answer, with its X-Request-ID (oms/observe/requests.py).
    "oms.observe.requests.RequestMiddleware",
    # Next: the RateLimit headers go on every API answer, whoever made it (logged with them).
    "oms.core.middleware.RateLimitHeaders",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "oms.core.middleware.NoStoreMiddleware",
    "oms.core.middleware.ApiErrorBodyMiddleware",
    # Django's own, skipped for /api/ requests (oms.core.middleware explains why).
    "oms.core.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "oms.core.middleware.CsrfViewMiddleware",
    "oms.core.middleware.AuthenticationMiddleware",
    "oms.core.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oms.core.replica.LagTolerantAdminReads",
]

# --- HTTPS, as operators configure it behind a TLS-terminating proxy (deploy/oms.env sets them) ---
# Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (addresses or networks, comma-
# separated): the only way SECURE_PROXY_SSL_HEADER is set, since Django trusts that header from
# any peer. Requests from other peers lose those headers (oms/core/proxy.py).
OMS_TRUSTED_PROXIES = _env_list("OMS_TRUSTED_PROXIES", [])
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if OMS_TRUSTED_PROXIES else None
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", False)
# A load balancer polls the replicas themselves, over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = _env_bool("CSRF_COOKIE_SECURE", False)

# `check --deploy` looks for Django's CSRF middleware by its dotted path; ours is that class,
# skipped only for /api/ requests (authenticated by key, no cookies): the admin keeps its CSRF
# checks (oms/core/tests/test_middleware.py).
SILENCED_SYSTEM_CHECKS = ["security.W003"]

ROOT_URLCONF = "oms.urls"
WSGI_APPLICATION = "oms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL"))}
# A streaming standby for reads that tolerate lag (oms/core/replica.py); tests read the primary.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = replica = database_from_url(os.environ["DATABASE_REPLICA_URL"])
    # Straight to the standby, not through PgBouncer: a refused connection is the signal to read
    # the primary instead, and it must come at once (PgBouncer would hold the query waiting).
    if replica["ENGINE"] == "oms.core.postgresql":
        replica["OPTIONS"]["connect_timeout"] = 2
    replica["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["oms.core.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# The admin's files are served from the installed packages; no collectstatic step needed.
WHITENOISE_USE_FINDERS = True

# Bodies above this size are refused with 413 before they are parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("OMS_MAX_BODY_BYTES", 1024 * 1024, minimum=1)

# --- oms settings -------------------------------------------------------------------------
# /readyz answers 503 when the SQLite file's filesystem has less free space than this.
OMS_READYZ_MIN_FREE_BYTES = env_int("OMS_READYZ_MIN_FREE_BYTES", 16 * 1024 * 1024)
# A request body that makes no progress for this long is dropped (408), so a client that stops
# sending cannot hold a worker (oms/core/bodies.py).
OMS_BODY_READ_TIMEOUT_SECONDS = env_float("OMS_BODY_READ_TIMEOUT_SECONDS", 10)
# PostgreSQL: when a single create reserves through the function oms_reserve_stock instead of its
# statement's CTEs: `contended` (its rows were found changed by other creates within the last
# OMS_STOCK_CONTENDED_SECONDS), `always` or `never` (catalog.services.stock.contended).
OMS_STOCK_FUNCTION = os.environ.get("OMS_STOCK_FUNCTION", "contended")
if OMS_STOCK_FUNCTION not in ("contended", "always", "never"):
    raise BadEnvironmentValue(
        f"OMS_STOCK_FUNCTION {OMS_STOCK_FUNCTION!r} is not supported (use contended, always or never)"
    )
OMS_STOCK_CONTENDED_SECONDS = env_float("OMS_STOCK_CONTENDED_SECONDS", 60)
# Under granian, which puts no timeout on a body's reads, at most this many threads of a process
# may wait on a body sent without an API key (the admin's forms, the login); past them such a
# request is 503, so clients that stall their bodies leave the other threads to everyone else
# (oms/core/bodies.py). Half the threads `oms serve` gives a process (WEB_THREADS), at least one.
OMS_UNKEYED_BODY_READERS = env_int(
    "OMS_UNKEYED_BODY_READERS", max(1, env_int("WEB_THREADS", 4, minimum=1) // 2), minimum=1
)
OMS_MAX_ITEMS_PER_ORDER = env_int("OMS_MAX_ITEMS_PER_ORDER", 500, minimum=1)
# Free-form JSON fields (extra_field, attributes...) are refused past these bounds.
OMS_MAX_JSON_DEPTH = env_int("OMS_MAX_JSON_DEPTH", 8, minimum=1)
OMS_MAX_JSON_BYTES = env_int("OMS_MAX_JSON_BYTES", 32 * 1024, minimum=1)
# How far in the future a date_placed may lie (clock skew between channel and us).
OMS_DATE_PLACED_MAX_SKEW_SECONDS = env_int("OMS_DATE_PLACED_MAX_SKEW_SECONDS", 300)
# Seconds an API key lookup is cached in-process; revoking a key takes effect within this time.
OMS_API_KEY_CACHE_SECONDS = env_float("OMS_API_KEY_CACHE_SECONDS", 5)
# Plain create_orders requests are answered beside Django's request cycle (oms/orders/api/lane.py),
# with the same answers; 0 sends them through Django's handler like every other request.
OMS_CREATE_LANE = _env_bool("OMS_CREATE_LANE", True)
# The WSGI lanes in front of Django's handler (oms/wsgi.py), outermost first: classes taking the
# application behind them.
OMS_WSGI_LANES = ["oms.orders.api.lane.CreateOrderLane"] if OMS_CREATE_LANE else []
# Idempotency-Key answers are replayed for this long (`oms idempotency purge` deletes older ones).
OMS_IDEMPOTENCY_TTL_SECONDS = env_int("OMS_IDEMPOTENCY_TTL_SECONDS", 24 * 3600)
# A keyed request that has not answered after this long is taken to have died (a crash); its key
# may then be claimed again by a retry of the same request. Keep it above the longest request.
OMS_IDEMPOTENCY_LOCK_TIMEOUT_SECONDS = env_int("OMS_IDEMPOTENCY_LOCK_TIMEOUT_SECONDS", 60, minimum=1)
# Login throttle (oms/access/throttle.py): failed logins allowed per username and per client
# address within a window, on the API's auth/login/ and the admin's login form.
OMS_LOGIN_FAILURES_PER_USERNAME = env_int("OMS_LOGIN_FAILURES_PER_USERNAME", 5, minimum=1)
OMS_LOGIN_FAILURES_PER_ADDRESS = env_int("OMS_LOGIN_FAILURES_PER_ADDRESS", 20, minimum=1)
OMS_LOGIN_WINDOW_SECONDS = env_int("OMS_LOGIN_WINDOW_SECONDS", 600)

# Per API key (oms/core/ratelimit.py): a token bucket of OMS_RATE_LIMIT_BURST tokens refilled at
# OMS_RATE_LIMIT ("<n>/s", "/m", "/h"...; "off" for none); one token per request, one per order in
# a bulk create. Keys and channels may have their own (admin, `oms token create --rate`).
OMS_RATE_LIMIT = os.environ.get("OMS_RATE_LIMIT", "50/s")
OMS_RATE_LIMIT_BURST = env_int("OMS_RATE_LIMIT_BURST", 100, minimum=1)

# The cache holds the login throttle's counts (and cached list counts), and Redis the rate limits'
# buckets: with REDIS_URL they are shared by every process and replica; without it each process
# counts on its own.
REDIS_URL = os.environ.get("REDIS_URL") or None
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # JSON lines (oms/observe/logs.py): client-sent text cannot forge a line.
    "formatters": {"json": {"()": "oms.observe.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Bulk create: orders per call, and the body size that allows (the single endpoint keeps 1 MiB).
# Page-number lists count exactly up to this many rows; past it, the exact count is cached per
# filter for OMS_COUNT_CACHE_SECONDS (counting 1,000,000 orders costs ~50 ms on PostgreSQL).
OMS_EXACT_COUNT_LIMIT = env_int("OMS_EXACT_COUNT_LIMIT", 10000, minimum=1)
OMS_COUNT_CACHE_SECONDS = env_int("OMS_COUNT_CACHE_SECONDS", 60)
OMS_MAX_ORDERS_PER_BULK = env_int("OMS_MAX_ORDERS_PER_BULK", 1000, minimum=1)
OMS_MAX_BULK_BODY_BYTES = env_int("OMS_MAX_BULK_BODY_BYTES", 32 * 1024 * 1024, minimum=1)

# One JSON log line per request (oms/observe/requests.py); about a tenth of a create's CPU
# in one process (0.07-0.08 ms of 0.75), so a deployment that logs requests at its proxy may turn
# it off. Metrics and the X-Request-ID header stay.
OMS_REQUEST_LOG = _env_bool("OMS_REQUEST_LOG", True)
# GET /metrics answers clients in these networks only (comma-separated; loopback by default).
OMS_METRICS_ALLOW = _env_list("OMS_METRICS_ALLOW", ["127.0.0.0/8", "::1/128"])
# Refused API requests are counted in each process and written to the dashboard's table at most
# this often (oms/observe/refusals.py).
OMS_REFUSAL_FLUSH_SECONDS = env_float("OMS_REFUSAL_FLUSH_SECONDS", 10)
# Events (oms/events): the outbox, webhooks and the pull feed.
OMS_EVENT_RETENTION_SECONDS = env_int("OMS_EVENT_RETENTION_SECONDS", 7 * 24 * 3600)
# A delivery is a 2xx answer within this many seconds.
OMS_WEBHOOK_TIMEOUT_SECONDS = env_float("OMS_WEBHOOK_TIMEOUT_SECONDS", 10)
# Retries back off exponentially (base * 2^attempt, capped, with jitter) for at least this long.
OMS_WEBHOOK_RETRY_SECONDS = env_int("OMS_WEBHOOK_RETRY_SECONDS", 24 * 3600)
OMS_WEBHOOK_BACKOFF_BASE_SECONDS = env_float("OMS_WEBHOOK_BACKOFF_BASE_SECONDS", 10)
OMS_WEBHOOK_BACKOFF_MAX_SECONDS = env_float("OMS_WEBHOOK_BACKOFF_MAX_SECONDS", 6 * 3600)
# An endpoint failing every delivery for this long is disabled.
OMS_WEBHOOK_DISABLE_AFTER_SECONDS = env_int("OMS_WEBHOOK_DISABLE_AFTER_SECONDS", 5 * 24 * 3600)
OMS_WEBHOOK_OLD_SECRET_SECONDS = env_int("OMS_WEBHOOK_OLD_SECRET_SECONDS", 24 * 3600)
OMS_WEBHOOK_MAX_RESPONSE_BYTES = env_int("OMS_WEBHOOK_MAX_RESPONSE_BYTES", 64 * 1024, minimum=1)
# Plain http and private, loopback and link-local addresses allowed: development and tests only.
OMS_WEBHOOK_ALLOW_PRIVATE = _env_bool("OMS_WEBHOOK_ALLOW_PRIVATE", False)
# The worker: deliveries claimed at a time; its pause after a round that was not full, doubling
# while there is nothing to do, up to OMS_WORKER_IDLE_SECONDS.
OMS_WORKER_BATCH = env_int("OMS_WORKER_BATCH", 50, minimum=1)
OMS_WORKER_POLL_SECONDS = env_float("OMS_WORKER_POLL_SECONDS", 0.05)
OMS_WORKER_IDLE_SECONDS = env_float("OMS_WORKER_IDLE_SECONDS", 0.5)
# Deliveries a worker makes at once (threads; one subject's events still go one at a time).
OMS_WORKER_CONCURRENCY = env_int("OMS_WORKER_CONCURRENCY", 8, minimum=1)

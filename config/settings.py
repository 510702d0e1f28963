"""Settings for Testimony DB, read from the environment.

One module serves every environment; the environment variables listed in the README decide the difference.
Local defaults are safe: DEBUG is off unless asked for, and a production host must provide SECRET_KEY.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value is None or value.strip() == "" else int(value)


TESTING = "pytest" in sys.modules
DEBUG = env_bool("DEBUG")


def local_secret_key(path: Path) -> str:
    """A random key kept in a private file, so that a checkout without SECRET_KEY is still never predictable."""
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(get_random_secret_key())
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or local_secret_key(BASE_DIR / ".secret_key")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    # Django REST Framework itself is not an app here: its templates and static files are those of the browsable
    # API, which this JSON-only API does not have (REST_FRAMEWORK below). drf-spectacular's checks and its
    # `spectacular --validate` command are.
    "drf_spectacular",
    "simple_history",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # This project's apps, from the bottom layer up (README, "How the code is layered"). Named by their
    # configuration class: each apps.py imports core's ProjectAppConfig, so Django could not pick one by itself.
    "core.apps.CoreConfig",
    "units.apps.UnitsConfig",
    "sites.apps.SitesConfig",
    "testimonies.apps.TestimoniesConfig",
    "archive.apps.ArchiveConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so that static files (SVG included) carry the Content-Security-Policy too.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the database: a reader's GET reads from the read replica, when there is one.
    "core.replicas.ReplicaReadsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Slides a staff session's expiry now and then instead of writing the session on every request.
    "core.sessions.SlidingSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check: a method the view does not take gets 405, not a misleading 403.
    "core.security.UnsupportedMethodMiddleware",
    # After the language is known and before the CSRF check: a reader's public page from the cache (core.page_cache).
    "core.page_cache.PublicPageCacheMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# Every database wait has an upper limit (seconds; 0 turns a limit off). A web request that waits for a lock longer
# than DB_LOCK_TIMEOUT, or runs a statement longer than DB_STATEMENT_TIMEOUT, fails at once and is answered with a
# 503 and Retry-After (core.errors), instead of holding a gunicorn thread for as long as the lock is held. The
# import, backup and release commands take their longer limits from DB_COMMAND_* (core.database.longer_limits).
DB_CONNECT_TIMEOUT = env_int("DB_CONNECT_TIMEOUT", 5)
DB_LOCK_TIMEOUT = float(os.environ.get("DB_LOCK_TIMEOUT") or 3)
DB_STATEMENT_TIMEOUT = float(os.environ.get("DB_STATEMENT_TIMEOUT") or 30)
DB_IDLE_IN_TRANSACTION_TIMEOUT = float(os.environ.get("DB_IDLE_IN_TRANSACTION_TIMEOUT") or 60)
DB_COMMAND_LOCK_TIMEOUT = float(os.environ.get("DB_COMMAND_LOCK_TIMEOUT") or 60)
DB_COMMAND_STATEMENT_TIMEOUT = float(os.environ.get("DB_COMMAND_STATEMENT_TIMEOUT") or 3600)
# Server-side prepared statements; turn them off behind a pooler in transaction mode (PgBouncer before 1.21).
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)


def random_page_cost(value: str) -> float | None:
    if not value.strip():
        return None
    try:
        cost = float(value)
    except ValueError:
        cost = -1
    if not 0 < cost < float("inf"):  # NaN too
        raise ImproperlyConfigured(f"DB_RANDOM_PAGE_COST must be a positive number (1.1 for SSDs) or empty: {value!r}")
    return cost


# The planner's cost of reading a page out of order, against 1 in order: PostgreSQL's 4 is for spinning disks, 1.1
# for SSDs and an archive that stays in memory. Empty: the server's own.
DB_RANDOM_PAGE_COST = random_page_cost(os.environ.get("DB_RANDOM_PAGE_COST", "1.1"))


# Django's PostgreSQL backend, with its bulk statements cut to the parameters a statement may bind.
POSTGRESQL_ENGINE = "core.postgresql"


def postgresql_limits(database: dict, read_only: bool = False) -> None:
    """The connection time-out and the server settings of every connection, given at connection start (libpq's
    `options`): no extra round trip; and prepared statements (DB_PREPARED_STATEMENTS)."""
    options = database.setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", DB_CONNECT_TIMEOUT)
    limits = {
        "lock_timeout": DB_LOCK_TIMEOUT,
        "statement_timeout": DB_STATEMENT_TIMEOUT,
        "idle_in_transaction_session_timeout": DB_IDLE_IN_TRANSACTION_TIMEOUT,
    }
    server_settings = [f"-c {name}={int(seconds * 1000)}" for name, seconds in limits.items()]
    # No JIT compiling: the planner's costs of a list's or an export's queries (subqueries per row) are high enough
    # to set it off, and it then compiled for longer than the query ran (2.7 s before an export's first row at 1M
    # testimonies, 200 ms of a common word's facets).
    server_settings.append("-c jit=off")
    if DB_RANDOM_PAGE_COST is not None:
        # At 4, a facet's 2,000 keys read every row of a link table rather than probe its index 2,000 times (at
        # 100,000 testimonies, the first reader of the list 137 -> 105 ms; nothing slower at 1,000,000).
        server_settings.append(f"-c random_page_cost={DB_RANDOM_PAGE_COST}")
    if read_only:
        server_settings.append("-c default_transaction_read_only=on")
    options["options"] = " ".join([options.get("options", ""), *server_settings]).strip()
    if DB_PREPARED_STATEMENTS:
        # Parameters bound on the server, so that the same query has the same text whatever its values, and
        # psycopg prepares a query at its second run on a connection: PostgreSQL then parses it once, and plans it
        # once when a generic plan serves (a page's many prefetch queries spent longer in planning than running).
        options.setdefault("server_side_binding", True)
        options.setdefault("prepare_threshold", 2)


# SQLite waits this long for another connection's write lock before "database is locked".
SQLITE_BUSY_TIMEOUT = float(os.environ.get("SQLITE_BUSY_TIMEOUT") or 20)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and IMMEDIATE transactions keep concurrent admin saves from failing with "database is locked"; a writer
    # waits up to SQLITE_BUSY_TIMEOUT for another's write lock (Python's default is 5 s).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": SQLITE_BUSY_TIMEOUT,
    }
    # The covering indexes' included columns (a testimony's public order and citations, the map's coordinates) serve
    # PostgreSQL's index-only scans; SQLite builds the same indexes without them, as Django's warning says on every
    # command.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = POSTGRESQL_ENGINE
    postgresql_limits(DATABASES["default"])

# A read replica (PostgreSQL streaming replication, README "Read replicas"): readers' GET requests read from it
# (core.replicas), everything else uses the primary. Its connections are read-only, so that a write routed there by
# mistake fails loudly instead of failing later on a standby that cannot write anyway.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True
    )
    if DATABASES["replica"]["ENGINE"] != "django.db.backends.postgresql" or DATABASES["default"]["ENGINE"] != (
        POSTGRESQL_ENGINE
    ):
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs PostgreSQL, for it and for DATABASE_URL.")
    DATABASES["replica"]["ENGINE"] = POSTGRESQL_ENGINE
    postgresql_limits(DATABASES["replica"], read_only=True)
    # The tests' database of the replica is the tests' database of the primary (pytest-django creates none for it).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    # Not under pytest: its tests run inside a transaction of the default connection, which the replica's own
    # connection (to the same test database) could not see. tests/test_replicas.py runs a real replica instead.
    if not TESTING:
        DATABASE_ROUTERS = ["core.replicas.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Hashing with the production work factor takes most of a login's time; tests log in hundreds of times.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Interface languages. Each name is written in its own language, as a reader looks for it in the switcher;
# the choice is kept in the language cookie (Django's set_language view), so URLs are the same in every language.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("nl", "Nederlands"), ("ru", "Русский"), ("uk", "Українська")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Served at the site's root by WhiteNoise: /favicon.ico and /apple-touch-icon.png, which browsers and phones ask for
# whatever the page says (beside a JSON document or an image, for instance), so that they are not a logged 404.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Where `manage.py backup` (`make backup`) writes its archives.
BACKUP_ROOT = Path(os.environ.get("BACKUP_ROOT", BASE_DIR / "backups"))

# Security headers that cost nothing locally; HTTPS-only settings follow the environment.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = env_bool("SECURE_COOKIES", SECURE_SSL_REDIRECT)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", SECURE_HSTS_SECONDS > 0)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS > 0)
if env_bool("BEHIND_TLS_PROXY"):
    # Only behind a proxy that sets this header itself and drops any value a client sent.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Cookies. Only staff have sessions (the public site sets none): they end when the browser closes, and
# after SESSION_COOKIE_AGE seconds without a request (core.sessions slides the expiry, saving the session once a
# tenth of that age has passed rather than on every request).
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 2 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
if SESSION_COOKIE_SECURE:
    # The __Host- prefix makes browsers refuse these cookies unless sent over HTTPS for this exact host.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Content-Security-Policy (django-csp 4): only this site's own scripts, styles, images and fonts; no inline
# script or style, no plugins, no framing, forms post only here. The public templates and the admin need
# nothing more.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
        "upgrade-insecure-requests": SECURE_SSL_REDIRECT,
    }
}

# The cache: Redis through django-redis when REDIS_URL is set (shared by every app server), else each process's own
# memory. A Redis that is down must not take pages down: the default cache ignores its errors (a miss, computed
# again), and sessions (cached_db) then fall back to the database. The "axes" alias, for the login lockout counters,
# does not: a login while Redis is down is refused with a 503 (fail closed, README "A shared cache").
REDIS_URL = os.environ.get("REDIS_URL", "")
# Readers' public pages are cached under the publication generation for this long (0: never); off by default with
# DEBUG, so that a changed template shows at once. Larger responses are never cached.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 0 if DEBUG else 600)
PAGE_CACHE_MAX_BYTES = env_int("PAGE_CACHE_MAX_BYTES", 2 * 1024 * 1024)
# Seconds to wait for Redis to connect or answer.
REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT", "1"))


def redis_caches(url: str, timeout: float) -> dict:
    """CACHES on the Redis at `url`: the default cache ignores Redis's errors, the "axes" alias does not."""
    options = {"SOCKET_CONNECT_TIMEOUT": timeout, "SOCKET_TIMEOUT": timeout}
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "testimony",
            "OPTIONS": {**options, "IGNORE_EXCEPTIONS": True},
        },
        "axes": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "testimony-axes",
            "OPTIONS": options,
        },
    }


if REDIS_URL:
    CACHES = redis_caches(REDIS_URL, REDIS_TIMEOUT)
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
    AXES_CACHE = "axes"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# django-redis logs the errors it ignores instead of raising them.
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# Logins: django-axes throttles failed logins, django-otp adds optional two-factor login for staff.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
# django-axes locks out forever by default; a cool-off lets staff back in without an operator.
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
# A username is locked after too many failures from anywhere (password guessing spread over many
# addresses), and an address after too many failures on any usernames (password spraying).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# No banner on every manage.py command; failures are still logged, with the username and address only.
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "core.security.lockout_response"  # renders templates/admin/lockout.html
# How many reverse proxies in front of the app append to X-Forwarded-For (0: use the socket address).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "core.security.client_ip"
# When on, the admin admits only staff who also enter a code from a registered TOTP device (config/urls.py).
REQUIRE_STAFF_2FA = env_bool("REQUIRE_STAFF_2FA")
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Testimony DB")

PUBLIC_PAGE_SIZE = 25
PUBLIC_MAX_PAGE_SIZE = 100

# The read-only JSON API (/api/, core/json_api.py) on Django REST Framework: JSON only (no browsable API), no
# authentication (no cookie or credential changes what it gives, so a staff session adds nothing), GET, HEAD and
# OPTIONS only (core.json_api.PublicApiView), the list pages' FilterSets, the page/per_page pagination, problem
# details (RFC 9457) for every refusal (core/rest_defaults.py), and its OpenAPI schema from drf-spectacular.
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.rest_defaults.JsonOnly",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_FILTER_BACKENDS": ["core.rest_defaults.PublicFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.rest_defaults.PagePagination",
    "EXCEPTION_HANDLER": "core.rest_defaults.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "core.json_api.ApiSchema",
    "URL_FORMAT_OVERRIDE": None,
    "UNICODE_JSON": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Testimony DB open data",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "Read-only access to the published records of Testimony DB: testimonies, detention sites, military units "
        "and sources. Only published records and their public fields are served; every other method than GET, "
        "HEAD and OPTIONS is answered with 405. Lists take the filters of the matching list page of the site, and "
        "`page` and `per_page`."
    ),
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Enums stay in place (drf-spectacular's own hook would make components of them, with clashing names).
    "POSTPROCESSING_HOOKS": ["core.json_api.strict_objects", "archive.api.add_geojson_export"],
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
}

# The map of sites (/sites/map/). Tiles come from any XYZ tile server, e.g.
# MAP_TILE_URL="https://tile.openstreetmap.org/{z}/{x}/{y}.png" with MAP_TILE_ATTRIBUTION="&copy; OpenStreetMap
# contributors". Empty (the default) loads no tiles: the markers still show, and no reader's browser contacts a
# third party. The attribution may hold HTML and is shown as given, so it must come from the operator only.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A database outage is logged once a minute with a count of the failed requests, not once per request with
    # a traceback (thousands a second under load).
    "filters": {"database_outage": {"()": "core.errors.DatabaseOutageFilter", "interval": 60}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django's own loggers would otherwise print through its default console handler and again through root.
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {
            "handlers": ["console"],
            "level": "INFO",
            "propagate": False,
            "filters": ["database_outage"],
        },
    },
}

# Evidence images (testimonies.evidence). Display images and thumbnails go to MEDIA_ROOT/evidence/ and are served
# by the application only while public: never let the web server serve MEDIA_ROOT. Originals that a reviewer
# keeps go to PRIVATE_MEDIA_ROOT, which must lie outside MEDIA_ROOT and STATIC_ROOT and is never served.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private_media"))
# Or, when the endpoint, bucket and both keys are set, on an S3-compatible object store (django-storages with boto3;
# core.storage.SwitchingStorage): display images and thumbnails under `evidence/` in STORAGE_S3_BUCKET, originals (and
# CSV files waiting to be imported) in STORAGE_S3_PRIVATE_BUCKET, or under STORAGE_S3_PRIVATE_PREFIX in the same bucket
# when no private bucket is named. Neither bucket needs (or may have) public access: every file is streamed through
# the application's checking view. See README, "Deployment".
STORAGE_S3_ENDPOINT_URL = os.environ.get("STORAGE_S3_ENDPOINT_URL", "")
STORAGE_S3_BUCKET = os.environ.get("STORAGE_S3_BUCKET", "")
STORAGE_S3_ACCESS_KEY = os.environ.get("STORAGE_S3_ACCESS_KEY", "")
STORAGE_S3_SECRET_KEY = os.environ.get("STORAGE_S3_SECRET_KEY", "")
STORAGE_S3_REGION = os.environ.get("STORAGE_S3_REGION", "us-east-1")
STORAGE_S3_PRIVATE_BUCKET = os.environ.get("STORAGE_S3_PRIVATE_BUCKET", "")
STORAGE_S3_PRIVATE_PREFIX = os.environ.get("STORAGE_S3_PRIVATE_PREFIX", "private")
# Seconds to wait for the store to connect or answer before the request gets a 503 (one retry).
STORAGE_S3_TIMEOUT = env_int("STORAGE_S3_TIMEOUT", 5)
EVIDENCE_MAX_UPLOAD_BYTES = int(os.environ.get("EVIDENCE_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))
# Pillow's own default (about 89 million pixels) lets a small file claim a huge canvas; 40 million pixels is a
# 7,700 × 5,200 photo.
EVIDENCE_MAX_IMAGE_PIXELS = int(os.environ.get("EVIDENCE_MAX_IMAGE_PIXELS", 40_000_000))
EVIDENCE_THUMBNAIL_SIZE = 320

# The access log of restricted witness fields: `manage.py prune_access_log` deletes rows older than this.
ACCESS_LOG_RETENTION_DAYS = env_int("ACCESS_LOG_RETENTION_DAYS", 730)

# Open data (archive.open_data, archive.releases): the licence and title of the Data Package, the address that the
# files of a release link to (a release is written without a request), and where release archives are kept:
# STORAGES["releases"] (core.storage.ReleaseStorage, a folder RELEASE_ROOT by default; any Django storage will do).
OPEN_DATA_TITLE = os.environ.get("OPEN_DATA_TITLE", "Testimony DB open data")
OPEN_DATA_LICENSE = {
    "name": os.environ.get("OPEN_DATA_LICENSE_NAME", "CC-BY-4.0"),
    "path": os.environ.get("OPEN_DATA_LICENSE_PATH", "https://creativecommons.org/licenses/by/4.0/"),
    "title": os.environ.get("OPEN_DATA_LICENSE_TITLE", "Creative Commons Attribution 4.0"),
}
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
RELEASE_ROOT = Path(os.environ.get("RELEASE_ROOT", BASE_DIR / "releases"))
STORAGES["releases"] = {"BACKEND": os.environ.get("RELEASE_STORAGE_BACKEND", "core.storage.ReleaseStorage")}

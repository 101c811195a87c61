"""Settings, read from the environment. Every variable is listed in the README with what "unset" means."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-secret-key-change-me-in-production")
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="40/s")
# The token endpoint is limited per client IP.
TOKEN_RATE_LIMIT = env.str("TOKEN_RATE_LIMIT", default="20/s")
# An invoice's email sent again on request (Moov's invoice notifications): at most this often per invoice.
INVOICE_EMAIL_RATE_LIMIT = env.str("INVOICE_EMAIL_RATE_LIMIT", default="1/minute")
# The proxies (addresses, networks or `*`) whose X-Forwarded-For names the client: the same variable, and
# the same default, as gunicorn's own trust in their X-Forwarded-Proto (config/gunicorn.py). None unless
# configured: trusting 127.0.0.1 let any client on the host, talking to the service directly, pick its
# address past the per-IP token limit.
FORWARDED_ALLOW_IPS = env.list("FORWARDED_ALLOW_IPS", default=[])
# Idempotency-Key: responses are replayed for this long.
IDEMPOTENCY_TTL_SECONDS = env.int("IDEMPOTENCY_TTL_SECONDS", default=24 * 3600)
# Longest wait for a row lock (PostgreSQL's lock_timeout, on every connection): a repeated Idempotency-Key
# waiting for its first request, a payment waiting for a busy invoice. Then 409 or 503, never a hang.
LOCK_WAIT_SECONDS = env.int("LOCK_WAIT_SECONDS", default=10)
# Request bodies: at most this many bytes as sent, and as inflated from gzip.
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=1024 * 1024)
REQUEST_MAX_INFLATED_BYTES = env.int("REQUEST_MAX_INFLATED_BYTES", default=1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_INFLATED_BYTES

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "oauth2_provider",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "tenants",
    "outbox",
    "ledger",
    "invoices",
    "payments",
    "api",
]

MIDDLEWARE = [
    "api.middleware.UnreadBodyMiddleware",
    "api.middleware.RequestIdMiddleware",
    "api.observability.MetricsMiddleware",
    "api.zuora.middleware.ZuoraHeadersMiddleware",
    "api.middleware.GZipResponseMiddleware",
    "api.middleware.RequestBodyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Sessions, the staff user and messages: skipped on the dialects' paths (api.middleware._SiteOnly).
    "api.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "api.middleware.AuthenticationMiddleware",
    "api.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Messages live in the session (the database), not a cookie: the admin shows a new API client's secret
# once in a message.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

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
            ],
        },
    },
]

# --- Database: PostgreSQL only. Unset DATABASE_URL means the embedded server under .data/.
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
else:
    from config.embedded_postgres import database_settings

    DATABASES = {"default": database_settings(BASE_DIR / ".data")}
# Django's PostgreSQL backend with two round-trip savers for the ledger's transactions (config/postgres).
DATABASES["default"]["ENGINE"] = "config.postgres"
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
# Parameters bound by the server, and statements run 5 times on a connection prepared there: PostgreSQL
# parses and plans the hot path's statements once per connection, not once per request. Off for a
# PgBouncer in transaction mode, which cannot keep prepared statements.
_options = DATABASES["default"]["OPTIONS"]
if env.bool("DB_PREPARED_STATEMENTS", default=True):
    _options.setdefault("server_side_binding", True)
    _options.setdefault("prepare_threshold", 5)
# Set once per connection, not per transaction: a SET LOCAL would cost a round trip on every request.
_options["options"] = f"{_options.get('options', '')} -c lock_timeout={LOCK_WAIT_SECONDS}s".strip()
# Transactions belong to services, never to the request.
DATABASES["default"]["ATOMIC_REQUESTS"] = False

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker and cache when set; otherwise eager tasks and a local-memory cache.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Email: console unless EMAIL_URL says otherwise (smtp://host:port, smtps://user:pass@host:port).
_email = env.email_url("EMAIL_URL", default="consolemail://")
MAILERS = {"default": {"BACKEND": _email["EMAIL_BACKEND"]}}
if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": _email["EMAIL_HOST"],
        "port": _email["EMAIL_PORT"],
        "username": _email["EMAIL_HOST_USER"] or None,
        "password": _email["EMAIL_HOST_PASSWORD"] or None,
        "use_tls": bool(_email.get("EMAIL_USE_TLS")),
        "use_ssl": bool(_email.get("EMAIL_USE_SSL")),
        "timeout": 10,
    }
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="receipts@invoice-payments.local")

# --- Celery (config/celery.py reads every CELERY_* name here).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60
CELERY_TASK_SOFT_TIME_LIMIT = 45
# A Redis outage must not hold a payment request: fail fast when publishing, the sweep re-queues.
CELERY_BROKER_CONNECTION_TIMEOUT = 0.5
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Longer than any countdown we use, so a late-acked task is not redelivered while it waits.
    "visibility_timeout": 3600,
    "socket_connect_timeout": 0.5,
    "socket_timeout": 1,
    "max_retries": 0,
}
# Beat runs the outbox relay this often: it queues the tasks of new receipts, invoice emails and link
# cancellations (outbox/relay.py).
RECEIPT_RELAY_SECONDS = env.float("RECEIPT_RELAY_SECONDS", default=1.0)
CELERY_BEAT_SCHEDULE = {
    "outbox-relay": {"task": "outbox.relay", "schedule": RECEIPT_RELAY_SECONDS},
    "outbox-sweep": {"task": "outbox.sweep", "schedule": 30.0},
    "purge-idempotency-keys": {"task": "api.tasks.purge_idempotency_keys", "schedule": 3600.0},
}
# Receipts, invoice emails and link cancellations still pending this long after they were last touched
# are queued again by the sweep.
SIDE_EFFECT_SWEEP_AFTER_SECONDS = env.int("SIDE_EFFECT_SWEEP_AFTER_SECONDS", default=60)

# --- Auth: staff log in to the admin; API clients are OAuth2 applications (django-oauth-toolkit).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "tenants.hashers.ClientSecretHasher",
]
OAUTH2_PROVIDER_APPLICATION_MODEL = "tenants.ApiClient"
OAUTH2_PROVIDER = {
    "SCOPES": {"invoices.read": "Read invoices and payments", "invoices.write": "Record payments"},
    "DEFAULT_SCOPES": ["invoices.read", "invoices.write"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("ACCESS_TOKEN_EXPIRE_SECONDS", default=3600),
    "CLIENT_SECRET_HASHER": "client_secret_sha256",
    # UUID client ids and 42-character secrets, for the provisioning commands and the admin alike.
    "CLIENT_ID_GENERATOR_CLASS": "tenants.oauth.ClientIdGenerator",
    "CLIENT_SECRET_GENERATOR_CLASS": "tenants.oauth.ClientSecretGenerator",
    "OAUTH2_VALIDATOR_CLASS": "tenants.oauth.TenantOAuth2Validator",
    "SCOPES_BACKEND_CLASS": "tenants.oauth.ClientScopes",
    # Tokens are stored as SHA-256 checksums only: a database leak yields no usable token.
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
}
# Access tokens printed by provisioning commands live at least this long.
PROVISIONED_TOKEN_TTL_SECONDS = 7 * 24 * 3600

REST_FRAMEWORK = {
    "DEFAULT_PARSER_CLASSES": ["api.parsers.DecimalJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Invoice payments",
    "DESCRIPTION": "One payment ledger spoken in three dialects: Zuora v1 CRUD, DayZero and Moov.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every API view authenticates with tenants.auth's two classes (api/views.py): declared once here.
    "AUTHENTICATION_WHITELIST": [],
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "A token from POST /oauth/token",
            },
            "basicAuth": {"type": "http", "scheme": "basic", "description": "client_id:client_secret"},
        }
    },
    "SECURITY": [{"bearerAuth": []}, {"basicAuth": []}],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.zuora.schemas.token_endpoint",
    ],
    # Enums shared by several fields get a dialect's prefix like every other component.
    "ENUM_NAME_OVERRIDES": {
        "ZuoraTypeEnum": ["External"],
        "DayZeroCurrencyEnum": "api.dayzero.fields.CURRENCIES",
        "DayZeroNewInvoiceStatusEnum": ["draft", "open"],
        "MoovInvoicePaymentTypeEnum": ["transfer", "external"],
    },
    "TAGS": [
        {"name": "Zuora", "description": "Zuora v1 CRUD: /v1/object/..."},
        {"name": "DayZero", "description": "DayZero: /api/v1/..., amounts in minor units, x-business-id"},
        {"name": "Moov", "description": "Moov invoices: /accounts/{account_id}/invoices/..."},
    ],
}

LANGUAGE_CODE = "en-us"
# The back office's dates: ISO, short (config/formats/en/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# JSON lines by default (LOG_FORMAT=plain for a console a person reads); every line carries the request
# id, business and client of the request or task it belongs to.
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "api.observability.ContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(business_id)s %(client_id)s"
            " %(task_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

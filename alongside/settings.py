"""Alongside's only settings module. Everything varies by environment variable (docs/configuration.md).

Development defaults are safe on a laptop: SQLite in ./var, DEBUG on, a throwaway secret key.
With DEBUG off the process refuses to start on any default that is unsafe in production.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from alongside.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ALONGSIDE_VAR_DIR", str(BASE_DIR / "var")))

DEVELOPMENT_SECRET_KEY = "development-only-secret-key-never-use-in-production"
DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

if not DEBUG:
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 40:
        raise ImproperlyConfigured("Set SECRET_KEY (40+ random characters) when DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Set ALLOWED_HOSTS when DEBUG is off.")
    if not env_str("DATABASE_URL", ""):
        raise ImproperlyConfigured("Set DATABASE_URL (PostgreSQL) when DEBUG is off.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "alongside.accounts",
    "alongside.programs",
    "alongside.people",
    "alongside.contacts",
    "alongside.safety",
    "alongside.followup",
    "alongside.groups",
    "alongside.selfcare",
    "alongside.linkage",
    "alongside.interop",
    "alongside.messaging",
    "alongside.scheduling",
    "alongside.audit",
    "alongside.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "alongside.web.middleware.OrganizationTimezoneMiddleware",
]

if not DEBUG:
    # Production serves static files from the app (runserver does it in development).
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "alongside.urls"
WSGI_APPLICATION = "alongside.wsgi.application"

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
                "alongside.web.context.navigation",
            ],
        },
    },
]

_default_sqlite = f"sqlite:///{VAR_DIR / 'alongside.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", _default_sqlite),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # WAL lets the task worker and the web server use the file at the same time.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": ""}  # in-memory test database

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = env_str("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 30)

# PostgreSQL memory for the follow-up engine's full recompute (one transaction at a time).
FOLLOWUP_RECOMPUTE_WORK_MEM = env_str("FOLLOWUP_RECOMPUTE_WORK_MEM", "64MB")
# Enrolments per transaction in the full recompute: bounds how long a logged contact can wait for it.
# Every process must use the same value: incremental updates lock the chunk their enrolment falls in.
FOLLOWUP_RECOMPUTE_CHUNK = env_int("FOLLOWUP_RECOMPUTE_CHUNK", 50000)
# Threads (one database connection each) for the full recompute on PostgreSQL; the database does the work.
FOLLOWUP_RECOMPUTE_WORKERS = env_int("FOLLOWUP_RECOMPUTE_WORKERS", 2)

# Resource directory entries not verified for this many days are listed first on the curation page.
DIRECTORY_STALE_AFTER_DAYS = env_int("DIRECTORY_STALE_AFTER_DAYS", 180)

# The base URL of this deployment's FHIR identifier and code systems (interop app); set it to a URL you
# control, e.g. https://alongside.example.org/fhir. The default is a placeholder.
FHIR_CANONICAL_BASE = env_str("FHIR_CANONICAL_BASE", "https://alongside.example/fhir")

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# How often `manage.py scheduler` enqueues the full follow-up recompute (incremental updates run on every write).
FOLLOWUP_RECOMPUTE_MINUTES = env_int("FOLLOWUP_RECOMPUTE_MINUTES", 60)
if not 1 <= FOLLOWUP_RECOMPUTE_MINUTES <= 24 * 60:
    raise ImproperlyConfigured("FOLLOWUP_RECOMPUTE_MINUTES must be between 1 and 1440.")

# Where this deployment is reached from outside: links in emails (unsubscribe, staff notices) are absolute.
ALONGSIDE_BASE_URL = env_str("ALONGSIDE_BASE_URL", "http://localhost:8000")

# ---- messaging: providers and delivery (docs/configuration.md, "Messaging") ----
# Providers: console (default: logs what would be sent), file, django_email (email only), twilio (SMS), fake (tests).
MESSAGING_SMS_PROVIDER = env_str("MESSAGING_SMS_PROVIDER", "console")
MESSAGING_EMAIL_PROVIDER = env_str("MESSAGING_EMAIL_PROVIDER", "console")
MESSAGING_FILE_DIR = Path(env_str("MESSAGING_FILE_DIR", str(VAR_DIR / "messages")))
MESSAGING_FROM_EMAIL = env_str("MESSAGING_FROM_EMAIL", "Alongside <no-reply@localhost>")
# A claimed message is another worker's to take once its lease has run out (seconds).
MESSAGING_LEASE_SECONDS = env_int("MESSAGING_LEASE_SECONDS", 120)
# Messages a worker claims at a time (they must all be sent within the lease).
MESSAGING_CLAIM_BATCH = env_int("MESSAGING_CLAIM_BATCH", 50)
MESSAGING_MAX_ATTEMPTS = env_int("MESSAGING_MAX_ATTEMPTS", 5)
MESSAGING_RETRY_BASE_SECONDS = env_int("MESSAGING_RETRY_BASE_SECONDS", 60)
MESSAGING_RETRY_MAX_SECONDS = env_int("MESSAGING_RETRY_MAX_SECONDS", 6 * 60 * 60)
MESSAGING_DISPATCH_MINUTES = env_int("MESSAGING_DISPATCH_MINUTES", 1)
# The public URL Twilio posts status callbacks to (signatures are computed over it); blank: the request's own URL.
MESSAGING_STATUS_CALLBACK_URL = env_str("MESSAGING_STATUS_CALLBACK_URL", "")
# Twilio credentials come from the environment (or NAME_FILE) only.
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER", "")
TWILIO_MESSAGING_SERVICE_SID = env_str("TWILIO_MESSAGING_SERVICE_SID", "")
if MESSAGING_LEASE_SECONDS < 5 or MESSAGING_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured("MESSAGING_LEASE_SECONDS must be at least 5 and MESSAGING_MAX_ATTEMPTS at least 1.")
# Django's email settings, used by the django_email provider (SMTP in production).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
# ---- end messaging ----

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "30/minute"),
        "user": env_str("API_THROTTLE_USER", "1200/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Alongside API",
    "DESCRIPTION": "Peer support programs: programs, participants, supporters, enrolments and contacts.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    # One schema name per shared choice set (several fields use each; spectacular would guess names).
    "ENUM_NAME_OVERRIDES": {
        "EnrollmentStatusEnum": "alongside.programs.models.EnrollmentStatus",
        "ConsentKindEnum": "alongside.people.models.ConsentKind",
        "SupporterKindEnum": "alongside.people.models.SupporterKind",
        "ConcernTierEnum": "alongside.taxonomy.ConcernTier",
        "ConditionEnum": "alongside.taxonomy.Condition",
        "LanguageEnum": "alongside.taxonomy.LANGUAGE_CHOICES",
        "CadenceKindEnum": "alongside.followup.cadence.CadenceKind",
        "GroupKindEnum": "alongside.groups.models.GroupKind",
        "SessionStatusEnum": "alongside.groups.models.SessionStatus",
        "RegistrationStatusEnum": "alongside.groups.models.RegistrationStatus",
        "AttendanceStatusEnum": "alongside.groups.models.AttendanceStatus",
        "FacilitatorRoleEnum": "alongside.groups.models.FacilitatorRole",
        "MeasurementKindEnum": "alongside.selfcare.models.MeasurementKind",
        "ReviewOutcomeEnum": "alongside.selfcare.models.ReviewOutcome",
        "OutcomeEnum": "alongside.taxonomy.Outcome",
        "ActionPlanStatusEnum": "alongside.selfcare.models.ActionPlanStatus",
        "ReferralStatusEnum": "alongside.linkage.models.ReferralStatus",
        "ReferralKindEnum": "alongside.linkage.models.ReferralKind",
    },
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env_str("REDIS_URL", ""):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("REDIS_URL", ""),
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

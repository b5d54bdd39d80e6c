"""Guilde's settings, driven by environment variables.

Every variable is documented in README.md ("Configuration"). Defaults give a working
single-machine instance: SQLite in the data folder, mails written to files, no Redis.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from guilde.core.logs import logging_config

# numpy's BLAS (the embedder's matrix products) on one thread per process, set before
# numpy loads: a web process serves requests side by side, and BLAS threads spinning for a
# busy core made one query's embedding 168 ms instead of 2 (docs/semantic.md).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import environ
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from guilde.accounts.sso import config as sso_config
from guilde.core import ratelimits

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# The data folder holds everything the instance creates: the SQLite database, uploaded
# files, mails written in development, the generated secret key, the file cache.
DATA_DIR = Path(env.str("GUILDE_DATA_DIR", default=str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data folder."""
    if from_env := str(env.str("SECRET_KEY", default="")):
        return from_env
    key_file = DATA_DIR / "secret_key"
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as out:
        key = secrets.token_urlsafe(50)
        out.write(key)
    return key


SECRET_KEY = _secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Public address of the instance, used in e-mails and feeds.
GUILDE_SITE_URL = env.str("GUILDE_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Guilde's apps come before allauth so that their templates override allauth's.
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guilde.core",
    "guilde.accounts",
    "guilde.communities",
    "guilde.uploads",
    "guilde.discussions",
    "guilde.conversations",
    "guilde.notifications",
    "guilde.moderation",
    "guilde.knowledge",
    "guilde.importers",
    "guilde.search",
    "guilde.semantic",
    # Before people: the people app reads events (hosting as expertise evidence), and the
    # demo data of each app is loaded in this order.
    "guilde.events",
    "guilde.onboarding",
    "guilde.mentoring",
    "guilde.people",
    "guilde.analytics",
    "guilde.webhooks",
    "guilde.home",
    "guilde.api",
    "allauth",
    "allauth.account",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "django_htmx",
    "django_tasks_db",
    "ninja",
]

MIDDLEWARE = [
    "guilde.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "guilde.core.middleware.RetryAfterMiddleware",
    "guilde.api.middleware.ProblemDetailsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "guilde.accounts.middleware.MemberLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "guilde.notifications.context.bell",
                "guilde.core.csrf.csrf",
            ],
        },
    },
]

# Database -----------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'guilde.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent use of one SQLite file by web and worker processes: write-ahead log,
    # waiting instead of failing on a busy database, and write transactions that take
    # the write lock at BEGIN so two writers never deadlock on a lock upgrade.
    # Each thread keeps its connection (CONN_MAX_AGE) and, with it, a 32 MB page cache
    # (SQLite's default is 2 MB, and a new connection starts cold): pages then read hot
    # database pages from the process, not from the operating system (or the disk).
    # Durability (docs/backup.md): synchronous=NORMAL in WAL mode never corrupts the
    # database and loses nothing when a process dies; a power cut or an operating-system
    # crash can lose the transactions of the last moments before it (not yet checkpointed
    # to disk). FULL syncs the log at every commit: nothing acknowledged is lost, at a cost.
    _synchronous = env.str("GUILDE_SQLITE_SYNCHRONOUS", default="NORMAL").upper()
    if _synchronous not in {"NORMAL", "FULL", "EXTRA"}:
        raise ImproperlyConfigured(
            f"GUILDE_SQLITE_SYNCHRONOUS is {_synchronous!r}: choose NORMAL, FULL or EXTRA."
        )
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            f"PRAGMA journal_mode=WAL; PRAGMA synchronous={_synchronous}; "
            "PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON; PRAGMA cache_size=-32768;"
        ),
    }
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Several processes on PostgreSQL (docs/deployment.md): GUILDE_DB_POOL_SIZE > 0 gives each
    # process a pool of that many connections (psycopg_pool, Django's "pool" option) instead
    # of one persistent connection per thread. Behind PgBouncer in transaction mode, set
    # GUILDE_PGBOUNCER=true: no server-side cursors (they do not survive between transactions).
    if pool_size := env.int("GUILDE_DB_POOL_SIZE", default=0):
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(2, pool_size),
            "max_size": pool_size,
            "timeout": env.float("GUILDE_DB_POOL_TIMEOUT", default=10.0),
        }
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
        "GUILDE_PGBOUNCER", default=False
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Cache: Redis when REDIS_URL is set (shared by every process and machine); otherwise a
# file cache in the data folder, which every process of one machine shares, so rate-limit
# counters hold across web workers (guilde.core.cache: Django's, culled now and then rather
# than at every write).
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "guilde",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "guilde.core.cache.FileCache",
            "LOCATION": str(DATA_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }

# Rendered fragments for visitors (a post as anyone not signed in sees it), per process:
# their keys carry everything the fragment shows, so they never go stale.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "guilde-fragments",
    "OPTIONS": {"MAX_ENTRIES": env.int("GUILDE_FRAGMENT_CACHE_ENTRIES", default=20000)},
}

# Background tasks -----------------------------------------------------------------------

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Extra modules the worker imports so that their periodic jobs are registered (tests).
GUILDE_SCHEDULER_MODULES: list[str] = env.list("GUILDE_SCHEDULER_MODULES", default=[])
# Seconds between two scheduler ticks, and the age after which a worker counts as gone.
GUILDE_SCHEDULER_TICK = env.float("GUILDE_SCHEDULER_TICK", default=1.0)
GUILDE_WORKER_HEARTBEAT_SECONDS = env.float("GUILDE_WORKER_HEARTBEAT_SECONDS", default=10.0)
GUILDE_WORKER_STALE_AFTER_SECONDS = env.float("GUILDE_WORKER_STALE_AFTER_SECONDS", default=60.0)
# The shared secret the mail provider sends with delivery reports (bounces, complaints).
GUILDE_BOUNCE_TOKEN = env.str("GUILDE_BOUNCE_TOKEN", default="")
# New accounts (joined less than this many days ago) post at most so many times an hour,
# with at most so many links to other sites per post (anti-spam; moderators are exempt).
GUILDE_NEW_ACCOUNT_DAYS = env.int("GUILDE_NEW_ACCOUNT_DAYS", default=2)
GUILDE_NEW_ACCOUNT_POSTS_PER_HOUR = env.int("GUILDE_NEW_ACCOUNT_POSTS_PER_HOUR", default=10)
GUILDE_NEW_ACCOUNT_LINKS = env.int("GUILDE_NEW_ACCOUNT_LINKS", default=2)
# How often an open page asks for the bell's count (docs/decisions/0005).
GUILDE_BELL_POLL_SECONDS = env.int("GUILDE_BELL_POLL_SECONDS", default=30)
# Finished task results are deleted after this many days.
GUILDE_TASK_RESULT_RETENTION_DAYS = env.int("GUILDE_TASK_RESULT_RETENTION_DAYS", default=14)
# Outgoing webhooks (docs/webhooks.md). Targets on loopback or private networks are refused
# unless allowed (the tests' receiver, a chat server on the intranet); attempts per delivery,
# the first wait between them (doubled each time), deliveries failed in a row that turn a
# webhook off, seconds to wait for a receiver, days the delivery log is kept.
GUILDE_WEBHOOKS_ALLOW_PRIVATE = env.bool("GUILDE_WEBHOOKS_ALLOW_PRIVATE", default=False)
GUILDE_WEBHOOKS_ATTEMPTS = env.int("GUILDE_WEBHOOKS_ATTEMPTS", default=8)
GUILDE_WEBHOOKS_BACKOFF_SECONDS = env.int("GUILDE_WEBHOOKS_BACKOFF_SECONDS", default=60)
GUILDE_WEBHOOKS_DISABLE_AFTER = env.int("GUILDE_WEBHOOKS_DISABLE_AFTER", default=5)
GUILDE_WEBHOOKS_TIMEOUT_SECONDS = env.float("GUILDE_WEBHOOKS_TIMEOUT_SECONDS", default=10.0)
GUILDE_WEBHOOKS_LOG_DAYS = env.int("GUILDE_WEBHOOKS_LOG_DAYS", default=30)

# Backups (docs/backup.md) -------------------------------------------------------------------

# The worker backs the instance up on this schedule (cron, instance time) into
# GUILDE_BACKUP_DIR, then keeps the newest backup of each of the last KEEP_DAILY days and of
# each of the last KEEP_WEEKLY weeks. GUILDE_BACKUPS=false leaves backups to you.
GUILDE_BACKUPS = env.bool("GUILDE_BACKUPS", default=True)
GUILDE_BACKUP_SCHEDULE = env.str("GUILDE_BACKUP_SCHEDULE", default="45 1 * * *")
GUILDE_BACKUP_DIR = Path(env.str("GUILDE_BACKUP_DIR", default=str(DATA_DIR / "backups")))
GUILDE_BACKUP_KEEP_DAILY = env.int("GUILDE_BACKUP_KEEP_DAILY", default=7)
GUILDE_BACKUP_KEEP_WEEKLY = env.int("GUILDE_BACKUP_KEEP_WEEKLY", default=4)

# E-mail ------------------------------------------------------------------------------------

# Every mail goes through the task queue: the default mailer only enqueues; the worker hands
# the message to the "delivery" mailer: SMTP from EMAIL_URL (smtp://user:pass@host:587,
# smtp+tls://..., smtp+ssl://...) or EMAIL_HOST & co., else .eml files in the mail folder.
GUILDE_MAIL_DIR = DATA_DIR / "mail"


def _delivery_mailer() -> dict[str, object]:
    if email_url := env.str("EMAIL_URL", default=""):
        parsed = environ.Env.email_url_config(email_url)
        if not parsed["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
            return {"BACKEND": parsed["EMAIL_BACKEND"]}  # consolemail://, dummymail://
        return {
            "BACKEND": parsed["EMAIL_BACKEND"],
            "OPTIONS": {
                "host": parsed.get("EMAIL_HOST", "localhost"),
                "port": parsed.get("EMAIL_PORT", 25),
                "username": parsed.get("EMAIL_HOST_USER", ""),
                "password": parsed.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": bool(parsed.get("EMAIL_USE_TLS", False)),
                "use_ssl": bool(parsed.get("EMAIL_USE_SSL", False)),
                "timeout": 30,
            },
        }
    if host := env.str("EMAIL_HOST", default=""):
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": host,
                "port": env.int("EMAIL_PORT", default=587),
                "username": env.str("EMAIL_HOST_USER", default=""),
                "password": env.str("EMAIL_HOST_PASSWORD", default=""),
                "use_tls": env.bool("EMAIL_USE_TLS", default=True),
                "use_ssl": env.bool("EMAIL_USE_SSL", default=False),
                "timeout": 30,
            },
        }
    return {
        "BACKEND": "guilde.core.mail.MailFolderBackend",
        "OPTIONS": {"file_path": str(GUILDE_MAIL_DIR)},
    }


MAILERS = {
    "default": {"BACKEND": "guilde.core.mail.QueuedEmailBackend"},
    "delivery": _delivery_mailer(),
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Guilde <guilde@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Internationalisation -----------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_TZ = True

# Static and uploaded files -------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "build" / "static"
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
# Media files: the data folder by default; GUILDE_MEDIA_STORAGE=s3 for S3-compatible storage
# shared by several machines (pip install 'guilde[s3]', docs/deployment.md). The bucket stays
# private: Guilde reads each file through the storage API and serves it after checking who
# may see it. Credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, read by boto3.
GUILDE_MEDIA_STORAGE = env.str("GUILDE_MEDIA_STORAGE", default="filesystem")
if GUILDE_MEDIA_STORAGE == "s3":
    MEDIA_STORAGE: dict[str, Any] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("GUILDE_S3_BUCKET"),
            "endpoint_url": env.str("GUILDE_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("GUILDE_S3_REGION", default="") or None,
            "location": env.str("GUILDE_S3_PREFIX", default=""),
            "default_acl": None,  # the bucket's own policy: private
            "querystring_auth": True,  # any URL the storage makes is signed, never public
            "file_overwrite": False,
        },
    }
elif GUILDE_MEDIA_STORAGE == "filesystem":
    MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured(
        f"GUILDE_MEDIA_STORAGE is {GUILDE_MEDIA_STORAGE!r}: choose filesystem or s3."
    )
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": env.str(
            "GUILDE_STATICFILES_STORAGE",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# Security ----------------------------------------------------------------------------------

# Behind TLS (production), set GUILDE_HTTPS=1: secure cookies, HSTS and the redirect to https.
GUILDE_HTTPS = env.bool("GUILDE_HTTPS", default=False)
SESSION_COOKIE_SECURE = GUILDE_HTTPS
CSRF_COOKIE_SECURE = GUILDE_HTTPS
LANGUAGE_COOKIE_SECURE = GUILDE_HTTPS
SECURE_SSL_REDIRECT = GUILDE_HTTPS and env.bool("GUILDE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = 31536000 if GUILDE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = GUILDE_HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if env.bool("GUILDE_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style without the request's nonce; nothing from another origin.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Accounts (django-allauth) ---------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home:home"
ACCOUNT_ADAPTER = "guilde.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Guilde] "
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_USERNAME_VALIDATORS = "guilde.accounts.validators.USERNAME_VALIDATORS"
ACCOUNT_USERNAME_BLACKLIST = [
    "admin",
    "administrator",
    "root",
    "guilde",
    "api",
    "static",
    "media",
    "me",
    "settings",
    "accounts",
    "members",
    "organisations",
    "communities",
    "support",
    "system",
    "deleted",
]
ACCOUNT_USER_DISPLAY = "guilde.accounts.models.member_display"
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if GUILDE_HTTPS else "http"
# Sessions are recorded at sign-in (to list and end them); not on every request.
USERSESSIONS_TRACK_ACTIVITY = False
# Single sign-on (docs/sso.md). OpenID Connect providers come from GUILDE_OIDC_PROVIDERS (a
# JSON list) and from "Social applications" in the admin, both at once; SAML 2.0 only with
# the `saml` extra installed. Which organisation a provider stands for, its groups' roles
# and the e-mail domains that must use it: "Identity providers" in the admin.
SOCIALACCOUNT_ADAPTER = "guilde.accounts.adapter.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {"APPS": sso_config.oidc_apps(env.str("GUILDE_OIDC_PROVIDERS", default=""))},
}
# Links a sign-in to an existing account by e-mail only when the provider asserts the
# address verified AND it is verified here (the adapter checks both).
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
# The provider buttons are links: a form posting to Guilde that redirects to the provider
# would break the CSP's form-action 'self' in browsers (docs/sso.md).
SOCIALACCOUNT_LOGIN_ON_GET = True
SOCIALACCOUNT_STORE_TOKENS = False
if sso_config.saml_available():
    INSTALLED_APPS.append("allauth.socialaccount.providers.saml")
    SOCIALACCOUNT_PROVIDERS["saml"] = {"APPS": env.json("GUILDE_SAML_PROVIDERS", default=[])}
# Members with an address at these domains sign in through single sign-on only.
GUILDE_SSO_ONLY_DOMAINS = env.list("GUILDE_SSO_ONLY_DOMAINS", default=[])
ACCOUNT_FORMS = {
    "signup": "guilde.accounts.sso.passwords.SsoAwareSignupForm",
    "reset_password": "guilde.accounts.sso.passwords.SsoAwareResetPasswordForm",
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

# Rate limits: one policy, in guilde/core/ratelimits.py. GUILDE_RATE_LIMITS=bench raises
# every limit for benchmarks and API fuzzing while keeping the same code paths.
GUILDE_RATE_LIMITS = env.str("GUILDE_RATE_LIMITS", default="default")
RATE_LIMITS = ratelimits.policy(GUILDE_RATE_LIMITS)
ACCOUNT_RATE_LIMITS = ratelimits.allauth_rate_limits(RATE_LIMITS)
# The client address is REMOTE_ADDR unless the instance sits behind this many proxies.
NINJA_NUM_PROXIES = env.int("GUILDE_NUM_PROXIES", default=0)

# Logging ------------------------------------------------------------------------------------

# Text lines in development; GUILDE_LOG_FORMAT=json for one JSON object per line, each with
# the id of its request (guilde/core/logs.py, docs/deployment.md).
LOGGING = logging_config(
    log_format=env.str("GUILDE_LOG_FORMAT", default="text"),
    level=env.str("LOG_LEVEL", default="INFO"),
)

"""Django settings for Portique, all of them derived from PORTIQUE_* variables (see env.py)."""

import json
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from portique.env import BASE_DIR, DEBUG, DEMO, VAR_DIR, env, secret_key, smtp_settings
from portique.sso.conf import *  # noqa: F403 (PORTIQUE_AUTH and the single sign-on's settings)

SECRET_KEY = secret_key()
DEBUG = DEBUG
PORTIQUE_DEMO = DEMO

ALLOWED_HOSTS: list[str] = env.list(
    "PORTIQUE_ALLOWED_HOSTS",
    default=["127.0.0.1", "localhost", "[::1]"] if (DEBUG or DEMO) else [],
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "portique.core",
    "portique.accounts",
    "portique.passwords",
    "portique.consents",
    "portique.mail",
    "portique.activation",
    "portique.selfservice",
    "portique.recovery",
    "portique.directory",
    "portique.onboarding",
    "portique.helpdesk",
    "portique.sso",
]

MIDDLEWARE = [
    "portique.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portique.core.middleware.ContentSecurityPolicyMiddleware",
    "portique.core.middleware.SessionLifetimeMiddleware",
    "portique.accounts.middleware.StoreUnavailableMiddleware",
]

ROOT_URLCONF = "portique.urls"
WSGI_APPLICATION = "portique.wsgi.application"

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
                "portique.core.context_processors.branding",
            ],
        },
    },
    {
        # The subjects and text parts of mails are plain text: no HTML escaping there
        # ("Université d'Angers", not "d&#x27;Angers"; a link's "&" stays "&").
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]
# Django's renderer, with the <input> widgets' markup built without the template engine.
FORM_RENDERER = "portique.core.renderers.FormRenderer"

DATABASES = {
    "default": env.db_url(
        "PORTIQUE_DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portique.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the mail worker write to the same file: wait for each other's
    # locks instead of failing, and take the write lock at BEGIN so two writers never
    # deadlock on an upgrade from a read lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("PORTIQUE_DB_CONNECT_TIMEOUT", default=5)
    )
# Each gunicorn thread serves one request at a time: keeping its connection open saves a
# connection setup per request (PostgreSQL: a server process and authentication; SQLite:
# opening the file and its PRAGMAs). The health check replaces a connection that the server
# or a failover closed, instead of failing a request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("PORTIQUE_DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    # Django's argon2, hashed in a low-priority thread so that pages go first.
    "portique.passwords.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

PORTIQUE_PASSWORD_MIN_LENGTH: int = env.int("PORTIQUE_PASSWORD_MIN_LENGTH", default=8)
PORTIQUE_PASSWORD_FORBIDDEN_CHARACTERS: str = env.str(
    "PORTIQUE_PASSWORD_FORBIDDEN_CHARACTERS", default='<>",*'
)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "portique.passwords.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": PORTIQUE_PASSWORD_MIN_LENGTH},
    },
    {"NAME": "portique.passwords.validators.LetterAndDigitValidator"},
    {"NAME": "portique.passwords.validators.DictionaryWordValidator"},
    {"NAME": "portique.passwords.validators.PersonalInformationValidator"},
    {
        "NAME": "portique.passwords.validators.ForbiddenCharactersValidator",
        "OPTIONS": {"forbidden": PORTIQUE_PASSWORD_FORBIDDEN_CHARACTERS},
    },
    {"NAME": "portique.passwords.validators.CommonPasswordValidator"},
    {"NAME": "portique.passwords.validators.NotProvisionalPasswordValidator"},
]
# An optional floor on zxcvbn's strength estimate (1 to 4); 0, the default, leaves it out.
PORTIQUE_PASSWORD_MIN_SCORE: int = env.int("PORTIQUE_PASSWORD_MIN_SCORE", default=0)
if PORTIQUE_PASSWORD_MIN_SCORE > 0:
    AUTH_PASSWORD_VALIDATORS.append(
        {
            "NAME": "portique.passwords.validators.StrengthValidator",
            "OPTIONS": {"min_score": PORTIQUE_PASSWORD_MIN_SCORE},
        }
    )

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE: str = env.str("PORTIQUE_TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where `portique serve` collects the static files before gunicorn starts.
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise warns when this folder is missing, before the first collectstatic.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Outside debug, each file's name carries a hash of its content and WhiteNoise serves
    # it as immutable for a year: a new release's stylesheet has a new name, so no browser
    # or cache keeps an old one. In debug, the files as they are in the apps' folders.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# In debug, serve straight from the apps' folders: an edited file shows at the next reload,
# without collectstatic.
WHITENOISE_USE_FINDERS = DEBUG

# Sessions: an idle timeout (the cookie's age, renewed as pages are shown) and an absolute one.
SESSION_COOKIE_AGE = env.int("PORTIQUE_SESSION_IDLE_MINUTES", default=30) * 60
# The renewal is written by core.middleware.SessionLifetimeMiddleware, when a page is shown
# and at most once a minute, rather than by every request: one write less per request.
SESSION_SAVE_EVERY_REQUEST = False
PORTIQUE_SESSION_ABSOLUTE_HOURS: int = env.int("PORTIQUE_SESSION_ABSOLUTE_HOURS", default=8)
# Sessions in the database (the default) or in the cache ("cache": Redis when configured).
SESSION_ENGINE = {
    "db": "portique.core.sessions",  # Django's, with fewer queries
    "cache": "django.contrib.sessions.backends.cache",
}[env.str("PORTIQUE_SESSION_STORE", default="db")]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Cookies travel over HTTPS only, except in debug and demo runs on plain http://127.0.0.1.
PORTIQUE_SECURE_COOKIES: bool = env.bool("PORTIQUE_SECURE_COOKIES", default=not (DEBUG or DEMO))
SESSION_COOKIE_SECURE = PORTIQUE_SECURE_COOKIES
CSRF_COOKIE_SECURE = PORTIQUE_SECURE_COOKIES
# Behind a proxy that terminates TLS and sets X-Forwarded-Proto, Django must trust that
# header to know the request was secure (CSRF's origin check depends on it).
if env.bool("PORTIQUE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS: redirect plain http (unless a proxy does it, or in debug), and tell browsers to
# come back over HTTPS only (HSTS).
SECURE_SSL_REDIRECT: bool = env.bool("PORTIQUE_SSL_REDIRECT", default=not (DEBUG or DEMO))
SECURE_HSTS_SECONDS = 0 if (DEBUG or DEMO) else env.int("PORTIQUE_HSTS_SECONDS", default=31536000)
# The portal's own host name and those under it (compte.univ.fr, *.compte.univ.fr): HTTPS only.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("PORTIQUE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("PORTIQUE_HSTS_PRELOAD", default=True)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
CSRF_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS: list[str] = env.list("PORTIQUE_CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "portique.core.views.csrf_failure"

# Content-Security-Policy: no inline script or style anywhere, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Throttling of failed attempts (provisional password, login, "Problème de connexion"):
# an account is locked for a while after too many failures; a client address too.
PORTIQUE_LOCK_FAILURES: int = env.int("PORTIQUE_LOCK_FAILURES", default=10)
PORTIQUE_LOCK_WINDOW_MINUTES: int = env.int("PORTIQUE_LOCK_WINDOW_MINUTES", default=15)
PORTIQUE_LOCK_MINUTES: int = env.int("PORTIQUE_LOCK_MINUTES", default=15)
PORTIQUE_IP_FAILURES: int = env.int("PORTIQUE_IP_FAILURES", default=50)
# Addresses of the reverse proxies in front of Portique: from them, the client's address is
# read from X-Forwarded-For (for the throttles and the audit trail).
PORTIQUE_TRUSTED_PROXIES: list[str] = env.list("PORTIQUE_TRUSTED_PROXIES", default=[])
# Public directory searches allowed per minute and client address (against scraping).
PORTIQUE_DIRECTORY_SEARCHES_PER_MINUTE: int = env.int(
    "PORTIQUE_DIRECTORY_SEARCHES_PER_MINUTE", default=30
)

# The cache shared by every app process: the database by default, Redis when configured.
PORTIQUE_CACHE_URL: str = env.str("PORTIQUE_CACHE_URL", default="")
if PORTIQUE_CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": PORTIQUE_CACHE_URL,
            "KEY_PREFIX": "portique",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "portique.core.cache.DatabaseCache",
            "LOCATION": "portique_cache",
            "KEY_PREFIX": "portique",
        }
    }

# Mail. Without PORTIQUE_EMAIL_URL, mails land in the development outbox shown at /dev/mail/.
PORTIQUE_EMAIL_URL: str = env.str("PORTIQUE_EMAIL_URL", default="")
PORTIQUE_DEV_MAIL_DIR = VAR_DIR / "dev-mail"
if PORTIQUE_EMAIL_URL:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    _smtp = smtp_settings(PORTIQUE_EMAIL_URL)
    EMAIL_HOST = _smtp.host
    EMAIL_PORT = _smtp.port
    EMAIL_HOST_USER = _smtp.user
    EMAIL_HOST_PASSWORD = _smtp.password
    EMAIL_USE_TLS = _smtp.starttls
    EMAIL_USE_SSL = _smtp.ssl
else:
    EMAIL_BACKEND = "portique.mail.backends.DevOutboxBackend"
PORTIQUE_MAIL_DOMAIN: str = env.str("PORTIQUE_MAIL_DOMAIN", default="umontpellier.fr")
DEFAULT_FROM_EMAIL: str = env.str(
    "PORTIQUE_EMAIL_FROM", default=f"Portique <no-reply@{PORTIQUE_MAIL_DOMAIN}>"
)

PORTIQUE_EMAIL_REPLY_TO: str = env.str("PORTIQUE_EMAIL_REPLY_TO", default="")
EMAIL_TIMEOUT = env.int("PORTIQUE_EMAIL_TIMEOUT", default=10)
# A mail the server cannot take is retried 15 s later, then waiting twice as long each time
# up to the longest interval, for this many hours; a 5xx answer fails it at once.
PORTIQUE_MAIL_RETRY_HOURS: int = env.int("PORTIQUE_MAIL_RETRY_HOURS", default=24)
PORTIQUE_MAIL_RETRY_MAX_INTERVAL_SECONDS: int = env.int(
    "PORTIQUE_MAIL_RETRY_MAX_INTERVAL_SECONDS", default=60
)
# Recovery and redirection addresses whose domain DNS says has no MX and no A/AAAA record
# are refused before any mail is queued (mail/domains.py); no answer in time lets them through.
# Off in the demo: its mails stay in the local outbox, and a machine without the internet may
# have a resolver that answers NXDOMAIN for every name, which would refuse every address.
PORTIQUE_EMAIL_DNS_CHECK: bool = env.bool("PORTIQUE_EMAIL_DNS_CHECK", default=not DEMO)
PORTIQUE_EMAIL_DNS_TIMEOUT: float = env.float("PORTIQUE_EMAIL_DNS_TIMEOUT", default=2.0)
# The resolvers asked, as ip or ip:port ([ipv6]:port); the system's (resolv.conf) when empty.
PORTIQUE_DNS_NAMESERVERS: list[str] = env.list("PORTIQUE_DNS_NAMESERVERS", default=[])
# Mails with a link ("Envoyer à nouveau le mail") per hour, per account and per address.
PORTIQUE_MAIL_RESEND_LIMIT: int = env.int("PORTIQUE_MAIL_RESEND_LIMIT", default=5)
PORTIQUE_MAIL_RESEND_WINDOW_MINUTES: int = env.int(
    "PORTIQUE_MAIL_RESEND_WINDOW_MINUTES", default=60
)

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["mail"],
    }
}

# Where absolute links in mails point to. Never derived from the request's Host header.
PORTIQUE_BASE_URL: str = env.str("PORTIQUE_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
PORTIQUE_INSTITUTION_NAME: str = env.str(
    "PORTIQUE_INSTITUTION_NAME", default="Université de Montpellier"
)
PORTIQUE_ENT_URL: str = env.str("PORTIQUE_ENT_URL", default="https://ent.umontpellier.fr")
PORTIQUE_CHARTER_URL: str = env.str("PORTIQUE_CHARTER_URL", default="/charte/")
# Branding: a logo (an address, e.g. /static/... or https://...), and a stylesheet that
# overrides the colours (CSS variables --brand, --brand-dark, --accent; see README).
PORTIQUE_LOGO_URL: str = env.str("PORTIQUE_LOGO_URL", default="")
PORTIQUE_BRAND_STYLESHEET_URL: str = env.str("PORTIQUE_BRAND_STYLESHEET_URL", default="")
PORTIQUE_CHARTER_VERSION: str = env.str("PORTIQUE_CHARTER_VERSION", default="2024-09")
# When true, a person who accepted another charter version than PORTIQUE_CHARTER_VERSION is
# asked to accept it at their next visit to "Compte Informatique", before anything else.
PORTIQUE_CHARTER_REACCEPT: bool = env.bool("PORTIQUE_CHARTER_REACCEPT", default=True)

# One-time links are valid until 23:59 the day they were sent (local time), and at least
# this many minutes, so that a mail sent at 23:58 can still be used.
PORTIQUE_LINK_MIN_LIFETIME_MINUTES: int = env.int("PORTIQUE_LINK_MIN_LIFETIME_MINUTES", default=60)
# A provisional password works this many days (until 23:59 local time of the last one) after
# its letter was issued; then HR must reissue the letter.
PORTIQUE_PROVISIONAL_PASSWORD_DAYS: int = env.int("PORTIQUE_PROVISIONAL_PASSWORD_DAYS", default=90)
# `portique remind` mails a person whose letter is not activated this many days after the
# letter was issued, once each day, while its provisional password works.
PORTIQUE_REMINDER_DAYS: list[int] = sorted(
    set(env.list("PORTIQUE_REMINDER_DAYS", cast=int, default=[7, 21]))
)
# Who gets HR's digest of the letters (comma separated); none when empty.
PORTIQUE_HR_DIGEST_TO: list[str] = env.list("PORTIQUE_HR_DIGEST_TO", default=[])
# `portique remind` sends the digest when the last one is at least this many days old.
PORTIQUE_HR_DIGEST_INTERVAL_DAYS: int = env.int("PORTIQUE_HR_DIGEST_INTERVAL_DAYS", default=7)
# An activation left untouched this long is forgotten; the person starts again at step 1.
PORTIQUE_ACTIVATION_FLOW_LIFETIME_DAYS: int = env.int(
    "PORTIQUE_ACTIVATION_FLOW_LIFETIME_DAYS", default=30
)

# What each category of person is offered: a university mailbox or not; a redirection
# "none", "optional" or "mandatory"; whether the keep-copy box is shown, and its default.
PORTIQUE_CATEGORY_RULES: dict[str, dict[str, object]] = {
    "staff": {
        "mailbox": True,
        "forwarding": "optional",
        "keep_copy_offered": True,
        "keep_copy_default": True,
    },
    "student": {
        "mailbox": True,
        "forwarding": "optional",
        "keep_copy_offered": True,
        "keep_copy_default": True,
    },
    "vacataire": {
        "mailbox": True,
        "forwarding": "mandatory",
        "keep_copy_offered": False,
        "keep_copy_default": False,
    },
}
PORTIQUE_CATEGORY_RULES.update(json.loads(env.str("PORTIQUE_CATEGORY_RULES", default="{}")))

PORTIQUE_ACCOUNT_STORE: str = env.str("PORTIQUE_ACCOUNT_STORE", default="sql")
# The LDAP directory, when PORTIQUE_ACCOUNT_STORE=ldap (see README, "LDAP").
PORTIQUE_LDAP_URL: str = env.str("PORTIQUE_LDAP_URL", default="ldap://127.0.0.1:389")
PORTIQUE_LDAP_STARTTLS: bool = env.bool("PORTIQUE_LDAP_STARTTLS", default=True)
PORTIQUE_LDAP_CA_FILE: str = env.str("PORTIQUE_LDAP_CA_FILE", default="")
PORTIQUE_LDAP_BIND_DN: str = env.str("PORTIQUE_LDAP_BIND_DN", default="")
PORTIQUE_LDAP_BIND_PASSWORD: str = env.str("PORTIQUE_LDAP_BIND_PASSWORD", default="")
PORTIQUE_LDAP_PEOPLE_BASE: str = env.str("PORTIQUE_LDAP_PEOPLE_BASE", default="")
PORTIQUE_LDAP_TIMEOUT: float = env.float("PORTIQUE_LDAP_TIMEOUT", default=5.0)
PORTIQUE_LDAP_POOL_SIZE: int = env.int("PORTIQUE_LDAP_POOL_SIZE", default=4)
PORTIQUE_LDAP_ATTRIBUTES: dict[str, str] = json.loads(
    env.str("PORTIQUE_LDAP_ATTRIBUTES", default="{}")
)
PORTIQUE_LDAP_CATEGORY_VALUES: dict[str, str] = json.loads(
    env.str("PORTIQUE_LDAP_CATEGORY_VALUES", default="{}")
)
PORTIQUE_LDAP_OBJECT_CLASSES: list[str] = env.list("PORTIQUE_LDAP_OBJECT_CLASSES", default=[])
# Active Directory: passwords through unicodePwd over LDAPS, and AD's attribute preset.
PORTIQUE_LDAP_ACTIVE_DIRECTORY: bool = env.bool("PORTIQUE_LDAP_ACTIVE_DIRECTORY", default=False)
# The SupAnn state (supannRessourceEtat) the activation gives the account; "" writes none.
PORTIQUE_LDAP_ACCOUNT_STATE: str = env.str(
    "PORTIQUE_LDAP_ACCOUNT_STATE", default="{COMPTE}A:SupannActif"
)

# The Active Directory password target (portique.passwords.targets.active_directory):
# ldaps:// address, service account with "Reset password" on the users' OU, where the users
# are, the CA of the DC's certificate, the attribute holding the login, and a timeout.
PORTIQUE_AD_URL: str = env.str("PORTIQUE_AD_URL", default="")
PORTIQUE_AD_BIND_DN: str = env.str("PORTIQUE_AD_BIND_DN", default="")
PORTIQUE_AD_BIND_PASSWORD: str = env.str("PORTIQUE_AD_BIND_PASSWORD", default="")
PORTIQUE_AD_USERS_BASE: str = env.str("PORTIQUE_AD_USERS_BASE", default="")
PORTIQUE_AD_CA_FILE: str = env.str("PORTIQUE_AD_CA_FILE", default="")
PORTIQUE_AD_LOGIN_ATTRIBUTE: str = env.str("PORTIQUE_AD_LOGIN_ATTRIBUTE", default="sAMAccountName")
PORTIQUE_AD_TIMEOUT: float = env.float("PORTIQUE_AD_TIMEOUT", default=5.0)
# The most entries one public-directory search reads, in pages, past the directory's size limit.
PORTIQUE_LDAP_SEARCH_MAX_ENTRIES: int = env.int("PORTIQUE_LDAP_SEARCH_MAX_ENTRIES", default=1000)

# Password targets (see README, "Password targets"): the systems that get each new password
# after the account store, in order; a JSON list of dotted paths or of
# {"class": dotted path, "options": {...}}.
PORTIQUE_PASSWORD_TARGETS: list[Any] = json.loads(
    env.str("PORTIQUE_PASSWORD_TARGETS", default="[]")
)
if not isinstance(PORTIQUE_PASSWORD_TARGETS, list):
    raise ImproperlyConfigured("PORTIQUE_PASSWORD_TARGETS must be a JSON list")
# A target that fails is tried this many times in all, this long apart, within the request.
PORTIQUE_PASSWORD_TARGET_ATTEMPTS: int = env.int("PORTIQUE_PASSWORD_TARGET_ATTEMPTS", default=3)
PORTIQUE_PASSWORD_TARGET_RETRY_SECONDS: float = env.float(
    "PORTIQUE_PASSWORD_TARGET_RETRY_SECONDS", default=0.5
)
PORTIQUE_KERBEROS_REALM: str = env.str("PORTIQUE_KERBEROS_REALM", default="")
PORTIQUE_KERBEROS_PRINCIPAL_FORMAT: str = env.str(
    "PORTIQUE_KERBEROS_PRINCIPAL_FORMAT", default="{login}@{realm}"
)
PORTIQUE_KERBEROS_KEYTAB: str = env.str("PORTIQUE_KERBEROS_KEYTAB", default="")
PORTIQUE_KERBEROS_ADMIN_PRINCIPAL: str = env.str("PORTIQUE_KERBEROS_ADMIN_PRINCIPAL", default="")
PORTIQUE_KERBEROS_ADMIN_SERVER: str = env.str("PORTIQUE_KERBEROS_ADMIN_SERVER", default="")
PORTIQUE_KERBEROS_CONFIG: str = env.str("PORTIQUE_KERBEROS_CONFIG", default="")
PORTIQUE_KERBEROS_TIMEOUT: float = env.float("PORTIQUE_KERBEROS_TIMEOUT", default=5.0)
PORTIQUE_KERBEROS_CREATE_PRINCIPALS: bool = env.bool(
    "PORTIQUE_KERBEROS_CREATE_PRINCIPALS", default=True
)
PORTIQUE_PASSWORD_HOOK: str = env.str("PORTIQUE_PASSWORD_HOOK", default="")
PORTIQUE_PASSWORD_HOOK_TIMEOUT: float = env.float("PORTIQUE_PASSWORD_HOOK_TIMEOUT", default=10.0)

# Operations. How long `portique purge` keeps what it deletes: audit rows (a year, GDPR),
# activation flows past their expiry, one-time links once used, expired or revoked, sent
# or failed outbox mails, and finished mail tasks.
PORTIQUE_AUDIT_RETENTION_DAYS: int = env.int("PORTIQUE_AUDIT_RETENTION_DAYS", default=365)
PORTIQUE_FLOW_RETENTION_DAYS: int = env.int("PORTIQUE_FLOW_RETENTION_DAYS", default=30)
PORTIQUE_LINK_RETENTION_DAYS: int = env.int("PORTIQUE_LINK_RETENTION_DAYS", default=30)
PORTIQUE_MAIL_RETENTION_DAYS: int = env.int("PORTIQUE_MAIL_RETENTION_DAYS", default=30)
PORTIQUE_TASK_RETENTION_DAYS: int = env.int("PORTIQUE_TASK_RETENTION_DAYS", default=7)
# /metrics answers only requests with "Authorization: Bearer <token>" when this is set.
PORTIQUE_METRICS_TOKEN: str = env.str("PORTIQUE_METRICS_TOKEN", default="")
# Probes and scrapers talk plain http to the app server, behind the TLS proxy.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# Log lines: JSON objects for a log collector (production), or text for a person (debug
# and demo). Both carry the request id.
PORTIQUE_LOG_FORMAT: str = env.str("PORTIQUE_LOG_FORMAT", default="") or (
    "text" if (DEBUG or DEMO) else "json"
)
if PORTIQUE_LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(
        f"PORTIQUE_LOG_FORMAT must be json or text, not {PORTIQUE_LOG_FORMAT!r}"
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "portique.core.logging.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"},
        "json": {"()": "portique.core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": PORTIQUE_LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("PORTIQUE_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django_tasks": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
        # At DEBUG, a missing template variable logs the whole context, links included.
        "django.template": {"level": "INFO"},
    },
}

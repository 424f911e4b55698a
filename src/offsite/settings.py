"""Settings, read from the environment.

`DATABASE_URL` selects the database (an embedded SQLite file by default);
`OFFSITE_HOME` is where the embedded database and other local state live.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
HOME = Path(os.environ.get("OFFSITE_HOME", Path.cwd() / "var")).resolve()

DEBUG = os.environ.get("OFFSITE_DEBUG", "") == "1"
SECRET_KEY = os.environ.get("SECRET_KEY", "offsite-local-only-secret-change-me")
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Listed so the API docs page serves its own Swagger UI files instead of
    # fetching them from a CDN the platform may not reach.
    "ninja",
    # Throttles repeated sign-in failures (see AXES_* below).
    "axes",
    "offsite.calendar",
    "offsite.registry",
    "offsite.catalog",
    "offsite.audit",
    "offsite.intake",
    "offsite.monitoring",
    "offsite.supervision",
    "offsite.delivery",
    "offsite.oversight",
    "offsite.web",
    "offsite.bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "offsite.web.middleware.SignInRequiredMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "offsite.urls"
WSGI_APPLICATION = "offsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        HOME.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{HOME / 'offsite.sqlite3'}"
    config = dj_database_url.parse(url, conn_max_age=0)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web server read while the gateway writes; IMMEDIATE
        # takes the write lock at BEGIN so two writers queue instead of
        # failing half-way with "database is locked".
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        config["TEST"] = {"NAME": os.environ.get("OFFSITE_TEST_SQLITE", "")}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "offsite.web.signin.ThrottledBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "web:sign-in"
LOGIN_REDIRECT_URL = "web:home"
# Sign-in throttling (IM-8, against abuse): after 5 failures for one user
# name from one address, that pair waits 15 minutes. A local policy default.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# Evidence files units attach to their answers; never served publicly.
MEDIA_ROOT = HOME / "media"

STATIC_URL = "static/"
STATIC_ROOT = HOME / "static"
# WhiteNoise serves admin's files from the apps; an empty root is enough.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage",
    },
}
WHITENOISE_USE_FINDERS = True

# E-mail for electronic service (LM-5). Without EMAIL_HOST each message is
# written as a file under OFFSITE_HOME/mail, which suits the embedded run: it
# can be read afterwards and keeps commands' JSON output clean (the console
# backend would print into it); with EMAIL_HOST the SMTP backend sends it.
# EMAIL_BACKEND overrides both (tests use locmem).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = HOME / "mail"
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "") == "1"
EMAIL_USE_SSL = os.environ.get("EMAIL_USE_SSL", "") == "1"
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "offsite@localhost")
# The shared secret a webhook gateway sends in X-Delivery-Secret with its
# receipt callbacks; empty refuses every callback. The same secret signs the
# notices the platform posts to webhooks (X-Offsite-Signature, HMAC-SHA256).
DELIVERY_RECEIPT_SECRET = os.environ.get("DELIVERY_RECEIPT_SECRET", "")
# A webhook may not point at a loopback, private, link-local or reserved
# address (LM-5 channels are the unit's, the network is the platform's);
# "1" allows it, for an SMS or messaging gateway on the site's own network.
DELIVERY_WEBHOOK_ALLOW_PRIVATE = (
    os.environ.get("DELIVERY_WEBHOOK_ALLOW_PRIVATE", "") == "1"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {
        "refusal_without_trace": {"()": "offsite.web.logfilters.RefusalWithoutTrace"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    # One handler, on the root: every logger's lines go through it once, and
    # the web server, finding the root configured, adds none of its own.
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django.request": {"filters": ["refusal_without_trace"]},
        "offsite": {"level": os.environ.get("OFFSITE_LOG_LEVEL", "WARNING")},
    },
}

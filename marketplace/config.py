"""Configuration classes, read from the environment."""

import os
from datetime import timedelta
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
OSM_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
)


def _flag(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # Former keys (comma-separated) that still verify sessions and certificate codes
    # after SECRET_KEY is rotated.
    SECRET_KEY_FALLBACKS = [
        key for key in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if key
    ]
    # The address people reach the marketplace at, e.g. https://expo.example.org:
    # every absolute link (e-mails, QR codes, calendar feeds, certificates) is built
    # from it, never from the request's Host. Required in production.
    PUBLIC_URL = os.environ.get("PUBLIC_URL")
    # Production answers only requests for PUBLIC_URL's host (else 400); further
    # host names to accept, comma-separated (e.g. the address a load balancer's
    # health check uses).
    EXTRA_TRUSTED_HOSTS = [
        host.strip()
        for host in os.environ.get("EXTRA_TRUSTED_HOSTS", "").split(",")
        if host.strip()
    ]
    # Minutes a floater has to take a place offered on the expo floor.
    FLOATER_OFFER_MINUTES = int(os.environ.get("FLOATER_OFFER_MINUTES", "15"))
    # Minutes a candidate has to take a place handed on (cover, docs/cover.md); an
    # offer never runs past 15 minutes before the shift starts.
    COVER_OFFER_MINUTES = int(os.environ.get("COVER_OFFER_MINUTES", "30"))
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'marketplace.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # Seconds to wait for a PostgreSQL connection before answering 503 (an outage
    # must not hang the workers); applied to postgresql URLs by create_app.
    DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "3"))

    # Shared answers of the public catalogue (issue 14, marketplace/caching.py):
    # Redis when CACHE_REDIS_URL (or a redis:// rate-limit storage) is set, else
    # per process, with the catalogue version in a file every worker reads.
    PAGE_CACHE = _flag("PAGE_CACHE", True)
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "30"))
    CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL") or (
        os.environ.get("RATELIMIT_STORAGE_URI", "")
        if os.environ.get("RATELIMIT_STORAGE_URI", "").startswith("redis://")
        else None
    )
    CATALOGUE_VERSION_FILE = os.environ.get(
        "CATALOGUE_VERSION_FILE", str(INSTANCE_DIR / "catalogue-version")
    )

    # Map tiles the visitors' browsers load (a URL template with {z}/{x}/{y}, {s}
    # for subdomains) and the credit shown on the maps. The CSP allows the
    # template's host. openstreetmap.org is for development only: its tile usage
    # policy forbids heavy use by an app, so production names its own tile server
    # or a provider (docs/deploy.md, Map tiles).
    MAP_TILE_URL = os.environ.get("MAP_TILE_URL", OSM_TILE_URL)
    MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", OSM_ATTRIBUTION)

    # Thai first: Thai is the default language, dates in the Buddhist Era.
    BABEL_DEFAULT_LOCALE = "th"
    BABEL_DEFAULT_TIMEZONE = "Asia/Bangkok"
    BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).parent / "translations")
    LANGUAGES = ("th", "en")

    # Version of the terms and privacy notice a consent is recorded against.
    NOTICE_VERSION = os.environ.get("NOTICE_VERSION", "2026-12")

    RATELIMIT_ENABLED = _flag("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Failed logins allowed per e-mail address; successes do not count.
    LOGIN_FAILURE_LIMIT = os.environ.get("LOGIN_FAILURE_LIMIT", "10 per 15 minutes")
    # Requests allowed per client address on the login and token endpoints.
    LOGIN_ADDRESS_LIMIT = os.environ.get("LOGIN_ADDRESS_LIMIT", "300 per minute")

    # Registration, password reset and applications, per client address.
    # Generous: the booth QR codes bring many sign-ups through the expo's Wi-Fi.
    REGISTRATION_LIMIT = os.environ.get("REGISTRATION_LIMIT", "300 per hour")
    # Password-reset requests per e-mail address asked about, and per client address.
    PASSWORD_RESET_LIMIT = os.environ.get("PASSWORD_RESET_LIMIT", "5 per hour")
    PASSWORD_RESET_ADDRESS_LIMIT = os.environ.get(
        "PASSWORD_RESET_ADDRESS_LIMIT", "60 per hour"
    )
    APPLICATION_LIMIT = os.environ.get("APPLICATION_LIMIT", "60 per hour")
    # Walk-in sign-ups, scans and code checks per expo booth (phone and kiosk),
    # and the one-time codes a booth's kiosk may send.
    WALK_IN_LIMIT = os.environ.get("WALK_IN_LIMIT", "600 per hour")
    WALK_IN_CODE_LIMIT = os.environ.get("WALK_IN_CODE_LIMIT", "60 per hour")
    # Wider per address: at the expo many volunteers apply from the venue Wi-Fi.
    APPLICATION_ADDRESS_LIMIT = os.environ.get(
        "APPLICATION_ADDRESS_LIMIT", "600 per hour"
    )
    # Staff must set up a second factor (TOTP) before anything else. On by
    # default (production); development and the tests turn it off.
    STAFF_MFA_REQUIRED = _flag("STAFF_MFA_REQUIRED", True)
    # Wrong second-factor codes allowed per account.
    MFA_FAILURE_LIMIT = os.environ.get("MFA_FAILURE_LIMIT", "5 per 15 minutes")
    # The name authenticator apps show next to the account.
    TOTP_ISSUER = os.environ.get("TOTP_ISSUER", "Good Society Expo")
    # Member invitations each organisation may send (web and API together).
    MEMBER_INVITE_LIMIT = os.environ.get("MEMBER_INVITE_LIMIT", "20 per hour")
    # Messages each member or lead may send to shifts' volunteers (web and API
    # together; a message to an opportunity counts once): beyond it, 429.
    SHIFT_MESSAGE_LIMIT = os.environ.get("SHIFT_MESSAGE_LIMIT", "30 per hour")
    # How many reverse proxies (nginx, a load balancer) stand in front of
    # gunicorn; 0 ignores X-Forwarded-* entirely, since clients could forge them.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    PASSWORD_RESET_MINUTES = int(os.environ.get("PASSWORD_RESET_MINUTES", "30"))

    API_TOKEN_LIFETIME = timedelta(
        days=int(os.environ.get("API_TOKEN_LIFETIME_DAYS", "30"))
    )
    PERMANENT_SESSION_LIFETIME = timedelta(
        hours=int(os.environ.get("SESSION_LIFETIME_HOURS", "12"))
    )
    # A session ends after this long without a request, and this long after login.
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "60"))
    SESSION_ABSOLUTE_HOURS = int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12"))
    # Accounts without a login for this long are purged by `flask purge-inactive`.
    RETENTION_DAYS = int(os.environ.get("RETENTION_DAYS", "1095"))
    # Volunteers under this age need a guardian's consent before applying.
    ADULT_AGE = 18
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    # argon2id cost: OWASP's recommended m=19 MiB, t=2, p=1 by default, about
    # 24 ms of one core (m=64 MiB, t=3, p=2 took 182 ms: a 2-core server then
    # managed 11 log-ins a second, and a booth rush queued behind them). Raise
    # it where cores are to spare; production refuses less than OWASP's minimum
    # (startup.py, docs/security.md). Hashes are renewed at the next log-in.
    ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", "2"))
    ARGON2_MEMORY_COST = int(os.environ.get("ARGON2_MEMORY_KIB", str(19 * 1024)))
    ARGON2_PARALLELISM = int(os.environ.get("ARGON2_PARALLELISM", "1"))

    # What an hour of volunteering is worth, for the human-capital figures.
    HOUR_VALUE_THB = float(os.environ.get("HOUR_VALUE_THB", "150"))
    # Groups (issue 15): a reservation's unfilled places go back to the shift this
    # many hours before it starts (a periodic task, every five minutes).
    GROUP_RELEASE_HOURS = int(os.environ.get("GROUP_RELEASE_HOURS", "24"))
    # Wrong join codes a volunteer may try (code guessing); right ones do not count.
    GROUP_JOIN_FAILURE_LIMIT = os.environ.get("GROUP_JOIN_FAILURE_LIMIT", "10 per hour")

    GEOCODER = os.environ.get("GEOCODER", "offline")
    # The job queue's storage (marketplace/jobs.py): sqlite:///file by default,
    # redis://host:6379/0 in production. Read by jobs.py from the environment.
    HUEY_STORAGE_URI = os.environ.get("HUEY_STORAGE_URI")
    HUEY_IMMEDIATE = False
    # A delivery still pending this long after its last try (its task was lost
    # with a killed consumer, or never enqueued) is enqueued again by the sweeper.
    DELIVERY_STALE_SECONDS = int(os.environ.get("DELIVERY_STALE_SECONDS", "600"))
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _flag("MAIL_USE_TLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_SENDER = os.environ.get(
        "MAIL_SENDER", "Good Society Expo <no-reply@goodsociety.example>"
    )
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))

    # LINE (docs/line.md). The Messaging API channel: its id, its secret (checks
    # the webhooks' X-Line-Signature) and a long-lived channel access token
    # (pushes and replies). The LINE Login channel: its id and secret (the OpenID
    # Connect client; ID tokens are signed with the secret). Without them LINE is
    # off; production refuses some set and some missing (marketplace/line).
    LINE_CHANNEL_ID = os.environ.get("LINE_CHANNEL_ID")
    LINE_CHANNEL_SECRET = os.environ.get("LINE_CHANNEL_SECRET")
    LINE_CHANNEL_ACCESS_TOKEN = os.environ.get("LINE_CHANNEL_ACCESS_TOKEN")
    LINE_LOGIN_CHANNEL_ID = os.environ.get("LINE_LOGIN_CHANNEL_ID")
    LINE_LOGIN_CHANNEL_SECRET = os.environ.get("LINE_LOGIN_CHANNEL_SECRET")
    # Where LINE's APIs are: the Messaging API and the token endpoint, and the
    # login pages; tests point them at a stand-in on loopback. The issuer is the
    # `iss` every ID token must carry.
    LINE_API_BASE_URL = os.environ.get("LINE_API_BASE_URL", "https://api.line.me")
    LINE_LOGIN_BASE_URL = os.environ.get(
        "LINE_LOGIN_BASE_URL", "https://access.line.me"
    )
    LINE_LOGIN_ISSUER = os.environ.get("LINE_LOGIN_ISSUER", "https://access.line.me")
    # How LINE Login offers the official account as a friend: "aggressive" (a
    # separate screen after consent) or "normal" (an option on the consent screen).
    LINE_BOT_PROMPT = os.environ.get("LINE_BOT_PROMPT", "aggressive")
    # Push messages per month (Asia/Bangkok) before LINE falls back to e-mail. The
    # free plan of a LINE Official Account in Thailand includes 300 messages a
    # month; set the number of your plan. Replies to webhooks are free.
    LINE_PUSH_QUOTA = int(os.environ.get("LINE_PUSH_QUOTA", "300"))
    # Seconds to wait for LINE's API before a push counts as a temporary failure.
    LINE_TIMEOUT = float(os.environ.get("LINE_TIMEOUT", "10"))
    # Webhook requests allowed per client address (LINE sends from few addresses).
    LINE_WEBHOOK_LIMIT = os.environ.get("LINE_WEBHOOK_LIMIT", "1200 per minute")

    # flask-smorest: the OpenAPI document at /api/openapi.json.
    API_TITLE = "Good Society Marketplace API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    API_PAGE_SIZE = 20
    API_MAX_PAGE_SIZE = 100

    # "Are you coming?": approved volunteers are asked this many hours before
    # their shift starts (0: never asked). See docs/confirmations.md.
    CONFIRMATION_HOURS = int(os.environ.get("CONFIRMATION_HOURS", "24"))

    # The expo floor's coverage board fetches its rows again this often.
    FLOOR_BOARD_REFRESH_SECONDS = 15


class DevelopmentConfig(Config):
    """Local development and the embedded `make run` demo."""

    ENV_NAME = "development"
    # Without SECRET_KEY, create_app makes a random key once and keeps it in
    # instance/secret_key (see marketplace.settings.development_secret_key).
    SECRET_KEY = Config.SECRET_KEY
    # The address `make run` serves on.
    PUBLIC_URL = Config.PUBLIC_URL or "http://127.0.0.1:8000"
    # The demo's staff account logs in without an authenticator app.
    STAFF_MFA_REQUIRED = _flag("STAFF_MFA_REQUIRED", False)


class TestingConfig(Config):
    """The test suite: cheap hashing, in-memory rate limits, its own database."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-only"  # noqa: S105
    PUBLIC_URL = "https://expo.test.example"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_STORAGE_URI = "memory://"
    # One app, one process: the page cache and its version live in memory.
    CACHE_TYPE = "SimpleCache"
    CACHE_REDIS_URL = None
    CATALOGUE_VERSION_FILE = None
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8
    ARGON2_PARALLELISM = 1
    SERVER_NAME = None
    # Tasks run at once, in the test's process, in their own app context.
    HUEY_IMMEDIATE = True
    STAFF_MFA_REQUIRED = False


class ProductionConfig(Config):
    """Production: secrets and database from the environment, secure cookies."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """Pick the configuration class named by MARKETPLACE_ENV (default development)."""
    name = os.environ.get("MARKETPLACE_ENV", "development").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(
            f"MARKETPLACE_ENV={name!r} is not one of {', '.join(CONFIGS)}"
        ) from None

"""Configuration: a base read from the environment, a test config and a production config."""
import os


def _env_int(name: str, default: int) -> int:
    """Read an integer from the environment, falling back to a default."""
    value = os.environ.get(name)
    return int(value) if value else default


def _env_float(name: str, default: float) -> float:
    """Read a float from the environment, falling back to a default."""
    value = os.environ.get(name)
    return float(value) if value else default


def _env_days(name: str, default: str) -> tuple[int, ...]:
    """A comma-separated list of day counts from the environment ("15,7" -> (15, 7)); empty means none."""
    return tuple(sorted({int(part) for part in os.environ.get(name, default).split(",") if part.strip()}))


class Config:
    """Settings shared by every environment; each can be overridden by an environment variable."""

    TRACKER_ENV = "development"  # which of the configurations below is running (commands refuse some in production)

    SECRET_KEY = os.environ.get("SECRET_KEY")  # development falls back to a key kept in the instance folder
    # None means "SQLite in the instance folder", resolved by create_app once the instance path is known.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = _env_int("SQLITE_BUSY_TIMEOUT_MS", 5000)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    PERMANENT_SESSION_LIFETIME = _env_int("SESSION_LIFETIME_SECONDS", 8 * 3600)
    SESSION_IDLE_SECONDS = _env_int("SESSION_IDLE_SECONDS", 30 * 60)  # a session unused this long ends
    HSTS_SECONDS = 0  # Strict-Transport-Security max-age; production sends a year
    REMEMBER_COOKIE_HTTPONLY = True

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session: a long form must not expire mid-edit

    # Login throttling (never a lock-out): failed password checks counted per account and address, per address,
    # and per account; beyond a limit attempts get the usual "not right" answer without the password being tried.
    LOGIN_LIMIT_ACCOUNT_ADDRESS = os.environ.get("LOGIN_LIMIT_ACCOUNT_ADDRESS", "5 per 15 minutes")
    LOGIN_LIMIT_ADDRESS = os.environ.get("LOGIN_LIMIT_ADDRESS", "30 per hour")
    LOGIN_LIMIT_ACCOUNT = os.environ.get("LOGIN_LIMIT_ACCOUNT", "50 per hour")
    # Flask-Limiter's store: the app's database by default (shared by every worker, nothing to install), Redis
    # when REDIS_URL or RATELIMIT_STORAGE_URI names one.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or "tracker+db://"
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "tracker")  # keys of one tracker in a shared Redis
    # The number of reverse proxies in front of the app whose X-Forwarded-For / -Proto are believed (ProxyFix).
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)

    # Password hashing: argon2id with argon2-cffi's defaults (RFC 9106's low-memory profile: t=3, 64 MiB, p=4),
    # above OWASP's minimum (t=2, 19 MiB, p=1). Changing them rehashes each account at its next login.
    ARGON2_COSTS = {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 4}

    # Evidence files live outside the static folder; None means "<instance>/evidence".
    EVIDENCE_FOLDER = os.environ.get("EVIDENCE_FOLDER")
    MAX_UPLOAD_MB = _env_int("MAX_UPLOAD_MB", 20)
    EXPORTS_FOLDER = os.environ.get("EXPORTS_FOLDER")  # None means "<project>/exports"

    # Indicator status thresholds, as a share of the target reached.
    STATUS_ON_TRACK_AT = _env_float("STATUS_ON_TRACK_AT", 0.85)
    STATUS_ATTENTION_AT = _env_float("STATUS_ATTENTION_AT", 0.50)

    # The plan year shown by default; None means "the current calendar year, clamped to 2021-2023".
    CURRENT_PLAN_YEAR = _env_int("CURRENT_PLAN_YEAR", 0) or None

    # The overview's cache (Flask-Caching). Entries are keyed by the database's data version, so a cache per worker
    # (SimpleCache) is correct too; Redis shares one cache between every worker and machine.
    CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL") or os.environ.get("REDIS_URL")
    CACHE_TYPE = os.environ.get("CACHE_TYPE") or ("RedisCache" if CACHE_REDIS_URL else "SimpleCache")
    CACHE_DEFAULT_TIMEOUT = _env_int("CACHE_DEFAULT_TIMEOUT", 3600)  # how long entries of old versions linger
    CACHE_KEY_PREFIX = "tracker:"  # Redis' clear() then deletes only our keys, never the whole database
    CACHE_THRESHOLD = _env_int("CACHE_THRESHOLD", 500)  # SimpleCache: entries per worker before pruning

    # The security event log (JSON lines): a file path, or "-" for standard error; None means "<instance>/security.log".
    SECURITY_LOG = os.environ.get("SECURITY_LOG")
    # Backups: BACKUP_VERIFY_KEY (an Ed25519 public key file) makes every restore require a manifest signed by its
    # private key; scrypt's cost for passphrase-encrypted backups (2**17: 128 MiB, about half a second).
    BACKUP_VERIFY_KEY = os.environ.get("BACKUP_VERIFY_KEY") or None
    BACKUP_SCRYPT_N = _env_int("BACKUP_SCRYPT_N", 2**17)

    # The job queue (Huey): a SQLite file in the instance folder by default (nothing to install on one machine),
    # Redis when HUEY_REDIS_URL or REDIS_URL names one (production: every web and job worker shares it).
    HUEY_REDIS_URL = os.environ.get("HUEY_REDIS_URL") or os.environ.get("REDIS_URL")
    HUEY_SQLITE_FILE = os.environ.get("HUEY_SQLITE_FILE")  # None means "<instance>/jobs.sqlite"
    HUEY_NAME = os.environ.get("HUEY_NAME", "tracker")  # the queue's name (its keys in a shared Redis)
    JOBS_IMMEDIATE = os.environ.get("JOBS_IMMEDIATE", "0") == "1"  # run jobs in the request (debugging, tests)
    # A report job whose worker gave no sign this long is taken to be dead and handed to another worker. The
    # longest stage (WeasyPrint's layout: about 20 s for a 5,000-activity year) must fit well inside it.
    REPORT_STALE_SECONDS = _env_int("REPORT_STALE_SECONDS", 300)

    # Email. Without MAIL_SERVER nothing is sent: each message is written to MAIL_OUTBOX (default
    # "<instance>/outbox"), one .eml file each, so that `make run` works with nothing installed.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = _env_int("MAIL_PORT", 587)
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "1") == "1"  # STARTTLS on MAIL_PORT
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "0") == "1"  # TLS from the first byte (port 465) instead
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_FROM = os.environ.get("MAIL_FROM", "Metropolis SAP tracker <tracker@localhost>")
    MAIL_TIMEOUT = _env_int("MAIL_TIMEOUT", 30)
    MAIL_OUTBOX = os.environ.get("MAIL_OUTBOX")
    # The address people reach the tracker at: every email links to a page under it.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    DIGEST_HOUR_UTC = _env_int("DIGEST_HOUR_UTC", 7)  # when the daily digest leaves
    # The reporting calendar's reminders: sent this many days before and after each date to those whose part is
    # missing (comma-separated day counts), by a job at the top of REMINDER_HOUR_UTC.
    REMINDER_DAYS_BEFORE = _env_days("REMINDER_DAYS_BEFORE", "15")
    REMINDER_DAYS_AFTER = _env_days("REMINDER_DAYS_AFTER", "3")
    REMINDER_HOUR_UTC = _env_int("REMINDER_HOUR_UTC", 6)  # before the digest, so digest users get them that day
    INVITATION_HOURS = _env_int("INVITATION_HOURS", 48)  # how long an invitation or password link works

    BOOTSTRAP_SERVE_LOCAL = True  # never a CDN
    # The JSON API (flask-smorest): its OpenAPI document, and the requests one token (or user) may make.
    API_TITLE = "Metropolis SAP tracker API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "300 per minute")
    API_PAGE_SIZE = 25
    API_MAX_PAGE_SIZE = 100
    PAGE_SIZE = _env_int("PAGE_SIZE", 25)


class DevelopmentConfig(Config):
    """Local use through `make run`."""


class TestConfig(Config):
    """The test suite: its own database, CSRF off except in the tests that switch it on."""

    TRACKER_ENV = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL")
    WTF_CSRF_ENABLED = False
    RATELIMIT_STORAGE_URI = os.environ.get("TEST_RATELIMIT_STORAGE_URI", "tracker+db://")
    # The suite hashes and checks passwords in many tests; real costs (~0.25 s and 64 MiB each) would make it slow.
    # Same argon2id format and code path, only the work factor is the smallest allowed: never for real accounts.
    ARGON2_COSTS = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
    CACHE_TYPE = "SimpleCache"  # never a Redis the environment happens to name
    SECURITY_LOG = os.devnull  # the tests that read the log give their own file
    BACKUP_VERIFY_KEY = None  # never a key the environment happens to name
    BACKUP_SCRYPT_N = 2**10  # the same scrypt, at a test's cost: never for real backups
    JOBS_IMMEDIATE = True  # jobs run where they are enqueued; the worker tests start a real consumer
    HUEY_REDIS_URL = None  # never a Redis the environment happens to name
    MAIL_SERVER = None  # the tests that read mail start their own SMTP server
    MAIL_OUTBOX = "-"  # and other mail is dropped, never written to an instance folder
    BASE_URL = "http://tracker.test"


class ProductionConfig(Config):
    """Production: secure cookies and a real secret key, or no start at all."""

    TRACKER_ENV = "production"
    SESSION_COOKIE_SECURE = True
    # The __Host- prefix makes browsers refuse the cookie unless it is Secure, for "/" and without a Domain: no
    # sibling subdomain or plain-HTTP page can plant or overwrite it.
    SESSION_COOKIE_NAME = "__Host-session"
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 365 * 24 * 3600)
    WEAK_SECRET_KEYS = frozenset({"", "dev", "change-me", "changeme", "secret", "test-secret-key-not-for-production"})

    @classmethod
    def validate(cls, settings) -> None:
        """Refuse to run without a real SECRET_KEY."""
        key = settings.get("SECRET_KEY") or ""
        if key.lower() in cls.WEAK_SECRET_KEYS or len(key) < 32:
            raise RuntimeError(
                "Production needs SECRET_KEY set to a random value of at least 32 characters "
                "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestConfig,
    "production": ProductionConfig,
}

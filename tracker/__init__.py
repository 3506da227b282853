"""The Metropolis Strategic Action Plan tracker."""
import os
import secrets
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from config import CONFIGS

from .core import security_log
from .core.files import create_private, private_file, private_folder
from .core.http import TrackerRequest
from .extensions import babel, bootstrap, cache, csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config="development", **overrides) -> Flask:
    """Build the application for a named configuration, with optional setting overrides."""
    app = Flask(__name__, template_folder=str(PROJECT_ROOT / "templates"), instance_relative_config=False,
                instance_path=os.environ.get("TRACKER_INSTANCE_PATH", str(PROJECT_ROOT / "instance")))
    app.request_class = TrackerRequest  # a form part without a name is a 400, not a None key for the CSRF check
    config_class = CONFIGS[config] if isinstance(config, str) else config
    app.config.from_object(config_class)
    app.config.update(overrides)
    if hasattr(config_class, "validate"):
        config_class.validate(app.config)  # before any fallback can paper over a missing secret
    _resolve_paths(app)

    _trust_proxies(app)
    security_log.init_app(app)
    register_extensions(app)
    register_blueprints(app)
    register_security(app)
    register_errors(app)
    register_template_helpers(app)
    register_jobs(app)
    register_cli(app)
    return app


def _resolve_paths(app: Flask) -> None:
    """Fill in the defaults that depend on the instance folder, which holds secrets: owner-only (0700)."""
    private_folder(app.instance_path)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(app.instance_path) / "tracker.sqlite")
    _private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
    app.config["EVIDENCE_FOLDER"] = app.config.get("EVIDENCE_FOLDER") or str(Path(app.instance_path) / "evidence")
    app.config["EXPORTS_FOLDER"] = app.config.get("EXPORTS_FOLDER") or str(PROJECT_ROOT / "exports")
    # Uploads a little over the evidence limit reach the form, which answers with a clear message.
    app.config["MAX_CONTENT_LENGTH"] = (app.config["MAX_UPLOAD_MB"] + 1) * 1024 * 1024


def _trust_proxies(app: Flask) -> None:
    """Read the client's address and scheme from the configured number of proxies in front, never more.

    With TRUSTED_PROXIES = 0 (the default) X-Forwarded-For is ignored: anyone can send it, and the login throttle
    counts per address.
    """
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def _instance_secret_key(instance: Path) -> str:
    """Return a development secret kept in the instance folder, creating it once."""
    path = instance / "secret_key"
    if not path.exists():
        with os.fdopen(create_private(path), "w") as handle:  # owner-only from the start, never readable a moment
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def _private_sqlite_file(url: str) -> None:
    """Create a SQLite database file owner-only (0600) before SQLite does; its -wal and -shm files take its mode."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:" \
            or parsed.database.startswith("file:"):
        return
    path = Path(parsed.database)
    if path.parent.is_dir():  # a missing folder is SQLite's error to report, at the first connection
        for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if each == path or each.exists():
                private_file(each)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Enforce foreign keys, WAL and a busy timeout on every SQLite connection."""
    import sqlite3

    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    from flask import current_app, has_app_context

    timeout = current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", 5000) if has_app_context() else 5000
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(timeout)}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def register_extensions(app: Flask) -> None:
    """Bind the extension singletons."""
    from . import models  # noqa: F401  (the whole schema, for create_all and Alembic)
    from .audit.services import record
    from .core import audit
    from .core.i18n import DEFAULT_LANGUAGE, select_locale

    audit.use(record)  # core rules (review, locks) write the record through the audit feature

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    bootstrap.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_locale=DEFAULT_LANGUAGE,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    cache.init_app(app)
    limiter.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Mount every feature's blueprint."""
    from .activities.views import bp as activities_bp
    from .admin.views import bp as admin_bp
    from .api import register as register_api
    from .assessments.views import bp as assessments_bp
    from .auth.views import bp as auth_bp
    from .evidence.views import bp as evidence_bp
    from .home.views import bp as home_bp
    from .imports.views import bp as imports_bp
    from .indicators.views import bp as indicators_bp
    from .notifications.views import bp as notifications_bp
    from .overview.translation_views import bp as translations_bp
    from .overview.views import bp as overview_bp
    from .plan.views import bp as plan_bp
    from .reports.views import bp as reports_bp
    from .review.views import bp as review_bp

    for blueprint in (auth_bp, plan_bp, activities_bp, evidence_bp, indicators_bp, assessments_bp, review_bp,
                      notifications_bp, overview_bp, translations_bp, reports_bp, home_bp, admin_bp, imports_bp):
        app.register_blueprint(blueprint)
    register_api(app)


def register_security(app: Flask) -> None:
    """Require login everywhere, check roles, and set security headers."""
    from .auth.access import enforce_access, security_headers

    app.before_request(enforce_access)
    app.after_request(security_headers)


def register_errors(app: Flask) -> None:
    """Friendly error pages that never show a traceback."""
    from .errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    """Expose role helpers and formatting filters to templates."""
    from .calendar import register as register_calendar
    from .templating import register

    register(app)
    register_calendar(app)


def register_jobs(app: Flask) -> None:
    """Point the job queue at its store, declare every feature's jobs, and let notifications hear the events."""
    from .admin import jobs as admin_jobs  # noqa: F401  (declares the invitation email)
    from .calendar import jobs as calendar_jobs  # noqa: F401  (declares the daily reminders)
    from .core import jobs
    from .notifications import events
    from .notifications import jobs as notification_jobs  # noqa: F401  (declares its jobs)
    from .reports import jobs as report_jobs  # noqa: F401  (declares the report job and its sweep)

    jobs.init_app(app)
    events.connect()


def register_cli(app: Flask) -> None:
    """Add the command groups."""
    from .cli import register

    register(app)

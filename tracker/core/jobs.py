"""The job queue (Huey): work that must not hold a web request, such as sending email, runs in a worker process.

One Huey instance for the process, configured from the app's settings by `init_app`: SQLite storage in the
instance folder by default (nothing to install on one machine), Redis when HUEY_REDIS_URL or REDIS_URL is set
(production), or immediate mode (the job runs where it is enqueued: tests, debugging). Features declare jobs with
`@job(...)`: each runs inside an app context of the app's configuration and commits once when it returns (rolls
back and is retried when it raises), so a job must be safe to run again. `enqueue_on_commit` hands a job to the
queue once the current transaction commits, and never when it rolls back.
"""
import logging
from functools import wraps
from pathlib import Path

from flask import current_app, has_app_context
from huey import Huey
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from .files import private_file

logger = logging.getLogger("tracker.jobs")
queue = Huey("tracker", results=False, immediate=True)  # in memory until init_app names its store
_PENDING = "tracker.jobs.pending"  # jobs waiting in a session's info for its commit
# The app a worker process runs its jobs in (a web process enqueues from its own app context). It holds the
# process's configuration, never data: what every worker must agree on lives in the database.
_worker_app: list = []
_SETTINGS = "tracker.jobs"  # the app's queue settings, in app.extensions
_active: list = []  # the settings the queue object was last given (which app's store it points at)


def init_app(app) -> None:
    """Point the queue at the store the app's settings name."""
    redis_url = app.config.get("HUEY_REDIS_URL")
    if redis_url:
        storage_class, options = RedisStorage, {"url": redis_url}
    else:
        path = app.config.get("HUEY_SQLITE_FILE") or str(Path(app.instance_path) / "jobs.sqlite")
        app.config["HUEY_SQLITE_FILE"] = path
        if not app.config["JOBS_IMMEDIATE"] and Path(path).parent.is_dir():
            private_file(path)  # owner-only before SQLite creates it; its -wal and -shm files take its mode
        storage_class, options = SqliteStorage, {"filename": path}
    app.extensions[_SETTINGS] = (app.config["HUEY_NAME"], storage_class, options, app.config["JOBS_IMMEDIATE"])
    _point_at(app)
    _worker_app[:] = [app]


def _point_at(app) -> None:
    """Make the queue use this app's store (a process holds one app; the test suite builds many, one at a time)."""
    settings = app.extensions[_SETTINGS]
    if _active != [settings]:
        name, storage_class, options, immediate = settings
        queue.name = name
        queue.storage_class, queue.storage_kwargs = storage_class, options
        queue.immediate = immediate
        queue.storage = queue.create_storage()
        _active[:] = [settings]


def enqueue(task, *args, **kwargs) -> None:
    """Hand a job to the queue of the current app (in immediate mode: run it now)."""
    if has_app_context() and _SETTINGS in current_app.extensions:
        _point_at(current_app)
    task(*args, **kwargs)


def describe() -> str:
    """Say where the queue keeps its jobs, for the worker's first line."""
    if queue.immediate:
        return "immediate mode (jobs run where they are enqueued)"
    if queue.storage_class is RedisStorage:
        return f"Redis, queue {queue.name!r}"
    return f"SQLite file {queue.storage_kwargs['filename']}, queue {queue.name!r}"


def setting(name: str):
    """A setting of the app jobs run in (the scheduler asks outside any app context)."""
    return _job_app().config[name]


def _job_app():
    """The app a job runs in: the enqueuing one in immediate mode, else the worker's."""
    if has_app_context():
        return current_app._get_current_object()
    if not _worker_app:
        raise RuntimeError("No app for the job: start workers with `flask jobs worker`.")
    return _worker_app[0]


def _in_app(func):
    """Wrap a job so that it runs in its own app context (its own database session) and commits once."""
    from ..extensions import db

    @wraps(func)
    def run(*args, **kwargs):
        with _job_app().app_context():
            try:
                value = func(*args, **kwargs)
                db.session.commit()
            except BaseException:
                db.session.rollback()
                raise
            return value

    return run


def job(**options):
    """Declare a job (Huey's task options: retries, retry_delay, ...); calling it enqueues it."""

    def decorate(func):
        return queue.task(**options)(_in_app(func))

    return decorate


def periodic_job(when, **options):
    """Declare a job the worker's scheduler runs whenever `when(datetime)` is true (huey.crontab, say)."""

    def decorate(func):
        return queue.periodic_task(when, **options)(_in_app(func))

    return decorate


def on_worker_start(func) -> None:
    """Run func (in the app, committing once) in each worker thread as it starts: recovery after a crash."""
    queue.on_startup()(_in_app(func))


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Enqueue a job when the current database transaction commits, and never if it rolls back."""
    from ..extensions import db

    session = db.session()
    if not session.in_transaction():
        session.begin()
    session.info.setdefault(_PENDING, []).append((task, args, kwargs))


@sa_event.listens_for(Session, "after_commit")
def _enqueue_committed(session) -> None:
    """Hand the jobs of a transaction that just committed to the queue (a released savepoint is not that yet)."""
    if session.get_nested_transaction() is not None:
        return
    for task, args, kwargs in session.info.pop(_PENDING, ()):
        try:
            enqueue(task, *args, **kwargs)
        except Exception:  # the change is committed; the periodic sweeps pick up what a lost enqueue left
            logger.exception("Could not enqueue %s", getattr(task, "name", task))


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted(session, transaction) -> None:
    """Drop the jobs of a transaction that ended without committing: what they would act on did not happen."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)

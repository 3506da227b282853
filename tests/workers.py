"""Real job workers for the end-to-end tests: the queue on a real store, and `flask jobs worker` processes."""
import os
import signal
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from tracker.core import jobs

PROJECT = Path(__file__).resolve().parent.parent


@contextmanager
def real_queue(app, store: str, tmp_path):
    """Point the app's queue at a real store (SQLite file or TEST_REDIS_URL) for a test, then back to immediate."""
    name = f"tracker-test-{uuid.uuid4().hex[:8]}"
    if store == "redis":
        url = os.environ.get("TEST_REDIS_URL")
        if not url:
            pytest.skip("TEST_REDIS_URL names no Redis server (.ci/run starts one)")
        settings = {"HUEY_REDIS_URL": url}
    else:
        settings = {"HUEY_SQLITE_FILE": str(tmp_path / "jobs.sqlite")}
    keys = ("HUEY_REDIS_URL", "HUEY_SQLITE_FILE", "HUEY_NAME", "JOBS_IMMEDIATE")
    saved = {key: app.config[key] for key in keys}
    app.config.update(settings, HUEY_NAME=name, JOBS_IMMEDIATE=False)
    jobs.init_app(app)
    try:
        yield {**settings, "HUEY_NAME": name}
    finally:
        jobs.queue.storage.flush_all()  # this queue's keys only
        app.config.update(saved)
        jobs.init_app(app)


def worker_environment(app, queue_settings: dict, tmp_path, **extra) -> dict:
    """The environment of a worker process on the test's database, queue and files."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("REDIS_URL", "HUEY_REDIS_URL", "CACHE_REDIS_URL", "RATELIMIT_STORAGE_URI")}
    env.update(queue_settings, FLASK_APP="wsgi", TRACKER_ENV="development", PYTHONUNBUFFERED="1",
               DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], TRACKER_INSTANCE_PATH=str(tmp_path / "instance"),
               EXPORTS_FOLDER=app.config["EXPORTS_FOLDER"], SECURITY_LOG=os.devnull, BASE_URL="http://tracker.test",
               **extra)
    return env


@contextmanager
def running_worker(env: dict, log_path: Path, command: list[str] | None = None):
    """A worker process (by default `flask jobs worker -w 2`), stopped gracefully (Ctrl+C) at the end."""
    log = open(log_path, "w+")
    command = command or [sys.executable, "-m", "flask", "jobs", "worker", "--workers", "2"]
    process = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
    process.log = lambda: Path(log.name).read_text()
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # Huey's consumer stops gracefully on Ctrl+C
            try:
                process.wait(timeout=30)
            finally:
                if process.poll() is None:
                    process.kill()
        log.close()

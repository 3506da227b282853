"""The job queue end to end: a real worker process (`flask jobs worker`) takes the email job the web request
enqueued, on SQLite storage and, when TEST_REDIS_URL names a server (CI starts one), on Redis, and the email
arrives at a real SMTP server on the loopback address."""
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from tracker.core import jobs
from tracker.extensions import db
from tracker.notifications.models import Notification

from .smtp import link_in, text_of
from .waiting import wait_until

PROJECT = Path(__file__).resolve().parent.parent
CODE = "L2.A2.O3"


@pytest.fixture(params=["sqlite", "redis"])
def queue_store(request, app, tmp_path):
    """The queue on a real store for this test (restored to immediate mode after): the worker's settings."""
    name = f"tracker-test-{uuid.uuid4().hex[:8]}"
    if request.param == "redis":
        url = os.environ.get("TEST_REDIS_URL")
        if not url:
            pytest.skip("TEST_REDIS_URL names no Redis server (.ci/run starts one)")
        settings = {"HUEY_REDIS_URL": url}
    else:
        path = str(tmp_path / "jobs.sqlite")
        settings = {"HUEY_SQLITE_FILE": path}
    keys = ("HUEY_REDIS_URL", "HUEY_SQLITE_FILE", "HUEY_NAME", "JOBS_IMMEDIATE")
    saved = {key: app.config[key] for key in keys}
    app.config.update(settings, HUEY_NAME=name, JOBS_IMMEDIATE=False)
    jobs.init_app(app)
    yield {**settings, "HUEY_NAME": name}
    jobs.queue.storage.flush_all()  # this queue's keys only
    app.config.update(saved)
    jobs.init_app(app)


@pytest.fixture
def worker(app, queue_store, smtp_server, tmp_path):
    """`flask jobs worker` in its own process, on the test database, the test queue and the test SMTP server."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("REDIS_URL", "HUEY_REDIS_URL", "CACHE_REDIS_URL", "RATELIMIT_STORAGE_URI")}
    env.update(queue_store, FLASK_APP="wsgi", TRACKER_ENV="development", PYTHONUNBUFFERED="1",
               DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], TRACKER_INSTANCE_PATH=str(tmp_path / "instance"),
               SECURITY_LOG=os.devnull, MAIL_SERVER=smtp_server.hostname, MAIL_PORT=str(smtp_server.port),
               MAIL_USE_TLS="0", BASE_URL="http://tracker.test")
    log = open(tmp_path / "worker.log", "w+")
    process = subprocess.Popen([sys.executable, "-m", "flask", "jobs", "worker", "--workers", "2"], cwd=PROJECT,
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    process.log = lambda: Path(log.name).read_text()
    yield process
    process.send_signal(signal.SIGINT)  # Huey's consumer stops gracefully on Ctrl+C
    try:
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        log.close()


def test_a_real_worker_sends_the_email_a_request_enqueued(app, worker, smtp_server, client_as, assign_responsible,
                                                          make_assessment):
    sg, staff = client_as("secretary_general"), client_as("staff", name="Ana Staff")
    assign_responsible(staff.user)
    assessment = make_assessment(CODE, 2022, state="draft", author=staff.user)
    assert staff.post(f"/assessments/{assessment.id}/submit").status_code == 302
    [notification] = db.session.scalars(select(Notification).where(Notification.user_id == sg.user.id)).all()
    assert notification.emailed_at is None  # the request only enqueued the job

    try:
        [message] = smtp_server.mailbox.wait_for(sg.user.email, timeout=60)
    except AssertionError as failure:
        raise AssertionError(f"{failure}\nworker log:\n{worker.log()}") from None
    assert "Ana Staff submitted Assessment of L2.A2.O3 for 2022" in text_of(message)
    assert link_in(message, "http://tracker.test") == "http://tracker.test/assessments/review"

    def claimed():
        db.session.rollback()  # a fresh snapshot each time: the job commits just after the email left
        return db.session.get(Notification, notification.id).emailed_at is not None

    wait_until(claimed, timeout=30, message=lambda: f"the job never committed; worker log:\n{worker.log()}")
    assert "Job worker: 2 thread(s), scheduler on" in worker.log()

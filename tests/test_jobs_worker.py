"""The job queue end to end: a real worker process (`flask jobs worker`) takes the email job the web request
enqueued, on SQLite storage and, when TEST_REDIS_URL names a server (CI starts one), on Redis, and the email
arrives at a real SMTP server on the loopback address."""
import pytest
from sqlalchemy import select

from tracker.extensions import db
from tracker.notifications.models import Notification

from .smtp import link_in, text_of
from .waiting import wait_until
from .workers import real_queue, running_worker, worker_environment

CODE = "L2.A2.O3"


@pytest.fixture(params=["sqlite", "redis"])
def queue_store(request, app, tmp_path):
    """The queue on a real store for this test (restored to immediate mode after): the worker's settings."""
    with real_queue(app, request.param, tmp_path) as settings:
        yield settings


@pytest.fixture
def worker(app, queue_store, smtp_server, tmp_path):
    """`flask jobs worker` in its own process, on the test database, the test queue and the test SMTP server."""
    env = worker_environment(app, queue_store, tmp_path, MAIL_SERVER=smtp_server.hostname,
                             MAIL_PORT=str(smtp_server.port), MAIL_USE_TLS="0")
    with running_worker(env, tmp_path / "worker.log") as process:
        yield process


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

"""Notifications: each event tells exactly its people, in the tracker (the bell) and by email through a real SMTP
server on the loopback address; immediate or daily digest; nothing for a change that rolled back."""
from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import func, select

from tracker.core import review
from tracker.core.errors import Invalid
from tracker.core.models import utcnow
from tracker.core.transaction import attempt
from tracker.extensions import db
from tracker.notifications import jobs, services
from tracker.notifications.models import Notification
from tracker.reports.models import Report

from .smtp import free_port, html_of, link_in, text_of

CODE = "L2.A2.O3"
BASE = "http://tracker.test"


def _notifications(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


@pytest.fixture
def submitted(client_as, assign_responsible, make_assessment):
    """A staff member's assessment, submitted through the page; the Secretary General exists first."""

    def build(sg_kwargs=None):
        sg = client_as("secretary_general", **(sg_kwargs or {}))
        staff = client_as("staff", name="Ana Staff")
        assign_responsible(staff.user)
        assessment = make_assessment(CODE, 2022, state="draft", author=staff.user)
        assert staff.post(f"/assessments/{assessment.id}/submit").status_code == 302
        return sg, staff, assessment

    return build


def test_a_submission_tells_the_secretary_general_by_email(app, mailbox, submitted, client_as):
    other_sg = client_as("secretary_general")
    board = client_as("board")
    sg, staff, assessment = submitted()
    for person in (sg, other_sg):
        [message] = mailbox.wait_for(person.user.email)
        assert message["Subject"] == f"Ana Staff submitted Assessment of {CODE} for 2022 for review."
        body = text_of(message)
        assert "because you are the Secretary General, who reviews what staff submit" in body
        assert link_in(message, BASE) == f"{BASE}/assessments/review"
        assert f'href="{BASE}/assessments/review"' in html_of(message)
    assert mailbox.to(staff.user.email) == [] and mailbox.to(board.user.email) == []
    [notification] = _notifications(sg.user)
    assert notification.kind == "submitted" and notification.emailed_at is not None
    assert _notifications(staff.user) == []


def test_returned_with_the_note_and_approved_tell_the_author(app, mailbox, submitted):
    sg, staff, assessment = submitted()
    sg.post(f"/assessments/{assessment.id}/review", data={"decision": "return", "note": "Say how <many> people"})
    [returned] = mailbox.wait_for(staff.user.email)
    assert "returned Assessment of L2.A2.O3 for 2022 to you: Say how <many> people" in text_of(returned)
    assert "Say how &lt;many&gt; people" in html_of(returned)  # user text escaped in the HTML part
    assert link_in(returned, BASE) == f"{BASE}/assessments/{CODE}/2022"
    assert "because you wrote it and the reviewer returned it to you" in text_of(returned)

    staff.post(f"/assessments/{assessment.id}/submit")
    sg.post(f"/assessments/{assessment.id}/review", data={"decision": "approve"})
    approved = mailbox.wait_for(staff.user.email, 2)[1]
    assert approved["Subject"] == f"{sg.user.name} approved Assessment of {CODE} for 2022."
    assert [n.kind for n in _notifications(staff.user)] == ["returned", "approved"]
    assert [n.kind for n in _notifications(sg.user)] == ["submitted", "submitted"]  # staff submitted twice


def test_an_indicator_value_is_notified_too(app, mailbox, client_as, make_indicator, make_value):
    sg, staff = client_as("secretary_general"), client_as("staff")
    indicator = make_indicator(code="N-1", outcome_code=None, targets={2022: 5})
    value = make_value(indicator, 2022, 3, state="draft", entered_by=staff.user)
    review.submit(staff.user, value)
    db.session.commit()
    mailbox.wait_for(sg.user.email)
    review.approve(sg.user, value)
    db.session.commit()
    [message] = mailbox.wait_for(staff.user.email)
    assert link_in(message, BASE) == f"{BASE}/indicators/{indicator.id}/values/2022"


def test_made_responsible_tells_that_person(app, mailbox, client_as):
    sg = client_as("secretary_general")
    ana, ben = client_as("staff"), client_as("staff")
    response = sg.post(f"/assessments/{CODE}/responsibles", data={"users": [str(ana.user.id)]})
    assert response.status_code == 302
    [message] = mailbox.wait_for(ana.user.email)
    assert message["Subject"].startswith(f"{sg.user.name} made you responsible for outcome {CODE}: ")
    assert link_in(message, BASE) == f"{BASE}/plan/outcomes/{CODE}"
    assert "because you were made responsible for this outcome" in text_of(message)
    sg.post(f"/assessments/{CODE}/responsibles", data={"users": [str(ana.user.id), str(ben.user.id)]})
    mailbox.wait_for(ben.user.email)
    assert len(mailbox.to(ana.user.email)) == 1  # already responsible: not told again


def test_a_final_report_tells_every_board_member(app, mailbox, client_as, make_user):
    sg = client_as("secretary_general")
    members = [make_user("board"), make_user("board")]
    make_user("board", active=False)
    report = Report(kind="board", year=2022, filename="board-2022.pdf", sha256="0" * 64, size=0, pages=1,
                    draft=False, is_final=False, generated_by_id=sg.user.id)
    db.session.add(report)
    db.session.commit()
    assert sg.post(f"/reports/{report.id}/final").status_code == 302
    for member in members:
        [message] = mailbox.wait_for(member.email)
        assert message["Subject"] == "The 2022 evaluation is ready."
        assert "because you are a member of the Board" in text_of(message)
    assert db.session.scalar(select(func.count(Notification.id))) == 2  # nobody else, not the inactive member


def test_a_change_that_rolls_back_notifies_nobody(app, mailbox, client_as, make_assessment, assign_responsible):
    sg, staff = client_as("secretary_general"), client_as("staff")
    assessment = make_assessment(CODE, 2022, state="draft", author=staff.user)

    def submit_then_fail():
        review.submit(staff.user, assessment)
        raise Invalid("refused after the submission")

    with app.test_request_context():
        g.pop("tracker_committed", None)
        assert not attempt(submit_then_fail, show=False).ok
    review.submit(staff.user, assessment)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Notification.id))) == 0
    # A later committed change is mailed: only it, not the rolled-back ones.
    review.submit(staff.user, db.session.get(type(assessment), assessment.id))
    db.session.commit()
    assert len(mailbox.wait_for(sg.user.email)) == 1
    assert len(mailbox.messages) == 1


def test_the_digest_sends_one_email_a_day_with_everything_unsent(app, mailbox, submitted, client_as,
                                                                 make_assessment):
    sg, staff, assessment = submitted()
    sg.post("/notifications/settings", data={"delivery": "digest"})
    db.session.refresh(sg.user)
    assert sg.user.email_digest
    mailbox.wait_for(sg.user.email)  # the first submission was before the choice: emailed at once
    staff.post(f"/assessments/{assessment.id}/submit")  # already submitted: refused, nobody told
    second = client_as("staff")
    review.submit(second.user, make_assessment("L1.A1.O1", 2022, state="draft", author=second.user))
    db.session.commit()
    assert len(mailbox.to(sg.user.email)) == 1  # the digest user gets nothing now
    assert jobs.daily_digest.call_local() == 1
    [_, digest] = mailbox.wait_for(sg.user.email, 2)
    assert digest["Subject"] == "1 new notification in the SAP tracker"
    assert "L1.A1.O1" in text_of(digest) and "because you chose one daily digest" in text_of(digest)
    assert f"{BASE}/notifications" in text_of(digest)
    assert jobs.daily_digest.call_local() == 0  # nothing left: the job is safe to run again
    assert services.email_digest(sg.user.id) == 0
    assert len(mailbox.to(sg.user.email)) == 2


def test_the_digest_leaves_at_the_configured_hour(app):
    from datetime import datetime

    assert jobs._digest_time(datetime(2022, 5, 2, app.config["DIGEST_HOUR_UTC"], 0))
    assert not jobs._digest_time(datetime(2022, 5, 2, app.config["DIGEST_HOUR_UTC"], 1))
    assert not jobs._digest_time(datetime(2022, 5, 2, (app.config["DIGEST_HOUR_UTC"] + 1) % 24, 0))


def test_an_email_job_run_twice_sends_once_and_a_failed_send_is_swept_later(app, mailbox, client_as):
    sg, staff = client_as("secretary_general"), client_as("staff")
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # nobody listens
    try:
        [made] = services.notify([sg.user], "submitted", "Something to review", "/assessments/review")
        db.session.commit()  # the email job fails (connection refused) and rolls back its claim
    finally:
        app.config["MAIL_PORT"] = port
    db.session.refresh(made)
    assert made.emailed_at is None and mailbox.messages == []
    assert jobs.sweep_unsent.call_local() == 0  # too recent to be called lost
    made.created_at = utcnow() - timedelta(minutes=11)
    db.session.commit()
    assert jobs.sweep_unsent.call_local() == 1
    mailbox.wait_for(sg.user.email)
    jobs.send_email(made.id)  # enqueued again (a retry, say): claims nothing, sends nothing
    assert services.email_one(made.id) is False
    assert len(mailbox.to(sg.user.email)) == 1 and mailbox.to(staff.user.email) == []


def test_the_bell_counts_unread_and_opening_the_list_marks_them_read(app, client_as, count_queries):
    staff = client_as("staff")
    services.notify([staff.user], "approved", "Someone approved <b>it</b>.", "/plan/")
    services.notify([staff.user], "responsible", "You answer for L1.A1.O1", "/plan/outcomes/L1.A1.O1")
    db.session.commit()
    html = staff.get("/plan/").get_data(as_text=True)
    assert 'data-unread="2"' in html and '2<span class="visually-hidden"> unread</span>' in html
    page = staff.get("/notifications/").get_data(as_text=True)
    assert page.count(">New</span>") == 2 and "Someone approved &lt;b&gt;it&lt;/b&gt;." in page
    assert 'data-unread="0"' in page and "none unread" in page
    assert all(n.read_at is not None for n in _notifications(staff.user))
    assert all(n.emailed_at is not None for n in _notifications(staff.user))  # seen: no email will follow
    again = staff.get("/notifications/").get_data(as_text=True)
    assert ">New</span>" not in again and "Someone approved" in again
    services.notify([staff.user], "approved", "One more", "/plan/")
    db.session.commit()
    db.session.refresh(staff.user)
    with count_queries() as statements:
        assert services.unread_count(staff.user) == 1
    assert len(statements) == 1  # the bell on every page: one count


def test_the_list_shows_only_ones_own(app, client_as):
    ana, ben = client_as("staff"), client_as("staff")
    services.notify([ben.user], "approved", "Only for Ben", "/plan/")
    db.session.commit()
    assert "Only for Ben" not in ana.get("/notifications/").get_data(as_text=True)
    assert 'data-unread="1"' in ben.get("/plan/").get_data(as_text=True)
    assert _notifications(ben.user)[0].read_at is None


def test_the_settings_refuse_a_bad_choice_and_need_csrf(app, csrf_app, client_as, login):
    staff = client_as("staff")
    response = staff.post("/notifications/settings", data={"delivery": "hourly"})
    assert response.status_code == 400 and "Not a valid choice" in response.get_data(as_text=True)
    db.session.refresh(staff.user)
    assert not staff.user.email_digest
    client = login(csrf_app.test_client(), staff.user)
    assert client.post("/notifications/settings", data={"delivery": "digest"}).status_code == 400
    db.session.refresh(staff.user)
    assert not staff.user.email_digest


def test_the_demo_record_notifies_as_history_and_emails_nobody(app, runner, mailbox):
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    rows = db.session.scalars(select(Notification)).all()
    assert {"submitted", "approved", "responsible"} <= {n.kind for n in rows}
    assert all(n.read_at is not None and n.emailed_at is not None for n in rows)
    assert mailbox.messages == []

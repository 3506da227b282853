"""The reporting calendar: a year's three dates set in order on the Board meeting page, and the reminders before
and after each date to exactly those whose part is missing, naming it, each sent once (also by email, through a
real SMTP server)."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tracker.audit.models import AuditEntry
from tracker.calendar import jobs, services
from tracker.calendar.models import ReminderSent
from tracker.core.errors import Invalid, NotAllowed, YearLocked
from tracker.core.models import utcnow
from tracker.core.years import lock_year
from tracker.extensions import db
from tracker.notifications.models import Notification
from tracker.reports import board
from tracker.reports.models import BoardYear

from .smtp import link_in, text_of

BASE = "http://tracker.test"
DRAFTED, REVIEWED, MEETING = date(2023, 2, 1), date(2023, 2, 20), date(2023, 3, 14)


def _notifications(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def _set_dates(make_user, year=2022, dates=(DRAFTED, REVIEWED, MEETING)):
    sg = make_user("secretary_general")
    board.set_dates(sg, year, *dates)
    db.session.commit()
    return sg


@pytest.fixture
def reminders(app):
    """Reminders 15 days before and 3 after each date (the default), whatever the environment says."""
    saved = app.config["REMINDER_DAYS_BEFORE"], app.config["REMINDER_DAYS_AFTER"]
    app.config.update(REMINDER_DAYS_BEFORE=(15,), REMINDER_DAYS_AFTER=(3,))
    yield
    app.config["REMINDER_DAYS_BEFORE"], app.config["REMINDER_DAYS_AFTER"] = saved


# --- setting the dates --------------------------------------------------------------------------------------------


def test_the_three_dates_are_saved_and_audited(app, make_user):
    sg = _set_dates(make_user)
    row = db.session.get(BoardYear, 2022)
    assert (row.drafted_by, row.reviewed_by, row.meeting_date) == (DRAFTED, REVIEWED, MEETING)
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "board_year")).all()
    assert entry.user_id == sg.id and "assessments drafted by 2023-02-01" in entry.summary


def test_the_meeting_date_alone_keeps_the_other_two(app, make_user):
    sg = _set_dates(make_user)
    board.set_meeting_date(sg, 2022, date(2023, 3, 20))
    row = db.session.get(BoardYear, 2022)
    assert (row.drafted_by, row.reviewed_by, row.meeting_date) == (DRAFTED, REVIEWED, date(2023, 3, 20))


@pytest.mark.parametrize("dates, field", [
    ((REVIEWED, DRAFTED, MEETING), "reviewed_by"),
    ((DRAFTED, MEETING, REVIEWED), "meeting_date"),
    ((MEETING, None, REVIEWED), "meeting_date"),  # a date not set is skipped, the others still in order
])
def test_dates_out_of_order_are_refused_next_to_the_field(app, make_user, dates, field):
    sg = make_user("secretary_general")
    with pytest.raises(Invalid) as refused:
        board.set_dates(sg, 2022, *dates)
    assert refused.value.field == field and "on or after" in str(refused.value)


def test_a_locked_year_and_staff_are_refused(app, make_user):
    sg, staff = make_user("secretary_general"), make_user("staff")
    with pytest.raises(NotAllowed):
        board.set_dates(staff, 2022, DRAFTED, REVIEWED, MEETING)
    lock_year(sg, 2022)
    with pytest.raises(YearLocked):
        board.set_dates(sg, 2022, DRAFTED, REVIEWED, MEETING)


def _form(drafted, reviewed, meeting):
    return {"drafted_by": drafted, "reviewed_by": reviewed, "meeting_date": meeting}


def test_the_page_saves_refuses_bad_order_and_staff(app, client_as):
    sg, staff = client_as("secretary_general"), client_as("staff")
    page = sg.get("/reports/board/2022").get_data(as_text=True)
    assert 'name="drafted_by"' in page and 'name="reviewed_by"' in page and 'name="meeting_date"' in page

    bad = sg.post("/reports/board/2022/date", data=_form("2023-02-20", "2023-02-01", "2023-03-14"))
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    message = "Choose a date on or after “assessments drafted by” (2023-02-20)."
    assert message in html and html.index(message) > html.index('name="reviewed_by"')  # next to its field
    assert db.session.get(BoardYear, 2022) is None  # nothing changed

    assert staff.post("/reports/board/2022/date", data=_form("2023-02-01", "2023-02-20", "2023-03-14")) \
        .status_code == 403
    assert db.session.get(BoardYear, 2022) is None

    assert sg.post("/reports/board/2022/date", data=_form("2023-02-01", "2023-02-20", "2023-03-14")) \
        .status_code == 302
    db.session.expire_all()
    assert db.session.get(BoardYear, 2022).reviewed_by == REVIEWED


# --- who is reminded, of what -------------------------------------------------------------------------------------


def test_drafted_by_reminds_exactly_the_responsibles_with_assessments_missing(
        app, reminders, make_user, assign_responsible, make_assessment):
    _set_dates(make_user)
    missing, returned, done, drafting = (make_user("staff", name=n) for n in ("Missing", "Returned", "Done", "Draft"))
    assign_responsible(missing, "L1.A1.O1")
    assign_responsible(missing, "L2.A2.O3")
    assign_responsible(returned, "L1.A1.O2")
    assign_responsible(done, "L1.A1.O3")
    assign_responsible(drafting, "L1.A2.O1")
    make_assessment("L1.A1.O2", 2022, state="returned")
    make_assessment("L1.A1.O3", 2022, state="submitted")
    make_assessment("L1.A2.O1", 2022, state="draft")
    make_assessment("L2.A2.O3", 2021, state="approved")  # another year: still missing for 2022
    outsider = make_user("staff")

    assert services.send_reminders(DRAFTED - timedelta(days=15)) == 3
    db.session.commit()
    [note] = _notifications(missing)
    assert note.kind == "reminder_drafted_by" and note.link == "/my-work"
    assert note.text == ("Reminder: assessments of 2022 are due by 2023-02-01, in 15 days. You are responsible for "
                         "these outcomes, whose assessment is not submitted yet: L1.A1.O1, L2.A2.O3.")
    assert "L1.A1.O2." in _notifications(returned)[0].text
    assert "L1.A2.O1." in _notifications(drafting)[0].text
    assert _notifications(done) == [] and _notifications(outsider) == []


def test_a_reminder_is_never_sent_twice(app, reminders, make_user, assign_responsible):
    _set_dates(make_user)
    staff = make_user("staff")
    assign_responsible(staff)
    day = DRAFTED - timedelta(days=15)
    assert services.send_reminders(day) == 1
    assert services.send_reminders(day) == 0
    assert services.send_reminders(day + timedelta(days=5)) == 0  # still the same (15 days before) reminder
    db.session.commit()
    assert jobs.daily_reminders.call_local() == 0  # the job runs for today, years after: nothing stale is sent
    assert services.send_reminders(DRAFTED + timedelta(days=11)) == 0  # the 3-days-after one, missed too long
    assert services.send_reminders(DRAFTED + timedelta(days=3)) == 1  # 3 days after: the next reminder
    db.session.commit()
    assert len(_notifications(staff)) == 2
    assert "2023-02-01, 3 days ago" in _notifications(staff)[1].text
    assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == 2


def test_the_key_holds_when_another_worker_sent_it_meanwhile(app, reminders, make_user, assign_responsible):
    _set_dates(make_user)
    staff = make_user("staff")
    assign_responsible(staff)
    db.session.add(ReminderSent(user_id=staff.id, date_kind="drafted_by", year=2022, offset_days=-15))
    db.session.flush()  # as if another worker claimed it after this run read what was sent
    db.session.expire_all()
    assert services._claim(staff, "drafted_by", 2022, -15) is False
    assert _notifications(staff) == []


def test_nothing_is_sent_before_the_first_offset_or_when_nothing_is_missing(
        app, reminders, make_user, assign_responsible, make_assessment):
    sg = _set_dates(make_user)
    staff = make_user("staff")
    assign_responsible(staff)
    assert services.send_reminders(DRAFTED - timedelta(days=16)) == 0
    make_assessment("L2.A2.O3", 2022, state="approved")
    # Nothing submitted waits for review, but the Board evaluation is not final: the meeting reminder only.
    assert services.send_reminders(REVIEWED - timedelta(days=15)) == 0
    assert services.send_reminders(MEETING - timedelta(days=15)) == 1
    assert [n.kind for n in _notifications(sg)] == ["reminder_meeting_date"]
    lock_year(sg, 2022)  # the evaluation is final: nothing is owed any more
    assert services.send_reminders(MEETING + timedelta(days=3)) == 0
    assert _notifications(staff) == []


def test_reviewed_by_reminds_the_secretaries_general_with_the_count(
        app, reminders, make_user, make_assessment, make_indicator, make_value):
    sg = _set_dates(make_user)
    other_sg, admin = make_user("secretary_general"), make_user("admin")
    make_assessment("L1.A1.O1", 2022, state="submitted")
    make_assessment("L1.A1.O2", 2022, state="submitted")
    make_assessment("L1.A1.O3", 2021, state="submitted")  # another year
    make_value(make_indicator(code="N-1", outcome_code=None, targets={2022: 5}), 2022, 4, state="submitted")
    assert services.send_reminders(REVIEWED - timedelta(days=15)) == 2
    for person in (sg, other_sg):
        [note] = _notifications(person)
        assert note.kind == "reminder_reviewed_by" and note.link == "/assessments/review"
        assert "2 assessments and 1 indicator value of 2022 wait for your review" in note.text
    assert _notifications(admin) == []


def test_a_reminder_is_emailed_through_smtp(app, reminders, mailbox, make_user, assign_responsible):
    _set_dates(make_user)
    staff = make_user("staff", name="Ana Staff")
    assign_responsible(staff)
    services.send_reminders(DRAFTED + timedelta(days=3))
    db.session.commit()  # the email leaves once the reminder is committed
    [message] = mailbox.wait_for(staff.email)
    assert message["Subject"].startswith("Reminder: assessments of 2022 are due by 2023-02-01, 3 days ago.")
    body = text_of(message)
    assert "L2.A2.O3" in body
    assert "because you are responsible for outcomes whose assessment is not submitted yet" in body
    assert link_in(message, BASE) == f"{BASE}/my-work"


def test_the_review_and_meeting_reminders_are_emailed_through_smtp(app, reminders, mailbox, make_user,
                                                                  make_assessment):
    sg = _set_dates(make_user)
    make_assessment("L1.A1.O1", 2022, state="submitted")
    services.send_reminders(REVIEWED - timedelta(days=15))
    db.session.commit()
    [review] = mailbox.wait_for(sg.email)
    assert review["Subject"].startswith("Reminder: the review of 2022 is due by 2023-02-20, in 15 days.")
    assert "1 assessment and 0 indicator values of 2022 wait for your review" in text_of(review)
    assert link_in(review, BASE) == f"{BASE}/assessments/review"
    services.send_reminders(MEETING - timedelta(days=15))
    db.session.commit()
    # 15 days before the meeting is also 7 days after "reviewed by", whose reminder 3 days after catches up.
    [meeting] = [m for m in mailbox.wait_for(sg.email, count=3) if "Board meeting" in m["Subject"]]
    assert meeting["Subject"].startswith("Reminder: the Board meeting for 2022 is on 2023-03-14, in 15 days.")
    assert "the Board evaluation 2022 is not marked final yet" in text_of(meeting)
    assert link_in(meeting, BASE) == f"{BASE}/reports/board/2022"


# --- where the dates show -----------------------------------------------------------------------------------------


def test_my_work_and_the_overview_show_the_current_years_dates(app, client_as, make_user):
    saved, app.config["CURRENT_PLAN_YEAR"] = app.config["CURRENT_PLAN_YEAR"], 2022
    try:
        today = utcnow().date()  # the day the pages count from
        board.set_dates(make_user("secretary_general"), 2022, today - timedelta(days=2), today,
                        today + timedelta(days=9))
        db.session.commit()
        staff = client_as("staff")
        page = staff.get("/my-work").get_data(as_text=True)
        assert "Assessments drafted by" in page and "2 days overdue" in page and "9 days left" in page
        overview = staff.get("/overview/").get_data(as_text=True)
        assert "Calendar 2022" in overview and "(today)" in overview and "9 days left" in overview
    finally:
        app.config["CURRENT_PLAN_YEAR"] = saved


def test_the_due_offset_is_the_latest_reached_and_not_stale(app, reminders):
    app.config["REMINDER_DAYS_BEFORE"] = (15, 7)
    when = date(2023, 2, 1)
    assert services.due_offset(when, when - timedelta(days=16)) is None
    assert services.due_offset(when, when - timedelta(days=15)) == -15
    assert services.due_offset(when, when - timedelta(days=6)) == -7  # a missed day: the latest only
    assert services.due_offset(when, when) == -7
    assert services.due_offset(when, when + timedelta(days=1)) is None  # past the date, before the after-reminder
    assert services.due_offset(when, when + timedelta(days=3)) == 3
    assert services.due_offset(when, when + timedelta(days=10)) == 3
    assert services.due_offset(when, when + timedelta(days=11)) is None

"""Yearly assessments: who writes and reviews them, the review steps, the lock, my updates and the review queue."""
import random
from datetime import date

import pytest
from sqlalchemy import func, select

from tracker.assessments import services
from tracker.assessments.models import Assessment
from tracker.audit.models import AuditEntry
from tracker.core import review, years
from tracker.core.errors import DomainError, NotAllowed, ReviewError, YearLocked
from tracker.core.years import YearLock
from tracker.demo.seed import seed_demo_assessments
from tracker.extensions import db
from tracker.plan import responsibles
from tracker.plan.models import outcome_responsible
from tracker.review import services as review_services

CODE = "L2.A2.O3"
TEXT = {"status": "on_track", "achieved": "Three trainings for 90 practitioners.", "difficulties": "Travel.",
        "next_steps": "A fourth session."}


@pytest.fixture
def assessment_of(find_outcome):
    """assessment_of(code=CODE, year=2022) -> the assessment of that outcome and year, or None."""

    def _assessment(code=CODE, year=2022) -> Assessment | None:
        db.session.expire_all()
        return db.session.scalar(select(Assessment).where(Assessment.outcome_id == find_outcome(code).id,
                                                          Assessment.year == year))

    return _assessment


def _entries(entity_type, entity_id=None):
    query = select(AuditEntry).where(AuditEntry.entity_type == entity_type).order_by(AuditEntry.id)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    return db.session.scalars(query).all()


# ---------------------------------------------------------------- services


def test_current_plan_year_is_configured_or_clamped(app):
    old = app.config["CURRENT_PLAN_YEAR"]
    try:
        app.config["CURRENT_PLAN_YEAR"] = 2022
        assert years.current_plan_year() == 2022
        app.config["CURRENT_PLAN_YEAR"] = 2030
        assert years.current_plan_year() == 2023
        app.config["CURRENT_PLAN_YEAR"] = None
        assert years.current_plan_year() == min(max(date.today().year, 2021), 2023)
    finally:
        app.config["CURRENT_PLAN_YEAR"] = old


def test_staff_writes_only_for_outcomes_they_answer_for(app, make_user, find_outcome, assign_responsible,
                                                        assessment_of):
    ana, ben = make_user("staff"), make_user("staff")
    assign_responsible(ana)
    with pytest.raises(NotAllowed):
        services.save_draft(ben, find_outcome(CODE), 2022, TEXT)
    assessment = services.save_draft(ana, find_outcome(CODE), 2022, TEXT)
    db.session.commit()
    assert (assessment.review_state, assessment.author_id, assessment.status) == ("draft", ana.id, "on_track")
    with pytest.raises(NotAllowed):
        services.submit(ben, assessment)
    with pytest.raises(NotAllowed):
        services.save_draft(make_user("board"), find_outcome(CODE), 2022, TEXT)
    # The author keeps access to their own assessment even once no longer responsible.
    db.session.execute(outcome_responsible.delete())
    db.session.commit()
    services.save_draft(ana, find_outcome(CODE), 2022, {**TEXT, "status": "needs_attention"})
    db.session.commit()
    assert assessment_of().status == "needs_attention"
    with pytest.raises(DomainError):
        services.save_draft(ana, find_outcome(CODE), 2022, {**TEXT, "status": "brilliant"})


def test_review_transitions_and_who_may_make_them(app, make_user, find_outcome, assign_responsible):
    staff, sg, board = make_user("staff"), make_user("secretary_general"), make_user("board")
    assign_responsible(staff)
    assessment = services.save_draft(staff, find_outcome(CODE), 2022, TEXT)
    with pytest.raises(ReviewError):
        review.approve(sg, assessment)  # a draft is not approved before it is submitted
    services.submit(staff, assessment)
    with pytest.raises(ReviewError):
        services.submit(staff, assessment)
    for who in (staff, board):
        with pytest.raises(NotAllowed):
            review.approve(who, assessment)
        with pytest.raises(NotAllowed):
            review.return_(who, assessment, "No")
    with pytest.raises(ReviewError, match="note"):
        review.return_(sg, assessment, "   ")
    review.return_(sg, assessment, "Add the figures")
    assert (assessment.review_state, assessment.review_note, assessment.reviewed_by_id) == (
        "returned", "Add the figures", sg.id)
    services.save_draft(staff, find_outcome(CODE), 2022, {**TEXT, "achieved": "Three trainings, 90 people, 48% women"})
    assert assessment.review_state == "returned"  # still waiting for the author to send it back
    services.submit(staff, assessment)
    review.approve(sg, assessment)
    assert assessment.review_state == "approved"
    services.save_draft(staff, find_outcome(CODE), 2022, {**TEXT, "next_steps": "Two more sessions"})
    assert assessment.review_state == "draft"  # a change needs a new review
    assert assessment.review_note == "Add the figures"  # the reviewer's note stays
    db.session.commit()
    actions = [e.action for e in _entries("assessment", assessment.id)]
    assert actions == ["create", "submit", "return", "update", "submit", "approve", "update"]
    last = _entries("assessment", assessment.id)[-1]
    assert last.before["review_state"] == "approved" and last.after["review_state"] == "draft"
    assert ("next_steps", "A fourth session.", "Two more sessions") in last.changes()


def test_assessments_by_outcome_is_one_query(app, count_queries, make_assessment, find_outcome):
    for code in ("L1.A1.O1", "L1.A1.O2", "L3.A5.O1"):
        make_assessment(code, 2022)
    make_assessment("L1.A1.O1", 2021)
    with count_queries() as statements:
        result = services.assessments_by_outcome(2022)
    assert len(statements) == 1
    assert set(result) == {find_outcome(c).id for c in ("L1.A1.O1", "L1.A1.O2", "L3.A5.O1")}


def test_lock_refuses_every_change_and_admin_reopens(app, make_user, make_assessment, make_indicator, make_value,
                                                     find_outcome, assign_responsible):
    staff, sg, admin = make_user("staff"), make_user("secretary_general"), make_user("admin")
    assign_responsible(staff)
    submitted = make_assessment(CODE, 2022, state="submitted", author=staff)
    indicator = make_indicator(code="PW-X", targets={2022: 10})
    value = make_value(indicator, 2022, 5, state="submitted", entered_by=staff)
    with pytest.raises(NotAllowed):
        years.lock_year(staff, 2022)
    years.lock_year(sg, 2022)
    years.lock_year(sg, 2022)  # locking twice changes nothing
    db.session.commit()
    assert years.is_locked(2022) and years.locked_years() == {2022}
    from tracker.indicators import services as indicator_services
    attempts = [
        lambda: services.save_draft(staff, find_outcome(CODE), 2022, TEXT),
        lambda: review.approve(sg, submitted),
        lambda: review.return_(sg, submitted, "No"),
        lambda: indicator_services.save_value(staff, indicator, 2022, 6),
        lambda: review.approve(sg, value),
        lambda: indicator_services.set_targets(sg, indicator, {2022: 12}, "new plan"),
        lambda: indicator_services.set_override(sg, indicator, 2022, "on_track", "because"),
    ]
    for attempt in attempts:
        with pytest.raises(YearLocked, match="2022 is locked"):
            attempt()
        db.session.rollback()
    services.save_draft(staff, find_outcome(CODE), 2023, TEXT)  # other years are open
    with pytest.raises(NotAllowed):
        years.reopen_year(sg, 2022, "typo")
    with pytest.raises(DomainError):
        years.reopen_year(admin, 2022, "  ")
    years.reopen_year(admin, 2022, "A figure was wrong in the final report")
    db.session.commit()
    assert not years.is_locked(2022)
    entries = _entries("year_lock", 2022)
    assert [(e.action, e.user_id) for e in entries] == [("lock", sg.id), ("reopen", admin.id)]
    assert entries[1].after["reason"] == "A figure was wrong in the final report"
    review.approve(sg, db.session.get(Assessment, submitted.id))


def test_due_for_lists_what_is_missing_and_returned(app, make_user, make_assessment, make_indicator, make_value,
                                                    assign_responsible):
    ana, ben = make_user("staff"), make_user("staff")
    assign_responsible(ana, CODE)
    assign_responsible(ana, "L1.A1.O1")
    assign_responsible(ben, "L3.A1.O1")
    make_assessment("L1.A1.O1", 2022, state="draft", author=ana)
    returned = make_assessment(CODE, 2021, state="returned", author=ana)
    plan_wide = make_indicator(code="PW-A")
    mine = make_indicator(code="L2-X", outcome_code=CODE)
    others = make_indicator(code="L3-X", outcome_code="L3.A1.O1")
    make_indicator(code="L2-C", outcome_code=CODE, method="participants")  # computed: nothing to enter
    done = make_indicator(code="PW-B")
    make_value(done, 2022, 3, state="draft")
    returned_value = make_value(mine, 2021, 3, state="returned", entered_by=ana)
    due = review_services.due_for(ana, 2022)
    assert [o.code for o in due["missing_assessments"]] == [CODE]
    assert [a.outcome.code for a in due["draft_assessments"]] == ["L1.A1.O1"]
    assert {i.code for i in due["missing_values"]} == {"PW-A", "L2-X"}
    assert [a.id for a in due["returned_assessments"]] == [returned.id]
    assert [v.id for v in due["returned_values"]] == [returned_value.id]
    assert {i.code for i in review_services.due_for(ben, 2022)["missing_values"]} == {"PW-A", "L3-X"}
    assert plan_wide and others
    years.lock_year(None, 2022)
    db.session.commit()
    locked = review_services.due_for(ana, 2022)
    assert locked["locked"] and locked["missing_assessments"] == [] and locked["missing_values"] == []


def test_review_queue_holds_submitted_items_only(app, make_user, make_assessment, make_indicator, make_value):
    staff = make_user("staff")
    waiting = make_assessment(CODE, 2022, state="submitted", author=staff)
    make_assessment("L1.A1.O1", 2022, state="draft")
    make_assessment("L1.A1.O2", 2022, state="approved")
    indicator = make_indicator(code="PW-Q")
    value = make_value(indicator, 2022, 7, state="submitted", entered_by=staff)
    make_value(indicator, 2021, 7, state="returned")
    queue = review_services.queue()
    assert [a.id for a in queue["assessments"]] == [waiting.id]
    assert [v.id for v in queue["values"]] == [value.id]


def test_set_responsibles_is_audited_and_only_for_staff(app, make_user, find_outcome):
    sg, ana, ben, board = (make_user("secretary_general"), make_user("staff"), make_user("staff"),
                           make_user("board"))
    with pytest.raises(NotAllowed):
        responsibles.set_responsibles(ana, find_outcome(CODE), [ana])
    with pytest.raises(DomainError):
        responsibles.set_responsibles(sg, find_outcome(CODE), [board])
    responsibles.set_responsibles(sg, find_outcome(CODE), [ana, ben])
    responsibles.set_responsibles(sg, find_outcome(CODE), [ben])
    db.session.commit()
    assert [o.code for o in responsibles.responsible_outcomes(ben)] == [CODE]
    assert responsibles.responsible_outcomes(ana) == []
    entries = _entries("outcome_responsible", find_outcome(CODE).id)
    assert [e.after["user_ids"] for e in entries] == [sorted([ana.id, ben.id]), [ben.id]]


def test_demo_assessments_are_varied_and_idempotent(app, make_user):
    make_user("staff")
    make_user("secretary_general")
    first = seed_demo_assessments(random.Random(7))
    db.session.commit()
    assert first["responsibles"] == 35
    rows = db.session.scalars(select(Assessment)).all()
    by_year = {year: [a for a in rows if a.year == year] for year in (2021, 2022, 2023)}
    assert 25 <= len(by_year[2021]) < 35 and len(by_year[2023]) < len(by_year[2022])
    assert sum(a.review_state == "approved" for a in by_year[2022]) > len(by_year[2022]) * 0.7
    assert {"off_track", "needs_attention"} <= {a.status for a in by_year[2021] + by_year[2022]}
    assert len({a.review_state for a in by_year[2023]}) >= 3
    assert all(a.achieved for a in rows)
    assert seed_demo_assessments(random.Random(8)) == {"assessments": 0, "responsibles": 0}


# ---------------------------------------------------------------- pages


def test_staff_writes_submits_and_sg_reviews_through_the_pages(app, client_as, assign_responsible, assessment_of):
    staff, sg = client_as("staff"), client_as("secretary_general")
    assign_responsible(staff.user)
    url = f"/assessments/{CODE}/2022"
    assert staff.get(url).status_code == 200
    response = staff.post(url, data={**TEXT, "status": "needs_attention"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{url}#saved")  # stays on the form
    assessment = assessment_of()
    assert (assessment.status, assessment.review_state) == ("needs_attention", "draft")
    assert staff.post(f"/assessments/{assessment.id}/submit").status_code == 302
    assert assessment_of().review_state == "submitted"
    assert staff.post(f"/assessments/{assessment.id}/review", data={"decision": "approve"}).status_code == 403
    response = sg.post(f"/assessments/{assessment.id}/review", data={"decision": "return", "note": ""},
                       follow_redirects=True)
    assert "Write a note saying what needs to change" in response.get_data(as_text=True)
    assert assessment_of().review_state == "submitted"
    sg.post(f"/assessments/{assessment.id}/review", data={"decision": "return", "note": "Say how many people"})
    assert (assessment_of().review_state, assessment_of().review_note) == ("returned", "Say how many people")
    html = staff.get("/assessments/mine?year=2022").get_data(as_text=True)
    assert "Say how many people" in html
    response = staff.post(url, data={**TEXT, "version": str(assessment_of().version), "then": "submit"})
    assert response.status_code == 302 and assessment_of().review_state == "submitted"
    assert response.headers["Location"].endswith(f"/plan/outcomes/{CODE}#assessment-saved")
    sg.post(f"/assessments/{assessment.id}/review", data={"decision": "approve"})
    assert assessment_of().review_state == "approved"
    html = sg.get(f"/plan/outcomes/{CODE}").get_data(as_text=True)
    assert "Approved" in html and TEXT["achieved"] in html


def test_pages_refuse_who_may_not(app, client_as, make_user, make_assessment, assessment_of):
    staff, board = client_as("staff"), client_as("board")
    assessment = make_assessment(CODE, 2022, state="submitted")
    assert staff.get(f"/assessments/{CODE}/2022").status_code == 403  # not responsible, not the author
    assert staff.post(f"/assessments/{CODE}/2022", data=TEXT).status_code == 403
    assert staff.post(f"/assessments/{assessment.id}/submit").status_code == 403
    for url in (f"/assessments/{CODE}/2022", f"/assessments/{assessment.id}/submit",
                f"/assessments/{assessment.id}/review", f"/assessments/{CODE}/responsibles", "/assessments/years/lock",
                "/assessments/years/reopen"):
        assert board.post(url, data={"decision": "approve", **TEXT}).status_code == 403, url
    for url in ("/assessments/mine", "/assessments/review"):
        assert board.get(url).status_code == 403
    assert staff.get("/assessments/review").status_code == 403
    assert assessment_of().review_state == "submitted"
    assert staff.get("/assessments/NOPE/2022").status_code in (403, 404)
    assert client_as("admin").get(f"/assessments/{CODE}/2030").status_code == 404


def test_bad_input_is_answered_next_to_the_field(app, client_as, assessment_of):
    sg = client_as("secretary_general")
    response = sg.post(f"/assessments/{CODE}/2022", data={**TEXT, "status": "brilliant"})
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    response = sg.post(f"/assessments/{CODE}/2022", data={**TEXT, "achieved": "bad\x00text"})
    assert "control characters" in response.get_data(as_text=True)
    assert assessment_of() is None


def test_stale_edit_is_refused_with_a_message(app, client_as, assessment_of):
    sg = client_as("secretary_general")
    sg.post(f"/assessments/{CODE}/2022", data=TEXT)
    version = assessment_of().version
    sg.post(f"/assessments/{CODE}/2022", data={**TEXT, "achieved": "First edit", "version": str(version)})
    response = sg.post(f"/assessments/{CODE}/2022", data={**TEXT, "achieved": "Second", "version": str(version)})
    assert response.status_code == 409 and "Someone else saved this" in response.get_data(as_text=True)
    assert assessment_of().achieved == "First edit"


def test_locked_year_pages_refuse_edits_with_a_clear_message(app, client_as, make_assessment, assessment_of):
    sg, admin, staff = client_as("secretary_general"), client_as("admin"), client_as("staff")
    make_assessment(CODE, 2022, state="approved", achieved="Final words")
    assert staff.post("/assessments/years/lock", data={"lock-year": "2022"}).status_code == 403
    assert sg.post("/assessments/years/lock", data={"lock-year": "2022", "lock-reason": ""}).status_code == 302
    assert db.session.get(YearLock, 2022).reason == "Board evaluation marked final"
    html = sg.get(f"/assessments/{CODE}/2022").get_data(as_text=True)
    assert "2022 is locked" in html and 'name="achieved"' not in html
    response = sg.post(f"/assessments/{CODE}/2022", data={**TEXT, "achieved": "Rewritten"})
    assert response.status_code == 409 and "2022 is locked" in response.get_data(as_text=True)
    assert assessment_of().achieved == "Final words"
    assert "locked" in sg.get("/assessments/years").get_data(as_text=True).lower()
    assert sg.post("/assessments/years/reopen", data={"reopen-year": "2022", "reopen-reason": "x"}).status_code == 403
    response = admin.post("/assessments/years/reopen", data={"reopen-year": "2022", "reopen-reason": ""})
    assert response.status_code == 200 and "Give the reason for reopening" in response.get_data(as_text=True)
    assert db.session.get(YearLock, 2022) is not None
    assert admin.post("/assessments/years/reopen", data={"reopen-year": "2022",
                                                         "reopen-reason": "Board asked for a fix"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(YearLock, 2022) is None
    assert _entries("year_lock", 2022)[-1].after == {"locked": False, "reason": "Board asked for a fix"}
    assert sg.post(f"/assessments/{CODE}/2022", data={**TEXT, "achieved": "Rewritten"}).status_code == 302


def test_my_updates_and_review_queue_pages(app, client_as, make_assessment, make_indicator, make_value,
                                           assign_responsible):
    staff, sg = client_as("staff"), client_as("secretary_general")
    assign_responsible(staff.user)
    indicator = make_indicator(code="PW-Z", name="Social media followers")
    html = staff.get("/assessments/mine?year=2022").get_data(as_text=True)
    assert CODE in html and "Social media followers" in html
    submitted = make_assessment("L1.A1.O1", 2022, state="submitted", achieved="Two recommendations adopted")
    value = make_value(indicator, 2022, 33000, state="submitted")
    html = sg.get("/assessments/review").get_data(as_text=True)
    assert "Two recommendations adopted" in html and "33,000" in html
    response = sg.post(f"/assessments/{submitted.id}/review",
                       data={"decision": "return", "note": "", "next": "/assessments/review"})
    assert response.status_code == 200 and "Write a note saying what needs to change" in response.get_data(as_text=True)
    response = sg.post(f"/indicators/values/{value.id}/review", data={"decision": "approve",
                                                                      "next": "/assessments/review"})
    assert response.status_code == 302 and response.headers["Location"] == "/assessments/review"
    assert "No value is waiting" in sg.get("/assessments/review").get_data(as_text=True)


def test_responsibles_page_action(app, client_as, make_user):
    sg, staff = client_as("secretary_general"), client_as("staff")
    ana = make_user("staff", name="Ana Staff")
    assert staff.post(f"/assessments/{CODE}/responsibles", data={"users": [ana.id]}).status_code == 403
    assert sg.post(f"/assessments/{CODE}/responsibles", data={"users": [ana.id]}).status_code == 302
    assert [o.code for o in responsibles.responsible_outcomes(ana)] == [CODE]
    html = sg.get(f"/plan/outcomes/{CODE}").get_data(as_text=True)
    assert "Ana Staff" in html and 'name="users"' in html
    assert 'name="users"' not in staff.get(f"/plan/outcomes/{CODE}").get_data(as_text=True)
    response = sg.post(f"/assessments/{CODE}/responsibles", data={"users": [999999]}, follow_redirects=True)
    assert "Choose among the listed staff" in response.get_data(as_text=True)
    assert [o.code for o in responsibles.responsible_outcomes(ana)] == [CODE]


def test_outcome_page_shows_cards_with_review_badges(app, client_as, make_assessment):
    board = client_as("board")
    make_assessment(CODE, 2021, status="off_track", state="approved", achieved="Postponed sessions")
    make_assessment(CODE, 2022, status="on_track", state="submitted", achieved="Draft words")
    html = board.get(f"/plan/outcomes/{CODE}").get_data(as_text=True)
    assert "Postponed sessions" in html and "Off track" in html and "Approved" in html
    assert "Draft words" not in html and "Awaiting review" not in html  # the Board reads approved work only
    assert "The 2022 assessment is under review" in html
    assert "Not written" in html  # 2023
    assert f"/assessments/{CODE}/2022" not in html  # the Board gets no edit buttons
    html = client_as("staff").get(f"/plan/outcomes/{CODE}").get_data(as_text=True)
    assert "Awaiting review" in html and "Draft words" in html


def test_role_policy_of_assessment_routes(app):
    expected = {
        "assessments.edit": {"admin", "secretary_general", "staff"},
        "assessments.submit": {"admin", "secretary_general", "staff"},
        "review.approve_selected": {"admin", "secretary_general"},
        "review.assessment": {"admin", "secretary_general"},
        "review.my_updates": {"admin", "secretary_general", "staff"},
        "review.queue": {"admin", "secretary_general"},
        "review.value": {"admin", "secretary_general"},
        "assessments.responsibles": {"admin", "secretary_general"},
        "assessments.years": {"admin", "secretary_general", "staff", "board"},
        "assessments.export_table": {"admin", "secretary_general", "staff", "board"},
        "assessments.lock_year": {"admin", "secretary_general"},
        "assessments.reopen_year": {"admin"},
        "assessments.ask_to_be_assigned": {"staff"},
        "assessments.assignment_requests": {"admin", "secretary_general"},
        "assessments.decide_assignment": {"admin", "secretary_general"},
    }
    actual = {endpoint: set(view.allowed_roles) for endpoint, view in app.view_functions.items()
              if endpoint.startswith(("assessments.", "review."))}
    assert actual == expected
    with app.test_request_context():
        from flask import url_for
        assert url_for("review.my_updates") == "/assessments/mine"
        assert url_for("review.queue") == "/assessments/review"


def test_count_of_assessments_unchanged_by_refused_posts(app, client_as):
    staff = client_as("staff")
    staff.post(f"/assessments/{CODE}/2022", data=TEXT)
    assert db.session.scalar(select(func.count()).select_from(Assessment)) == 0


def test_review_forms_carry_the_csrf_token(app, csrf_app, make_user, login, make_assessment, assessment_of):
    assessment = make_assessment(CODE, 2022, state="submitted")
    client = login(csrf_app.test_client(), make_user("secretary_general"))
    html = client.get(f"/plan/outcomes/{CODE}").get_data(as_text=True)
    form = html[html.index(f'action="/assessments/{assessment.id}/review"'):]
    token = form.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post(f"/assessments/{assessment.id}/review", data={"decision": "approve"}).status_code == 400
    assert assessment_of().review_state == "submitted"
    response = client.post(f"/assessments/{assessment.id}/review", data={"decision": "approve", "csrf_token": token})
    assert response.status_code == 302 and assessment_of().review_state == "approved"

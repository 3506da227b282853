"""Duties and what the Board sees: nobody approves what they wrote or edited, an edit by a reviewer is on the record,
and Board members read approved work and final reports only."""
import hashlib
import io
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from tracker.assessments.models import Assessment
from tracker.audit.models import AuditEntry
from tracker.core import review
from tracker.core.errors import ReviewError
from tracker.evidence import services as evidence_services
from tracker.evidence import storage
from tracker.extensions import db
from tracker.indicators.models import IndicatorValue
from tracker.reports.models import Report

CODE = "L2.A2.O3"
YEAR = 2022
TEXT = {"status": "on_track", "achieved": "Seven cities joined the peer-learning cycle.",
        "difficulties": "Visas for two delegations.", "next_steps": "A second cycle in Latin America."}
REFUSAL = "You wrote or edited this"


def _status(client, url: str) -> int:
    """The status of a GET, its (file) response closed."""
    with client.get(url) as response:
        return response.status_code


def _approvals(entity_type: str, entity_id: int) -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id, AuditEntry.action == "approve"))


def _write_assessment(client, then="submit", **changes):
    """Write (or change) the assessment of CODE for YEAR through its page, and submit it."""
    version = db.session.scalar(select(Assessment.version).where(Assessment.year == YEAR))
    data = {**TEXT, **changes, "version": str(version or ""), "then": then}
    response = client.post(f"/assessments/{CODE}/{YEAR}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalar(select(Assessment).where(Assessment.year == YEAR))


# ---------------------------------------------------------------------------------------------- separation of duties


def test_secretary_general_cannot_approve_the_assessment_she_wrote(app, client_as):
    sg = client_as("secretary_general")
    assessment = _write_assessment(sg)
    assert assessment.author_id == sg.user.id and assessment.review_state == "submitted"

    queue = sg.get("/assessments/review").get_data(as_text=True)
    assert "You wrote or edited this: another reviewer must approve it." in queue
    assert 'name="decision" value="approve"' not in queue and 'value="return"' in queue

    response = sg.post(f"/assessments/{assessment.id}/review", data={"decision": "approve",
                                                                      "next": "/assessments/review"},
                       follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and REFUSAL in page and "another reviewer" in page
    assert "approved." not in page
    db.session.expire_all()
    stored = db.session.get(Assessment, assessment.id)
    assert stored.review_state == "submitted" and stored.reviewed_by_id is None
    assert _approvals("assessment", assessment.id) == 0


def test_another_reviewer_approves_what_the_secretary_general_wrote(app, client_as):
    sg, admin = client_as("secretary_general"), client_as("admin")
    assessment = _write_assessment(sg)
    queue = admin.get("/assessments/review").get_data(as_text=True)
    assert 'name="decision" value="approve"' in queue and "You wrote or edited this" not in queue
    response = admin.post(f"/assessments/{assessment.id}/review", data={"decision": "approve"})
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Assessment, assessment.id)
    assert stored.review_state == "approved" and stored.reviewed_by_id == admin.user.id
    assert _approvals("assessment", assessment.id) == 1


def test_returning_ones_own_work_is_fine(app, client_as):
    sg = client_as("secretary_general")
    assessment = _write_assessment(sg)
    response = sg.post(f"/assessments/{assessment.id}/review", data={"decision": "return",
                                                                      "note": "Add the cities' names"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).review_state == "returned"


def test_an_edit_by_the_reviewer_is_recorded_and_bars_her_approval(app, client_as, assign_responsible):
    staff, sg, admin = client_as("staff", name="Ana Staff"), client_as("secretary_general", name="Sara General"), \
        client_as("admin")
    assign_responsible(staff.user, CODE)
    assessment = _write_assessment(staff)
    assert (assessment.author_id, assessment.edited_by_id) == (staff.user.id, staff.user.id)
    page = sg.get(f"/plan/outcomes/{CODE}").get_data(as_text=True)
    assert "Written by Ana Staff." in page and "Edited by" not in page

    # The Secretary General corrects the staff member's text and submits it again.
    assessment = _write_assessment(sg, achieved="Eight cities joined the peer-learning cycle.")
    assert (assessment.author_id, assessment.edited_by_id) == (staff.user.id, sg.user.id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "assessment",
                                                       AuditEntry.action == "update"))
    assert entry.user_id == sg.user.id
    assert "(edited by Sara General; written by Ana Staff)" in entry.summary
    assert entry.after["edited_by_id"] == sg.user.id and entry.after["author_id"] == staff.user.id
    page = sg.get(f"/plan/outcomes/{CODE}").get_data(as_text=True)
    assert "Written by Ana Staff." in page and f"Edited by Sara General on {assessment.edited_at:%-d %b %Y}" in page

    response = sg.post(f"/assessments/{assessment.id}/review", data={"decision": "approve"}, follow_redirects=True)
    assert REFUSAL in response.get_data(as_text=True)
    assert admin.post(f"/assessments/{assessment.id}/review", data={"decision": "approve"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).review_state == "approved"
    assert [e.user_id for e in db.session.scalars(select(AuditEntry).where(
        AuditEntry.entity_type == "assessment", AuditEntry.action == "approve"))] == [admin.user.id]


def test_the_author_cannot_approve_even_after_someone_else_edited(app, make_user, make_assessment):
    author, editor, third = (make_user("secretary_general") for _ in range(3))
    item = make_assessment(CODE, YEAR, state="submitted", author=author)
    item.edited_by_id = editor.id
    db.session.commit()
    for who in (author, editor):
        with pytest.raises(ReviewError, match="you cannot approve it"):
            review.approve(who, item)
        db.session.rollback()
    review.approve(third, item)
    db.session.commit()
    assert db.session.get(Assessment, item.id).review_state == "approved"


def test_secretary_general_who_edited_a_staff_value_cannot_approve_it(app, client_as, make_indicator,
                                                                       assign_responsible):
    staff, sg, admin = client_as("staff", name="Ana Staff"), client_as("secretary_general", name="Sara General"), \
        client_as("admin")
    assign_responsible(staff.user, CODE)
    indicator = make_indicator(code="DUTY-1", outcome_code=CODE, targets={YEAR: 10})
    url = f"/indicators/{indicator.id}/values/{YEAR}"
    assert staff.post(url, data={"value": "7", "note": "From the sign-in sheets", "then": "submit"}).status_code == 302
    value = db.session.scalar(select(IndicatorValue).where(IndicatorValue.indicator_id == indicator.id))
    assert sg.post(url, data={"value": "8", "note": "From the sign-in sheets", "version": str(value.version),
                              "then": "submit"}).status_code == 302
    db.session.expire_all()
    value = db.session.get(IndicatorValue, value.id)
    assert (value.entered_by_id, value.edited_by_id, value.review_state) == (staff.user.id, sg.user.id, "submitted")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "indicator_value",
                                                       AuditEntry.action == "update"))
    assert entry.user_id == sg.user.id and "(edited by Sara General; written by Ana Staff)" in entry.summary

    page = sg.get(f"/indicators/{indicator.id}").get_data(as_text=True)
    assert "Written by Ana Staff." in page and "Edited by Sara General on" in page
    assert "You wrote or edited this: another reviewer must approve it." in page
    assert 'name="decision" value="approve"' not in page
    response = sg.post(f"/indicators/values/{value.id}/review", data={"decision": "approve"}, follow_redirects=True)
    assert REFUSAL in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(IndicatorValue, value.id).review_state == "submitted"
    assert _approvals("indicator_value", value.id) == 0

    assert admin.post(f"/indicators/values/{value.id}/review", data={"decision": "approve"}).status_code == 302
    db.session.expire_all()
    value = db.session.get(IndicatorValue, value.id)
    assert value.review_state == "approved" and value.reviewed_by_id == admin.user.id
    assert _approvals("indicator_value", value.id) == 1


def test_staff_value_is_approved_by_the_secretary_general_who_did_not_touch_it(app, client_as, make_indicator,
                                                                                assign_responsible):
    staff, sg = client_as("staff"), client_as("secretary_general")
    assign_responsible(staff.user, CODE)
    indicator = make_indicator(code="DUTY-2", outcome_code=CODE, targets={YEAR: 10})
    staff.post(f"/indicators/{indicator.id}/values/{YEAR}", data={"value": "4", "then": "submit"})
    value = db.session.scalar(select(IndicatorValue).where(IndicatorValue.indicator_id == indicator.id))
    page = sg.get("/assessments/review").get_data(as_text=True)
    assert f'action="/indicators/values/{value.id}/review"' in page and 'value="approve"' in page
    assert sg.post(f"/indicators/values/{value.id}/review", data={"decision": "approve"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(IndicatorValue, value.id).review_state == "approved"


# ---------------------------------------------------------------------------------------------- what the Board sees


def test_board_outcome_page_shows_no_text_under_review_and_no_reviewer_note(app, client_as, make_user,
                                                                            make_assessment, make_indicator,
                                                                            make_value):
    author = make_user("staff")
    make_assessment(CODE, 2021, state="approved", author=author, achieved="Approved words about 2021")
    approved = db.session.scalar(select(Assessment).where(Assessment.year == 2021))
    approved.review_note = "Earlier: please name the partner cities"  # left from a return before approval
    make_assessment(CODE, 2022, state="submitted", author=author, achieved="Submitted words about 2022")
    returned = make_assessment(CODE, 2023, state="returned", author=author, achieved="Returned words about 2023")
    returned.difficulties = "Difficulties under review"
    returned.review_note = "Reviewer says: the figures are wrong"
    db.session.commit()

    board = client_as("board")
    page = board.get(f"/plan/outcomes/{CODE}").get_data(as_text=True)
    assert "Approved words about 2021" in page
    for hidden in ("Submitted words about 2022", "Returned words about 2023", "Difficulties under review",
                   "Reviewer says: the figures are wrong", "Earlier: please name the partner cities",
                   "Reviewer&#39;s note", "Reviewer's note"):
        assert hidden not in page, hidden
    assert "The 2022 assessment is under review" in page and "The 2023 assessment is under review" in page

    staff_page = client_as("staff").get(f"/plan/outcomes/{CODE}").get_data(as_text=True)
    for shown in ("Submitted words about 2022", "Returned words about 2023", "Reviewer says: the figures are wrong"):
        assert shown in staff_page, shown


def test_board_reads_indicator_values_only_once_approved(app, client_as, make_user, make_indicator, make_value):
    author = make_user("staff")
    indicator = make_indicator(code="DUTY-3", outcome_code=CODE, targets={2021: 10, 2022: 10})
    make_value(indicator, 2021, 9, state="approved", entered_by=author)
    pending = make_value(indicator, 2022, 4321, state="returned", entered_by=author)
    pending.note = "Counted twice, to check"
    pending.review_note = "Reviewer: remove the duplicates"
    db.session.commit()
    board = client_as("board")
    for url in (f"/indicators/{indicator.id}", f"/plan/outcomes/{CODE}"):
        page = board.get(url).get_data(as_text=True)
        assert "4,321" not in page and "4321" not in page, url
        assert "Counted twice, to check" not in page and "Reviewer: remove the duplicates" not in page, url
    page = board.get(f"/indicators/{indicator.id}").get_data(as_text=True)
    assert "A value is under review" in page
    staff_page = client_as("staff").get(f"/indicators/{indicator.id}").get_data(as_text=True)
    assert "4,321" in staff_page and "Counted twice, to check" in staff_page


def _report(filename: str, *, kind="board", year=YEAR, draft=False, final=False, content=b"%PDF-1.7 report"):
    """Archive a report file in the exports folder as generating it would."""
    folder = Path(current_app.config["EXPORTS_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / filename).write_bytes(content)
    version = 1 + (db.session.scalar(select(func.count(Report.id)).where(Report.kind == kind)) or 0)
    report = Report(kind=kind, year=year, filename=filename, sha256=hashlib.sha256(content).hexdigest(),
                    size=len(content), pages=1, draft=draft, is_final=final, version=version)
    db.session.add(report)
    db.session.commit()
    return report


def test_board_archive_lists_final_reports_only_and_refuses_a_draft(app, client_as):
    draft = _report("duty-board-2022-draft.pdf", draft=True)
    complete = _report("duty-board-2022-complete.pdf")
    final = _report("duty-board-2022-final.pdf", final=True)
    board = client_as("board")
    page = board.get("/reports/").get_data(as_text=True)
    assert final.sha256 in page and f"/reports/{final.id}/download" in page
    assert f"/reports/{draft.id}/download" not in page and f"/reports/{complete.id}/download" not in page
    assert _status(board, f"/reports/{final.id}/download") == 200
    for hidden in (draft, complete):
        with board.get(f"/reports/{hidden.id}/download") as response:
            assert response.status_code == 404 and response.data != b"%PDF-1.7 report"
    for role in ("secretary_general", "admin", "staff"):
        client = client_as(role)
        page = client.get("/reports/").get_data(as_text=True)
        assert all(f"/reports/{r.id}/download" in page for r in (draft, complete, final)), role
        assert _status(client, f"/reports/{draft.id}/download") == 200, role


def test_the_final_evaluation_reaches_the_board_once_marked_final(app, client_as):
    report = _report("duty-final.pdf", kind="final", year=None)
    board, sg = client_as("board"), client_as("secretary_general")
    assert _status(board, f"/reports/{report.id}/download") == 404
    page = sg.get("/reports/").get_data(as_text=True)
    assert f"/reports/{report.id}/final" in page
    assert sg.post(f"/reports/{report.id}/final").status_code == 302
    db.session.expire_all()
    assert db.session.get(Report, report.id).is_final is True
    assert _status(board, f"/reports/{report.id}/download") == 200
    assert f"/reports/{report.id}/changes" not in board.get("/reports/").get_data(as_text=True)
    assert board.get(f"/reports/{report.id}/changes").status_code == 404  # it has no year to compare


def test_board_downloads_evidence_of_activities_and_of_approved_assessments_only(app, client_as, make_user,
                                                                                 make_activity, make_assessment,
                                                                                 find_outcome):
    staff = make_user("staff")
    activity = make_activity(title="Peer-learning visit", outcomes=(CODE,))
    on_activity = evidence_services.add_file(staff, activity=activity, title="Visit agenda",
                                             stream=io.BytesIO(b"Agenda\n"), filename="agenda.txt")
    on_outcome = evidence_services.add_file(staff, outcome=find_outcome(CODE), title="Survey of members",
                                            stream=io.BytesIO(b"Survey results\n"), filename="survey.txt")
    db.session.commit()
    year = evidence_services.backed_year(on_outcome)
    board = client_as("board")
    assert _status(board, f"/evidence/{on_activity.id}/download") == 200
    assert _status(board, f"/evidence/{on_outcome.id}/download") == 404
    assert "Survey of members" not in board.get(f"/plan/outcomes/{CODE}").get_data(as_text=True)
    assert _status(client_as("staff"), f"/evidence/{on_outcome.id}/download") == 200

    make_assessment(CODE, year, state="submitted", author=staff)
    assert _status(board, f"/evidence/{on_outcome.id}/download") == 404
    assessment = db.session.scalar(select(Assessment).where(Assessment.year == year))
    assessment.review_state = "approved"
    db.session.commit()
    with board.get(f"/evidence/{on_outcome.id}/download") as response:
        assert response.status_code == 200 and response.data == storage.path_for(on_outcome.file).read_bytes()
    assert "Survey of members" in board.get(f"/plan/outcomes/{CODE}").get_data(as_text=True)

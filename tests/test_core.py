"""The core: one transaction boundary, one review workflow with a checked state, domain errors kept apart."""
import re
from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import Forbidden
from wtforms import StringField

from tracker.assessments.models import Assessment
from tracker.audit.models import AuditEntry
from tracker.core import review
from tracker.core.errors import Invalid, NotAllowed, ReviewError, YearLocked
from tracker.core.review import ReviewState
from tracker.core.transaction import attempt
from tracker.extensions import db

TRACKER = Path(__file__).resolve().parent.parent / "tracker"
# Views that commit by themselves, and why: a failed login must keep its failure count while refusing the login.
COMMITTING_VIEWS: dict[str, str] = {}  # view files allowed to commit themselves, with the reason


class _Form(FlaskForm):
    class Meta:
        csrf = False

    title = StringField()


def test_views_commit_only_through_the_boundary():
    offenders = {}
    for path in TRACKER.rglob("views.py"):
        name = str(path.relative_to(TRACKER))
        found = re.findall(r"db\.session\.(commit|rollback)\(", path.read_text())
        if found and name not in COMMITTING_VIEWS:
            offenders[name] = found
    assert offenders == {}
    assert all((TRACKER / name).exists() for name in COMMITTING_VIEWS)


def test_services_never_commit():
    for path in TRACKER.rglob("services.py"):
        assert "session.commit(" not in path.read_text(), path


def _half_written(user, error: Exception):
    """Work that writes a row, flushes it, then fails with an error."""

    def work():
        db.session.add(AuditEntry(user_id=user.id, action="x", entity_type="t", entity_id=1, summary="half"))
        db.session.flush()
        raise error

    return work


def test_a_domain_error_rolls_back_and_lands_next_to_its_field(app, make_user):
    work = _half_written(make_user("staff"), Invalid("Give it a title.", field="title"))
    with app.test_request_context(method="POST"):
        form = _Form()
        result = attempt(work, form=form)
    assert (result.ok, result.status, form.title.errors) == (False, 200, ["Give it a title."])
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.summary == "half")) is None


def test_an_error_without_a_field_goes_to_the_form_and_a_conflict_answers_409(app):
    with app.test_request_context(method="POST"):
        form = _Form()
        result = attempt(lambda: (_ for _ in ()).throw(YearLocked(2022)), form=form)
    assert result.status == 409 and "2022 is locked" in form.form_errors[0]


def test_a_programming_error_is_not_a_form_message(app, make_user):
    work = _half_written(make_user("staff"), ValueError("a bug, not a refusal"))
    with app.test_request_context(method="POST"):
        form = _Form()
        with pytest.raises(ValueError):
            attempt(work, form=form)
        assert form.title.errors == () and form.form_errors == []
    db.session.rollback()  # what the 500 handler does
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.summary == "half")) is None


def test_not_allowed_answers_403(app):
    with app.test_request_context(method="POST"):
        with pytest.raises(Forbidden):
            attempt(lambda: (_ for _ in ()).throw(NotAllowed("no")))


def test_the_database_refuses_an_unknown_review_state(app, make_user, make_assessment):
    make_assessment("L1.A1.O1", 2022, state="draft", author=make_user("staff"))
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE assessment SET review_state = 'pending'"))
        db.session.flush()
    db.session.rollback()


def test_each_review_step_is_audited_and_checked(app, make_user, make_assessment):
    staff, sg = make_user("staff"), make_user("secretary_general")
    item = make_assessment("L1.A1.O1", 2022, state="draft", author=staff)
    review.submit(staff, item)
    review.approve(sg, item)
    with pytest.raises(ReviewError):
        review.approve(sg, item)
    with pytest.raises(NotAllowed):
        review.return_(staff, item, "no")
    db.session.commit()
    stored = db.session.get(Assessment, item.id)
    assert stored.review_state is ReviewState.APPROVED and stored.reviewed_by_id == sg.id
    actions = list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.entity_type == "assessment", AuditEntry.entity_id == item.id).order_by(AuditEntry.id)))
    assert actions[-2:] == ["submit", "approve"]

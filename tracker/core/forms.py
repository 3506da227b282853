"""Reusable form validators and helpers shared by every feature."""
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from .years import PLAN_YEARS


class NoControlCharacters:
    """Refuse text with control characters (other than tab and newlines)."""

    def __init__(self, message: str | None = None):
        self.message = message or "Remove the control characters from this text."

    def __call__(self, form, field):
        value = field.data or ""
        if isinstance(value, str) and any(ord(c) < 32 and c not in "\t\r\n" for c in value):
            raise ValidationError(self.message)


def strip_filter(value):
    """Strip surrounding whitespace from text input."""
    return value.strip() if isinstance(value, str) else value


class ReviewForm(FlaskForm):
    """Approve, or return with a note (the note is required to return)."""

    decision = StringField("Decision", validators=[DataRequired(), AnyOf(["approve", "return"])])
    # No Optional(): it would stop the chain before validate_note could ask for a note when returning.
    note = TextAreaField("Note to the author", validators=[Length(max=5000), NoControlCharacters()],
                         filters=[strip_filter], render_kw={"rows": 2},
                         description="Required when returning: say what needs to change.")

    def validate_note(self, field):
        """Returning needs a note."""
        if self.decision.data == "return" and not field.data:
            raise ValidationError("Write a note saying what needs to change before returning it.")


def review_form(key: str, form: ReviewForm | None = None) -> ReviewForm:
    """A review form (new, or one posted with errors) whose field ids are unique on a page listing several items."""
    form = form if form is not None else ReviewForm(formdata=None)
    for name in ("decision", "note"):
        field = getattr(form, name)
        field.id = f"{name}-{key}"
        field.label.field_id = field.id
    return form


class YearFilterForm(FlaskForm):
    """The plan year a page shows (a GET filter)."""

    class Meta:
        csrf = False

    year = SelectField("Year", coerce=int, choices=[(y, str(y)) for y in PLAN_YEARS])

"""Reusable form validators and helpers shared by every feature."""
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from .text import has_visible, strip_invisible
from .years import PLAN_YEARS


class NoControlCharacters:
    """Refuse text with control characters (other than tab and newlines)."""

    def __init__(self, message: str | None = None):
        self.message = message or _l("Remove the control characters from this text.")

    def __call__(self, form, field):
        value = field.data or ""
        if isinstance(value, str) and any(ord(c) < 32 and c not in "\t\r\n" for c in value):
            raise ValidationError(self.message)


class Visible:
    """Refuse a text with nothing visible in it (zero-width spaces, joiners, marks alone); empty text passes."""

    def __init__(self, message: str | None = None):
        self.message = message or _l("Write some visible text: this has only spaces or invisible characters.")

    def __call__(self, form, field):
        value = field.data
        if isinstance(value, str) and value and not has_visible(value):
            raise ValidationError(self.message)


class BoundedNumber:
    """Refuse a number that is not finite, larger than `limit` either way, or with more than `places` decimals.

    Checked without arithmetic that could overflow (abs() of 1e999999999 raises), so any input gets a message.
    """

    def __init__(self, limit: Decimal, places: int, *, too_large: str | None = None):
        self.limit, self.places = limit, places
        self.too_large = too_large or _l("This number is too large: at most %(limit)s either way.",
                                         limit=format(limit, ","))

    def __call__(self, form, field):
        value = field.data
        if value is None:
            return
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ValidationError(_("Enter a number, like 12 or 4.5."))
        if value.copy_abs() > self.limit:
            raise ValidationError(self.too_large)
        if value != value.quantize(Decimal(1).scaleb(-self.places)):  # exact: the magnitude is bounded above
            raise ValidationError(_("Use at most %(places)s decimals.", places=self.places))


def strip_filter(value):
    """Strip surrounding whitespace and invisible characters (zero-width spaces, bidi marks) from text input."""
    return strip_invisible(value) if isinstance(value, str) else value


class ReviewForm(FlaskForm):
    """Approve, or return with a note (the note is required to return)."""

    decision = StringField(_l("Decision"), validators=[DataRequired(), AnyOf(["approve", "return"])])
    # No Optional(): it would stop the chain before validate_note could ask for a note when returning.
    note = TextAreaField(_l("Note to the author"), validators=[Length(max=5000), NoControlCharacters(), Visible()],
                         filters=[strip_filter], render_kw={"rows": 2},
                         description=_l("Required when returning: say what needs to change."))

    def validate_note(self, field):
        """Returning needs a note."""
        if self.decision.data == "return" and not field.data:
            raise ValidationError(_("Write a note saying what needs to change before returning it."))


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

    year = SelectField(_l("Year"), coerce=int, choices=[(y, str(y)) for y in PLAN_YEARS])

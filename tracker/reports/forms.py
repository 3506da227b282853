"""Forms of the reports feature."""
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional, ValidationError

from ..core.errors import Invalid
from ..core.forms import NoControlCharacters, Visible, strip_filter
from ..core.i18n import LANGUAGES, current_language
from ..core.years import PLAN_YEARS
from ..plan.queries import all_outcomes
from .board import DATE_FIELDS, TEXT_MAX, check_order
from .formatting import format_count
from .models import BOARD_ITEM_KINDS
from .services import SUMMARY_MAX

KIND_CHOICES = ("board", "final")
# The limits as the reader's language writes numbers ("20,000", "20 000", "20.000"), written when shown.
SUMMARY_LIMIT = LazyString(format_count, SUMMARY_MAX)
TEXT_LIMIT = LazyString(format_count, TEXT_MAX)


class GenerateReportForm(FlaskForm):
    """Generate a Board evaluation of a year, or the final evaluation."""

    kind = HiddenField(_l("Report"), validators=[InputRequired(message=_l("Choose which report to generate.")),
                                                 AnyOf(KIND_CHOICES, message=_l("Choose which report to generate."))])
    year = SelectField(_l("Plan year"), choices=[("", _l("Choose a year"))] + [(str(y), str(y)) for y in PLAN_YEARS],
                       validate_choice=False)
    # Each language named in itself, as in the account's picker; the report is written wholly in the one chosen.
    language = SelectField(_l("Language of the report"), choices=list(LANGUAGES.items()),
                           validators=[AnyOf(tuple(LANGUAGES), message=_l("Choose English, French or Spanish."))],
                           validate_choice=False)
    submit = SubmitField(_l("Generate"))

    def __init__(self, *args, default_year: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if default_year and not self.year.data:
            self.year.data = str(default_year)
        if not self.language.data:  # by default the language the Secretary General reads the tracker in
            self.language.data = current_language()

    def validate_year(self, field):
        """A Board evaluation needs a plan year; the final evaluation takes none."""
        if self.kind.data != "board":
            return
        if field.data not in {str(y) for y in PLAN_YEARS}:
            raise ValidationError(_("Choose a plan year between %(first)s and %(last)s.", first=PLAN_YEARS[0],
                                    last=PLAN_YEARS[-1]))

    @property
    def year_value(self) -> int | None:
        """The chosen year as a number (Board evaluation only)."""
        return int(self.year.data) if self.kind.data == "board" and self.year.data else None


class SummaryForm(FlaskForm):
    """The Secretary General's summary for a report."""

    text = TextAreaField(_l("Summary"), validators=[
        Length(max=SUMMARY_MAX, message=_l("Keep the summary under %(count)s characters.", count=SUMMARY_LIMIT)),
        NoControlCharacters()],
        description=_l("Plain text. Leave an empty line between paragraphs. Up to %(count)s characters.",
                       count=SUMMARY_LIMIT),
        render_kw={"rows": 18})
    submit = SubmitField(_l("Save summary"))


class MarkFinalForm(FlaskForm):
    """Confirm that a Board evaluation is final (its year locks)."""

    submit = SubmitField(_l("Mark final and lock the year"))


def _text_validators(required: bool) -> list:
    """The rules of a Board text: required or optional, at most TEXT_MAX characters, no control characters."""
    return [DataRequired(message=_l("Write the text.")) if required else Optional(),
            Length(max=TEXT_MAX, message=_l("Keep it under %(count)s characters.", count=TEXT_LIMIT)),
            NoControlCharacters(), Visible()]


class MeetingDateForm(FlaskForm):
    """A year's reporting calendar: assessments drafted by, reviewed by, and the Board meeting."""

    drafted_by = DateField(_l("Assessments drafted by"), validators=[Optional()],
                           description=_l("Staff submit their assessments of the year by then."))
    reviewed_by = DateField(_l("Reviewed by"), validators=[Optional()],
                            description=_l("The Secretary General has reviewed what was submitted by then."))
    meeting_date = DateField(_l("Date of the Board meeting"), validators=[Optional()],
                             description=_l("Leave empty if it is not set yet."))
    submit = SubmitField(_l("Save the dates"))

    def validate(self, extra_validators=None) -> bool:
        """Check each date, then that they come in order (the message goes next to the later date)."""
        if not super().validate(extra_validators):
            return False
        try:
            check_order({name: self[name].data for name in DATE_FIELDS})
        except Invalid as refusal:
            self[refusal.field].errors.append(str(refusal))
            return False
        return True


class OutcomesField(SelectMultipleField):
    """A multi-select of outcomes whose refusal of an unknown id speaks plainly."""

    def process_formdata(self, valuelist):
        """Read the chosen ids; anything that is not a number is refused in the same words."""
        try:
            self.data = [int(value) for value in valuelist]
        except ValueError:
            self.data = []
            raise ValueError(_("Choose outcomes from the list.")) from None

    def pre_validate(self, form):
        """Refuse ids that are not outcomes."""
        known = {value for value, _ in self.choices}
        if any(value not in known for value in self.data or []):
            raise ValidationError(_("Choose outcomes from the list."))


class BoardItemForm(FlaskForm):
    """A decision asked of the Board or a main risk, with the outcomes it concerns."""

    kind = SelectField(_l("Kind"), choices=list(BOARD_ITEM_KINDS.items()),
                       validators=[InputRequired(message=_l("Choose a decision or a risk."))])
    text = TextAreaField(_l("Text"), validators=_text_validators(True), filters=[strip_filter],
                         description=_l("Plain text, up to %(count)s characters.", count=TEXT_LIMIT),
                         render_kw={"rows": 3})
    outcomes = OutcomesField(_l("Outcomes it concerns"), coerce=int,
                             description=_l("A decision concerns at least one outcome; a risk may concern none."),
                             render_kw={"size": 8})
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, fixed_kind: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_kind = fixed_kind
        if fixed_kind:
            del self.kind  # editing: a decision stays a decision, a risk a risk
        self.outcomes.choices = [(o.id, f"{o.code} {_short(o.title)}") for o in all_outcomes()]

    @property
    def kind_value(self) -> str | None:
        """The kind being added, or the fixed kind of the item being edited."""
        return self.fixed_kind or self.kind.data

    def validate_outcomes(self, field):
        """A decision concerns at least one outcome."""
        if self.kind_value == "decision" and not field.data and not field.errors:
            raise ValidationError(_("Choose at least one outcome this decision concerns."))


class AfterMeetingForm(FlaskForm):
    """What the Board decided on a decision asked of it, and what was done since."""

    decided = TextAreaField(_l("What the Board decided"), validators=_text_validators(False),
                            filters=[strip_filter], render_kw={"rows": 3})
    follow_up = TextAreaField(_l("What was done since"), validators=_text_validators(False), filters=[strip_filter],
                              render_kw={"rows": 3})
    submit = SubmitField(_l("Save"))


class MoveForm(FlaskForm):
    """Move a decision or risk up or down its list."""

    direction = HiddenField(_l("Direction"), validators=[AnyOf(("up", "down"))])


def _short(title: str, length: int = 70) -> str:
    """A title cut to fit a select."""
    return title if len(title) <= length else title[: length - 1].rstrip() + "…"

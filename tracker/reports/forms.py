"""Forms of the reports feature."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, ValidationError

from ..core.forms import NoControlCharacters
from ..core.years import PLAN_YEARS
from .services import SUMMARY_MAX

KIND_CHOICES = ("board", "final")


class GenerateReportForm(FlaskForm):
    """Generate a Board evaluation of a year, or the final evaluation."""

    kind = HiddenField("Report", validators=[InputRequired(message="Choose which report to generate."),
                                             AnyOf(KIND_CHOICES, message="Choose which report to generate.")])
    year = SelectField("Plan year", choices=[("", "Choose a year")] + [(str(y), str(y)) for y in PLAN_YEARS],
                       validate_choice=False)
    submit = SubmitField("Generate")

    def __init__(self, *args, default_year: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if default_year and not self.year.data:
            self.year.data = str(default_year)

    def validate_year(self, field):
        """A Board evaluation needs a plan year; the final evaluation takes none."""
        if self.kind.data != "board":
            return
        if field.data not in {str(y) for y in PLAN_YEARS}:
            raise ValidationError(f"Choose a plan year between {PLAN_YEARS[0]} and {PLAN_YEARS[-1]}.")

    @property
    def year_value(self) -> int | None:
        """The chosen year as a number (Board evaluation only)."""
        return int(self.year.data) if self.kind.data == "board" and self.year.data else None


class SummaryForm(FlaskForm):
    """The Secretary General's summary for a report."""

    text = TextAreaField("Summary", validators=[Length(max=SUMMARY_MAX, message=f"Keep the summary under "
                                                                                f"{SUMMARY_MAX:,} characters."),
                                                NoControlCharacters()],
                         description="Plain text. Leave an empty line between paragraphs. "
                                     f"Up to {SUMMARY_MAX:,} characters.",
                         render_kw={"rows": 18})
    submit = SubmitField("Save summary")


class MarkFinalForm(FlaskForm):
    """Confirm that a Board evaluation is final (its year locks)."""

    submit = SubmitField("Mark final and lock the year")

"""Forms to define indicators, set targets and overrides, and enter values."""
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from ..activities.models import ACTIVITY_KINDS
from ..core.forms import BoundedNumber, NoControlCharacters, Visible, strip_filter
from ..core.years import PLAN_YEARS
from ..evidence.models import EVIDENCE_KINDS
from .models import DIRECTIONS, METHODS, STATUSES, UNITS
from .services import MAX_NUMBER

PLAN_WIDE = 0  # the outcome select's value for "the plan as a whole"


# What the Numeric(18, 4) columns hold: refused with a message, never rounded away or left to overflow.
FITS_THE_DATABASE = BoundedNumber(MAX_NUMBER, 4)
NUMBER_RULES = [Optional(), FITS_THE_DATABASE]


class IndicatorForm(FlaskForm):
    """An indicator's definition."""

    code = StringField("Code", validators=[DataRequired(), Length(max=40),
                                           Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                                                  message="Use letters, digits, dots, hyphens and underscores.")],
                       filters=[strip_filter], description="A short stable identifier, e.g. L1-DEBATES.")
    name = StringField("Name", validators=[DataRequired(), Length(max=200), NoControlCharacters(), Visible()],
                       filters=[strip_filter])
    definition = TextAreaField("Definition", validators=[Optional(), Length(max=5000), NoControlCharacters()],
                               filters=[strip_filter], render_kw={"rows": 3})
    outcome_id = SelectField("Outcome", coerce=int, description="Or the plan as a whole.")
    unit = SelectField("Unit", choices=list(UNITS.items()))
    direction = SelectField("Direction", choices=list(DIRECTIONS.items()))
    baseline_value = DecimalField("Baseline value", places=None, validators=NUMBER_RULES)
    baseline_year = IntegerField("Baseline year", validators=[Optional(), NumberRange(1990, 2030)])
    cumulative = BooleanField("Cumulative: targets and values add up over the plan years")
    method = SelectField("How values are obtained", choices=list(METHODS.items()))
    method_kinds = SelectMultipleField("Activity kinds counted", choices=list(ACTIVITY_KINDS.items()),
                                       description="Computed indicators only; none selected means every kind.")
    position = IntegerField("Order", validators=[Optional(), NumberRange(0, 10000)], default=0)
    active = BooleanField("Active (shown on pages and reports)", default=True)
    submit = SubmitField("Save indicator")

    def __init__(self, outcomes, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome_id.choices = [(PLAN_WIDE, "The plan as a whole (plan-wide)")] + [
            (o.id, o.label[:120]) for o in outcomes]

    def validate_method_kinds(self, field):
        """Entered values have no activities to filter."""
        if field.data and self.method.data == "manual":
            raise ValidationError("Activity kinds only apply to computed indicators.")

    def validate(self, extra_validators=None) -> bool:
        """Check the fields, then that a baseline value comes with its year (an empty field skips inline checks)."""
        valid = super().validate(extra_validators)
        if self.baseline_value.data is not None and self.baseline_year.data is None and not self.baseline_year.errors:
            self.baseline_year.errors = [*self.baseline_year.errors, "Give the year of the baseline value."]
            valid = False
        return valid

    def data_for_service(self) -> dict:
        """The fields as the service takes them."""
        return {
            "code": self.code.data, "name": self.name.data, "definition": self.definition.data or "",
            "outcome_id": self.outcome_id.data or None, "unit": self.unit.data, "direction": self.direction.data,
            "baseline_value": self.baseline_value.data, "baseline_year": self.baseline_year.data,
            "cumulative": bool(self.cumulative.data), "method": self.method.data,
            "method_kinds": list(self.method_kinds.data or []) or None, "position": self.position.data or 0,
            "active": bool(self.active.data),
        }


class TargetsFormBase(FlaskForm):
    """Targets per plan year; the year fields are added by targets_form()."""

    reason = TextAreaField("Reason for the change", validators=[Optional(), Length(max=1000), NoControlCharacters(),
                                                                Visible()],
                           filters=[strip_filter], render_kw={"rows": 2},
                           description="Required when a target that was already set changes.")
    submit = SubmitField("Save targets")


def targets_form(indicator, **kwargs) -> FlaskForm:
    """A form with a target (and an upper bound for a range) per plan year."""

    class TargetsForm(TargetsFormBase):
        pass

    is_range = indicator.direction == "range"
    for year in PLAN_YEARS:
        label = f"{year} {'lower bound' if is_range else 'target'}"
        if indicator.cumulative:
            label += " (total since 2021)"
        setattr(TargetsForm, f"target_{year}", DecimalField(label, places=None, validators=NUMBER_RULES))
        if is_range:
            setattr(TargetsForm, f"target_max_{year}", DecimalField(f"{year} upper bound", places=None,
                                                                                validators=NUMBER_RULES))
    form = TargetsForm(**kwargs)
    form.years = PLAN_YEARS
    form.is_range = is_range
    return form


def targets_from_form(form) -> dict:
    """The targets entered, as {year: value or (low, high)}."""
    result = {}
    for year in PLAN_YEARS:
        low = getattr(form, f"target_{year}").data
        result[year] = (low, getattr(form, f"target_max_{year}").data) if form.is_range else low
    return result


class OverrideForm(FlaskForm):
    """The Secretary General's status for a year, overriding the computed one, with a reason."""

    year = SelectField("Year", coerce=int, choices=[(y, str(y)) for y in PLAN_YEARS])
    status = SelectField("Status", choices=[("", "None: use the computed status")]
                         + list(STATUSES.items()), validators=[Optional()])
    reason = TextAreaField("Reason", validators=[Length(max=1000), NoControlCharacters(), Visible()],
                           filters=[strip_filter], render_kw={"rows": 2},
                           description="Required to override a status.")
    submit = SubmitField("Save status")

    def validate_reason(self, field):
        """An override must say why."""
        if self.status.data and not field.data:
            raise ValidationError("Give the reason for overriding the status.")


class ValueForm(FlaskForm):
    """A value entered for one year, with a note and optional evidence."""

    value = DecimalField("Value", places=None, validators=[InputRequired("Enter a value."), FITS_THE_DATABASE])
    note = TextAreaField("Note", validators=[Optional(), Length(max=5000), NoControlCharacters()],
                         filters=[strip_filter], render_kw={"rows": 3},
                         description="Where the figure comes from, and anything the reviewer should know.")
    evidence_id = SelectField("Evidence", coerce=int, validate_choice=False, default=0)
    version = HiddenField()
    submit = SubmitField("Save draft")

    def __init__(self, evidence, *args, outcome_code: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.evidence_id.choices = [(0, "No evidence")] + [(e.id, evidence_label(e)) for e in evidence]
        self.evidence_id.choices_ids = {e.id for e in evidence}
        self.outcome_code = outcome_code

    def validate_evidence_id(self, field):
        """Only evidence offered in the list: of the indicator's outcome and its activities."""
        if field.data and field.data not in self.evidence_id.choices_ids:
            where = f"{self.outcome_code} or of its activities" if self.outcome_code else "the plan"
            raise ValidationError(f"This evidence is not one of the list: choose evidence of {where}.")

    def validate_version(self, field):
        """The version is a number written by the page itself."""
        if field.data and not str(field.data).isdigit():
            raise ValidationError("Reload the page and try again.")


def evidence_label(evidence) -> str:
    """Tell one piece of evidence from another in a list: its title, where it belongs and when, and its kind."""
    kind = EVIDENCE_KINDS.get(evidence.kind, evidence.kind).lower()
    if evidence.activity is not None:
        when = evidence.activity.start_date.strftime("%-d %b %Y") if evidence.activity.start_date else "no date"
        where = f"{evidence.activity.title}, {when}"
    else:
        code = evidence.outcome.code if evidence.outcome is not None else "the outcome"
        where = f"added to {code} on {evidence.added_at.strftime('%-d %b %Y')}" if evidence.added_at \
            else f"added to {code}"
    return f"{evidence.title} — {where} ({kind})"


def decimal_or_none(value) -> Decimal | None:
    """A number for display in an input, without trailing zeros."""
    if value is None:
        return None
    normal = Decimal(value).normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral() else normal

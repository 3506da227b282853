"""Forms to define indicators, set targets and overrides, and enter values."""
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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
from ..core.dates import format_date
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

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40),
                                           Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                                                  message=_l("Use letters, digits, dots, hyphens and underscores."))],
                       filters=[strip_filter], description=_l("A short stable identifier, e.g. L1-DEBATES."))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), NoControlCharacters(), Visible()],
                       filters=[strip_filter])
    definition = TextAreaField(_l("Definition"), validators=[Optional(), Length(max=5000), NoControlCharacters()],
                               filters=[strip_filter], render_kw={"rows": 3})
    outcome_id = SelectField(_l("Outcome"), coerce=int, description=_l("Or the plan as a whole."))
    unit = SelectField(_l("Unit"), choices=list(UNITS.items()))
    direction = SelectField(_l("Direction"), choices=list(DIRECTIONS.items()))
    baseline_value = DecimalField(_l("Baseline value"), places=None, validators=NUMBER_RULES)
    baseline_year = IntegerField(_l("Baseline year"), validators=[Optional(), NumberRange(1990, 2030)])
    cumulative = BooleanField(_l("Cumulative: targets and values add up over the plan years"))
    method = SelectField(_l("How values are obtained"), choices=list(METHODS.items()))
    method_kinds = SelectMultipleField(_l("Activity kinds counted"), choices=ACTIVITY_KINDS.choices(),
                                       description=_l("Computed indicators only; none selected means every kind."))
    position = IntegerField(_l("Order"), validators=[Optional(), NumberRange(0, 10000)], default=0)
    active = BooleanField(_l("Active (shown on pages and reports)"), default=True)
    submit = SubmitField(_l("Save indicator"))

    def __init__(self, outcomes, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome_id.choices = [(PLAN_WIDE, _("The plan as a whole (plan-wide)"))] + [
            (o.id, o.label[:120]) for o in outcomes]

    def validate_method_kinds(self, field):
        """Entered values have no activities to filter."""
        if field.data and self.method.data == "manual":
            raise ValidationError(_("Activity kinds only apply to computed indicators."))

    def validate(self, extra_validators=None) -> bool:
        """Check the fields, then that a baseline value comes with its year (an empty field skips inline checks)."""
        valid = super().validate(extra_validators)
        if self.baseline_value.data is not None and self.baseline_year.data is None and not self.baseline_year.errors:
            self.baseline_year.errors = [*self.baseline_year.errors, _("Give the year of the baseline value.")]
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

    reason = TextAreaField(_l("Reason for the change"), validators=[Optional(), Length(max=1000), NoControlCharacters(),
                                                                Visible()],
                           filters=[strip_filter], render_kw={"rows": 2},
                           description=_l("Required when a target that was already set changes."))
    submit = SubmitField(_l("Save targets"))


def _target_label(year: int, is_range: bool, cumulative: bool) -> str:
    """The label of a year's target field, one whole phrase per case (word order differs by language)."""
    if is_range:
        return _("%(year)s lower bound (total since 2021)", year=year) if cumulative else \
            _("%(year)s lower bound", year=year)
    return _("%(year)s target (total since 2021)", year=year) if cumulative else _("%(year)s target", year=year)


def targets_form(indicator, **kwargs) -> FlaskForm:
    """A form with a target (and an upper bound for a range) per plan year."""

    class TargetsForm(TargetsFormBase):
        pass

    is_range = indicator.direction == "range"
    for year in PLAN_YEARS:
        setattr(TargetsForm, f"target_{year}", DecimalField(_target_label(year, is_range, indicator.cumulative),
                                                            places=None, validators=NUMBER_RULES))
        if is_range:
            setattr(TargetsForm, f"target_max_{year}", DecimalField(_("%(year)s upper bound", year=year), places=None,
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

    year = SelectField(_l("Year"), coerce=int, choices=[(y, str(y)) for y in PLAN_YEARS])
    status = SelectField(_l("Status"), choices=[("", _l("None: use the computed status"))]
                         + list(STATUSES.items()), validators=[Optional()])
    reason = TextAreaField(_l("Reason"), validators=[Length(max=1000), NoControlCharacters(), Visible()],
                           filters=[strip_filter], render_kw={"rows": 2},
                           description=_l("Required to override a status."))
    submit = SubmitField(_l("Save status"))

    def validate_reason(self, field):
        """An override must say why."""
        if self.status.data and not field.data:
            raise ValidationError(_("Give the reason for overriding the status."))


class ValueForm(FlaskForm):
    """A value entered for one year, with a note and optional evidence."""

    value = DecimalField(_l("Value"), places=None, validators=[InputRequired(_l("Enter a value.")), FITS_THE_DATABASE])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000), NoControlCharacters()],
                         filters=[strip_filter], render_kw={"rows": 3},
                         description=_l("Where the figure comes from, and anything the reviewer should know."))
    evidence_id = SelectField(_l("Evidence"), coerce=int, validate_choice=False, default=0)
    version = HiddenField()
    submit = SubmitField(_l("Save draft"))

    def __init__(self, evidence, *args, outcome_code: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.evidence_id.choices = [(0, _("No evidence"))] + [(e.id, evidence_label(e)) for e in evidence]
        self.evidence_id.choices_ids = {e.id for e in evidence}
        self.outcome_code = outcome_code

    def validate_evidence_id(self, field):
        """Only evidence offered in the list: of the indicator's outcome and its activities."""
        if field.data and field.data not in self.evidence_id.choices_ids:
            if self.outcome_code:
                raise ValidationError(_("This evidence is not one of the list: choose evidence of %(code)s or of its "
                                        "activities.", code=self.outcome_code))
            raise ValidationError(_("This evidence is not one of the list: choose evidence of the plan."))

    def validate_version(self, field):
        """The version is a number written by the page itself."""
        if field.data and not str(field.data).isdigit():
            raise ValidationError(_("Reload the page and try again."))


def evidence_label(evidence) -> str:
    """Tell one piece of evidence from another in a list: its title, where it belongs and when, and its kind."""
    kind = str(EVIDENCE_KINDS.get(evidence.kind, evidence.kind)).lower()
    if evidence.activity is not None:
        when = format_date(evidence.activity.start_date) if evidence.activity.start_date else _("no date")
        return _("%(title)s — %(activity)s, %(date)s (%(kind)s)", title=evidence.title,
                 activity=evidence.activity.title, date=when, kind=kind)
    if evidence.outcome is None:
        return _("%(title)s — added to the outcome (%(kind)s)", title=evidence.title, kind=kind)
    if evidence.added_at:
        return _("%(title)s — added to %(code)s on %(date)s (%(kind)s)", title=evidence.title,
                 code=evidence.outcome.code, date=format_date(evidence.added_at), kind=kind)
    return _("%(title)s — added to %(code)s (%(kind)s)", title=evidence.title, code=evidence.outcome.code, kind=kind)


def decimal_or_none(value) -> Decimal | None:
    """A number for display in an input, without trailing zeros."""
    if value is None:
        return None
    normal = Decimal(value).normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral() else normal

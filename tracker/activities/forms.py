"""The activity form (with the version it was loaded with) and the list's filter form."""
from decimal import Decimal, InvalidOperation

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Field,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, StopValidation, ValidationError
from wtforms.widgets import HiddenInput, TextInput

from ..core.forms import NoControlCharacters, Visible, strip_filter
from ..plan.models import REGIONS, Challenge, Member, OrientingTheme, Outcome, Partner
from ..plan.reference import REGION_LABELS, region_name
from . import services
from .labels import number
from .models import ACTIVITY_KINDS, ACTIVITY_STATUSES


def _shorten(values, limit: int = 3) -> str:
    """A few of the offending values, quoted and cut short, for a message."""
    shown = [repr(str(v)[:20]) for v in values[:limit]]
    return ", ".join(shown) + (" …" if len(values) > limit else "")


ITEM, ITEMS = _l("item"), _l("items")  # what a list holds when its field does not say


class IdListField(Field):
    """Ids ticked in a checkbox list; the template draws the boxes, the form checks the ids exist."""

    def __init__(self, label=None, validators=None, noun=ITEM, nouns=ITEMS, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.noun, self.nouns = noun, nouns  # one and several of what is ticked, for the messages

    def process_data(self, value):
        """Take the ids the form starts with."""
        self.data = [int(v) for v in value] if value else []

    def process_formdata(self, valuelist):
        """Read the ticked ids, keeping a message for anything that is not one."""
        ids, bad = [], []
        for raw in valuelist:
            value = services.parse_id(raw)
            if value is None:
                bad.append(raw)
            else:
                ids.append(value)
        self.data = list(dict.fromkeys(ids))
        if len(valuelist) > services.MAX_SELECTED:
            self.data = []
            raise ValueError(_("Too many %(things)s were sent; choose at most %(max)s.", things=self.nouns,
                               max=number(services.MAX_SELECTED)))
        if bad:
            raise ValueError(_("Unknown %(thing)s: %(values)s. Choose from the list.", thing=self.noun,
                               values=_shorten(bad)))


class IdSelectField(SelectField):
    """A select whose values are database ids, with a clear message for anything else."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=lambda v: None if v in (None, "") else int(v),
                         validate_choice=False, **kwargs)

    def process_formdata(self, valuelist):
        """Read the chosen id; anything else gets a clear message."""
        if not valuelist:
            return
        raw = valuelist[0]
        self.data = services.parse_id(raw) if raw not in ("", None) else None
        if raw not in ("", None) and self.data is None:
            raise ValueError(_("Choose someone from the list."))


class PlainDateField(DateField):
    """A date typed as YYYY-MM-DD (the browser's date picker sends that), with a plain message."""

    def process_formdata(self, valuelist):
        """Read a date; empty means none given."""
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            super().process_formdata([str(valuelist[0]).strip()])
        except ValueError as error:
            raise ValueError(_("Enter a date as YYYY-MM-DD, for example 2022-03-15.")) from error


class WholeNumberField(IntegerField):
    """A count of people: empty, or a whole number."""

    def process_formdata(self, valuelist):
        """Read a whole number; empty means none given."""
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = int(str(valuelist[0]).strip())
        except ValueError as error:
            self.data = None
            raise ValueError(_("Enter a whole number, like 120.")) from error


class EuroField(StringField):
    """An amount in euros: empty, or a decimal number (a point for the cents)."""

    widget = TextInput()

    def process_data(self, value):
        """Take the amount the form starts with."""
        self.data = None if value is None else Decimal(value)

    def process_formdata(self, valuelist):
        """Read an amount (spaces allowed as thousands separators); refuse text, NaN and infinity."""
        if not valuelist:
            return
        raw = str(valuelist[0]).strip().replace(" ", "").replace("\u00a0", "")
        if raw == "":
            self.data = None
            return
        try:
            value = Decimal(raw)
        except (InvalidOperation, ValueError) as error:
            self.data = None
            raise ValueError(_("Enter an amount in euros, like 1500 or 1500.50.")) from error
        if not value.is_finite():
            self.data = None
            raise ValueError(_("Enter an amount in euros, like 1500 or 1500.50."))
        self.data = Decimal(0) if value == 0 else value

    def _value(self):
        """Show what was typed, or the stored amount with its cents."""
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:.2f}"


def euro_amount(form, field):
    """Refuse negative, absurd or sub-cent amounts."""
    value = field.data
    if value is None:
        return
    if value < 0:
        raise ValidationError(_("An amount cannot be negative."))
    if value > services.MAX_BUDGET:
        raise ValidationError(_("Enter at most %(max)s euros.", max=number(services.MAX_BUDGET)))
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError(_("Use at most 2 decimals (cents)."))


def date_in_range(form, field):
    """Refuse dates outside the years the tracker can sensibly hold."""
    if field.data is not None and not services.MIN_DATE <= field.data <= services.MAX_DATE:
        raise ValidationError(_("Enter a date between %(first)s and %(last)s.",
                                first=format_date(services.MIN_DATE, "d MMM y"),
                                last=format_date(services.MAX_DATE, "d MMM y")))


def people_count(form, field):
    """An empty count is fine; a given one lies between 0 and a million."""
    if field.data is not None and not 0 <= field.data <= services.MAX_PARTICIPANTS:
        raise ValidationError(_("Enter a number between 0 and %(max)s.", max=number(services.MAX_PARTICIPANTS)))


class DateRequired:
    """A date must be given (a malformed one keeps its own message)."""

    field_flags = {"required": True}

    def __init__(self, message):
        self.message = message  # a lazy string: read in the language of the request that validates

    def __call__(self, form, field):
        if field.data is None and not field.process_errors:
            raise StopValidation(self.message)


class MarkRequired:
    """Mark a field as required (star, `required` attribute) whose other validators already refuse it empty."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        """Nothing to check here."""


PEOPLE = [people_count]
# WTForms fills in %(max)d and %(length)d after translating.
TOO_LONG = _l("Use at most %(max)d characters (this has %(length)d).")
TEXT = [NoControlCharacters()]


class ActivityForm(FlaskForm):
    """What was done, when, against which outcomes, with whom, for how many people and how much money."""

    title = StringField(_l("Title"), filters=[strip_filter], validators=[
        DataRequired(_l("Give the activity a title.")),
        Length(max=services.MAX_TITLE, message=TOO_LONG), *TEXT,
        Visible(_l("Give the activity a title with visible characters: this has only invisible ones."))])
    kind = SelectField(_l("Kind"), validate_choice=False, validators=[
        MarkRequired(), AnyOf(list(ACTIVITY_KINDS), message=_l("Choose a kind from the list."))])
    outcome_kind = SelectField(_l("Kind of outcome it produces"), validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False, validators=[
        MarkRequired(), AnyOf(list(ACTIVITY_STATUSES), message=_l("Choose a status from the list."))])
    start_date = PlainDateField(_l("Start date"), validators=[DateRequired(_l("Give the start date.")), date_in_range])
    end_date = PlainDateField(_l("End date"), validators=[date_in_range],
                              description=_l("Leave empty for a one-day activity: it then ends on its start date."))
    online = BooleanField(_l("Online"))
    place = StringField(_l("Place"), filters=[strip_filter], validators=[
        Length(max=services.MAX_PLACE, message=TOO_LONG), *TEXT],
        description=_l("The city where it took place; leave empty and tick Online for an online activity."))
    description = TextAreaField(_l("Description"), filters=[strip_filter], validators=[
        Length(max=services.MAX_DESCRIPTION, message=TOO_LONG), *TEXT])
    outcomes = IdListField(_l("Outcomes it serves"), noun=_l("outcome"), nouns=_l("outcomes"))
    themes = IdListField(_l("Orienting themes"), noun=_l("theme"), nouns=_l("themes"))
    challenges = IdListField(_l("Metropolitan challenges"), noun=_l("challenge"), nouns=_l("challenges"))
    members = IdListField(_l("Members involved"), noun=_l("member"), nouns=_l("members"))
    partners = IdListField(_l("Partner organisations involved"), noun=_l("partner"), nouns=_l("partners"))
    participants_total = WholeNumberField(
        _l("Participants in total"), validators=PEOPLE, render_kw={"min": 0},
        description=_l("Women, men and other or not stated add up to the total. Give only the parts and the total "
                       "is their sum; give only the total if nobody counted by gender."))
    participants_women = WholeNumberField(_l("Women"), validators=PEOPLE, render_kw={"min": 0})
    participants_men = WholeNumberField(_l("Men"), validators=PEOPLE, render_kw={"min": 0})
    participants_other = WholeNumberField(_l("Other or not stated"), validators=PEOPLE, render_kw={"min": 0})
    budget_planned = EuroField(_l("Planned budget (EUR)"), validators=[euro_amount],
                               render_kw={"inputmode": "decimal"})
    budget_spent = EuroField(_l("Spent budget (EUR)"), validators=[euro_amount], render_kw={"inputmode": "decimal"})
    responsible = IdSelectField(_l("Staff member responsible"), validators=[MarkRequired()])
    submit = SubmitField(_l("Save activity"))

    def __init__(self, *args, choices: "services.FormChoices", keep_responsible_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = choices
        self.keep_responsible_id = keep_responsible_id
        self.kind.choices = [("", _("Choose a kind"))] + list(ACTIVITY_KINDS.items())
        self.status.choices = list(ACTIVITY_STATUSES.items())
        self.outcome_kind.choices = [("", _("None"))] + choices.outcome_kinds
        self.responsible.choices = [("", _("Choose a person"))] + choices.responsibles

    def validate_outcome_kind(self, field):
        """Accept one of the plan's three kinds of outcome, or none."""
        if field.data and field.data not in {code for code, _ in self.choices.outcome_kinds}:
            raise ValidationError(_("Choose a kind of outcome from the list, or None."))

    def validate_end_date(self, field):
        """The end cannot come before the start."""
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_("The end date is before the start date."))

    def validate_place(self, field):
        """A place, or Online: not both."""
        if self.online.data and field.data and field.data.lower() != services.ONLINE:
            raise ValidationError(_("Leave the place empty for an online activity, or untick Online."))

    def validate(self, extra_validators=None) -> bool:
        """Check each field, then that women, men and other or not stated add up to the total."""
        valid = super().validate(extra_validators)
        counts = (self.participants_total, self.participants_women, self.participants_men, self.participants_other)
        if any(f.errors for f in counts):
            return valid  # a count that is not a number has its own message: no sum to check
        problem = services.participants_problem(*(f.data for f in counts))
        if problem:
            self.participants_total.errors.append(problem)
            return False
        return valid

    def validate_outcomes(self, field):
        """At least one outcome, and only outcomes that exist."""
        if not field.data and not field.errors:
            raise ValidationError(_("Choose at least one outcome this activity serves."))
        self.check_known(Outcome, field)

    def validate_themes(self, field):
        """Only themes that exist."""
        self.check_known(OrientingTheme, field)

    def validate_challenges(self, field):
        """Only challenges that exist."""
        self.check_known(Challenge, field)

    def validate_members(self, field):
        """Only members that exist."""
        self.check_known(Member, field)

    def validate_partners(self, field):
        """Only partners that exist."""
        self.check_known(Partner, field)

    def validate_responsible(self, field):
        """An active staff member, the Secretary General or an admin."""
        if field.errors:
            return
        problem = services.responsible_problem(field.data, self.keep_responsible_id)
        if problem:
            raise ValidationError(problem)

    def check_known(self, model, field) -> None:
        """Add a message when some ticked ids are not in the database."""
        _check_known(model, field)

    def to_data(self) -> services.ActivityData:
        """The clean values, once the form is valid."""
        place = self.place.data or ""
        if self.online.data or place.lower() == services.ONLINE:
            place = services.ONLINE
        return services.ActivityData(
            title=self.title.data, kind=self.kind.data, status=self.status.data,
            start_date=self.start_date.data, end_date=self.end_date.data, description=self.description.data or "",
            place=place, outcome_kind=self.outcome_kind.data or None, outcome_ids=list(self.outcomes.data),
            theme_ids=list(self.themes.data), challenge_ids=list(self.challenges.data),
            member_ids=list(self.members.data), partner_ids=list(self.partners.data),
            participants_total=services.participants_sum(
                self.participants_total.data, self.participants_women.data, self.participants_men.data,
                self.participants_other.data),
            participants_women=self.participants_women.data, participants_men=self.participants_men.data,
            participants_other=self.participants_other.data,
            budget_planned=None if self.budget_planned.data is None else self.budget_planned.data.quantize(
                Decimal("0.01")),
            budget_spent=None if self.budget_spent.data is None else self.budget_spent.data.quantize(Decimal("0.01")),
            responsible_id=self.responsible.data,
        )


def _check_known(model, field) -> None:
    """Add a message when some ticked ids are not in the database."""
    if field.errors or not field.data:
        return
    missing = services.unknown_ids(model, field.data)
    if missing:
        raise ValidationError(_("Unknown %(thing)s: %(values)s. Choose from the list.", thing=field.noun,
                                values=_shorten(missing)))


class EditActivityForm(ActivityForm):
    """The activity form with the version it was loaded with (optimistic locking)."""

    version = IntegerField(widget=HiddenInput())

    def validate_version(self, field):
        """The version must come back with the form."""
        if field.data is None:
            raise ValidationError(_("This form lost track of the version it was opened with: reload the page and "
                                    "make your changes again."))


class ActivityFilterForm(FlaskForm):
    """The list's filters, read from the query string."""

    class Meta:
        """A GET form: nothing to protect, and links must work."""

        csrf = False

    q = StringField(_l("Search"), filters=[strip_filter], validators=[Length(max=200), NoControlCharacters()])
    year = SelectField(_l("Year"), default="")
    line = SelectField(_l("Action line"), default="")
    axis = SelectField(_l("Axis"), default="")
    outcome = SelectField(_l("Outcome"), default="")
    kind = SelectMultipleField(_l("Kind"), choices=ACTIVITY_KINDS.choices())
    status = SelectMultipleField(_l("Status"), choices=ACTIVITY_STATUSES.choices())
    member = SelectField(_l("Member"), default="")
    partner = SelectField(_l("Partner"), default="")
    region = SelectField(_l("Region"), default="",
                         choices=[("", _l("Any region"))] + [(r, REGION_LABELS[r]) for r in REGIONS])
    responsible = SelectField(_l("Responsible"), default="")

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.year.choices = [("", _("Any year"))] + [(str(y), str(y)) for y in choices["years"]]
        self.line.choices = [("", _("Any line"))] + [(code, f"{code} {title}") for code, title in choices["lines"]]
        self.axis.choices = [("", _("Any axis"))] + [(code, f"{code} {title}") for code, title in choices["axes"]]
        self.outcome.choices = [("", _("Any outcome"))] + [(code, f"{code} {title}")
                                                        for code, title in choices["outcomes"]]
        members: dict[str, list] = {}
        for member_id, city, region in choices["members"]:
            members.setdefault(region_name(region), []).append((str(member_id), city))
        self.member.choices = {"": [("", _("Any member"))], **members}
        self.partner.choices = [("", _("Any partner"))] + [(str(i), name) for i, name in choices["partners"]]
        self.responsible.choices = [("", _("Anyone"))] + [(str(i), name) for i, name in choices["users"]]

    def params(self) -> dict:
        """The valid filters as the list query wants them (invalid ones are left out, with their message)."""
        out: dict = {}
        for name in services.FILTER_KEYS:
            field = getattr(self, name)
            if field.errors or not field.data:
                continue
            value = field.data
            if name in ("year", "member", "partner", "responsible"):
                value = services.parse_id(value)
                if value is None:
                    continue
            out[name] = value
        return out

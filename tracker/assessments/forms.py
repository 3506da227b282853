"""Forms for assessments, reviews, responsibles, requests to be assigned and the yearly lock."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..core.forms import NoControlCharacters, Visible, strip_filter
from ..core.years import PLAN_YEARS
from .models import ASSESSMENT_STATUSES
from .services import MAX_TEXT

TEXT_RULES = [Optional(), Length(max=MAX_TEXT), NoControlCharacters(), Visible()]


class AssessmentForm(FlaskForm):
    """An outcome's yearly status and narrative."""

    status = SelectField(_l("Status"), choices=list(ASSESSMENT_STATUSES.items()))
    achieved = TextAreaField(_l("What was achieved"), validators=TEXT_RULES, filters=[strip_filter],
                             render_kw={"rows": 6})
    difficulties = TextAreaField(_l("Difficulties"), validators=TEXT_RULES, filters=[strip_filter],
                                 render_kw={"rows": 4})
    next_steps = TextAreaField(_l("Next steps"), validators=TEXT_RULES, filters=[strip_filter], render_kw={"rows": 4})
    version = HiddenField()
    submit = SubmitField(_l("Save draft"))

    def validate_version(self, field):
        """The version is a number written by the page itself."""
        if field.data and not str(field.data).isdigit():
            raise ValidationError(_("Reload the page and try again."))


class ResponsiblesForm(FlaskForm):
    """Who is responsible for an outcome."""

    users = SelectMultipleField(_l("Responsible staff"), coerce=int, validate_choice=True)
    submit = SubmitField(_l("Save responsibles"))

    def __init__(self, users, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.users.choices = [(u.id, f"{u.name} ({u.role_label})") for u in users]


class LockForm(FlaskForm):
    """Lock a year once its Board evaluation is final."""

    year = SelectField(_l("Year"), coerce=int, choices=[(y, str(y)) for y in PLAN_YEARS])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500), NoControlCharacters()],
                         filters=[strip_filter], default=_l("Board evaluation marked final"))
    submit = SubmitField(_l("Lock year"))


class ReopenForm(FlaskForm):
    """Reopen a locked year (administrators), with a reason."""

    year = SelectField(_l("Year"), coerce=int, choices=[(y, str(y)) for y in PLAN_YEARS])
    reason = StringField(_l("Reason for reopening"),
                         validators=[DataRequired(_l("Give the reason for reopening the year.")), Length(max=500),
                                     NoControlCharacters(), Visible()],
                         filters=[strip_filter])
    submit = SubmitField(_l("Reopen year"))


class AssignmentDecisionForm(FlaskForm):
    """The Secretary General's answer to a request to be assigned: grant or decline."""

    decision = SelectField(_l("Decision"), choices=[("grant", _l("Grant")), ("decline", _l("Decline"))])

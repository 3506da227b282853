"""User management forms."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from ..auth.services import find_user_by_email
from ..core.forms import NoControlCharacters, Visible, strip_filter
from ..core.i18n import LANGUAGES
from ..core.roles import ROLE_LABELS, ROLES, STAFF

ROLE_CHOICES = [(role, ROLE_LABELS[role]) for role in ROLES]


class UserForm(FlaskForm):
    """Name, role and whether the account may log in."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120), NoControlCharacters(), Visible()],
                       filters=[strip_filter])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    active = BooleanField(_l("Active (may log in)"), default=True)
    submit = SubmitField(_l("Save"))


class InviteForm(FlaskForm):
    """Who to invite: they choose their own password from the emailed link."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
                       filters=[strip_filter], render_kw={"autocomplete": "off"})
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120), NoControlCharacters(), Visible()],
                       filters=[strip_filter])
    # Least privilege first: most new accounts are the Secretariat's staff; a wider role is chosen on purpose.
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default=STAFF)
    language = SelectField(_l("Language"), choices=[], default="",
                           description=_l("Of the invitation and the other emails; they can change it later."))
    submit = SubmitField(_l("Send the invitation"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per form: the first choice speaks the page's language, the others are named in themselves.
        self.language.choices = [("", _("Their browser's language (emails in English)"))] + list(LANGUAGES.items())

    def validate_email(self, field):
        """One account per email."""
        if find_user_by_email(field.data or ""):
            raise ValidationError(_("There is already an account with this email."))


class SendLinkForm(FlaskForm):
    """Email a person a new link to set their password (the button posts the CSRF token only)."""

    submit = SubmitField(_l("Email a password link"))

"""User management forms."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from ..auth.forms import NewPasswordMixin
from ..auth.services import find_user_by_email
from ..core.forms import NoControlCharacters, Visible, strip_filter
from ..core.roles import ROLE_LABELS, ROLES, STAFF

ROLE_CHOICES = [(role, ROLE_LABELS[role]) for role in ROLES]


class UserForm(FlaskForm):
    """Name, role and whether the account may log in."""

    name = StringField("Name", validators=[DataRequired(), Length(max=120), NoControlCharacters(), Visible()],
                       filters=[strip_filter])
    role = SelectField("Role", choices=ROLE_CHOICES)
    active = BooleanField("Active (may log in)", default=True)
    submit = SubmitField("Save")


class CreateUserForm(NewPasswordMixin, UserForm):
    """A new account with its first password."""

    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
                       filters=[strip_filter], render_kw={"autocomplete": "off"})
    # Least privilege first: most new accounts are the Secretariat's staff; a wider role is chosen on purpose.
    role = SelectField("Role", choices=ROLE_CHOICES, default=STAFF)
    submit = SubmitField("Create account")

    # The mixin's password fields were declared first; show who the account is for before its password.
    FIELD_ORDER = ("email", "name", "role", "active", "new_password", "confirm")

    def __iter__(self):
        """Yield the fields in reading order."""
        fields = {field.name: field for field in super().__iter__()}
        ordered = [fields.pop(name) for name in self.FIELD_ORDER]
        return iter(ordered + list(fields.values()))

    def validate_email(self, field):
        """One account per email."""
        if find_user_by_email(field.data or ""):
            raise ValidationError("There is already an account with this email.")


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    """Set a new password for someone else."""

    submit = SubmitField("Reset password")

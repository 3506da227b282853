"""Login and password forms."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from ..core.forms import strip_filter
from ..core.i18n import LANGUAGES
from .services import password_problem
from .tokens import LIFETIMES, MAX_NAME, SCOPE_LABELS


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)], filters=[strip_filter],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Log in"))


class CurrentPasswordMixin:
    """The current password (declared before the new one: WTForms shows fields in the order they were made)."""

    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)],
                                     render_kw={"autocomplete": "current-password"})


class NewPasswordMixin:
    """A new password typed twice, checked for strength."""

    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)],
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(),
                                        EqualTo("new_password", message=_l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})

    def validate_new_password(self, field):
        """Refuse weak passwords (the service checks again against the account's own name and email)."""
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class ChangePasswordForm(CurrentPasswordMixin, NewPasswordMixin, FlaskForm):
    """Change one's own password, proving the current one."""

    submit = SubmitField(_l("Change password"))


class ChoosePasswordForm(NewPasswordMixin, FlaskForm):
    """One's own first password, or a new one, from an emailed link."""

    submit = SubmitField(_l("Set my password"))


class CodeForm(FlaskForm):
    """A six-digit code from the authenticator app, or a recovery code."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=20)], filters=[strip_filter],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True})
    submit = SubmitField(_l("Continue"))


class EnableSecondFactorForm(CodeForm):
    """Confirm the app shows the right code before the second factor is turned on."""

    submit = SubmitField(_l("Turn on the second factor"))


class ProveCodeForm(CodeForm):
    """A current code, to change the second factor's settings."""

    submit = SubmitField(_l("Confirm"))


class ActionForm(FlaskForm):
    """A button that posts (ending a session, say): the CSRF token and nothing else."""

    submit = SubmitField(_l("End"))


class LanguageForm(FlaskForm):
    """The language of one's pages and emails: one of the three, or the browser's preference."""

    language = SelectField(_l("Language"), choices=[])
    submit = SubmitField(_l("Save the language"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per form: the first choice speaks the page's language, the others are named in themselves.
        self.language.choices = [("", _("Your browser's language"))] + list(LANGUAGES.items())


class TokenForm(FlaskForm):
    """A new personal access token: what uses it, what it may do, how long it works."""

    name = StringField(_l("Name"), filters=[strip_filter],
                       validators=[DataRequired(_l("Name the token after what will use it.")),
                                   Length(max=MAX_NAME, message=_l("Use at most %(max)d characters."))],
                       description=_l("What will use it, for example “monthly export script”."))
    scope = RadioField(_l("It may"), choices=list(SCOPE_LABELS.items()), default="read",
                       validators=[DataRequired(_l("Choose read only or read and write."))])
    days = SelectField(_l("It works for"), coerce=int, default=90,
                       choices=[(days, _l("%(days)s days", days=days)) for days in LIFETIMES],
                       validate_choice=True)
    submit = SubmitField(_l("Create token"))

"""The page where the Secretary General writes the plan's French and Spanish text."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField

from ..core.access import allow
from ..core.errors import StaleEdit
from ..core.i18n import LANGUAGES, TRANSLATED
from ..core.roles import STEERING
from ..core.transaction import attempt
from . import translations

bp = Blueprint("translations", __name__, url_prefix="/plan")


class TranslationsForm(FlaskForm):
    """The CSRF token and the state of the translations when the page was opened (the text fields are read by name)."""

    seen = HiddenField()


def _texts(found: list[translations.Entry]) -> dict[str, str]:
    """The submitted text of every field the page has (others are ignored)."""
    return {entry.field(language): request.form[entry.field(language)]
            for entry in found for language in TRANSLATED if entry.field(language) in request.form}


@bp.route("/translations", methods=["GET", "POST"])
@allow(*STEERING)
def index():
    """Show every text of the plan in English with its French and Spanish, and save them in one transaction."""
    found = translations.entries()
    form = TranslationsForm()
    errors: dict[str, str] = {}
    submitted: dict[str, str] = {}
    status = 200
    if form.validate_on_submit():
        submitted = _texts(found)
        result = attempt(lambda: translations.save(current_user, found, submitted, form.seen.data or ""),
                         show=False)
        if result.ok:
            flash(ngettext("%(num)s text saved.", "%(num)s texts saved.", result.value), "success")
            return redirect(url_for("translations.index"))
        status = result.status
        if isinstance(result.error, StaleEdit):
            submitted = {}  # someone else saved: show their translations, to be changed again
        if result.error.field:
            errors[result.error.field] = str(result.error)
        else:
            form.form_errors.append(str(result.error))
    elif request.method == "POST":
        status = 400
        form.form_errors.append(_("The form expired. Reload the page and make your changes again."))
    form.seen.data = translations.fingerprint(found)
    groups = [(kind, label, [entry for entry in found if entry.kind == kind])
              for kind, (_model, _stem, _limit, label) in translations.KINDS.items()]
    return render_template("overview/translations.html", form=form, groups=groups, errors=errors,
                           submitted=submitted, missing=translations.missing(found), total=len(found),
                           languages={code: LANGUAGES[code] for code in TRANSLATED},
                           limits={kind: limit for kind, (_m, _s, limit, _h) in translations.KINDS.items()}), status

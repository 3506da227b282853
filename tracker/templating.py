"""Template globals and filters."""
from babel.numbers import format_currency, format_decimal
from flask import Flask
from flask_login import current_user

from .core import roles
from .core.dates import format_when
from .core.i18n import LANGUAGES, current_language, current_locale
from .core.review import OWN_WORK, REVIEW_LABELS, wrote_or_edited
from .plan.reference import region_name


def _fmt_number(value, digits: int = 0) -> str:
    """Format a number with the page's language's separators: 12,345 (en), 12 345 (fr), 12.345 (es)."""
    if value is None:
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(number, format=pattern, locale=current_locale())


def _fmt_money(value, currency: str = "EUR", digits: int | None = None) -> str:
    """Format an amount of money for the page's language: €12,345.50 (en), 12 345,50 € (fr and es)."""
    if value is None:
        return "—"
    try:
        amount = float(value)
    except (TypeError, ValueError):
        return str(value)
    locale = current_locale()
    if digits is None:
        return format_currency(amount, currency, locale=locale)
    # Whole euros in a table, say: the locale's own currency pattern with the decimals asked for.
    pattern = locale.currency_formats["standard"].pattern.split(";")[0].replace("#,##0.00", "#,##0" + (
        "." + "0" * digits if digits else ""))
    return format_currency(amount, currency, format=pattern, locale=locale, currency_digits=False)


def register(app: Flask) -> None:
    """Add the helpers to Jinja."""
    app.jinja_env.filters["fdate"] = format_when  # every date and timestamp of every page and PDF
    app.jinja_env.filters["fnum"] = _fmt_number
    app.jinja_env.globals["region_name"] = region_name  # a Metropolis region in the reader's words
    app.jinja_env.filters["fmoney"] = _fmt_money
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["REVIEW_LABELS"] = {str(state): label for state, label in REVIEW_LABELS.items()}
    app.jinja_env.globals["OWN_WORK"] = OWN_WORK

    @app.context_processor
    def inject_roles():
        """Let templates ask what the current user may do."""

        def can(*allowed):
            return bool(getattr(current_user, "is_authenticated", False)) and current_user.role in allowed

        def has_endpoint(endpoint):
            return endpoint in app.view_functions

        def own_work(item):
            return wrote_or_edited(current_user, item)

        def returned_to_me():
            """How many items came back to the current user (the menu's badge): one query, asked when drawn."""
            from .home.services import returned_count

            return returned_count(current_user)

        def assignment_requests_waiting():
            """How many requests to be assigned wait for a decision (the menu's badge): one query, when drawn."""
            from .assessments.services import pending_assignment_count

            return pending_assignment_count()

        return {"current_language": current_language, "roles": roles, "can": can, "has_endpoint": has_endpoint,
                "own_work": own_work, "returned_to_me": returned_to_me,
                "assignment_requests_waiting": assignment_requests_waiting}

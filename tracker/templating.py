"""Template globals and filters."""
from flask import Flask
from flask_login import current_user

from .core import roles
from .core.dates import format_when
from .core.review import OWN_WORK, REVIEW_LABELS, wrote_or_edited


def _fmt_number(value, digits: int = 0) -> str:
    """Format a number with thousands separators."""
    if value is None:
        return "—"
    try:
        return f"{float(value):,.{digits}f}" if digits else f"{round(float(value)):,}"
    except (TypeError, ValueError):
        return str(value)


def register(app: Flask) -> None:
    """Add the helpers to Jinja."""
    app.jinja_env.filters["fdate"] = format_when  # every date and timestamp of every page and PDF
    app.jinja_env.filters["fnum"] = _fmt_number
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

        return {"roles": roles, "can": can, "has_endpoint": has_endpoint, "own_work": own_work,
                "returned_to_me": returned_to_me, "assignment_requests_waiting": assignment_requests_waiting}

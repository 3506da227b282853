"""The review queue's filter (a GET form) and its bulk approval."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField
from wtforms.validators import Optional

from ..core.review import REVIEW_LABELS
from ..core.years import PLAN_YEARS
from .services import SORTS, STATES, QueueFilter

SORT_LABELS = {"code": _l("Outcome code"), "submitted": _l("Submitted date (oldest first)"), "author": _l("Author")}
FILTER_NAMES = ("year", "line", "state", "author", "sort")


class QueueFilterForm(FlaskForm):
    """Which items the queue lists and in what order; a value that is not offered is refused next to its field."""

    class Meta:
        csrf = False

    year = SelectField(_l("Year"), choices=[("", _l("All years"))] + [(str(y), str(y)) for y in PLAN_YEARS],
                       validators=[Optional()], default="")
    line = SelectField(_l("Action line"), validators=[Optional()], default="")
    state = SelectField(_l("Review state"), choices=[(s.value, REVIEW_LABELS[s]) for s in STATES],
                        default=STATES[0].value)
    author = SelectField(_l("Author"), validators=[Optional()], default="")
    sort = SelectField(_l("Sort by"), choices=list(SORT_LABELS.items()), default=SORTS[0])

    def __init__(self, lines, authors, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.line.choices = [("", _("All lines"))] + [(str(line.id), f"{line.code} {line.title}") for line in lines]
        self.author.choices = [("", _("Anyone"))] + [(str(user.id), user.name) for user in authors]

    def filters(self) -> QueueFilter:
        """The filter the valid fields ask for; a field refused falls back to its default."""
        def valid(field):
            return field.data if not field.errors and field.data not in (None, "") else None

        year, line, author = valid(self.year), valid(self.line), valid(self.author)
        return QueueFilter(year=int(year) if year else None, line_id=int(line) if line else None,
                           state=valid(self.state) or STATES[0], author_id=int(author) if author else None,
                           sort=valid(self.sort) or SORTS[0])

    def args(self) -> dict:
        """The filter as GET parameters (only those set), to come back to the same list."""
        values = self.filters()
        args = {"year": values.year, "line": values.line_id, "state": str(values.state),
                "author": values.author_id, "sort": values.sort}
        defaults = {"state": str(STATES[0]), "sort": SORTS[0]}
        return {k: v for k, v in args.items() if v is not None and defaults.get(k) != v}


class BulkApproveForm(FlaskForm):
    """The items picked on the queue page for approval ("a12:3": kind, id and the version shown)."""

    items = SelectMultipleField(_l("Selected items"), validate_choice=False)

"""The Secretary General's progress overview: the outcome × year grid first, then headline figures, the plan as a
heat map, readiness and charts."""
from urllib.parse import quote, urlencode

from flask import Blueprint, abort, current_app, g, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField
from wtforms.validators import InputRequired

from ..core.access import allow, can_review, sees_unapproved
from ..core.roles import EVERYONE, STEERING
from ..core.years import PLAN_YEARS
from ..extensions import db
from ..plan.models import outcome_responsible
from ..plan.reference import region_name
from . import cache, grid, queries

bp = Blueprint("overview", __name__, url_prefix="/overview")

ALL = "all"
YEAR_CHOICES = [(str(year), str(year)) for year in PLAN_YEARS] + [(ALL, _l("Whole plan 2021-2023"))]
# The SVG is our own drawing, shown through <img>; its presentation attributes need inline styles, nothing else.
CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
IMMUTABLE = "private, max-age=31536000, immutable"
REVALIDATE = "private, no-cache"


def _default_year() -> int:
    """Return the current plan year (the assessments feature decides it)."""
    from ..core.years import current_plan_year

    return current_plan_year()


class YearForm(FlaskForm):
    """The year selector (a GET filter: no CSRF)."""

    class Meta:
        csrf = False

    year = SelectField(_l("Plan year"), choices=YEAR_CHOICES, validators=[InputRequired()])


def parse_year(raw: str | None) -> int | None:
    """Turn a year parameter into a plan year, None for the whole period; ValueError when it is neither."""
    if raw == ALL:
        return None
    if raw is not None and raw.strip().isdigit() and int(raw) in PLAN_YEARS:
        return int(raw)
    raise ValueError(raw)


def year_param(year: int | None) -> str:
    """Return the URL value of a selection."""
    return ALL if year is None else str(year)


def activity_list_url(year: int | None, *, statuses=(), **filters) -> str:
    """Return the activity list filtered like a heat map cell (year omitted for the whole period)."""
    params = {key: value for key, value in filters.items() if value is not None}
    if year is not None:
        params["year"] = year
    if statuses:
        params["status"] = list(statuses)
    # The page links to the list some 200 times: route it once per request, then add the query string.
    if "overview_activity_list" not in g:
        g.overview_activity_list = url_for("activities.index")
    return g.overview_activity_list + ("?" + urlencode(params, doseq=True) if params else "")


def outcome_url(code: str) -> str:
    """Return an outcome page's URL (routed once per request: the page links to outcomes some 140 times)."""
    if "overview_outcome_prefix" not in g:
        sample = url_for("plan.outcome", code="L0")
        g.overview_outcome_prefix = sample[:-len("L0")]
    return g.overview_outcome_prefix + quote(code, safe="")


def _has(endpoint: str) -> bool:
    """Tell whether a page of another feature is there (the overview links to higher layers by name only)."""
    return endpoint in current_app.view_functions


def _drill_down(view: dict) -> None:
    """Give every row and cell of a viewer's grid its link: the outcome page's assessments, or the review item."""
    queue = url_for("review.queue") if _has("review.queue") else None
    for line in view["lines"]:
        for axis in line["axes"]:
            for item in axis["outcomes"]:
                item["url"] = outcome_url(item["code"])
                for cell in item["cells"]:
                    cell["url"] = (f"{queue}?{urlencode({'year': cell['year']})}#item-a{cell['assessment_id']}"
                                   if cell["awaits_viewer"] and queue else f"{item['url']}#assessment-{cell['year']}")


def _my_outcome_ids() -> set[int]:
    """Return the outcomes the current user answers for (one small query, for staff only)."""
    return set(db.session.scalars(select(outcome_responsible.c.outcome_id)
                                  .where(outcome_responsible.c.user_id == current_user.id)))


def grid_for_viewer(data: dict, year: int | None) -> dict:
    """Return the grid as the current user may see it, with its links and what in it concerns them."""
    reviewer, reader = can_review(current_user), sees_unapproved(current_user)
    view = grid.for_viewer(data["grid"], reader=reader, reviewer=reviewer)
    _drill_down(view)
    view["shown_years"] = list(queries.years_of(year))
    view["reader"], view["reviewer"] = reader, reviewer
    view["waiting"] = data["review_queue"]["waiting"]["total"] if reviewer else None
    view["mine"] = (grid.concerning(view, _my_outcome_ids(), set(view["shown_years"]))
                    if reader and not reviewer else None)
    return view


def chart_alt(name: str, data: dict, year: int | None) -> str:
    """Return a short text alternative for a chart; the table after it carries the figures."""
    period = year if year is not None else "2021-2023"
    if name == "activities":
        totals = [sum(values) for values in zip(*[series["counts"] for series in data["series"]])] or [0]
        busiest = max(range(len(totals)), key=totals.__getitem__) if any(totals) else None
        per_line = ", ".join(f"{series['code']} {sum(series['counts'])}" for series in data["series"])
        text = _("Bar chart of work-plan activities per month by action line, %(period)s: %(per_line)s.",
                 period=period, per_line=per_line)
        if busiest is not None:
            text += " " + _("Busiest month: %(month)s (%(count)s).", month=data["labels"][busiest],
                            count=totals[busiest])
        return text
    if name == "members":
        engaged, total = sum(r["engaged"] for r in data), sum(r["total"] for r in data)
        parts = ", ".join(_("%(region)s %(engaged)s of %(total)s", region=region_name(r["region"]),
                            engaged=r["engaged"], total=r["total"]) for r in data)
        return _("Bar chart of members engaged by region, %(period)s: %(engaged)s of %(total)s in all; %(parts)s.",
                 period=period, engaged=engaged, total=total, parts=parts)
    parts = ", ".join(f"{r['label'].lower()} {r['count']}" for r in data if r["count"])
    return _("Bar chart of the status of the %(count)s outcomes, %(period)s: %(parts)s.",
             count=sum(r["count"] for r in data), period=period, parts=parts)


@bp.route("/")
@allow(*EVERYONE)
def index():
    """Show where the plan stands for a year (or the whole period) and what needs attention."""
    form = YearForm(request.args)
    status = 200
    if "year" not in request.args:
        form.year.data = str(_default_year())
    elif not form.validate():
        form.year.errors = [_("Choose 2021, 2022, 2023 or the whole plan period.")]
        form.year.data = str(_default_year())
        status = 400
    year = parse_year(form.year.data)
    data = cache.page_data(year)
    charts = [
        {"name": name, "title": cache.chart_title(name, year), "data": data["charts"][name],
         "alt": chart_alt(name, data["charts"][name], year),
         "url": url_for("overview.chart", name=name, year=year_param(year), v=cache.version())}
        for name in cache.CHARTS
    ]
    return render_template(
        "overview/index.html", form=form, data=data, year=year, year_label=year or "2021-2023",
        grid=grid_for_viewer(data, year),
        charts=charts, steering=_is_steering(), activity_list_url=activity_list_url, outcome_url=outcome_url,
        region_name=region_name, progress_band=queries.progress_band, display_statuses=queries.DISPLAY_STATUSES,
        assessment_states=queries.ASSESSMENT_STATES, outcome_count=len(queries.flat_outcomes(data["heatmap"])),
    ), status


def _is_steering() -> bool:
    """Tell whether the current user may act on what the page shows (Secretary General, admin)."""
    return getattr(current_user, "role", None) in STEERING


@bp.route("/charts/<name>.svg")
@allow(*EVERYONE)
def chart(name: str):
    """Serve a chart as SVG, redrawn only when the data changed, with an ETag from the data version."""
    if name not in cache.CHARTS:
        abort(404)
    try:
        year = parse_year(request.args.get("year", str(_default_year())))
    except ValueError:
        abort(404)
    version = cache.version()
    response = make_response(cache.chart_svg(name, year))
    response.mimetype = "image/svg+xml"
    response.set_etag(f"{name}-{year_param(year)}-{version}")
    # A URL naming the current data version never changes content; any other must be checked again.
    response.headers["Cache-Control"] = IMMUTABLE if request.args.get("v") == version else REVALIDATE
    response.headers["Content-Security-Policy"] = CHART_CSP
    response.headers["Vary"] = "Cookie"
    return response.make_conditional(request)

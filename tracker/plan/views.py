"""The plan as a navigable tree, a page per line and per outcome, and the reference lists."""
from flask import Blueprint, abort, jsonify, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from ..core.access import allow
from ..core.roles import EVERYONE, STEERING
from ..core.sorting import order_clauses, read_sort, sorted_rows
from ..extensions import db
from .models import Member, Partner
from .queries import current_plan, outcome_by_code, search_members, search_partners
from .reference import region_name
from .sections import outcome_page

bp = Blueprint("plan", __name__, url_prefix="/plan")


@bp.context_processor
def _helpers() -> dict:
    """Names of stored values in the reader's language, for the plan's pages."""
    return {"region_name": region_name}


@bp.route("/")
@allow(*EVERYONE)
def index():
    """The whole plan: lines, key ideas, axes, outcomes."""
    plan = current_plan()
    if plan is None:
        abort(404)
    steering = getattr(current_user, "role", None) in STEERING
    return render_template("plan/index.html", plan=plan, steering=steering)


@bp.route("/outcomes/<code>")
@allow(*EVERYONE)
def outcome(code: str):
    """One outcome and everything recorded against it."""
    item = outcome_by_code(code)
    if item is None:
        abort(404)
    sections = outcome_page.render(item)
    return render_template("plan/outcome.html", outcome=item, sections=sections)


# The columns each reference list sorts by; anything else in ?sort= is ignored.
MEMBER_SORT = {"city": lambda m: m.city.lower(), "institution": lambda m: m.institution.lower(),
               "country": lambda m: m.country_name.lower()}
PARTNER_SORT = {"name": func.lower(Partner.name), "acronym": func.lower(Partner.acronym),
                "kind": func.lower(Partner.kind), "source": func.lower(Partner.source)}


@bp.route("/members")
@allow(*EVERYONE)
def members():
    """The member governments, by region, each region's table sorted by a column (country by its name)."""
    sort = read_sort(request.args, MEMBER_SORT, "city")
    rows = db.session.scalars(select(Member).order_by(Member.region, Member.city, Member.id)).all()  # 141 rows
    by_region = sorted(sorted_rows(rows, sort, MEMBER_SORT), key=lambda m: m.region)  # stable: keeps the order
    return render_template("plan/members.html", members=by_region, sort=sort)


@bp.route("/partners")
@allow(*EVERYONE)
def partners():
    """The partner organisations, sorted by a column."""
    sort = read_sort(request.args, PARTNER_SORT, "name")
    rows = db.session.scalars(
        select(Partner).order_by(*order_clauses(sort, PARTNER_SORT, [func.lower(Partner.name), Partner.id]))).all()
    return render_template("plan/partners.html", partners=rows, sort=sort)


def _query_text() -> str:
    """The search text of a picker, cut to a sane length."""
    return request.args.get("q", "")[:200]


@bp.route("/members/search")
@allow(*EVERYONE)
def member_search():
    """Members matching `q`, best first (city names before country matches), for the activity form's picker."""
    return jsonify([{"id": m.id, "label": f"{m.city} ({m.country_name})"} for m in search_members(_query_text())])


@bp.route("/partners/search")
@allow(*EVERYONE)
def partner_search():
    """Partners whose name, acronym or an alias matches `q`, for the activity form's picker."""
    return jsonify([{"id": p.id, "label": p.label} for p in search_partners(_query_text())])

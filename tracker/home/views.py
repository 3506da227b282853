"""Pages of each role's home: the site root sends each role to its own, "My work" and the Board's evaluation."""
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from ..core.access import allow
from ..core.roles import EDITORS, EVERYONE
from ..core.years import current_plan_year
from . import services

bp = Blueprint("home", __name__)


@bp.route("/")
@allow(*EVERYONE)
def index():
    """Send each role to its home: the overview, My work, the latest final evaluation, or the accounts."""
    return redirect(url_for(services.home_endpoint(current_user.role)))


@bp.route("/my-work")
@allow(*EDITORS)
def my_work():
    """A staff member's outcomes, what is due from them this plan year and by when, and what came back to them."""
    year = current_plan_year()
    return render_template("home/my_work.html", year=year, work=services.my_work(current_user, year))


@bp.route("/evaluation")
@allow(*EVERYONE)
def evaluation():
    """The latest final evaluation and its scorecard, read-only, as the Board received it."""
    return render_template("home/evaluation.html", **services.evaluation())

"""Pages of the review: the queue, the decision on an assessment or a value, and each author's updates."""
from urllib.parse import parse_qsl, urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from ..assessments.context import context_for
from ..assessments.models import Assessment
from ..core import review
from ..core.access import allow
from ..core.forms import ReviewForm, YearFilterForm, review_form
from ..core.roles import EDITORS, STEERING
from ..core.transaction import attempt
from ..core.years import current_plan_year, locked_years
from ..extensions import db
from ..indicators.models import IndicatorValue
from ..indicators.views import render_detail
from ..urls import local_path
from . import services
from .forms import BulkApproveForm, QueueFilterForm

bp = Blueprint("review", __name__)


NOTICE = "review_notice"  # the outcome of the last decision, shown beside the list rather than at the top


def _keys(queue: dict) -> list[str]:
    """The page's keys of the listed items, in the order shown."""
    return [f"a{a.id}" for a in queue["assessments"]] + [f"v{v.id}" for v in queue["values"]]


def _next_anchors(keys: list[str]) -> dict:
    """Where the page should land after deciding each item: the item after it, else the one before, else the list."""
    return {key: f"item-{keys[i + 1]}" if i + 1 < len(keys) else (f"item-{keys[i - 1]}" if i else "queue-list")
            for i, key in enumerate(keys)}


def render_queue(args=None, errors: dict | None = None):
    """The review queue page as the filter in `args` asks, with a review form that failed shown with its errors."""
    choices = services.filter_choices()
    filter_form = QueueFilterForm(choices["lines"], choices["authors"], args if args is not None else request.args)
    filter_form.validate()
    queue = services.queue(filter_form.filters())
    keys = _keys(queue)
    forms = {key: review_form(key, (errors or {}).get(key)) for key in keys}
    back = filter_form.args()
    next_urls = {key: url_for("review.queue", **back, _anchor=anchor) for key, anchor in _next_anchors(keys).items()}
    return render_template("review/queue.html", queue=queue, forms=forms, locked=locked_years(),
                           filter_form=filter_form, next_urls=next_urls,
                           list_url=url_for("review.queue", **back, _anchor="queue-list"),
                           context=context_for(queue["assessments"], queue["values"]),
                           notice=session.pop(NOTICE, None), bulk_form=BulkApproveForm(formdata=None),
                           filtered=bool(back))


@bp.route("/assessments/review")
@allow(*STEERING)
def queue():
    """Submitted assessments and values waiting for the Secretary General, filtered and sorted."""
    return render_queue()


def _is_queue(target: str) -> bool:
    """Whether a redirect target is the queue page (with any filter and anchor)."""
    return urlsplit(target).path == url_for("review.queue")


def _tell(back: str, message: str, category: str = "success", skipped=None) -> None:
    """Say what came of a decision: beside the queue's list when going back there, else as a flash."""
    if _is_queue(back):
        session[NOTICE] = {"category": category, "text": message, "skipped": skipped or []}
    else:
        flash(message, category)


def _decide(item, key: str, back: str, show_invalid):
    """Approve the item or return it with a note, as the posted review form says, then go back."""
    form = ReviewForm()
    if not form.validate_on_submit():
        if _is_queue(back):
            return render_queue(args=MultiDict(parse_qsl(urlsplit(back).query)), errors={key: form})
        return show_invalid(form)
    decision = form.decision.data
    label = item.review_title
    result = attempt(lambda: review.decide(current_user, item, decision, form.note.data), show=not _is_queue(back))
    if result.ok:
        _tell(back, _("%(item)s approved.", item=label) if decision == "approve"
              else _("%(item)s returned with your note.", item=label))
    elif _is_queue(back):
        _tell(back, str(result.error), "error")
    return redirect(back)


MAX_NAMED = 12  # items named in a message: the notice travels in the session cookie, which must stay small


def _named(labels: list) -> list:
    """The first labels, and how many more there are."""
    more = len(labels) - MAX_NAMED
    return labels[:MAX_NAMED] + ([_("and %(count)s more", count=more)] if more > 0 else [])


def _skipped_by_reason(skipped: list) -> list:
    """The skipped items grouped by reason: [(reason, [labels])], in the order first met."""
    grouped: dict = {}
    for label, reason in skipped:
        grouped.setdefault(reason, []).append(label)
    return [(reason, _named(labels)) for reason, labels in grouped.items()]


@bp.route("/assessments/review/approve", methods=["POST"])
@allow(*STEERING)
def approve_selected():
    """Approve the selected items in one transaction, each audited on its own; those that cannot be are skipped."""
    back = local_path(request.form.get("next"), url_for("review.queue", _anchor="queue-list"))
    if not _is_queue(back):
        back = url_for("review.queue", _anchor="queue-list")
    form = BulkApproveForm()
    if not form.validate_on_submit():
        _tell(back, _("The selection could not be read: reload the page and select the items again."), "error")
        return redirect(back)
    result = attempt(lambda: services.approve_many(current_user, form.items.data or []), show=False)
    if not result.ok:
        _tell(back, str(result.error), "error")
        return redirect(back)
    done = result.value
    text = (ngettext("%(num)s approved: %(items)s.", "%(num)s approved: %(items)s.", len(done.approved),
                     items="; ".join(_named(done.approved))) if done.approved else _("Nothing was approved."))
    _tell(back, text, "success" if done.approved else "warning", skipped=_skipped_by_reason(done.skipped))
    return redirect(back)


@bp.route("/assessments/<int:assessment_id>/review", methods=["POST"])
@allow(*STEERING)
def assessment(assessment_id: int):
    """Approve a submitted assessment, or return it with a note."""
    item = db.get_or_404(Assessment, assessment_id)
    back = local_path(request.form.get("next"),
                      url_for("plan.outcome", code=item.outcome.code, _anchor="assessments"))

    def show_invalid(form):
        flash("; ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(back)

    return _decide(item, f"a{item.id}", back, show_invalid)


@bp.route("/indicators/values/<int:value_id>/review", methods=["POST"])
@allow(*STEERING)
def value(value_id: int):
    """Approve a submitted value, or return it with a note."""
    item = db.one_or_404(select(IndicatorValue).where(IndicatorValue.id == value_id)
                         .options(selectinload(IndicatorValue.indicator)))
    back = local_path(request.form.get("next"), url_for("indicators.detail", indicator_id=item.indicator_id))
    return _decide(item, f"v{item.id}", back,
                   lambda form: render_detail(item.indicator_id, review_errors={item.id: form}))


@bp.route("/assessments/mine")
@allow(*EDITORS)
def my_updates():
    """What is due from me this year: missing assessments and values, drafts, items returned to me."""
    form = YearFilterForm(request.args, data={"year": current_plan_year()})
    year = form.year.data if form.validate() else current_plan_year()
    return render_template("review/my_updates.html", form=form, year=year,
                           due=services.due_for(current_user, year))

"""Caching for the overview: a fingerprint of the data in one query, and small in-process LRUs keyed by it.

The page's computed data and the chart SVGs are kept per worker, keyed by (selection, fingerprint): a
request costs the fingerprint query, and the figures are recomputed and the charts redrawn only when the
data changes. The fingerprint covers what the page counts (activities and their links, evidence,
assessments, indicator values and targets, indicators, locks, members); on top of it, a per-process
generation number moves on every commit that changes a model through this worker's ORM (edits the
fingerprint cannot see, such as an indicator renamed).
"""
import hashlib
import threading
from collections import OrderedDict

from flask import current_app, g
from sqlalchemy import event, func, select, true
from sqlalchemy.orm import Session

from ..activities.models import Activity
from ..assessments.models import Assessment
from ..core.years import YearLock
from ..evidence.models import Evidence
from ..extensions import db
from ..indicators.models import Indicator, IndicatorTarget, IndicatorValue
from ..plan.models import Member
from . import charts, queries

PAGE_CACHE_SIZE = 16
CHART_CACHE_SIZE = 64


class LRUCache:
    """A small thread-safe least-recently-used mapping with a size cap."""

    def __init__(self, maxsize: int):
        self.maxsize = maxsize
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, default=None):
        """Return the value under a key (marking it recently used), or the default."""
        with self._lock:
            if key not in self._items:
                return default
            self._items.move_to_end(key)
            return self._items[key]

    def set(self, key, value) -> None:
        """Store a value, dropping the least recently used one beyond the cap."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


pages = LRUCache(PAGE_CACHE_SIZE)
svgs = LRUCache(CHART_CACHE_SIZE)
_generation = [0]


def clear() -> None:
    """Empty both caches (tests, and after bulk loads done outside the ORM)."""
    pages.clear()
    svgs.clear()


@event.listens_for(Session, "after_flush")
def _note_changes(session, flush_context) -> None:
    """Remember that this transaction changed rows the overview may show."""
    if session.new or session.dirty or session.deleted:
        session.info["overview_changed"] = True


@event.listens_for(Session, "after_commit")
def _bump_generation(session) -> None:
    """Move the generation on once a change is committed."""
    if session.info.pop("overview_changed", False):
        _generation[0] += 1


@event.listens_for(Session, "after_rollback")
def _forget_changes(session) -> None:
    """A rolled-back change changes nothing."""
    session.info.pop("overview_changed", None)


def _aggregates(table, *columns):
    """Return a one-row subquery of aggregates over one table."""
    return select(*columns).select_from(table).subquery()


def _fingerprint_statement():
    """Build the single statement whose result changes when the overview's data does.

    Cheap on a large activity log: counts, maxima and sums over each table, no join. An activity edit always
    moves updated_at (the activities service sets it even when only links change), deletions set deleted_at,
    bulk loads change the count; link tables are left out (the largest tables, changed only with their activity).
    """
    parts = [
        _aggregates(Activity, func.count(Activity.id), func.max(Activity.updated_at), func.max(Activity.deleted_at),
                    func.max(Activity.id)),
        _aggregates(Evidence, func.count(Evidence.id), func.max(Evidence.added_at), func.sum(Evidence.version),
                    func.max(Evidence.deleted_at)),
        _aggregates(Assessment, func.count(Assessment.id), func.max(Assessment.updated_at),
                    func.sum(Assessment.version), func.max(Assessment.reviewed_at)),
        _aggregates(IndicatorValue, func.count(IndicatorValue.id), func.max(IndicatorValue.entered_at),
                    func.sum(IndicatorValue.version), func.max(IndicatorValue.reviewed_at)),
        _aggregates(IndicatorTarget, func.count(IndicatorTarget.id), func.sum(IndicatorTarget.target),
                    func.sum(IndicatorTarget.target_max), func.max(IndicatorTarget.override_at),
                    func.count(IndicatorTarget.status_override)),
        _aggregates(Indicator, func.count(Indicator.id), func.max(Indicator.id), func.max(Indicator.created_at),
                    func.sum(Indicator.position)),
        _aggregates(YearLock, func.count(YearLock.year), func.max(YearLock.locked_at)),
        _aggregates(Member, func.count(Member.id), func.max(Member.id)),
    ]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.join(part, true())  # one-row subqueries: a join on true is one row
    return select(*[column for part in parts for column in part.c]).select_from(joined)


def fingerprint() -> str:
    """Return a short digest of the overview's data, in one query (memoised for the request)."""
    if "overview_fingerprint" not in g:
        row = db.session.execute(_fingerprint_statement()).one()
        g.overview_fingerprint = hashlib.sha256(repr(tuple(row)).encode()).hexdigest()[:20]
    return g.overview_fingerprint


def version() -> str:
    """Return the version of the overview's data in this worker: the fingerprint and the process generation."""
    return f"{fingerprint()}.{_generation[0]}"


def _key(*parts) -> tuple:
    """Key a cache entry by database, process generation and the parts given."""
    return (current_app.config["SQLALCHEMY_DATABASE_URI"], _generation[0], *parts)


def page_data(year: int | None) -> dict:
    """Return the overview's computed data for a selection, recomputed only when the data changed."""
    key = _key("page", year, fingerprint())
    data = pages.get(key)
    if data is None:
        data = queries.page_data(year)
        pages.set(key, data)
    return data


# name -> (drawing function in charts.py, key in page_data()["charts"], title)
CHARTS = {
    "activities": ("activities_by_month", "activities", "Activities per month by action line"),
    "members": ("members_by_region", "members", "Members engaged by region"),
    "outcomes": ("outcome_statuses", "outcomes", "Status of the outcomes"),
}


def chart_title(name: str, year: int | None) -> str:
    """Return a chart's title for a selection."""
    return f"{CHARTS[name][2]}, {year if year is not None else '2021-2023'}"


def chart_svg(name: str, year: int | None) -> bytes:
    """Return a chart as SVG, drawn only when the data changed since it was last drawn."""
    key = _key("chart", name, year, fingerprint())
    svg = svgs.get(key)
    if svg is None:
        function_name, data_key, _ = CHARTS[name]
        draw = getattr(charts, function_name)  # looked up per call: tests count the drawings
        svg = draw(page_data(year)["charts"][data_key], chart_title(name, year))
        svgs.set(key, svg)
    return svg

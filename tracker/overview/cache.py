"""Caching for the overview: its computed data and chart SVGs, in Flask-Caching, keyed by the data version.

Every key carries the database's data version (tracker.core.versioning), which moves on in the same transaction
as every write. A request reads the version once (one small query); the figures are recomputed and the charts
redrawn only when no entry exists under the current version. An entry under an old version is never read again
and simply expires. Because the version lives in the database, any worker on any machine reads the same one: the
cache may be per worker (SimpleCache) or shared (Redis) and is correct either way.
"""
import hashlib
import logging

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..core.i18n import current_language
from ..core.versioning import current_version
from ..extensions import cache
from . import charts, queries

log = logging.getLogger(__name__)


def clear() -> None:
    """Empty the overview's cache (tests, and the benchmark's cold runs)."""
    cache.clear()


def version() -> str:
    """Return the version of the data the overview shows (for chart URLs and ETags)."""
    return current_version()


def _key(*parts) -> str:
    """Key a cache entry by database, data version and the parts given."""
    # A digest, not the URI itself: the URI may hold a password, and a shared cache lists its keys.
    database = hashlib.sha256(current_app.config["SQLALCHEMY_DATABASE_URI"].encode()).hexdigest()[:16]
    # The language too: the data holds the plan's titles, the labels and the charts' words in the reader's language.
    return ":".join(["overview", database, version(), current_language(), *(str(part) for part in parts)])


def _get(key: str):
    """Read an entry; None when missing, or when the cache cannot be reached (the page is then computed)."""
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001  (a cache outage must slow the page down, not break it)
        log.warning("overview cache unavailable for reading", exc_info=True)
        return None


def _set(key: str, value) -> None:
    """Store an entry, ignoring a cache that cannot be reached."""
    try:
        cache.set(key, value)
    except Exception:  # noqa: BLE001  (see _get)
        log.warning("overview cache unavailable for writing", exc_info=True)


def page_data(year: int | None) -> dict:
    """Return the overview's computed data for a selection, recomputed only when the data changed."""
    key = _key("page", "all" if year is None else year)
    data = _get(key)
    if data is None:
        data = queries.page_data(year)
        _set(key, data)
    return data


# name -> (drawing function in charts.py, key in page_data()["charts"], title)
CHARTS = {
    "activities": ("activities_by_month", "activities",
                   _l("Activities per month by action line, %(period)s")),
    "members": ("members_by_region", "members", _l("Members engaged by region, %(period)s")),
    "outcomes": ("outcome_statuses", "outcomes", _l("Status of the outcomes, %(period)s")),
}


def chart_title(name: str, year: int | None) -> str:
    """Return a chart's title for a selection."""
    return str(CHARTS[name][2]) % {"period": year if year is not None else "2021-2023"}


def chart_svg(name: str, year: int | None) -> bytes:
    """Return a chart as SVG, drawn only when the data changed since it was last drawn."""
    key = _key("chart", name, "all" if year is None else year)
    svg = _get(key)
    if svg is None:
        function_name, data_key, _ = CHARTS[name]
        draw = getattr(charts, function_name)  # looked up per call: tests count the drawings
        svg = draw(page_data(year)["charts"][data_key], chart_title(name, year))
        _set(key, svg)
    return svg

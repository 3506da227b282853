"""Generating a report in the background: a click files a request, a job renders it. Never commits.

One request per report at a time: a second click while one is queued or running gets that one (a unique
`active_key`), so two clicks never render twice. A worker claims a request with one conditional UPDATE, so two
workers handed the same request (a sweep and the original enqueue, say) render it once. A worker killed
mid-render stops its heartbeat; after REPORT_STALE_SECONDS the sweep (every minute, and when a worker starts)
hands the request to a live worker, which first removes the file the dead attempt may have left. The PDF is
written under a temporary name and appears under its archive name complete; its archive row commits with the
request's "done" in one transaction, so no half-written file or row is ever archived.
"""
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..core.dates import as_utc
from ..core.errors import Conflict
from ..core.i18n import DEFAULT_LANGUAGE, language_name
from ..core.jobs import enqueue_on_commit
from ..extensions import db
from .build import KINDS
from .models import Report, ReportRequest
from .services import (
    ReportError,
    VersionClash,
    archive_name,
    check_language,
    exports_folder,
    generate_report,
    report_name,
)

MAX_ATTEMPTS = 3  # a report whose worker died three times is failed, not retried for ever
LOST_AFTER = timedelta(seconds=60)  # a request still queued this long lost its enqueue (or waits for a worker)
# What the progress page says of each stage, and how far along it is (the layout is most of the time).
STAGES = {"queued": (_l("Waiting for a worker"), 0), "gathering": (_l("Gathering the year's data"), 10),
          "layout": (_l("Laying out the pages"), 30), "archiving": (_l("Archiving the PDF"), 95),
          "done": (_l("Ready"), 100), "failed": (_l("Failed"), 100)}


class RequestClash(ReportError, Conflict):
    """Another click filed the same report's request at the same moment."""

    def __init__(self):
        super().__init__(_("The report was requested twice at once; reload the page."))


def _now() -> datetime:
    """The current UTC time, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def _key(kind: str, year: int | None, language: str) -> str:
    """The active key of a report: "board-2022-fr" or "final-en" (the same year in two languages: two reports)."""
    return f"board-{year}-{language}" if kind == "board" else f"final-{language}"


def active_request(kind: str, year: int | None, language: str = DEFAULT_LANGUAGE) -> ReportRequest | None:
    """The request of this report in this language still queued or running, if any."""
    return db.session.scalar(select(ReportRequest).where(ReportRequest.active_key == _key(kind, year, language)))


def request_report(actor, kind: str, year: int | None,
                   language: str = DEFAULT_LANGUAGE) -> tuple[ReportRequest, bool]:
    """File a request for a report, or return the one already under way; True when it is new (then enqueued)."""
    from .jobs import render_report  # the jobs module imports this one

    if kind not in KINDS:
        raise ReportError(_("Choose the Board evaluation or the final evaluation."))
    check_language(language)
    year = year if kind == "board" else None
    existing = active_request(kind, year, language)
    if existing is not None:
        return existing, False
    request = ReportRequest(kind=kind, year=year, language=language, active_key=_key(kind, year, language),
                            state="queued", stage="queued", attempts=0, requested_by_id=getattr(actor, "id", None),
                            requested_at=_now())
    db.session.add(request)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:  # a concurrent click won the key: the view runs this again and finds it
        raise RequestClash() from error
    enqueue_on_commit(render_report, request.id)
    return request, True


def _stale_before() -> datetime:
    """A running request whose worker has given no sign since this moment is taken to be dead."""
    return _now() - timedelta(seconds=current_app.config["REPORT_STALE_SECONDS"])


def claim(request_id: int) -> ReportRequest | None:
    """Take a queued (or abandoned) request for this worker; None when another has it or it is finished."""
    now = _now()
    claimable = and_(ReportRequest.id == request_id, ReportRequest.attempts < MAX_ATTEMPTS, or_(
        ReportRequest.state == "queued",
        and_(ReportRequest.state == "running", ReportRequest.heartbeat_at < _stale_before())))
    taken = db.session.execute(
        update(ReportRequest).where(claimable).values(
            state="running", stage="gathering", attempts=ReportRequest.attempts + 1, started_at=now,
            heartbeat_at=now, error=None).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        return None
    request = db.session.get(ReportRequest, request_id, populate_existing=True)
    _discard_leftovers(request)
    request.filename = archive_name(request.kind, request.year, now, request.language)
    return request


def _discard_leftovers(request: ReportRequest) -> None:
    """Remove what a killed earlier attempt wrote and never archived (its file, complete or not)."""
    if not request.filename:
        return
    archived = db.session.scalar(select(Report.id).where(Report.filename == request.filename))
    if archived is None:
        path = exports_folder() / Path(request.filename).name
        for leftover in (path, partial_path(path)):
            leftover.unlink(missing_ok=True)


def partial_path(path: Path) -> Path:
    """The name a PDF is written under until it is complete."""
    return path.with_name(f".{path.name}.partial")


def render(request: ReportRequest, progress) -> Report:
    """Render the claimed request's report; `progress(stage)` commits each stage for the progress page."""
    from ..auth.models import User

    actor = db.session.get(User, request.requested_by_id) if request.requested_by_id else None
    generated_at = as_utc(request.started_at)
    for _attempt in range(2):
        try:
            generated = generate_report(actor, request.kind, request.year, now=generated_at,
                                        filename=request.filename, progress=progress, language=request.language)
            break
        except VersionClash:  # a concurrent generation (from the command line) took the version: number it anew
            db.session.rollback()
            generated_at += timedelta(seconds=1)
            request.filename = archive_name(request.kind, request.year, generated_at, request.language)
    else:
        raise ReportError(_("Another generation of the same report kept taking its version number; try again."))
    finish(request, report=generated.report)
    return generated.report


def set_stage(request: ReportRequest, stage: str) -> None:
    """Record the stage a running request has reached (the worker's heartbeat too)."""
    request.stage = stage
    request.heartbeat_at = _now()


def finish(request: ReportRequest, report: Report | None = None, error: str | None = None) -> None:
    """End a request: done with its report, or failed with a message; the report can be requested again."""
    request.state, request.stage = ("failed", "failed") if error else ("done", "done")
    request.report_id = report.id if report else None
    request.error = error[:500] if error else None
    request.finished_at = _now()
    request.active_key = None


def to_hand_out() -> list[int]:
    """Requests to enqueue again: queued too long (a lost enqueue) or abandoned by a dead worker."""
    return list(db.session.scalars(select(ReportRequest.id).where(ReportRequest.attempts < MAX_ATTEMPTS, or_(
        and_(ReportRequest.state == "queued", ReportRequest.requested_at < _now() - LOST_AFTER),
        and_(ReportRequest.state == "running", ReportRequest.heartbeat_at < _stale_before())))))


def fail_exhausted() -> int:
    """Fail the requests whose worker died MAX_ATTEMPTS times: a person is told and may try again."""
    exhausted = list(db.session.scalars(select(ReportRequest).where(
        ReportRequest.state == "running", ReportRequest.attempts >= MAX_ATTEMPTS,
        ReportRequest.heartbeat_at < _stale_before())))
    for request in exhausted:
        _discard_leftovers(request)
        with force_locale(request.language):  # read by the person who asked, in the report's language
            finish(request, error=_("The worker stopped %(count)s times while rendering this report. "
                                    "Generate it again; if it fails again, tell the administrator.",
                                    count=MAX_ATTEMPTS))
    return len(exhausted)


def get(request_id: int) -> ReportRequest | None:
    """A request with its report, or None."""
    return db.session.get(ReportRequest, request_id)


def under_way() -> list[ReportRequest]:
    """The requests queued or running, oldest first, for the reports page."""
    return list(db.session.scalars(select(ReportRequest).where(ReportRequest.active_key.is_not(None))
                                   .order_by(ReportRequest.requested_at)))


def usual_seconds(kind: str) -> int | None:
    """How long the last finished report of this kind took from start to ready, to set expectations."""
    last = db.session.execute(select(ReportRequest.started_at, ReportRequest.finished_at).where(
        ReportRequest.kind == kind, ReportRequest.state == "done").order_by(ReportRequest.id.desc()).limit(1)).first()
    if last is None or last.started_at is None or last.finished_at is None:
        return None
    return max(1, round((as_utc(last.finished_at) - as_utc(last.started_at)).total_seconds()))


def describe(request: ReportRequest) -> dict:
    """What the progress page shows of a request."""
    label, percent = STAGES[request.stage]
    return {"name": report_name(request), "label": str(label), "percent": percent,
            "usual": usual_seconds(request.kind), "language": language_name(request.language)}

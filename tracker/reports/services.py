"""Generating, archiving, verifying and finalising reports; the Secretary General's summaries. Never commits."""
import hashlib
import os
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..audit.services import record
from ..core import signals
from ..core.access import sees_unapproved
from ..core.errors import Conflict, DomainError
from ..core.files import create_private, private_folder
from ..core.i18n import DEFAULT_LANGUAGE, LANGUAGES
from ..core.years import PLAN_YEARS, locked_years
from ..extensions import db
from . import snapshot as frozen
from .annex import activities_workbook
from .board import next_version
from .build import KINDS, build, readiness_by_year, report_title
from .formatting import format_count
from .models import Report, ReportSummary
from .pdf import RenderedPdf, render_html, render_pdf

SUMMARY_SCOPES = tuple(str(y) for y in PLAN_YEARS) + ("final",)
SUMMARY_MAX = 20_000


class ReportError(DomainError):
    """A report action that the rules refuse, with a message for people."""


class VersionClash(ReportError, Conflict):
    """Another report of the same kind and year took this version number while this one was rendered."""

    def __init__(self, version: int):
        super().__init__(_("Another worker archived version %(version)s of this report at the same moment; "
                           "generate it again for the next version.", version=version))



@dataclass
class GeneratedReport:
    """A newly archived report with what it took to make it."""

    report: Report
    path: Path
    rendered: RenderedPdf
    build_seconds: float
    html_seconds: float


def exports_folder() -> Path:
    """Return the folder where generated reports are archived."""
    return Path(current_app.config["EXPORTS_FOLDER"])


def check_language(language: str) -> str:
    """Refuse a report language the tracker does not speak."""
    if language not in LANGUAGES:
        raise ReportError(_("Choose English, French or Spanish."), field="language")
    return language


def archive_name(kind: str, year: int | None, now: datetime, language: str = DEFAULT_LANGUAGE) -> str:
    """Make a file name that is new every time: kind, period, language (unless English), UTC timestamp, random hex."""
    period = str(year) if kind == "board" else f"{PLAN_YEARS[0]}-{PLAN_YEARS[-1]}"
    if language != DEFAULT_LANGUAGE:  # English names stay as they always were
        period += f"-{language}"
    return f"{kind}-evaluation-{period}-{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(4)}.pdf"


def write_archive_file(data: bytes, kind: str, year: int | None, now: datetime, name: str | None = None,
                       language: str = DEFAULT_LANGUAGE) -> Path:
    """Write the PDF under a new name (or the one given), complete or not at all; an existing file is never replaced."""
    folder = private_folder(exports_folder())
    for _attempt in range(1 if name else 5):
        path = folder / (name or archive_name(kind, year, now, language))
        partial = path.with_name(f".{path.name}.partial")  # a killed writer leaves only this, never `path`
        partial.unlink(missing_ok=True)
        with os.fdopen(create_private(partial), "wb") as handle:  # owner-only (0600) from its creation
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(partial, path)  # appears whole under its name; refuses a name that exists (no replace)
            return path
        except FileExistsError:
            continue  # a clash of 32 random bits within one second: draw again
        finally:
            partial.unlink(missing_ok=True)
    raise ReportError(_("Could not find a free file name for the report; try again."))


def generate_report(actor, kind: str, year: int | None = None, *, now: datetime | None = None,
                    filename: str | None = None, progress=None, language: str = DEFAULT_LANGUAGE) -> GeneratedReport:
    """Build, render, archive and record a report in a language (actor None means the command line);
    `progress(stage)` hears each stage begin (gathering, layout, archiving)."""
    check_language(language)
    # The worker has no request: every text, date and number of the report follows the language chosen.
    with force_locale(language):
        return _generate(actor, kind, year, now=now, filename=filename, progress=progress, language=language)


def _generate(actor, kind: str, year: int | None, *, now: datetime | None, filename: str | None, progress,
              language: str) -> GeneratedReport:
    """Generate a report inside its language (see generate_report)."""
    if kind not in KINDS:
        raise ReportError(_("Choose the Board evaluation or the final evaluation."))
    if kind == "board" and year not in PLAN_YEARS:
        raise ReportError(_("Choose a plan year between %(first)s and %(last)s.", first=PLAN_YEARS[0],
                            last=PLAN_YEARS[-1]))
    year = year if kind == "board" else None
    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    progress = progress or (lambda stage: None)
    started = time.perf_counter()
    progress("gathering")
    data, activities = build(kind, year, now=now)
    version = next_version(kind, year)
    data["version"] = version
    data["language"] = language
    attachment = _activities_attachment(data, activities)
    del activities
    built = time.perf_counter()
    html = render_html(data)
    html_done = time.perf_counter()
    data_json = frozen.encode(data)  # exactly what render_html was given, kept beside the PDF
    title, draft = data["title"], data["draft"]
    del data  # a large year's data is not needed while WeasyPrint works: let its memory serve the layout
    progress("layout")
    rendered = render_pdf(html, title=title, created=now, attachments=[attachment])
    progress("archiving")
    path = write_archive_file(rendered.data, kind, year, now, filename, language)
    report = Report(kind=kind, year=year, filename=path.name, sha256=hashlib.sha256(rendered.data).hexdigest(),
                    size=len(rendered.data), pages=rendered.pages, draft=draft,
                    generated_by_id=getattr(actor, "id", None), generated_at=now,
                    version=version, language=language, data_json=data_json)
    db.session.add(report)
    try:
        db.session.flush()
    except IntegrityError as error:  # the unique (kind, year, version): a concurrent generation won the number
        path.unlink(missing_ok=True)  # the rollback discards the row: leave no unrecorded file behind
        raise VersionClash(version) from error
    with force_locale(DEFAULT_LANGUAGE):  # the audit trail is written in English, whatever the report's language
        english_title = report_title(kind, year)
    record(actor, "generate", report, after=snapshot(report),
           summary=f"Generated {english_title}{' (draft)' if draft else ''}, language {language}: {report.filename}")
    return GeneratedReport(report=report, path=path, rendered=rendered, build_seconds=built - started,
                           html_seconds=html_done - built)


def _activities_attachment(data: dict, activities: list[dict]) -> tuple[str, bytes, str]:
    """The report's every activity as a spreadsheet, named in Annex A, attached to the PDF."""
    name = f"activities-{data['period']}.xlsx"
    data["annex"]["attached"] = name
    return name, activities_workbook(activities), _("Every activity of %(period)s, numbered as in Annex A",
                                                    period=data["period"])


def snapshot(report: Report) -> dict:
    """Return the audited fields of a report."""
    return {"kind": report.kind, "year": report.year, "language": report.language, "filename": report.filename,
            "sha256": report.sha256,
            "size": report.size, "pages": report.pages, "draft": report.draft, "is_final": report.is_final}


def may_read(user, report: Report) -> bool:
    """Staff, the Secretary General and admins read every report; a Board member only those marked final."""
    return sees_unapproved(user) or report.is_final


def list_reports(user=None) -> list[Report]:
    """List the archived reports a user may read (every one without a user), newest first, with who generated it."""
    query = select(Report).options(selectinload(Report.generated_by))
    if user is not None and not sees_unapproved(user):
        query = query.where(Report.is_final.is_(True))
    return list(db.session.scalars(query.order_by(Report.generated_at.desc(), Report.id.desc())))


def archive(user=None) -> list[dict]:
    """Group the reports a user may read by kind and year: every final and the latest draft shown, the earlier
    drafts apart (kept, never deleted, but rarely wanted); the final evaluation first, then the latest year."""
    groups: dict[tuple, dict] = {}
    for report in list_reports(user):  # newest first: the first report not final met is the latest draft
        group = groups.setdefault((report.kind, report.year), {
            "kind": report.kind, "year": report.year, "name": report_name(report), "shown": [], "earlier": []})
        has_draft = any(not shown.is_final for shown in group["shown"])
        group["earlier" if not report.is_final and has_draft else "shown"].append(report)
    return sorted(groups.values(), key=lambda g: (g["kind"] != "final", -(g["year"] or 0)))


def report_name(report: Report) -> str:
    """The report as people name it: "Board evaluation 2022" or "Final evaluation 2021-2023"."""
    if report.kind == "final":
        return _("Final evaluation %(first)s-%(last)s", first=PLAN_YEARS[0], last=PLAN_YEARS[-1])
    return _("Board evaluation %(year)s", year=report.year)


def readiness(user) -> list[dict]:
    """For those who read work under review: what would block a final Board evaluation of each plan year now."""
    if not sees_unapproved(user):
        return []  # a Board member reads approved work only, not what is still under review
    locked = locked_years()
    return [{"year": year, "locked": year in locked, **ready} for year, ready in readiness_by_year(PLAN_YEARS).items()]


def report_path(report: Report) -> Path:
    """Locate a report's file inside the exports folder (a stored name is never trusted to stay inside it)."""
    folder = exports_folder().resolve()
    path = (folder / report.filename).resolve()
    if path.parent != folder:
        raise ReportError(_("The archived file name is not valid."))
    return path


def verified_content(report: Report) -> bytes | None:
    """Read a report's bytes if the file exists and its SHA-256 matches the archive, else return None."""
    try:
        data = report_path(report).read_bytes()
    except (OSError, ReportError):
        return None
    return data if hashlib.sha256(data).hexdigest() == report.sha256 else None


def mark_final(actor, report: Report, reason: str = "") -> Report:
    """Mark a complete report as final, which releases it to the Board; a Board evaluation's year locks."""
    from ..core.years import is_locked, lock_year

    if report.draft:
        raise ReportError(_("A draft cannot be marked final: approve what is missing and generate the report again."))
    if report.is_final:
        raise ReportError(_("This report is already final."))
    before = snapshot(report)
    report.is_final = True
    frozen.freeze(actor, report)
    signals.report_marked_final.send(report, actor=actor)  # the Board is told (tracker/notifications)
    if report.kind != "board":  # the final evaluation covers the three years, each locked by its own
        record(actor, "mark_final", report, before=before, after=snapshot(report),
               summary=f"Marked final: {report.filename}")
        return report
    if not is_locked(report.year):
        lock_year(actor, report.year, reason or f"Board evaluation {report.filename} marked final")
    record(actor, "mark_final", report, before=before, after=snapshot(report),
           summary=f"Marked final: {report.filename}; {report.year} locked")
    return report


def get_summary(scope: str) -> ReportSummary | None:
    """Return the Secretary General's summary for a scope, if written."""
    return db.session.get(ReportSummary, scope)


def save_summary(actor, scope: str, text: str) -> ReportSummary:
    """Create or replace the summary of a scope ("2021".."2023" or "final")."""
    if scope not in SUMMARY_SCOPES:
        raise ReportError(_("Unknown summary."))
    if len(text) > SUMMARY_MAX:
        raise ReportError(_("The summary is limited to %(count)s characters.", count=format_count(SUMMARY_MAX)))
    summary = db.session.get(ReportSummary, scope)
    before = {"scope": scope, "text": summary.text} if summary else None
    if summary is None:
        summary = ReportSummary(scope=scope, text=text)
        db.session.add(summary)
    else:
        summary.text = text
    summary.updated_by_id = getattr(actor, "id", None)
    record(actor, "update" if before else "create", summary, before=before, after={"scope": scope, "text": text},
           summary=f"Summary for {'the final evaluation' if scope == 'final' else scope} saved")
    return summary


def summary_scopes() -> list[dict]:
    """List each summary scope with whether it is written and when, for the archive page."""
    rows = {s.scope: s for s in db.session.scalars(
        select(ReportSummary).options(selectinload(ReportSummary.updated_by)))}
    return [{"scope": scope,
             "label": _("Summary for the final evaluation") if scope == "final"
             else _("Summary for the Board evaluation %(year)s", year=scope),
             "written": bool(rows.get(scope) and rows[scope].text.strip()),
             "updated_at": rows[scope].updated_at if scope in rows else None,
             "updated_by": rows[scope].updated_by.name if scope in rows and rows[scope].updated_by else None}
            for scope in SUMMARY_SCOPES]

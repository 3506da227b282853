"""The data a report was rendered from, frozen when it is marked final, and what changed in the record since."""
import hashlib
import json
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from ..assessments.models import ASSESSMENT_STATUSES, TEXT_FIELDS, Assessment
from ..audit.services import record
from ..core.errors import Conflict
from ..core.models import utcnow
from ..core.review import ReviewState
from ..extensions import db
from ..indicators import services as indicator_services
from ..plan.models import Outcome
from .formatting import fmt_number
from .models import Report


class FrozenDataDamaged(Conflict):
    """A final report's stored data no longer matches the fingerprint taken when it was marked final."""


def encode(data: dict) -> str:
    """Serialise a report's plain data as stored beside its PDF (sorted keys; dates and decimals as text)."""
    return json.dumps(data, default=str, sort_keys=True)


def fingerprint(text: str) -> str:
    """Return the SHA-256 of a text, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def freeze(actor, report: Report) -> None:
    """Fingerprint the data a report was rendered from, as it is marked final."""
    if report.data_json is None:
        return  # archived before reports kept their data: nothing to freeze, and nothing to compare later
    report.frozen_sha256 = fingerprint(report.data_json)
    report.frozen_at = utcnow()
    record(actor, "freeze", report, after={"frozen_sha256": report.frozen_sha256, "frozen_at": report.frozen_at},
           summary=f"Froze the data of {report.filename}")


def frozen_data(report: Report) -> dict | None:
    """Return a final report's frozen data after checking its fingerprint; None if it was never frozen."""
    if not report.frozen_sha256 or report.data_json is None:
        return None
    if fingerprint(report.data_json) != report.frozen_sha256:
        raise FrozenDataDamaged(_("The data stored with %(file)s no longer matches the fingerprint taken when it "
                                  "was marked final.", file=report.filename))
    return json.loads(report.data_json)


def _plain_number(value) -> str | None:
    """A value as text without exponent or trailing zeros ("141", "12.5"), so equal numbers compare equal."""
    if value is None:
        return None
    text = format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)
    return text


def _narrative_hash(assessment: Assessment) -> str:
    """Fingerprint an assessment's texts (as a JSON list, so moving words between fields counts as a change)."""
    return fingerprint(json.dumps([getattr(assessment, name) or "" for name in TEXT_FIELDS]))


def current_state(year: int) -> dict:
    """Return the comparable state of a year now: approved status and narrative per outcome, actual per indicator."""
    codes = db.session.execute(select(Outcome.id, Outcome.code).order_by(Outcome.position)).all()
    approved = {a.outcome_id: a for a in db.session.scalars(
        select(Assessment).where(Assessment.year == year, Assessment.review_state == ReviewState.APPROVED))}
    outcomes = {}
    for outcome_id, code in codes:
        assessment = approved.get(outcome_id)
        outcomes[code] = {"status": assessment.status if assessment else None,
                          "narrative_hash": _narrative_hash(assessment) if assessment else None,
                          "updated_at": assessment.updated_at.isoformat() if assessment else None}
    indicators = indicator_services.plan_wide_indicators() + indicator_services.indicators_for_outcomes(None)
    rows = indicator_services.indicator_rows(indicators, [year])
    return {"outcomes": outcomes,
            "indicators": {row["code"]: {"actual": _plain_number(row["years"][year]["actual"])} for row in rows}}


def final_report(year: int) -> Report | None:
    """The Board evaluation of a year most recently marked final, if any."""
    return db.session.scalar(select(Report).where(Report.kind == "board", Report.year == year,
                                                  Report.is_final.is_(True))
                             .order_by(Report.frozen_at.desc().nulls_last(), Report.id.desc()).limit(1))


def _outcome_changes(before: dict, after: dict) -> list[dict]:
    """Status and narrative changes, outcomes in plan order (the current state's order)."""
    changes = []
    for code in list(after) + [c for c in before if c not in after]:
        old, new = before.get(code) or {}, after.get(code) or {}
        if old.get("status") != new.get("status"):
            changes.append({"kind": "status", "code": code, "before": old.get("status"), "after": new.get("status")})
        elif old.get("narrative_hash") and new.get("narrative_hash") and old["narrative_hash"] != new["narrative_hash"]:
            changes.append({"kind": "narrative", "code": code, "before": old["narrative_hash"],
                            "after": new["narrative_hash"]})
    return changes


def _value_changes(before: dict, after: dict) -> list[dict]:
    """Indicator actuals that differ, including indicators added or removed since."""
    changes = []
    for code in list(after) + [c for c in before if c not in after]:
        old, new = (before.get(code) or {}).get("actual"), (after.get(code) or {}).get("actual")
        if old != new:
            changes.append({"kind": "value", "code": code, "before": old, "after": new})
    return changes


def compare_frozen(data: dict | None, year: int, state: dict | None = None) -> list[dict] | None:
    """Compare frozen report data with the record now; None when the data carries no comparable state."""
    if not data or "compare" not in data:
        return None  # never frozen, or generated before reports carried their comparable state
    frozen = data["compare"]
    state = state if state is not None else current_state(year)
    return (_outcome_changes(frozen.get("outcomes", {}), state["outcomes"])
            + _value_changes(frozen.get("indicators", {}), state["indicators"]))


def changes_since(report: Report, state: dict | None = None) -> list[dict]:
    """Compare what a final report was rendered from with the record now (state: current_state, if computed)."""
    return compare_frozen(frozen_data(report), report.year, state) or []


def changes_since_final(year: int) -> list[dict]:
    """List what changed in a year's record since its Board evaluation was marked final (empty if none is)."""
    report = final_report(year)
    return changes_since(report) if report is not None else []


def describe(change: dict, year: int) -> str:
    """Put one change in plain words."""
    if change["kind"] == "status":
        def label(status):
            return str(ASSESSMENT_STATUSES[status]) if status in ASSESSMENT_STATUSES else _("no approved assessment")
        return _("%(code)s: status %(before)s → %(after)s", code=change["code"], before=label(change["before"]),
                 after=label(change["after"]))
    if change["kind"] == "narrative":
        return _("%(code)s: narrative edited after the report was final", code=change["code"])
    return _("%(code)s %(year)s: %(before)s → %(after)s", code=change["code"], year=year,
             before=_plain(change["before"]) or _("no value"), after=_plain(change["after"]) or _("no value"))


def _plain(value: str | None) -> str | None:
    """A stored plain number ("1234.5") as the reader's language writes it."""
    if value is None:
        return None
    try:
        return fmt_number(Decimal(value))
    except (InvalidOperation, ValueError):
        return value

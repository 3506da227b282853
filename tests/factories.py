"""Factories that write rows straight through the models, for tests of any feature."""
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from tracker.activities.models import Activity
from tracker.assessments.models import Assessment
from tracker.evidence.models import Evidence
from tracker.extensions import db
from tracker.indicators.models import Indicator, IndicatorTarget, IndicatorValue
from tracker.plan.models import Member, Outcome, Partner


def outcome(code: str) -> Outcome:
    """The seeded outcome with this code."""
    return db.session.scalar(select(Outcome).where(Outcome.code == code))


def member(city: str) -> Member:
    """The seeded member with this city name."""
    return db.session.scalar(select(Member).where(Member.city == city))


def partner(name_or_acronym: str) -> Partner:
    """The seeded partner with this name or acronym."""
    return db.session.scalar(select(Partner).where((Partner.name == name_or_acronym)
                                                   | (Partner.acronym == name_or_acronym)))


def make_activity(*, title="Policy debate on housing", kind="event", status="completed", start=date(2022, 3, 1),
                  end=None, outcomes=("L1.A1.O1",), members=(), partners=(), participants=None, women=None,
                  men=None, other=None, planned=None, spent=None, responsible=None, created_by=None, place="Barcelona",
                  description="", deleted=False, commit=True) -> Activity:
    """Create an activity linked to outcomes (codes), members (cities) and partners (names or acronyms)."""
    activity = Activity(
        title=title, kind=kind, status=status, start_date=start, end_date=end or start, year=start.year,
        place=place, description=description, participants_total=participants, participants_women=women,
        participants_men=men, participants_other=other,
        budget_planned=None if planned is None else Decimal(str(planned)),
        budget_spent=None if spent is None else Decimal(str(spent)),
        responsible_id=getattr(responsible, "id", None), created_by_id=getattr(created_by or responsible, "id", None),
    )
    activity.outcomes = [outcome(code) for code in outcomes]
    activity.members = [member(city) for city in members]
    activity.partners = [partner(name) for name in partners]
    if deleted:
        from tracker.core.models import utcnow
        activity.deleted_at = utcnow()
    db.session.add(activity)
    if commit:
        db.session.commit()
    return activity


def make_note(*, activity=None, outcome_code=None, title="Minutes", note="What was agreed", added_by=None,
              commit=True) -> Evidence:
    """Create a note as evidence, on an activity or directly on an outcome."""
    evidence = Evidence(kind="note", title=title, note=note, activity_id=getattr(activity, "id", None),
                        outcome_id=outcome(outcome_code).id if outcome_code else None,
                        added_by_id=getattr(added_by, "id", None))
    db.session.add(evidence)
    if commit:
        db.session.commit()
    return evidence


def make_indicator(*, code="T-1", name="Events held", outcome_code=None, method="manual", unit="number",
                   direction="higher", cumulative=False, baseline=None, baseline_year=None, targets=None,
                   kinds=None, commit=True) -> Indicator:
    """Create an indicator with optional targets {year: value or (low, high)}."""
    indicator = Indicator(code=code, name=name, outcome_id=outcome(outcome_code).id if outcome_code else None,
                          method=method, unit=unit, direction=direction, cumulative=cumulative,
                          baseline_value=None if baseline is None else Decimal(str(baseline)),
                          baseline_year=baseline_year, method_kinds=list(kinds) if kinds else None)
    for year, value in (targets or {}).items():
        low, high = value if isinstance(value, tuple) else (value, None)
        indicator.targets.append(IndicatorTarget(year=year, target=Decimal(str(low)),
                                                 target_max=None if high is None else Decimal(str(high))))
    db.session.add(indicator)
    if commit:
        db.session.commit()
    return indicator


def make_value(indicator, year, value, *, state="approved", entered_by=None, commit=True) -> IndicatorValue:
    """Create an entered indicator value in a review state."""
    row = IndicatorValue(indicator_id=indicator.id, year=year, value=Decimal(str(value)), review_state=state,
                         entered_by_id=getattr(entered_by, "id", None))
    db.session.add(row)
    if commit:
        db.session.commit()
    return row


def make_assessment(outcome_code, year, *, status="on_track", state="approved", achieved="Done well",
                    author=None, commit=True) -> Assessment:
    """Create an assessment of an outcome for a year in a review state."""
    row = Assessment(outcome_id=outcome(outcome_code).id, year=year, status=status, achieved=achieved,
                     review_state=state, author_id=getattr(author, "id", None))
    db.session.add(row)
    if commit:
        db.session.commit()
    return row

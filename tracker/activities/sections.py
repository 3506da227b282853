"""The activities block of each outcome's page."""
from ..plan.sections import outcome_section
from . import services

RECENT = 20  # the page lists the most recent ones and links to the filtered list for the rest


@outcome_section(20, "activities/_outcome_section.html")
def activities_section(outcome) -> dict:
    """The outcome's most recent activities and, per plan year, how many there are and how many are completed."""
    activities, total = services.outcome_activities(outcome.id, limit=RECENT)
    return {"activities": activities, "total": total, "years": services.outcome_year_counts(outcome.id)}

"""The activities block of each outcome's page, and the registry of sections that features add to an activity's page."""
from ..core.sections import SectionRegistry
from ..plan.sections import outcome_section
from . import services

activity_page = SectionRegistry()  # evidence adds its panel here
RECENT = 20  # the page lists the most recent ones and links to the filtered list for the rest


@outcome_section(20, "activities/_outcome_section.html")
def activities_section(outcome) -> dict:
    """The outcome's most recent activities, and how many there are."""
    activities, total = services.outcome_activities(outcome.id, limit=RECENT)
    return {"activities": activities, "total": total}

"""Sections that other features add to an outcome's page (activities, evidence, indicators, assessments)."""
from ..core.sections import SectionRegistry

outcome_page = SectionRegistry()
outcome_section = outcome_page.register
outcome_sections = outcome_page.sections

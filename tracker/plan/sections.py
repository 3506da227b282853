"""Sections that other features add to an outcome's page (activities, evidence, indicators, assessments)."""
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class OutcomeSection:
    """A block of the outcome page: a template and a function giving its context."""

    order: int
    template: str
    context: Callable  # (outcome) -> dict


_SECTIONS: list[OutcomeSection] = []


def outcome_section(order: int, template: str):
    """Register a function as the context provider of an outcome page section."""

    def decorate(func):
        if not any(s.template == template for s in _SECTIONS):
            _SECTIONS.append(OutcomeSection(order, template, func))
            _SECTIONS.sort(key=lambda s: s.order)
        return func

    return decorate


def outcome_sections() -> list[OutcomeSection]:
    """Every registered section, in page order."""
    return list(_SECTIONS)

"""Page sections that higher features add to a lower feature's page, so the lower one imports none of them."""
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    """A block of a page: a template and a function giving its context."""

    order: int
    template: str
    context: Callable  # (the page's object) -> dict


class SectionRegistry:
    """The sections of one kind of page, in page order."""

    def __init__(self):
        self._sections: list[Section] = []

    def register(self, order: int, template: str):
        """Register a function as the context provider of a section."""

        def decorate(func):
            if not any(s.template == template for s in self._sections):
                self._sections.append(Section(order, template, func))
                self._sections.sort(key=lambda s: s.order)
            return func

        return decorate

    def sections(self) -> list[Section]:
        """Every registered section, in page order."""
        return list(self._sections)

    def render(self, item) -> list[tuple[str, dict]]:
        """Each section's template with its context for one object."""
        return [(section.template, section.context(item)) for section in self._sections]

"""The plan's French and Spanish text: what there is to translate, what is still missing, and saving it.

The English stays as adopted; the Secretary General (or an administrator) writes each line's, axis' and outcome's
title, key idea, orienting theme and indicator name in French and Spanish. The page lives here, above the
indicators layer, because it covers the plan and the indicators alike.
"""
import hashlib
import json
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..core.audit import record
from ..core.errors import Invalid, StaleEdit
from ..core.i18n import TRANSLATED
from ..extensions import db
from ..indicators.models import Indicator
from ..plan.models import ActionLine, Axis, KeyIdea, OrientingTheme, Outcome

# kind -> (model, stem of the columns, most characters, heading of its group on the page)
KINDS = {
    "line": (ActionLine, "title", 300, _l("Action lines")),
    "axis": (Axis, "title", 300, _l("Axes")),
    "outcome": (Outcome, "title", 300, _l("Outcomes")),
    "idea": (KeyIdea, "text", 300, _l("Key ideas")),
    "theme": (OrientingTheme, "name", 100, _l("Orienting themes")),
    "themetext": (OrientingTheme, "description", 2000, _l("Orienting themes: descriptions")),
    "indicator": (Indicator, "name", 200, _l("Indicator names")),
}


@dataclass
class Entry:
    """One text of the plan: its English and its translations, with the names of its form fields."""

    kind: str
    row: object
    label: str

    @property
    def stem(self) -> str:
        """The column stem (title, text, name, description)."""
        return KINDS[self.kind][1]

    @property
    def english(self) -> str:
        """The English as adopted."""
        return getattr(self.row, f"{self.stem}_en")

    def field(self, language: str) -> str:
        """The form field's name for one language."""
        return f"{self.kind}_{self.row.id}_{language}"

    def current(self, language: str) -> str:
        """The translation written so far, empty if none."""
        return getattr(self.row, f"{self.stem}_{language}") or ""


def _ordered(model, *order):
    """Every row of a model in the given order (one query)."""
    return list(db.session.scalars(select(model).order_by(*order)))


def entries() -> list[Entry]:
    """Every translatable text of the plan, in the plan's order, in a fixed number of queries."""
    lines = _ordered(ActionLine, ActionLine.position)
    ideas = _ordered(KeyIdea, KeyIdea.line_id, KeyIdea.position)
    codes = {line.id: line.code for line in lines}
    themes = _ordered(OrientingTheme, OrientingTheme.position)
    found = [Entry("line", line, line.code) for line in lines]
    found += [Entry("axis", axis, axis.code) for axis in _ordered(Axis, Axis.code)]
    found += [Entry("outcome", item, item.code) for item in _ordered(Outcome, Outcome.position)]
    found += [Entry("idea", idea, f"{codes.get(idea.line_id, '')} · {idea.position}") for idea in ideas]
    found += [Entry("theme", theme, str(theme.position)) for theme in themes]
    found += [Entry("themetext", theme, str(theme.position)) for theme in themes]
    found += [Entry("indicator", indicator, indicator.code)
              for indicator in _ordered(Indicator, Indicator.code) if indicator.active]
    return found


def missing(found: list[Entry]) -> dict[str, int]:
    """How many texts still have no translation, per language."""
    return {language: sum(1 for entry in found if not entry.current(language).strip()) for language in TRANSLATED}


def fingerprint(found: list[Entry]) -> str:
    """A digest of every translation as it stands: a save made from an older page is refused."""
    state = [[entry.field(language), entry.current(language)] for entry in found for language in TRANSLATED]
    return hashlib.sha256(json.dumps(state, ensure_ascii=False).encode()).hexdigest()


def save(actor, found: list[Entry], texts: dict[str, str], seen: str) -> int:
    """Write the translations given by field name (empty clears one), audited per text; return how many changed.

    Refuses the whole save when someone changed a translation since the page was opened, or a text is too long.
    """
    if seen != fingerprint(found):
        raise StaleEdit()
    changes = []
    for entry in found:
        limit = KINDS[entry.kind][2]
        before = {language: entry.current(language) or None for language in TRANSLATED}
        after = dict(before)
        for language in TRANSLATED:
            name = entry.field(language)
            if name not in texts:
                continue
            text = " ".join((texts[name] or "").split()) if entry.kind != "themetext" else (texts[name] or "").strip()
            if len(text) > limit:
                raise Invalid(_("At most %(limit)s characters (this has %(count)s).", limit=limit, count=len(text)),
                              field=name)
            after[language] = text or None
        if after != before:
            changes.append((entry, before, after))
    for entry, before, after in changes:
        for language in TRANSLATED:
            setattr(entry.row, f"{entry.stem}_{language}", after[language])
        record(actor, "update", entry.row,
               before={f"{entry.stem}_{code}": value for code, value in before.items()},
               after={f"{entry.stem}_{code}": value for code, value in after.items()},
               summary=f"Translated {entry.kind} {entry.label} “{entry.english[:80]}”")
    return len(changes)

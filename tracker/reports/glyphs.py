"""Which characters none of the report's bundled fonts can draw, so they are listed instead of vanishing.

WeasyPrint (Pango) falls back per character along the report's font stack; a character that no bundled font
has is drawn with whatever the server happens to have installed, or as a blank or a box. `undrawable` checks
texts against the cmaps of the bundled files (read once per process: they are immutable files of the project).
"""
import functools
import struct
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _

from .fetcher import ALL_FONT_FILES

CONTEXT = 12  # characters of context on each side of an undrawable character


def _format12_groups(font) -> list[tuple[int, int]] | None:
    """The (first, last) code point ranges of the font's Unicode full-repertoire cmap (format 12), if any.

    Read straight from the table's bytes: fontTools' decoded cmap is a dict of every code point, which costs
    a tenth of a second for the CJK font on each new worker.
    """
    data = font.reader["cmap"]
    _, count = struct.unpack_from(">HH", data, 0)
    for platform, encoding, offset in struct.iter_unpack(">HHI", data[4:4 + 8 * count]):
        if (platform, encoding) == (3, 10) and struct.unpack_from(">H", data, offset)[0] == 12:
            groups = struct.unpack_from(">I", data, offset + 12)[0]
            start = offset + 16
            return [(first, last) for first, last, _ in struct.iter_unpack(">III", data[start:start + 12 * groups])]
    return None


@functools.cache
def drawable_codepoints() -> frozenset[int]:
    """Every code point one of the bundled fonts maps to a glyph (the union of their cmaps)."""
    from fontTools.ttLib import TTFont

    covered: set[int] = set()
    for path in ALL_FONT_FILES.values():
        font = TTFont(path, lazy=True)
        try:
            groups = _format12_groups(font)
            if groups is None:
                covered.update(font.getBestCmap() or {})
            else:
                for first, last in groups:
                    covered.update(range(first, last + 1))
        finally:
            font.close()
    return frozenset(covered)


@functools.cache
def _drawable_characters() -> frozenset[str]:
    """The drawable code points as characters, to test whole texts with one set operation."""
    return frozenset(map(chr, drawable_codepoints()))


# Selectors and joiners that shape with their neighbour and need no glyph of their own.
_INVISIBLE = frozenset({0x200C, 0x200D, 0x20E3, *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)})


def _needs_no_glyph(char: str) -> bool:
    """Whitespace, controls, format characters (direction marks, joiners) and variation selectors."""
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf") or ord(char) in _INVISIBLE


@dataclass(frozen=True)
class Undrawable:
    """One character no bundled font has, with where it was seen."""

    char: str
    codepoint: str  # "U+1E900"
    name: str  # the Unicode name, or "" for an unassigned or private-use code point
    context: str  # the text around it

    def __str__(self) -> str:
        label = f"{self.codepoint} {self.name}".strip()
        return _("%(character)s in “%(context)s”", character=label, context=self.context)


def undrawable(texts: Iterable[str | None]) -> list[Undrawable]:
    """The characters of `texts` that none of the bundled fonts can draw, each listed once (first seen) with
    a short context, in the order met. Whitespace, controls and invisible joiners/selectors are not listed."""
    covered = drawable_codepoints()
    drawable = _drawable_characters()
    found: dict[str, Undrawable] = {}
    for text in texts:
        if not text or drawable.issuperset(text):  # the common case, at C speed
            continue
        for index, char in enumerate(text):
            if char in found or ord(char) in covered or _needs_no_glyph(char):
                continue
            context = text[max(0, index - CONTEXT):index + CONTEXT + 1].replace("\n", " ")
            found[char] = Undrawable(char, f"U+{ord(char):04X}", unicodedata.name(char, ""), context)
    return list(found.values())

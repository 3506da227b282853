"""Text that people can see: strip what is invisible at the ends, and tell whether anything visible remains."""
import unicodedata

# Categories that draw nothing by themselves: controls, format characters (zero-width spaces and joiners, soft
# hyphens, bidirectional marks, byte order marks), spaces, line and paragraph separators, lone surrogates.
_BLANK_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Cs"})
# Combining marks draw only on a base character: a text of marks alone shows nothing readable.
_MARK_CATEGORIES = frozenset({"Mn", "Me"})
# Letters and symbols that fonts draw as nothing: the Hangul fillers and the blank Braille pattern.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Tag characters end flag sequences such as England's (U+1F3F4 ... U+E007F): stripping them would break the flag.
_TAGS = range(0xE0020, 0xE0080)


def _strippable(char: str) -> bool:
    """Whether a character may go from either end of a text without changing what it shows.

    Control characters other than blanks stay, for the forms to refuse them by name (a NUL is a probe, not a typo).
    """
    if ord(char) in _TAGS:
        return False
    category = unicodedata.category(char)
    if category == "Cc":
        return char.isspace()
    return char in _BLANK_LOOKING or category in _BLANK_CATEGORIES


def strip_invisible(text: str) -> str:
    """The text without the spaces and invisible characters at its start and end."""
    start, end = 0, len(text)
    while start < end and _strippable(text[start]):
        start += 1
    while end > start and _strippable(text[end - 1]):
        end -= 1
    return text[start:end]


def has_visible(text: str | None) -> bool:
    """Whether a text has at least one character that shows on the page."""
    return any(not (c in _BLANK_LOOKING or unicodedata.category(c) in _BLANK_CATEGORIES | _MARK_CATEGORIES)
               for c in text or "")

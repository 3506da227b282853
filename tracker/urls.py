"""Redirect targets that never leave the site."""
import unicodedata
from urllib.parse import urlsplit

MAX_TARGET = 2000  # no page of ours has a longer address
# Characters a Location header or a browser would not take as they are: controls (CR and LF would split the
# header), format characters, line and paragraph separators, lone surrogates.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def is_local_path(target) -> bool:
    """Whether target is a path on this site: one leading '/', no scheme or host, no backslash, no blank or
    invisible character (a browser drops tabs and newlines, so "/\\t/host" would lead to another site)."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//") \
            or len(target) > MAX_TARGET or "\\" in target:
        return False
    if any(c.isspace() or unicodedata.category(c) in _REFUSED_CATEGORIES for c in target):
        return False
    try:
        parts = urlsplit(target)
    except ValueError:
        return False
    return not parts.scheme and not parts.netloc


def local_path(target: str | None, fallback: str | None) -> str | None:
    """Return target if it is a path on this site (see is_local_path), else the fallback."""
    return target if is_local_path(target) else fallback

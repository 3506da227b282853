"""Redirect targets that never leave the site."""
from urllib.parse import urlsplit


def local_path(target: str | None, fallback: str) -> str:
    """Return target if it is a path on this site (no scheme, host, '//' or backslash), else the fallback."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") \
                and "\\" not in target:
            return target
    return fallback

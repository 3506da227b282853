"""The only way WeasyPrint may load anything: data: URLs and the report's own bundled files.

WeasyPrint 70 loads every resource through a `weasyprint.urls.URLFetcher` object: it calls the object with
the URL, expects a `URLFetcherResponse`, and turns any exception into a warning (the resource is skipped), so a
refusal never stops the render. `ReportFetcher` subclasses it and replaces `fetch` entirely: urllib's openers
that the base class installs (http, https, ftp, file) are never reached.

Importing WeasyPrint takes seconds, and the paths here are needed without it (the charts, the app's start):
the class is built on first use, `from tracker.reports.fetcher import ReportFetcher` does that (PEP 562).
"""
import base64
import binascii
import functools
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_to_bytes

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent.parent
FONTS_DIR = PACKAGE_DIR / "fonts"
PDF_TEMPLATES_DIR = PROJECT_ROOT / "templates" / "reports" / "pdf"
STYLESHEET = PDF_TEMPLATES_DIR / "report.css"
# The report's font stack, "Report Sans": DejaVu first (also what matplotlib draws the charts with), then the
# fallbacks for the scripts DejaVu lacks (see fonts/README.txt). The keys are the names templates use in `assets`.
FONT_FILES = {"regular": FONTS_DIR / "DejaVuSans.ttf", "bold": FONTS_DIR / "DejaVuSans-Bold.ttf"}
FALLBACK_FONT_FILES = {
    "cjk": FONTS_DIR / "NotoSansCJKsc-Regular-subset.otf",
    "emoji": FONTS_DIR / "NotoEmoji-Regular.ttf",
}
ALL_FONT_FILES = {**FONT_FILES, **FALLBACK_FONT_FILES}
FONT_MIME_TYPES = {".ttf": "font/ttf", ".otf": "font/otf"}

# What the report may embed from data: URLs: its own charts. Anything else is refused even as data.
DATA_MIME_TYPES = frozenset({"image/svg+xml", "image/png"})
# A fake base: relative URLs resolve to nothing fetchable, never to the server's working directory.
BASE_URL = "report:/"


def _allowed_files() -> dict[str, tuple[Path, str]]:
    """Map the file URL of each bundled asset to its resolved path and MIME type."""
    files = {path.resolve(): FONT_MIME_TYPES[path.suffix] for path in ALL_FONT_FILES.values()}
    files[STYLESHEET.resolve()] = "text/css"
    return {path.as_uri(): (path, mime) for path, mime in files.items()}


ALLOWED_FILES = _allowed_files()


def asset_url(name: str) -> str:
    """Return the URL templates use for a bundled asset ("stylesheet" or a key of ALL_FONT_FILES)."""
    path = STYLESHEET if name == "stylesheet" else ALL_FONT_FILES[name]
    return path.resolve().as_uri()


class FetchRefused(ValueError):
    """WeasyPrint asked for something outside the report's own resources."""


@dataclass
class FetchAttempt:
    """One request from WeasyPrint, as recorded: the URL (shortened for data:) and whether it was served."""

    url: str
    allowed: bool


def _decode_data_url(url: str) -> tuple[bytes, str]:
    """Decode a data: URL into its bytes and MIME type."""
    header, comma, payload = url[len("data:"):].partition(",")
    if not comma:
        raise FetchRefused("Malformed data: URL")
    params = header.split(";")
    mime = (params[0] or "text/plain").strip().lower()
    if "base64" in (p.strip().lower() for p in params[1:]):
        try:
            return base64.b64decode(payload, validate=False), mime
        except (binascii.Error, ValueError) as error:
            raise FetchRefused("Malformed base64 in data: URL") from error
    return unquote_to_bytes(payload), mime


@functools.cache
def _fetcher_class() -> type:
    """Define ReportFetcher on WeasyPrint's URLFetcher (imported here, once)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ReportFetcher(URLFetcher):
        """A WeasyPrint URL fetcher that serves data: images and the bundled fonts/CSS, refuses the rest, and logs all.

        Calling it (as WeasyPrint does) or its `fetch` returns a `URLFetcherResponse` or raises `FetchRefused`.
        """

        def __init__(self, allowed_files: dict | None = None):
            # No redirects, only data: and file: even if a later WeasyPrint called the base class's fetch.
            super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, fail_on_errors=False)
            self.allowed_files = dict(ALLOWED_FILES if allowed_files is None else allowed_files)
            self.log: list[FetchAttempt] = []
            self._cache: dict[str, bytes] = {}

        def fetch(self, url: str, headers=None) -> URLFetcherResponse:
            """Serve one URL or raise FetchRefused; nothing here opens a socket or a file outside the whitelist."""
            if url.startswith("data:"):
                data, mime = _decode_data_url(url)
                if mime not in DATA_MIME_TYPES:
                    self.log.append(FetchAttempt(url[:80], False))
                    raise FetchRefused(f"data: URL of type {mime} is not part of the report")
                self.log.append(FetchAttempt(url[:40] + "...", True))
                # The response's URL is the base of anything relative inside (an SVG's hrefs): the fake base.
                return URLFetcherResponse(BASE_URL, data, {"Content-Type": mime})
            asset = self.allowed_files.get(url)
            if asset is None:
                self.log.append(FetchAttempt(url[:500], False))
                raise FetchRefused("Only the report's own resources may be loaded")
            path, mime = asset
            if url not in self._cache:
                self._cache[url] = path.read_bytes()
            self.log.append(FetchAttempt(url, True))
            return URLFetcherResponse(url, self._cache[url], {"Content-Type": mime})

        def open(self, url, data=None, timeout=None):
            """urllib's entry point, kept on the same whitelist (WeasyPrint itself calls the fetcher)."""
            return self.fetch(url if isinstance(url, str) else url.full_url)

        @property
        def refused(self) -> list[str]:
            """List the URLs that were asked for and refused."""
            return [a.url for a in self.log if not a.allowed]

        @property
        def served(self) -> list[str]:
            """List the URLs that were served."""
            return [a.url for a in self.log if a.allowed]

    return ReportFetcher


def __getattr__(name: str):
    """Give `ReportFetcher` on first access, importing WeasyPrint only then."""
    if name == "ReportFetcher":
        return _fetcher_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""The only way WeasyPrint may load anything: data: URLs and the report's own bundled files."""
import base64
import binascii
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote_to_bytes

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent.parent
FONTS_DIR = PACKAGE_DIR / "fonts"
PDF_TEMPLATES_DIR = PROJECT_ROOT / "templates" / "reports" / "pdf"
STYLESHEET = PDF_TEMPLATES_DIR / "report.css"
FONT_FILES = {"regular": FONTS_DIR / "DejaVuSans.ttf", "bold": FONTS_DIR / "DejaVuSans-Bold.ttf"}

# What the report may embed from data: URLs: its own charts. Anything else is refused even as data.
DATA_MIME_TYPES = frozenset({"image/svg+xml", "image/png"})
# A fake base: relative URLs resolve to nothing fetchable, never to the server's working directory.
BASE_URL = "report:/"


def _allowed_files() -> dict[str, tuple[Path, str]]:
    """Map the file URL of each bundled asset to its resolved path and MIME type."""
    files = {path.resolve(): "font/ttf" for path in FONT_FILES.values()}
    files[STYLESHEET.resolve()] = "text/css"
    return {path.as_uri(): (path, mime) for path, mime in files.items()}


ALLOWED_FILES = _allowed_files()


def asset_url(name: str) -> str:
    """Return the URL templates use for a bundled asset ("stylesheet", "regular" or "bold")."""
    path = STYLESHEET if name == "stylesheet" else FONT_FILES[name]
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


@dataclass
class ReportFetcher:
    """A WeasyPrint url_fetcher that serves data: images and the bundled fonts/CSS, refuses the rest, and logs all."""

    allowed_files: dict = field(default_factory=lambda: dict(ALLOWED_FILES))
    log: list[FetchAttempt] = field(default_factory=list)
    _cache: dict = field(default_factory=dict, repr=False)

    def __call__(self, url: str, timeout=10, ssl_context=None, http_headers=None) -> dict:
        """Serve one URL or raise FetchRefused."""
        if url.startswith("data:"):
            data, mime = _decode_data_url(url)
            if mime not in DATA_MIME_TYPES:
                self.log.append(FetchAttempt(url[:80], False))
                raise FetchRefused(f"data: URL of type {mime} is not part of the report")
            self.log.append(FetchAttempt(url[:40] + "...", True))
            return {"string": data, "mime_type": mime, "redirected_url": BASE_URL}
        asset = self.allowed_files.get(url)
        if asset is None:
            self.log.append(FetchAttempt(url[:500], False))
            raise FetchRefused("Only the report's own resources may be loaded")
        path, mime = asset
        if url not in self._cache:
            self._cache[url] = path.read_bytes()
        self.log.append(FetchAttempt(url, True))
        return {"string": self._cache[url], "mime_type": mime, "redirected_url": url}

    @property
    def refused(self) -> list[str]:
        """List the URLs that were asked for and refused."""
        return [a.url for a in self.log if not a.allowed]

    @property
    def served(self) -> list[str]:
        """List the URLs that were served."""
        return [a.url for a in self.log if a.allowed]

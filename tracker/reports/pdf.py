"""Rendering the report's HTML to PDF with WeasyPrint, behind the restrictive URL fetcher."""
from __future__ import annotations

import gc
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from . import fetcher as fetching
from .fetcher import BASE_URL, asset_url

if TYPE_CHECKING:  # importing the class imports WeasyPrint (seconds): only when rendering
    from .fetcher import ReportFetcher

AUTHOR = "Metropolis Secretariat General"
ASSETS = ("stylesheet", *fetching.ALL_FONT_FILES)


@dataclass
class RenderedPdf:
    """A rendered report: the PDF bytes, its page count, what the fetcher saw, and how long it took."""

    data: bytes
    pages: int
    seconds: float
    fetcher: ReportFetcher = field(repr=False)


def pdf_options() -> dict:
    """Ask for PDF/UA-1 when the installed WeasyPrint knows it, else for a tagged PDF."""
    try:
        from weasyprint.pdf import VARIANTS
    except ImportError:  # pragma: no cover - older WeasyPrint
        VARIANTS = {}
    return {"pdf_variant": "pdf/ua-1"} if "pdf/ua-1" in VARIANTS else {"pdf_tags": True}


def render_html(report: dict) -> str:
    """Render the report's plain data into HTML with the autoescaping Jinja environment of the app."""
    from flask import render_template

    assets = {name: asset_url(name) for name in ASSETS}
    return render_template("reports/pdf/report.html", r=report, assets=assets)


def _attachments(attachments: Sequence[tuple[str, bytes, str]], created: datetime, fetcher) -> list:
    """WeasyPrint Attachments for files the app generated: (file name, bytes, description) each, never a URL."""
    from weasyprint import Attachment

    result = []
    for name, data, description in attachments:
        if not isinstance(name, str) or not name or "/" in name or "\\" in name:
            raise ValueError(f"An attachment needs a plain file name, not {name!r}")
        if not isinstance(data, bytes):
            raise TypeError(f"The attachment {name} must be bytes")
        # string= is read as is: nothing is fetched, and the fetcher given is the restrictive one anyway.
        result.append(Attachment(string=data, name=name, description=description, created=created,
                                 modified=created, url_fetcher=fetcher))
    return result


def render_pdf(html: str, *, title: str, created: datetime, fetcher: ReportFetcher | None = None,
               attachments: Sequence[tuple[str, bytes, str]] = ()) -> RenderedPdf:
    """Render HTML to a PDF with the report's metadata; only the fetcher may load resources.

    The PDF's embedded files are exactly `attachments` (file name, bytes, description), bytes the app made:
    nothing the HTML names (`<link rel=attachment>`, `<a rel=attachment>`) is ever embedded.
    """
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    fetcher = fetcher if fetcher is not None else fetching.ReportFetcher()
    embedded = _attachments(attachments, created, fetcher)
    started = time.perf_counter()
    # WeasyPrint allocates millions of short-lived objects and frees them by reference counting; the cyclic
    # collector's repeated full scans of that heap cost about a quarter of the render (measured: 33 s -> 24 s
    # CPU at 5,000 activities) for almost no memory back. Pause it for the render, then collect once.
    collecting = gc.isenabled()
    gc.disable()
    try:
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(font_config=FontConfiguration())
        # The HTML's <title> and <meta> carry the same values; setting them here does not depend on parsing.
        document.metadata.title = title
        document.metadata.authors = [AUTHOR]
        document.metadata.created = created.isoformat(timespec="seconds")
        document.metadata.modified = created.isoformat(timespec="seconds")
        # Replaces whatever <link rel=attachment> gave: only the app's own files become embedded files. An
        # <a rel=attachment> would become a file annotation (even of an allowed data: image): drop those links.
        document.metadata.attachments = embedded
        for page in document.pages:
            page.links = [link for link in page.links if link[0] != "attachment"]
        data = document.write_pdf(**pdf_options())
        pages = len(document.pages)
        del document
    finally:
        if collecting:
            gc.enable()
    gc.collect()
    return RenderedPdf(data=data, pages=pages, seconds=time.perf_counter() - started, fetcher=fetcher)

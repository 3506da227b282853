"""Rendering the report's HTML to PDF with WeasyPrint, behind the restrictive URL fetcher."""
from __future__ import annotations

import gc
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a render, then collect once (nested pauses: at the outermost)."""
    # WeasyPrint allocates millions of short-lived objects and frees them by reference counting; the collector's
    # repeated full scans of that heap cost about a quarter of the render (measured: 33 s -> 24 s CPU at 5,000
    # activities) for almost no memory back. The one collection left (0.2-0.3 s: the layout's reference cycles)
    # runs when the outermost pause ends: the report worker ends its pause after the report is ready and recorded.
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


WARM_UP_HTML = ('<!doctype html><html lang=en><head><meta charset=utf-8><title>Warm-up</title>'
                '<link rel=stylesheet href="{stylesheet}"></head><body><h1>Metropolis</h1>'
                '<p>Warm-up of the report renderer: <b>Board</b> 2022, 100 % €.</p></body></html>')


def warm_up() -> None:
    """Load what a report's first render would otherwise load while its reader waits: WeasyPrint, Pango and the
    fonts, the PDF writer and HarfBuzz's subsetter, and the report's compiled templates."""
    from flask import current_app

    current_app.jinja_env.get_template("reports/pdf/report.html")
    render_pdf(WARM_UP_HTML.format(stylesheet=asset_url("stylesheet")), title=AUTHOR,  # a throw-away PDF
               created=datetime.now().astimezone())


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
    with collector_paused():
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
    return RenderedPdf(data=data, pages=pages, seconds=time.perf_counter() - started, fetcher=fetcher)

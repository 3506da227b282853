"""How the report worker renders quickly: HarfBuzz subsets the fonts, the worker warms the renderer up as it
starts, and the layout's garbage is collected after the report is recorded, not while its reader waits."""
import gc
import io
import logging
from datetime import datetime, timezone

import pytest
from pypdf import PdfReader
from sqlalchemy import create_engine, select

from tracker.core.jobs import queue
from tracker.extensions import db
from tracker.reports import jobs as report_jobs
from tracker.reports import pdf
from tracker.reports.models import ReportRequest

NOW = datetime(2022, 12, 1, tzinfo=timezone.utc)


def test_fonts_are_subset_by_harfbuzz_not_the_slow_fonttools_fallback(app, caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")
    html = pdf.WARM_UP_HTML.format(stylesheet=pdf.fetching.asset_url("stylesheet"))
    rendered = pdf.render_pdf(html, title="Fonts", created=NOW)
    assert "Warm-up of the report renderer" in PdfReader(io.BytesIO(rendered.data)).pages[0].extract_text()
    assert not [r for r in caplog.records if "HarfBuzz" in r.getMessage()]  # libharfbuzz-subset0 is installed


def test_the_collector_is_paused_for_a_render_and_collects_once_at_the_outermost_pause(monkeypatch):
    collected = []
    monkeypatch.setattr(gc, "collect", lambda *args: collected.append(gc.isenabled()) or 0)
    assert gc.isenabled()
    with pdf.collector_paused():
        assert not gc.isenabled()
        with pdf.collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled() and collected == []  # the inner pause leaves collecting to the outer one
    assert gc.isenabled() and collected == [True]


def test_a_failing_render_still_resumes_the_collector(monkeypatch):
    monkeypatch.setattr(gc, "collect", lambda *args: 0)
    with pytest.raises(RuntimeError), pdf.collector_paused():
        raise RuntimeError("layout failed")
    assert gc.isenabled()


def test_the_worker_records_the_report_before_it_collects_the_layouts_garbage(app, client_as, held_jobs,
                                                                              monkeypatch):
    sg = client_as("secretary_general")
    sg.post("/reports/generate", data={"kind": "board", "year": "2022"})
    request_id = db.session.scalar(select(ReportRequest.id))
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])  # another connection: what a reader sees
    seen = []

    def collect(*args):
        with engine.connect() as connection:
            seen.append(connection.scalar(select(ReportRequest.state).where(ReportRequest.id == request_id)))
        return 0

    monkeypatch.setattr(gc, "collect", collect)
    try:
        report_jobs.render_report.call_local(request_id)
    finally:
        engine.dispose()
    assert seen == ["done"]  # one collection, after the request was committed as done
    assert gc.isenabled()


def test_each_worker_warms_the_renderer_up_as_it_starts(app, monkeypatch):
    calls = []
    monkeypatch.setattr(report_jobs, "warm_up", lambda: calls.append("warm"))
    hooks = [hook for name, hook in queue._startup.items() if name == "warm_up_renderer"]
    assert len(hooks) == 1
    hooks[0]()
    assert calls == ["warm"]


def test_warming_up_renders_a_real_pdf_and_a_failure_does_not_stop_the_worker(app, monkeypatch, caplog):
    rendered = []
    real = pdf.render_pdf
    monkeypatch.setattr(pdf, "render_pdf", lambda *a, **k: rendered.append(real(*a, **k)) or rendered[-1])
    app.jinja_env.cache.clear()
    pdf.warm_up()
    assert rendered[0].pages == 1 and rendered[0].data.startswith(b"%PDF")
    assert any(key[1] == "reports/pdf/report.html" for key in app.jinja_env.cache)  # compiled once, here

    def broken(*args, **kwargs):
        raise OSError("Pango is missing")

    monkeypatch.setattr(pdf, "render_pdf", broken)
    report_jobs.warm_up_renderer()  # logs and returns: the worker's other jobs still run
    assert "Warming up the report renderer failed" in caplog.text

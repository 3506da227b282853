"""Reports rendered by a job: the click files a request and answers at once, a worker renders it, two clicks
make one report, and a worker killed mid-render leaves nothing half-written while another finishes the report."""
import signal
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.reports import requests
from tracker.reports.jobs import hand_out_abandoned, render_report
from tracker.reports.models import Report, ReportRequest

from .waiting import wait_until
from .workers import real_queue, running_worker, worker_environment


def _reports() -> int:
    """How many reports are archived."""
    return db.session.scalar(select(func.count(Report.id)))


def _files(app) -> list[str]:
    """Every file in the exports folder, hidden ones (a .partial) included."""
    folder = Path(app.config["EXPORTS_FOLDER"])
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _fresh(request_id: int) -> ReportRequest:
    """The request as the database holds it now (another process writes it)."""
    db.session.rollback()
    return db.session.get(ReportRequest, request_id)


def test_the_click_files_a_request_and_the_page_shows_its_progress(app, client_as, held_jobs):
    sg = client_as("secretary_general")
    response = sg.post("/reports/generate", data={"kind": "board", "year": "2022"})
    [request] = db.session.scalars(select(ReportRequest)).all()
    assert response.status_code == 302 and response.location.endswith(f"/reports/requests/{request.id}")
    assert (request.state, request.kind, request.year, request.requested_by_id) == ("queued", "board", 2022,
                                                                                     sg.user.id)
    assert held_jobs == [(render_report, (request.id,))] and _reports() == 0  # nothing rendered in the request
    page = sg.get(f"/reports/requests/{request.id}").get_data(as_text=True)
    assert "Generating…" in page and "Waiting for a worker" in page and 'http-equiv="refresh"' in page
    assert "Board evaluation 2022: see its progress" in sg.get("/reports/").get_data(as_text=True)

    render_report.call_local(request.id)  # what the worker does
    request = _fresh(request.id)
    report = db.session.get(Report, request.report_id)
    assert (request.state, request.active_key, request.attempts) == ("done", None, 1)
    assert report.year == 2022 and report.generated_by_id == sg.user.id and report.filename == request.filename
    page = sg.get(f"/reports/requests/{request.id}").get_data(as_text=True)
    assert "Ready" in page and f"{report.pages} pages" in page and "DRAFT" in page
    assert f"/reports/{report.id}/open" in page and 'http-equiv="refresh"' not in page
    assert "see its progress" not in sg.get("/reports/").get_data(as_text=True)


def test_two_clicks_make_one_report(app, client_as, held_jobs):
    sg = client_as("secretary_general")
    first = sg.post("/reports/generate", data={"kind": "board", "year": "2022"})
    second = sg.post("/reports/generate", data={"kind": "board", "year": "2022"}, follow_redirects=True)
    assert first.location.endswith(second.request.path)
    assert "is already being generated" in second.get_data(as_text=True)
    [request] = db.session.scalars(select(ReportRequest)).all()
    assert len(held_jobs) == 1
    for task, args in held_jobs * 2:  # the same job delivered twice (a sweep and the enqueue, say): rendered once
        task.call_local(*args)
    assert _reports() == 1 and _fresh(request.id).state == "done"
    assert [name for name in _files(app) if name.endswith(".pdf")] == [_fresh(request.id).filename]
    # Once it is done a click makes a new version, and the final evaluation has its own request.
    sg.post("/reports/generate", data={"kind": "board", "year": "2022"})
    sg.post("/reports/generate", data={"kind": "final"})
    assert db.session.scalar(select(func.count(ReportRequest.id))) == 3 and len(held_jobs) == 3


def test_staff_and_board_cannot_request_or_watch(app, client_as, held_jobs):
    sg = client_as("secretary_general")
    sg.post("/reports/generate", data={"kind": "final"})
    request = db.session.scalar(select(ReportRequest))
    for role in ("staff", "board"):
        other = client_as(role)
        assert other.post("/reports/generate", data={"kind": "final"}).status_code == 403
        assert other.get(f"/reports/requests/{request.id}").status_code == 403
    assert db.session.scalar(select(func.count(ReportRequest.id))) == 1
    assert sg.get("/reports/requests/999999").status_code == 404


def test_a_failed_render_says_why_and_can_be_requested_again(app, client_as, held_jobs, monkeypatch, caplog):
    from tracker.reports import services

    def broken(*args, **kwargs):
        raise RuntimeError("WeasyPrint fell over")

    monkeypatch.setattr(services, "render_pdf", broken)
    sg = client_as("secretary_general")
    sg.post("/reports/generate", data={"kind": "board", "year": "2021"})
    [(task, args)] = held_jobs
    task.call_local(*args)
    request = _fresh(args[0])
    assert (request.state, request.active_key, request.report_id) == ("failed", None, None)
    assert "WeasyPrint fell over" in caplog.text  # for the administrator; the person reads a plain message
    page = sg.get(f"/reports/requests/{request.id}").get_data(as_text=True)
    assert "Not generated" in page and "error in the tracker" in page and "WeasyPrint" not in page
    assert _reports() == 0 and [name for name in _files(app) if not name.startswith("evidence")] == []
    sg.post("/reports/generate", data={"kind": "board", "year": "2021"})
    assert len(held_jobs) == 2


def test_an_abandoned_request_is_handed_out_again_and_its_leftovers_removed(app, client_as, held_jobs):
    sg = client_as("secretary_general")
    sg.post("/reports/generate", data={"kind": "final"})
    request = db.session.scalar(select(ReportRequest))
    assert requests.claim(request.id) is not None
    db.session.commit()
    # The dead attempt left its file (complete or not) and the claim's heartbeat long ago.
    folder = Path(app.config["EXPORTS_FOLDER"])
    folder.mkdir(exist_ok=True)
    leftover = folder / request.filename
    leftover.write_bytes(b"%PDF-1.7 half")
    held_jobs.clear()
    assert hand_out_abandoned() == 0 and held_jobs == []  # its worker is alive (a fresh heartbeat)
    request.heartbeat_at = datetime.now(timezone.utc) - timedelta(seconds=app.config["REPORT_STALE_SECONDS"] + 1)
    db.session.commit()
    assert requests.claim(request.id + 1) is None  # no such request
    assert hand_out_abandoned() == 1 and held_jobs == [(render_report, (request.id,))]
    render_report.call_local(request.id)
    request = _fresh(request.id)
    assert request.state == "done" and request.attempts == 2 and not leftover.exists()
    assert [name for name in _files(app) if name.endswith(".pdf")] == [request.filename] and _reports() == 1
    assert not any(name.endswith(".partial") for name in _files(app))


def test_a_request_whose_worker_dies_three_times_fails(app, client_as, held_jobs):
    sg = client_as("secretary_general")
    sg.post("/reports/generate", data={"kind": "final"})
    request = db.session.scalar(select(ReportRequest))
    request.state, request.attempts = "running", requests.MAX_ATTEMPTS
    request.heartbeat_at = datetime.now(timezone.utc) - timedelta(hours=1)
    db.session.commit()
    held_jobs.clear()
    assert hand_out_abandoned() == 0 and held_jobs == []
    request = _fresh(request.id)
    assert request.state == "failed" and request.active_key is None and "stopped 3 times" in request.error


@pytest.mark.parametrize("store", ["sqlite", "redis"])
def test_a_report_survives_a_worker_killed_mid_render(app, client_as, tmp_path, store):
    sg = client_as("secretary_general")
    with real_queue(app, store, tmp_path) as queue_settings:
        marker = tmp_path / "laying-out"
        env = worker_environment(app, queue_settings, tmp_path, REPORT_STALE_SECONDS="1")
        with running_worker(env, tmp_path / "stalled.log",
                            [sys.executable, "-m", "tests.stalled_worker", str(marker)]) as stalled:
            response = sg.post("/reports/generate", data={"kind": "board", "year": "2022"})
            request_id = db.session.scalar(select(ReportRequest.id))
            assert response.location.endswith(f"/reports/requests/{request_id}")
            wait_until(marker.exists, timeout=60,
                       message=lambda: f"never laid out ({_fresh(request_id).stage}):\n{stalled.log()}")
            assert _fresh(request_id).stage == "layout"
            stalled.send_signal(signal.SIGKILL)  # mid-render, as the OOM killer or a lost machine would
            stalled.wait(timeout=30)
        request = _fresh(request_id)
        assert (request.state, request.attempts, _reports()) == ("running", 1, 0)
        assert not any(name.endswith(".pdf") for name in _files(app))
        stale = request.heartbeat_at.replace(tzinfo=timezone.utc) + timedelta(seconds=1)
        wait_until(lambda: datetime.now(timezone.utc) > stale, timeout=5, message="the clock stood still")

        with running_worker(env, tmp_path / "worker.log") as worker:  # its start hands the request out again
            def done():
                state = _fresh(request_id).state
                assert state != "failed", worker.log()
                return state == "done"

            wait_until(done, timeout=120, message=lambda: f"never rendered:\n{worker.log()}")
    request = _fresh(request_id)
    report = db.session.get(Report, request.report_id)
    assert request.attempts == 2 and _reports() == 1
    assert [name for name in _files(app) if not name.startswith(".")] == [report.filename]
    assert not any(name.endswith(".partial") for name in _files(app))
    page = sg.get(f"/reports/requests/{request_id}").get_data(as_text=True)
    assert "Ready" in page and f"{report.pages} pages" in page

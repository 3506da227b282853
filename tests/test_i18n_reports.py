"""The reports in French and Spanish: the Secretary General picks the report's language, the request and the archive
keep it, and the Board PDF, its dates and numbers, and the reports pages read in that language."""
import io
import re
from datetime import date
from pathlib import Path

from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import select

from tracker.extensions import db
from tracker.reports.build import build_report
from tracker.reports.jobs import render_report
from tracker.reports.models import Report, ReportRequest
from tracker.reports.pdf import render_html
from tracker.reports.services import generate_report


def _text(data: bytes) -> str:
    """The PDF's text, whitespace (narrow no-break spaces included) collapsed to single spaces."""
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages)


def _activity(make_activity) -> None:
    """One completed activity of 2022 on an outcome, with a large participant count to show its separators."""
    make_activity(title="Housing forum", start=date(2022, 3, 5), outcomes=("L1.A1.O1",), participants=12345,
                  women=6000)


def test_a_board_pdf_in_french_reads_in_french(app, make_activity):
    _activity(make_activity)
    result = generate_report(None, "board", 2022, language="fr")
    report = result.report
    assert report.language == "fr" and re.fullmatch(r"board-evaluation-2022-fr-\d{8}T\d{6}Z-[0-9a-f]{8}\.pdf",
                                                    report.filename)
    text = _text(result.rendered.data)
    for french in ("Conseil d'administration — évaluation annuelle 2022", "Synthèse", "Chiffres clés",
                   "Principales activités", "Annexe A", "Page 2 sur", "BROUILLON",
                   "5 mars 2022",  # a date as French writes it
                   "12 345 participants"):  # a number with the French thousands separator
        assert french in text, french
    for english in ("Executive summary", "Headline figures", "Main activities", "Page 2 of", "12,345"):
        assert english not in text, english


def test_the_pdf_declares_its_language_for_hyphenation(app):
    with force_locale("es"):
        html = render_html(build_report("board", 2022))
    assert '<html lang="es">' in html and "Resumen ejecutivo" in html
    assert '<html lang="en">' in render_html(build_report("board", 2022))  # no language chosen: English


def test_the_request_keeps_the_language_and_the_worker_renders_in_it(app, client_as, held_jobs,
                                                                     make_activity):
    _activity(make_activity)
    sg = client_as("secretary_general")
    response = sg.post("/reports/generate", data={"kind": "board", "year": "2022", "language": "es"})
    [request] = db.session.scalars(select(ReportRequest)).all()
    assert response.status_code == 302 and (request.language, request.active_key) == ("es", "board-2022-es")

    render_report.call_local(request.id)  # what the worker does: no request, the language from the request row
    db.session.rollback()
    report = db.session.get(Report, db.session.get(ReportRequest, request.id).report_id)
    assert report.language == "es" and "-2022-es-" in report.filename
    with open(Path(app.config["EXPORTS_FOLDER"]) / report.filename, "rb") as pdf:
        text = _text(pdf.read())
    for spanish in ("Consejo de Administración — evaluación anual 2022", "Resumen ejecutivo", "Cifras clave",
                    "Página 2 de", "5 mar 2022", "12.345 participantes"):
        assert spanish in text, spanish
    assert "Executive summary" not in text and "Synthèse" not in text

    archive = sg.get("/reports/").get_data(as_text=True)
    assert f'id="report-{report.id}"' in archive and 'lang="es">Español</td>' in archive


def test_the_same_year_in_two_languages_is_two_reports_and_two_clicks_one(app, client_as, held_jobs):
    sg = client_as("secretary_general")
    for language in ("es", "fr", "es"):
        sg.post("/reports/generate", data={"kind": "board", "year": "2022", "language": language})
    requests = db.session.scalars(select(ReportRequest).order_by(ReportRequest.id)).all()
    assert [(r.language, r.active_key) for r in requests] == [("es", "board-2022-es"), ("fr", "board-2022-fr")]
    assert len(held_jobs) == 2


def test_the_language_is_offered_defaulting_to_the_interface_language(app, client_as):
    sg = client_as("secretary_general")
    page = sg.get("/reports/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Langue du rapport" in page and "Générer un rapport" in page and "Generate a report" not in page
    for form in ('id="language"', 'id="final-language"'):  # the Board evaluation's form and the final one's
        select_tag = page[page.index(form):page.index("</select>", page.index(form))]
        assert '<option selected value="fr">Français</option>' in select_tag
        assert '<option value="en">English</option>' in select_tag
        assert '<option value="es">Español</option>' in select_tag


def test_an_unknown_language_is_refused_plainly(app, client_as, held_jobs):
    sg = client_as("secretary_general")
    response = sg.post("/reports/generate", data={"kind": "board", "year": "2022", "language": "de"})
    assert response.status_code == 400 and "Choose English, French or Spanish." in response.get_data(as_text=True)
    assert db.session.scalars(select(ReportRequest)).all() == [] and held_jobs == []


def test_the_board_meeting_page_in_spanish(app, client_as):
    page = client_as("board").get("/reports/board/2022", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Reunión del Consejo 2022" in page and "Decisiones solicitadas al Consejo" in page
    assert "Board meeting 2022" not in page and "Decisions asked of the Board" not in page


def test_the_command_line_generates_in_a_language(app, runner):
    result = runner.invoke(args=["report", "final", "--language", "es"])
    assert result.exit_code == 0, result.output
    [report] = db.session.scalars(select(Report)).all()
    assert report.language == "es" and report.filename.startswith("final-evaluation-2021-2023-es-")
    assert runner.invoke(args=["report", "final", "--language", "de"]).exit_code != 0

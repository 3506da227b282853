"""The reports page: each plan year's readiness before generating, opening a report in the browser, the archive
with its earlier drafts folded and its fingerprints in a details view; new accounts default to the staff role."""
import hashlib
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tracker.assessments.models import Assessment
from tracker.auth.models import User
from tracker.extensions import db
from tracker.indicators.models import Indicator, IndicatorValue
from tracker.plan.models import Outcome
from tracker.reports import services
from tracker.reports.build import build_report, readiness_by_year
from tracker.reports.models import Report

MOMENT = datetime(2022, 12, 1, 9, 0, tzinfo=timezone.utc)


def _readiness_item(html: str, year: int) -> str:
    """The readiness entry of one year on the page."""
    next_item = r'<li class="mb-2" id="readiness-|</ul>\s*</section>'
    found = re.search(rf'<li class="mb-2" id="readiness-{year}">(.*?)</li>\s*(?={next_item})', html, re.S)
    assert found, f"no readiness entry for {year}"
    return " ".join(found.group(1).split())


def _expected_missing(year: int) -> int:
    """Count, straight from the database, the outcomes without an approved assessment in the year."""
    approved = db.session.scalar(select(func.count(Assessment.id)).where(
        Assessment.year == year, Assessment.review_state == "approved"))
    return db.session.scalar(select(func.count(Outcome.id))) - approved


def _expected_pending_values(year: int) -> int:
    """Count, straight from the database, the manual values of active indicators that await approval."""
    return db.session.scalar(select(func.count(IndicatorValue.id)).join(Indicator).where(
        IndicatorValue.year == year, IndicatorValue.review_state != "approved", Indicator.active.is_(True),
        Indicator.method == "manual"))


@pytest.fixture
def mixed_years(approve_year, make_assessment, make_indicator, make_value, make_user):
    """2022 complete; 2021 with two assessments approved, one submitted, one returned; 2023 with values pending."""
    author = make_user("staff")
    approve_year(2022)
    make_assessment("L1.A1.O1", 2021, author=author, commit=False)
    make_assessment("L1.A1.O2", 2021, author=author, commit=False)
    make_assessment("L1.A1.O3", 2021, state="submitted", author=author, commit=False)
    make_assessment("L1.A2.O1", 2021, state="returned", author=author, commit=False)
    indicator = make_indicator(code="RD-1", name="Debates held", outcome_code="L2.A1.O1", targets={2023: 4},
                               commit=False)
    db.session.flush()
    make_value(indicator, 2023, 2, state="submitted", entered_by=author, commit=False)
    other = make_indicator(code="RD-2", name="Papers published", targets={2023: 4}, commit=False)
    db.session.flush()
    make_value(other, 2023, 3, state="draft", entered_by=author)
    return author


# ---------------------------------------------------------------------------------------------- readiness


def test_each_years_readiness_is_on_the_page_and_equals_the_database(app, client_as, mixed_years):
    html = client_as("secretary_general").get("/reports/").get_data(as_text=True)
    assert html.index('id="readiness-heading"') < html.index("Generate the Board evaluation")  # read before acting
    ready = _readiness_item(html, 2022)
    assert _expected_missing(2022) == 0 and _expected_pending_values(2022) == 0
    assert "Ready" in ready and "Not ready" not in ready and "What is missing" not in ready

    year_2021 = _readiness_item(html, 2021)
    assert _expected_missing(2021) == 33
    assert "Not ready" in year_2021 and "33 outcome assessments are not approved" in year_2021
    assert "indicator value" not in year_2021  # no value is pending in 2021
    assert "L1.A1.O3" in year_2021 and "awaiting review" in year_2021
    assert "L1.A2.O1" in year_2021 and "returned for changes" in year_2021
    assert "L1.A1.O1</a>" not in year_2021  # approved: not listed as missing

    year_2023 = _readiness_item(html, 2023)
    assert _expected_pending_values(2023) == 2
    assert "35 outcome assessments are not approved; 2 indicator values await approval" in year_2023
    assert "RD-1 Debates held (L2.A1.O1): the 2023 value is submitted, awaiting review" in year_2023
    assert "RD-2 Papers published (plan-wide): the 2023 value is in draft" in year_2023


def test_the_page_readiness_is_the_reports_own(app, mixed_years):
    """The page says what the report would say: the same rule, without building the report."""
    per_year = readiness_by_year()
    for year in (2021, 2022, 2023):
        built = build_report("board", year, now=MOMENT)
        assert per_year[year]["reasons"] == built["readiness"]["reasons"]
        assert per_year[year]["outcomes"] == built["readiness"]["outcomes"]
        assert per_year[year]["values"] == built["readiness"]["values"]
        assert built["draft"] is bool(per_year[year]["reasons"])


def test_readiness_reads_a_fixed_number_of_queries(app, count_queries, make_assessment, make_indicator, make_value):
    make_value(make_indicator(code="Q-first", targets={2022: 1}), 2022, 1, state="draft")
    with count_queries() as few:
        readiness_by_year()
    for number, code in enumerate(db.session.scalars(select(Outcome.code).order_by(Outcome.position)).all()):
        make_assessment(code, 2021 + number % 3, state=("approved", "submitted", "draft")[number % 3], commit=False)
        indicator = make_indicator(code=f"Q-{number}", outcome_code=code, targets={2022: 1}, commit=False)
        db.session.flush()
        make_value(indicator, 2022, 1, state="submitted", commit=False)
    db.session.commit()
    with count_queries() as many:
        found = readiness_by_year()
    assert len(many) == len(few) <= 12
    assert len(found[2022]["values"]) == 36


def test_board_members_are_not_shown_what_is_under_review(app, client_as, mixed_years):
    html = client_as("board").get("/reports/").get_data(as_text=True)
    assert "readiness-heading" not in html and "not approved" not in html
    staff = client_as("staff").get("/reports/").get_data(as_text=True)
    assert "33 outcome assessments are not approved" in staff  # staff see it, without the generate form
    assert "Generate the Board evaluation" not in staff


# ---------------------------------------------------------------------------------------------- open in the browser


def test_a_report_opens_in_the_browser_with_the_checks_of_the_download(app, client_as):
    draft = services.generate_report(None, "board", 2022, now=MOMENT).report
    db.session.commit()
    staff = client_as("staff")
    html = staff.get("/reports/").get_data(as_text=True)
    assert f'href="/reports/{draft.id}/open"' in html and f'href="/reports/{draft.id}/download"' in html
    with staff.get(f"/reports/{draft.id}/open") as response:
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"] == f"inline; filename={draft.filename}"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "script-src" not in policy
        assert "no-store" in response.headers["Cache-Control"]
        assert hashlib.sha256(response.data).hexdigest() == draft.sha256
    with staff.get(f"/reports/{draft.id}/download") as response:
        assert response.headers["Content-Disposition"].startswith("attachment;")

    # A Board member reads final reports only: a draft is absent to them, opened or downloaded.
    board = client_as("board")
    for action in ("open", "download"):
        assert board.get(f"/reports/{draft.id}/{action}").status_code == 404
    assert f"/reports/{draft.id}/open" not in board.get("/reports/").get_data(as_text=True)
    draft.is_final = True  # as the journey tests do: the access rule, not the marking, is under test here
    db.session.commit()
    with board.get(f"/reports/{draft.id}/open") as response:
        assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("inline;")

    # The file is checked against its fingerprint before it is shown, as before it is saved.
    (Path(app.config["EXPORTS_FOLDER"]) / draft.filename).write_bytes(b"%PDF-1.7 tampered")
    with staff.get(f"/reports/{draft.id}/open") as response:
        assert response.status_code == 409 and "damaged" in response.get_data(as_text=True)
    assert client_as("admin").get("/reports/999999/open").status_code == 404


# ---------------------------------------------------------------------------------------------- the archive


def _report(version: int, *, final=False, draft=True, kind="board", year=2022, by=None) -> Report:
    """An archive row (its file is not needed to list it)."""
    report = Report(kind=kind, year=year, filename=f"{kind}-{year}-v{version}.pdf",
                    sha256=hashlib.sha256(f"{kind}{year}{version}".encode()).hexdigest(), size=2048 * version,
                    pages=10 + version, draft=draft and not final, is_final=final, version=version,
                    generated_by_id=getattr(by, "id", None), generated_at=MOMENT + timedelta(days=version))
    db.session.add(report)
    return report


@pytest.fixture
def archive_rows(make_user):
    """2022: v1 draft, v2 final, v3 draft, v4 complete; 2021: one draft; the final evaluation: two drafts."""
    author = make_user("secretary_general", name="Laia Ferrer")
    rows = {"2022": [_report(1, by=author), _report(2, final=True, by=author), _report(3), _report(4, draft=False)],
            "2021": [_report(1, year=2021)],
            "final": [_report(1, kind="final", year=None), _report(2, kind="final", year=None)]}
    db.session.commit()
    return rows


def _section(html: str, group_id: str) -> str:
    """The archive section of one kind and year."""
    start = html.index(f'<section class="mb-4 report-group" aria-labelledby="{group_id}">')
    return html[start:html.index("</section>", start)]


def _row_ids(fragment: str) -> list[int]:
    """The report ids of the rows in a fragment, in order."""
    return [int(i) for i in re.findall(r'<tr id="report-(\d+)">', fragment)]


def test_earlier_drafts_are_kept_but_folded(app, client_as, archive_rows):
    html = client_as("secretary_general").get("/reports/").get_data(as_text=True)
    v1, v2, v3, v4 = (r.id for r in archive_rows["2022"])
    groups = re.findall(r'aria-labelledby="(archive-[a-z]+-\w+)"', html)
    assert groups == ["archive-final-all", "archive-board-2022", "archive-board-2021"]  # final first, then by year

    year_2022 = _section(html, "archive-board-2022")
    shown, folded = year_2022.split('<details class="earlier-drafts', 1)
    assert _row_ids(shown) == [v4, v2]  # the latest draft and every final, newest first
    assert _row_ids(folded) == [v3, v1]
    assert re.search(r"<summary>2 earlier drafts<span", folded)
    assert "Laia Ferrer" in year_2022 and "version 4" in shown and ">Final</span>" in shown

    final = _section(html, "archive-final-all")
    assert _row_ids(final.split("<details class=\"earlier-drafts", 1)[0]) == [archive_rows["final"][1].id]
    assert "1 earlier draft<span" in final
    assert "earlier-drafts" not in _section(html, "archive-board-2021")  # nothing to fold

    # A Board member reads the final reports only: no draft, no fold.
    board = client_as("board").get("/reports/").get_data(as_text=True)
    assert _row_ids(board) == [v2] and "earlier draft" not in board


def test_fingerprints_are_in_the_details_view_only(app, client_as, archive_rows):
    html = client_as("staff").get("/reports/").get_data(as_text=True)
    reports = [r for rows in archive_rows.values() for r in rows]
    assert "SHA-256</th>" not in html  # the list has no fingerprint column
    for report in reports:
        places = [m.start() for m in re.finditer(report.sha256, html)]
        assert len(places) == 1, report.version
        before = html[:places[0]]
        assert before.rfind('<details class="report-details">') > before.rfind("</details>")
        details = html[before.rfind('<details class="report-details">'):html.index("</details>", places[0])]
        assert "<summary>Details<span class=\"visually-hidden\"> of " in details
        assert report.filename in details and f"<dd>{report.pages}</dd>" in details


# ---------------------------------------------------------------------------------------------- new accounts


def test_new_accounts_default_to_the_staff_role(app, client_as):
    admin = client_as("admin")
    html = admin.get("/admin/users/new").get_data(as_text=True)
    selected = re.findall(r'<option[^>]*selected[^>]*value="([a-z_]+)"|<option[^>]*value="([a-z_]+)"[^>]*selected',
                          html)
    assert [a or b for a, b in selected] == ["staff"]
    response = admin.post("/admin/users/new", data={  # a form posted without a role: the least privileged one
        "email": "norole@example.org", "name": "No Role Chosen", "active": "y",
        "new_password": "a long enough password", "confirm": "a long enough password"})
    assert response.status_code == 302
    assert db.session.scalar(select(User.role).where(User.email == "norole@example.org")) == "staff"
    # Editing an account keeps its own role preselected, not the default.
    html = admin.get(f"/admin/users/{admin.user.id}").get_data(as_text=True)
    assert re.search(r'<option[^>]*selected[^>]*value="admin"|<option[^>]*value="admin"[^>]*selected', html)


def test_the_reports_page_reads_a_fixed_number_of_queries(app, client_as, count_queries, make_user):
    sg = client_as("secretary_general")
    _report(1, by=sg.user)
    db.session.commit()
    sg.get("/reports/")  # the session's own first reads (the user, the login session) out of the way
    with count_queries() as few:
        assert sg.get("/reports/").status_code == 200
    for version in range(2, 12):
        _report(version, final=version == 5, year=2021 + version % 3, by=make_user("staff"))
    db.session.commit()
    with count_queries() as many:
        assert sg.get("/reports/").status_code == 200
    assert len(many) == len(few)

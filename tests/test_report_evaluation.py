"""The Board evaluation evaluates: scorecard, drafted summary, trends, indicator meaning, honest counts."""
import io
import re
from collections import Counter
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tracker.assessments.models import Assessment
from tracker.extensions import db
from tracker.plan.models import Outcome
from tracker.reports import scorecard, services
from tracker.reports.build import build_report
from tracker.reports.measures import meaning

# 2021 and 2022 statuses of a few outcomes (everything else approved "on_track" both years).
MOVES = {"L1.A1.O1": ("on_track", "achieved"), "L2.A1.O1": ("on_track", "off_track"),
         "L2.A2.O5": ("not_started", "not_started"), "L3.A2.O3": (None, "needs_attention")}


def _pages(data: bytes) -> list[str]:
    """Each page's text, whitespace normalised."""
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture
def two_years(make_assessment):
    """Approve 2021 and 2022 assessments for every outcome, with the moves above; return 2022's statuses."""
    statuses = {}
    for code in db.session.scalars(select(Outcome.code).order_by(Outcome.position)):
        before, after = MOVES.get(code, ("on_track", "on_track"))
        if before:
            make_assessment(code, 2021, status=before, commit=False)
        make_assessment(code, 2022, status=after, achieved=f"Narrative {code}.",
                        commit=False).difficulties = f"Hard part of {code}. More detail."
        statuses[code] = after
    db.session.commit()
    return statuses


def test_the_scorecard_is_page_two_with_counts_and_changes_from_the_database(app, two_years):
    result = services.generate_report(None, "board", 2022)
    db.session.commit()
    page = _pages(result.rendered.data)[1]
    assert "How the plan stands in 2022: the 35 outcomes" in page
    approved = Counter(db.session.scalars(select(Assessment.status).where(
        Assessment.year == 2022, Assessment.review_state == "approved")))
    for status, count in approved.items():
        assert f"{count} {scorecard.LABELS[status]}" in page
    assert "0 Awaiting approval" in page and "0 Not assessed" in page
    for code, expected in (("L1.A1.O1", "Achieved ▲ better"), ("L2.A1.O1", "Off track ▼ worse"),
                           ("L2.A2.O5", "Not started = same"), ("L3.A2.O3", "Attention new")):
        assert re.search(re.escape(code) + r" .{0,90}? " + re.escape(expected), page), code


def test_a_line_shows_the_spread_of_its_outcomes_never_a_worst_status(app, two_years):
    card = build_report("board", 2022)["scorecard"]
    line2 = next(line for line in card["lines"] if line["code"] == "L2")
    spread = {s["status"]: s["count"] for s in line2["spread"][2022]}
    expected = Counter(two_years[o["code"]] for axis in line2["axes"] for o in axis["outcomes"])
    assert spread == dict(expected)


def test_pending_outcomes_are_counted_as_pending_so_a_draft_never_reads_better(app, two_years):
    row = db.session.scalar(select(Assessment).join(Outcome).where(Outcome.code == "L2.A1.O1",
                                                                   Assessment.year == 2022))
    row.review_state = "submitted"
    db.session.commit()
    counts = {c["status"]: c["count"] for c in build_report("board", 2022)["scorecard"]["counts"][2022]}
    assert counts["pending"] == 1 and counts["off_track"] == 0 and sum(counts.values()) == 35


def test_the_drafted_summary_states_the_figures_and_the_concerns(app, two_years, make_user):
    from tracker.plan.responsibles import set_responsibles

    sg, ana = make_user("secretary_general"), make_user("staff", name="Ana García")
    set_responsibles(sg, db.session.scalar(select(Outcome).where(Outcome.code == "L2.A1.O1")), [ana])
    db.session.commit()
    data = build_report("board", 2022)
    text = " ".join(data["summary"]["paragraphs"])
    good = sum(1 for s in two_years.values() if s in ("achieved", "on_track"))
    assert data["summary"]["drafted"] is True
    assert f"In 2022, {good} of the 35 outcomes of the plan were achieved or on track" in text
    assert "L2.A1.O1 (" in text and "is off track. Stated difficulties: Hard part of L2.A1.O1." in text
    assert "Responsible: Ana García." in text
    assert "L2.A2.O5 (" in text and "is not started" in text


def test_headline_figures_carry_last_year_and_the_change(app, make_activity):
    make_activity(title="2021 a", start=date(2021, 3, 1), members=("Seoul",))
    for title, status, spent in (("2022 a", "completed", 100), ("2022 b", "completed", 50),
                                 ("2022 c", "cancelled", 30), ("2022 d", "planned", None)):
        make_activity(title=title, status=status, start=date(2022, 4, 1), members=("Seoul", "Berlin"), spent=spent)
    rows = {row["key"]: row for row in build_report("board", 2022)["headline"]["rows"]}
    assert rows["completed"]["values"] == ["2", "1", "+1"]
    assert rows["members_engaged"]["values"] == ["2", "1", "+1"]
    # Cancelled work counts honestly: in delivery and in spending.
    assert rows["delivery"]["value"] == "2 of 4 (50 %), 1 cancelled"
    assert rows["cancelled_spent"]["value"] == "€30"
    assert rows["budget_spent"]["value"] == "€150"


def test_a_ceiling_reads_as_spent_of_a_ceiling_never_as_a_thousand_percent(app, make_indicator, make_value):
    indicator = make_indicator(code="L3-BUDGET", name="Budget spent", unit="euros", direction="lower",
                               outcome_code="L3.A2.O3", targets={2022: 160000})
    make_value(indicator, 2022, 1272)
    section = next(o for line in build_report("board", 2022)["lines"] for axis in line["axes"]
                   for o in axis["outcomes"] if o["code"] == "L3.A2.O3")
    row = section["indicators"][0]
    assert row["meaning"] == "€1,272 of a €160,000 ceiling (1 % used)"
    assert "1,000" not in row["meaning"] and row["status"] == "on_track"
    assert meaning({"unit": "number", "direction": "range", "years": {2022: {"actual": 5, "target": 10,
                                                                          "target_max": 20}}}, 2022) \
        == "outside 10–20"


def test_an_achieved_outcome_whose_indicator_lags_is_pointed_out(app, make_assessment, make_indicator, make_value):
    make_assessment("L1.A1.O1", 2022, status="achieved")
    indicator = make_indicator(code="L1-RECS", name="Recommendations issued", outcome_code="L1.A1.O1",
                               targets={2022: 4})
    make_value(indicator, 2022, 2)
    section = build_report("board", 2022)["lines"][0]["axes"][0]["outcomes"][0]
    assert section["conflicts"] == ["Assessed “Achieved”, but L1-RECS stands at 50 % of target."]


def test_an_activity_is_listed_once_and_referred_to_elsewhere(app, make_activity):
    make_activity(title="Shared forum", outcomes=("L1.A1.O1", "L2.A1.O1", "L3.A1.O1"))
    result = services.generate_report(None, "board", 2022)
    db.session.commit()
    text = " ".join(_pages(result.rendered.data))
    assert text.count("Shared forum") == 4  # three references by number, one full entry in the annex
    assert text.count("A1 Shared forum") == 3


def test_every_activity_is_attached_as_a_spreadsheet_numbered_as_in_annex_a(app, make_activity):
    import openpyxl

    make_activity(title="=HYPERLINK(\"http://example.com\")", start=date(2022, 2, 1), spent=12.5)
    make_activity(title="Second forum", start=date(2022, 5, 1), members=("Seoul",))
    make_activity(title="Other year", start=date(2021, 5, 1))
    result = services.generate_report(None, "board", 2022)
    db.session.commit()
    reader = PdfReader(io.BytesIO(result.rendered.data))
    assert list(reader.attachments) == ["activities-2022.xlsx"]
    sheet = openpyxl.load_workbook(io.BytesIO(reader.attachments["activities-2022.xlsx"][0])).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("No.", "Title", "Kind", "Status") and sheet.freeze_panes == "A2"
    assert [(r[0], r[1]) for r in rows[1:]] == [("A1", "=HYPERLINK(\"http://example.com\")"), ("A2", "Second forum")]
    assert sheet["B2"].data_type == "s"  # a title is text, never a formula
    assert rows[1][4].date() == date(2022, 2, 1) and float(rows[1][14]) == 12.5 and rows[2][8] == "Seoul"
    assert "A2 Second forum" in " ".join(_pages(result.rendered.data))


def test_the_board_year_reaches_the_report(app, make_user):
    from tracker.reports import board

    sg = make_user("secretary_general")
    board.set_meeting_date(sg, 2022, date(2023, 3, 14))
    outcome_id = db.session.scalar(select(Outcome.id).where(Outcome.code == "L2.A1.O1"))
    first = board.add_item(sg, 2021, "decision", "Open a regional office in Africa", [outcome_id])
    board.record_after_meeting(sg, first.id, "Approved, with a budget cap", "The office opened in Abidjan")
    board.add_item(sg, 2022, "decision", "Approve the new fee scale", [outcome_id])
    board.add_item(sg, 2022, "risk", "Funding of the Observatory after 2023", [])
    db.session.commit()
    result = services.generate_report(sg, "board", 2022)
    db.session.commit()
    text = " ".join(_pages(result.rendered.data))
    assert "For the Board of Directors meeting of 14 Mar 2023" in text
    assert "Draft, version 1" in text
    assert ("What the Board decided last year, and what was done Open a regional office in Africa (L2.A1.O1) "
            "Decided: Approved, with a budget cap Done since: The office opened in Abidjan") in text
    assert "Decisions asked of the Board Approve the new fee scale (L2.A1.O1)" in text
    assert "Main risks Funding of the Observatory after 2023" in text

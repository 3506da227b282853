"""Each role's home: where the root and a login land, the staff's My work with its menu badge, the Board's
latest final evaluation read from its frozen data."""
import json
import re
from datetime import date, datetime, timezone

import pyotp
import pytest
from sqlalchemy import or_, select

from tests.conftest import PASSWORD, TOTP_SECRET
from tracker.assessments.models import Assessment
from tracker.core.years import YearLock
from tracker.extensions import db
from tracker.home import services
from tracker.indicators.models import Indicator, IndicatorValue
from tracker.plan.models import outcome_responsible
from tracker.reports.build import build_report
from tracker.reports.models import BoardYear, Report
from tracker.reports.snapshot import encode, fingerprint

HOMES = {"secretary_general": "/overview/", "staff": "/my-work", "board": "/evaluation", "admin": "/admin/users"}


@pytest.mark.parametrize("role", sorted(HOMES))
def test_the_root_sends_each_role_home(client_as, role):
    client = client_as(role)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == HOMES[role]
    assert client.get(HOMES[role]).status_code == 200


@pytest.mark.parametrize("role", ["staff", "board"])
def test_login_lands_on_the_role_home(app, client, make_user, role):
    """A login without a page asked for goes to /, which sends the role home (roles without a second factor)."""
    user = make_user(role)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == HOMES[role]


def test_login_with_a_second_factor_lands_on_the_role_home(app, client, make_user):
    user = make_user("admin")
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    response = client.post("/login/code", data={"code": pyotp.TOTP(TOTP_SECRET).now()})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/admin/users"


def test_a_page_asked_for_still_wins(client, make_user):
    user = make_user("staff")
    response = client.post("/login?next=/plan/", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/plan/"


# --- My work ----------------------------------------------------------------------------------------------------


def _database_returned(user) -> int:
    """Returned items of a user counted straight in the tables: written by them or of their outcomes, open years."""
    mine = select(outcome_responsible.c.outcome_id).where(outcome_responsible.c.user_id == user.id)
    locked = set(db.session.scalars(select(YearLock.year)))
    assessments = db.session.scalars(select(Assessment.year).where(
        Assessment.review_state == "returned",
        or_(Assessment.author_id == user.id, Assessment.outcome_id.in_(mine)))).all()
    values = db.session.scalars(select(IndicatorValue.year).join(Indicator).where(
        IndicatorValue.review_state == "returned",
        or_(IndicatorValue.entered_by_id == user.id, Indicator.outcome_id.in_(mine)))).all()
    return sum(1 for year in [*assessments, *values] if year not in locked)


def _badge(html: str) -> int | None:
    """The returned count the main menu shows beside My work, None without a badge."""
    nav = html.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    found = re.search(r'href="/my-work">My work <span[^>]*data-returned="(\d+)">(\d+)<', nav)
    if found is None:
        assert "My work" in nav
        return None
    assert found.group(1) == found.group(2)
    return int(found.group(2))


def test_my_work_lists_outcomes_what_is_due_and_what_came_back(app, client_as, make_user, assign_responsible,
                                                              make_assessment, make_indicator, make_value):
    app.config["CURRENT_PLAN_YEAR"] = 2022
    try:
        staff = client_as("staff")
        other = make_user("staff")
        assign_responsible(staff.user, "L2.A2.O3")
        assign_responsible(staff.user, "L1.A1.O1")
        make_assessment("L1.A1.O1", 2022, state="draft", author=staff.user)
        make_assessment("L2.A2.O3", 2021, state="returned", author=staff.user)
        make_assessment("L3.A5.O1", 2022, state="returned", author=other)  # someone else's: not listed
        indicator = make_indicator(code="MY-1", name="Workshops held", outcome_code="L2.A2.O3")
        done = make_indicator(code="MY-2", name="Guides written", outcome_code="L1.A1.O1")
        make_value(done, 2022, 4, state="returned", entered_by=staff.user)
        db.session.add(BoardYear(year=2022, meeting_date=date(2022, 11, 24)))
        db.session.commit()
        html = staff.get("/my-work").get_data(as_text=True)
    finally:
        app.config["CURRENT_PLAN_YEAR"] = None
    main = html.split("<main", 1)[1]
    assert "Due for the 2022 Board evaluation: before the Board meeting of 24 Nov 2022." in main
    assert "Returned to you (2)" in main
    assert "Assessment of L2.A2.O3 for 2021" in main and "MY-2 Guides written: 2022 value" in main
    assert "L3.A5.O1" not in main
    assert 'data-due="assessment"><a href="/assessments/L2.A2.O3/2022">' in main
    assert 'data-due="draft"><a href="/assessments/L1.A1.O1/2022">' in main
    assert f'href="/indicators/{indicator.id}/values/2022">Enter the 2022 value of MY-1' in main
    assert f"/indicators/{done.id}/values/2022\">Enter" not in main  # it has a value (returned, listed above)
    rows = re.findall(r'<tr data-outcome="([^"]+)">.*?<td>([^<]*)</td>\s*</tr>', main, re.S)
    assert [(code, state.strip()) for code, state in rows] == [("L1.A1.O1", "Draft"), ("L2.A2.O3", "Not written")]
    assert _badge(html) == 2 == _database_returned(staff.user)


def test_the_menu_badge_equals_the_database_count(client_as, make_user, assign_responsible, make_assessment,
                                                  make_indicator, make_value):
    staff = client_as("staff")
    other = make_user("staff")
    assert _badge(staff.get("/plan/").get_data(as_text=True)) is None  # nothing returned: no badge
    assign_responsible(staff.user, "L2.A2.O3")
    make_assessment("L2.A2.O3", 2022, state="returned", author=other)  # of their outcome, written by another
    make_assessment("L1.A1.O1", 2021, state="returned", author=staff.user)
    make_assessment("L1.A1.O2", 2021, state="returned", author=staff.user)
    make_assessment("L1.A1.O3", 2022, state="submitted", author=staff.user)  # not returned
    make_assessment("L3.A5.O1", 2023, state="returned", author=other)  # not theirs
    indicator = make_indicator(code="B-1", outcome_code="L2.A2.O3")
    make_value(indicator, 2021, 3, state="returned", entered_by=other)
    db.session.add(YearLock(year=2021, reason="test"))  # a locked year's returns are no longer work
    db.session.commit()
    count = _database_returned(staff.user)
    assert count == 1
    assert _badge(staff.get("/plan/").get_data(as_text=True)) == count
    db.session.delete(db.session.get(YearLock, 2021))
    db.session.commit()
    assert _badge(staff.get("/activities/").get_data(as_text=True)) == _database_returned(staff.user) == 4


def test_the_badge_is_one_query(app, make_user, assign_responsible, make_assessment, count_queries):
    staff = make_user("staff")
    assign_responsible(staff, "L2.A2.O3")
    for code in ("L1.A1.O1", "L1.A1.O2", "L2.A2.O3"):
        make_assessment(code, 2022, state="returned", author=staff)
    db.session.refresh(staff)  # loaded as the request's current user would be
    with count_queries() as statements:
        assert services.returned_count(staff) == 3
    assert len(statements) == 1


def test_only_staff_see_my_work_in_the_menu(client_as):
    for role in ("secretary_general", "board", "admin"):
        nav = client_as(role).get("/plan/").get_data(as_text=True).split("</nav>", 1)[0]
        assert "My work" not in nav, role


def test_my_work_uses_a_fixed_number_of_queries(app, client_as, make_user, assign_responsible, make_assessment,
                                                make_indicator, make_value, count_queries):
    staff = client_as("staff")
    assign_responsible(staff.user, "L2.A2.O3")
    # One item of each kind, so that every list's eager load runs already (an empty list loads nothing more).
    make_assessment("L2.A2.O3", 2021, state="returned", author=staff.user)
    make_assessment("L2.A2.O3", 2023, state="draft", author=staff.user)
    make_value(make_indicator(code="Q-0", outcome_code="L2.A2.O3"), 2022, 1, state="returned", entered_by=staff.user)

    def queries() -> int:
        db.session.expire_all()
        with count_queries() as statements:
            assert staff.get("/my-work").status_code == 200
        return len(statements)

    few = queries()
    codes = ["L1.A1.O1", "L1.A1.O2", "L1.A1.O3", "L1.A2.O1", "L1.A2.O2", "L3.A5.O1"]
    for n, code in enumerate(codes):
        assign_responsible(staff.user, code)
        make_assessment(code, 2021, state="returned", author=staff.user)
        make_assessment(code, 2023, state="draft", author=staff.user)
        indicator = make_indicator(code=f"Q-{n + 1}", outcome_code=code)
        make_value(indicator, 2022, n, state="returned", entered_by=staff.user)
    many = queries()
    html = staff.get("/my-work").get_data(as_text=True)
    assert "Returned to you (14)" in html and "Your outcomes (7)" in html
    assert many == few


# --- the Board's home -----------------------------------------------------------------------------------------


def _final_report(year: int, generated_at: datetime, *, frozen: bool = True, filename: str | None = None,
                  version: int = 1) -> Report:
    """A final Board evaluation of a year whose stored data is what the report builder gives today."""
    data_json = encode(build_report("board", year))
    report = Report(kind="board", year=year, filename=filename or f"home-board-{year}.pdf", sha256="0" * 64,
                    size=0, pages=12, draft=False, is_final=True, generated_at=generated_at, data_json=data_json,
                    version=version,
                    frozen_sha256=fingerprint(data_json) if frozen else None,
                    frozen_at=generated_at if frozen else None)
    db.session.add(report)
    db.session.commit()
    return report


def test_the_board_home_says_plainly_when_nothing_is_final(client_as):
    board = client_as("board")
    db.session.add(Report(kind="board", year=2022, filename="home-draft.pdf", sha256="0" * 64, size=0, pages=1,
                          draft=True, is_final=False))
    db.session.commit()
    main = board.get("/evaluation").get_data(as_text=True).split("<main", 1)[1]
    assert "No evaluation has been marked final yet." in main
    assert 'href="/plan/"' in main and "home-draft" not in main and "/download" not in main


def test_the_board_home_shows_the_latest_final_report_and_its_frozen_scorecard(client_as, make_assessment):
    board = client_as("board")
    make_assessment("L1.A1.O1", 2021, status="achieved")
    make_assessment("L1.A1.O2", 2021, status="off_track")
    make_assessment("L1.A1.O3", 2021, status="on_track", state="submitted")
    older = _final_report(2021, datetime(2022, 1, 10, tzinfo=timezone.utc), filename="home-board-2021-old.pdf")
    latest = _final_report(2021, datetime(2022, 2, 10, tzinfo=timezone.utc), version=2)
    draft = Report(kind="board", year=2022, filename="home-newer-draft.pdf", sha256="0" * 64, size=0, pages=1,
                   draft=True, is_final=False, generated_at=datetime(2023, 1, 1, tzinfo=timezone.utc))
    db.session.add(draft)
    make_assessment("L1.A1.O2", 2022, status="achieved")  # after the freeze: the page shows what was frozen
    db.session.commit()
    main = board.get("/evaluation").get_data(as_text=True).split("<main", 1)[1]
    assert f'href="/reports/{latest.id}/download"' in main
    assert f"/reports/{older.id}/download" not in main and f"/reports/{draft.id}/download" not in main
    assert "Board of Directors — annual evaluation 2021" in main
    frozen = services.scorecard_view(json.loads(latest.data_json)["scorecard"])
    shown = dict(re.findall(r'data-year="2021" data-status="([a-z_]+)">(\d+)<', main))
    expected = {row["status"]: str(row["counts"][0]) for row in frozen["counts"]}
    assert shown == expected
    assert (shown["achieved"], shown["off_track"], shown["pending"], shown["none"]) == ("1", "1", "1", "32")
    cells = dict(re.findall(r'<tr data-outcome="([^"]+)">.*?data-status="([a-z_]+)"', main, re.S))
    assert len(cells) == 35
    assert (cells["L1.A1.O1"], cells["L1.A1.O2"], cells["L1.A1.O3"]) == ("achieved", "off_track", "pending")


def test_the_board_home_says_so_when_the_frozen_data_is_damaged_or_missing(client_as):
    board = client_as("board")
    report = _final_report(2021, datetime(2022, 2, 10, tzinfo=timezone.utc))
    unfrozen = _final_report(2022, datetime(2021, 2, 10, tzinfo=timezone.utc), frozen=False)  # older: not shown
    report.data_json = report.data_json.replace("none", "achieved")
    db.session.commit()
    response = board.get("/evaluation")
    assert response.status_code == 200
    main = response.get_data(as_text=True).split("<main", 1)[1]
    assert "no longer matches the fingerprint" in main and 'data-outcome="' not in main
    assert f'href="/reports/{report.id}/download"' in main
    unfrozen.generated_at = datetime(2023, 2, 10, tzinfo=timezone.utc)  # now the newest
    db.session.commit()
    main = board.get("/evaluation").get_data(as_text=True).split("<main", 1)[1]
    assert "was not frozen" in main and f'href="/reports/{unfrozen.id}/download"' in main


def test_the_board_home_reads_a_fixed_number_of_queries(client_as, count_queries):
    board = client_as("board")
    _final_report(2021, datetime(2022, 2, 10, tzinfo=timezone.utc))
    db.session.expire_all()
    with count_queries() as statements:
        assert board.get("/evaluation").status_code == 200
    assert len(statements) <= 4  # the session, the user, the report (with its data), who generated it

"""Dates and timestamps are written one way on every page: 3 Mar 2022, and 3 Mar 2022, 14:05 UTC."""
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from flask import render_template_string

from tracker.core.dates import format_date, format_timestamp, format_when

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.mark.parametrize("value,text", [
    (date(2022, 3, 3), "3 Mar 2022"),
    (date(2021, 12, 31), "31 Dec 2021"),
    (datetime(2022, 3, 3, 14, 5, tzinfo=timezone.utc), "3 Mar 2022, 14:05 UTC"),
    (datetime(2022, 3, 3, 16, 5, tzinfo=timezone(timedelta(hours=2))), "3 Mar 2022, 14:05 UTC"),  # shown in UTC
    (datetime(2022, 3, 3, 0, 30, tzinfo=timezone(timedelta(hours=5))), "2 Mar 2022, 19:30 UTC"),  # the day moves
    (datetime(2022, 3, 3, 9, 0), "3 Mar 2022, 09:00 UTC"),  # SQLite hands back stored UTC times without a zone
    ("2022-05-10", "10 May 2022"),  # as audit snapshots keep them
    ("2022-05-10T08:15:00+00:00", "10 May 2022, 08:15 UTC"),
    ("not a date", "not a date"),
    ("2022-13-45", "2022-13-45"),
    ("2022", "2022"),
    (None, ""),
])
def test_format_when(value, text):
    assert format_when(value) == text


def test_the_two_formats():
    assert format_date(date(2023, 1, 9)) == "9 Jan 2023"
    assert format_timestamp(datetime(2023, 1, 9, 7, 3, tzinfo=timezone.utc)) == "9 Jan 2023, 07:03 UTC"


def test_the_jinja_filter_is_the_one_format(app):
    with app.test_request_context():
        rendered = render_template_string("{{ d|fdate }} / {{ t|fdate }}", d=date(2022, 3, 3),
                                          t=datetime(2022, 3, 3, 14, 5, tzinfo=timezone.utc))
    assert rendered == "3 Mar 2022 / 3 Mar 2022, 14:05 UTC"


def test_no_template_formats_a_date_its_own_way():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for pattern in (r"strftime", r"isoformat\(", r"\b\w+_(?:at|date)\s*}}", r"\b\w+_(?:at|date)\s*\|\s*string"):
            offenders += [f"{path.relative_to(TEMPLATES)}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert offenders == []


def test_the_activity_history_writes_dates_the_one_way(client_as, activity_form_data):
    staff = client_as("staff")
    response = staff.post("/activities/new", data=activity_form_data(staff.user))
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "10 May 2022" in page and "11 May 2022" in page
    assert "2022-05-10" not in page
    assert re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC", page)  # created at, in the history

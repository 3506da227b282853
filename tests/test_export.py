"""`activities export`: every non-deleted activity as CSV or JSON, with outcome codes, members and partners."""
import csv
import io
import json
from datetime import date

import pytest

from tracker.activities.export import COLUMNS, export


@pytest.fixture
def log(make_user, make_activity):
    ana = make_user("staff", email="ana@example.org")
    make_activity(title="Policy Debate, \"housing\"", kind="policy_debate", start=date(2022, 5, 1),
                  end=date(2022, 5, 2), outcomes=("L1.A1.O2", "L3.A2.O1"), members=("Bogota", "Seoul"),
                  partners=("UCLG", "LSE"), participants=120, women=64, men=52, planned=15000, spent=14250.5,
                  responsible=ana, place="Bogota")
    make_activity(title="MITI training", kind="training", start=date(2021, 3, 1), outcomes=("L2.A2.O3",))
    make_activity(title="Deleted one", start=date(2022, 1, 1), deleted=True)


def _csv(output: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(output)))


def test_csv_export(runner, log):
    result = runner.invoke(args=["activities", "export", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].split(",") == list(COLUMNS)
    rows = _csv(result.stdout)
    assert [r["title"] for r in rows] == ["Policy Debate, \"housing\"", "MITI training"]  # deleted left out
    debate = rows[0]
    assert debate["outcomes"] == "L1.A1.O2;L3.A2.O1"
    assert debate["members"] == "Bogota;Seoul"
    assert debate["partners"] == "LSE Cities (London School of Economics and Political Science);" \
                                 "United Cities and Local Governments"
    assert (debate["participants_total"], debate["participants_women"], debate["participants_men"]) == \
        ("120", "64", "52")
    assert (debate["budget_planned"], debate["budget_spent"]) == ("15000.00", "14250.50")
    assert (debate["start_date"], debate["end_date"], debate["year"]) == ("2022-05-01", "2022-05-02", "2022")
    assert debate["responsible"] == "ana@example.org" and debate["kind"] == "policy_debate"
    assert rows[1]["participants_total"] == "" and rows[1]["members"] == ""


def test_json_export_with_year(runner, log):
    result = runner.invoke(args=["activities", "export", "--format", "json", "--year", "2022"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["title"] for r in rows] == ["Policy Debate, \"housing\""]
    assert list(rows[0]) == list(COLUMNS)
    assert rows[0]["outcomes"] == ["L1.A1.O2", "L3.A2.O1"] and rows[0]["members"] == ["Bogota", "Seoul"]
    assert rows[0]["participants_women"] == 64 and rows[0]["budget_spent"] == "14250.50"


def test_year_filter_on_csv_and_empty_year(runner, log):
    rows = _csv(runner.invoke(args=["activities", "export", "--year", "2021"]).stdout)
    assert [r["title"] for r in rows] == ["MITI training"]
    assert json.loads(runner.invoke(args=["activities", "export", "--format", "json", "--year", "2023"]).stdout) == []
    assert runner.invoke(args=["activities", "export", "--year", "1990"]).exit_code != 0


def test_export_to_a_file(runner, log, tmp_path):
    target = tmp_path / "activities.csv"
    result = runner.invoke(args=["activities", "export", "--output", str(target)])
    assert result.exit_code == 0
    assert "2 activities written" in result.output
    assert [r["title"] for r in _csv(target.read_text(encoding="utf-8"))] == ["Policy Debate, \"housing\"",
                                                                            "MITI training"]


def test_export_streams_in_batches(app, log, monkeypatch):
    """Batches smaller than the log still give every row once."""
    from tracker.activities import export as module

    monkeypatch.setattr(module, "BATCH", 1)
    out = io.StringIO()
    assert export(out, "json") == 2
    assert len(json.loads(out.getvalue())) == 2

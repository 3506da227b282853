"""Benchmark the Board evaluation PDF: `.venv/bin/python bench/report.py --activities 5000` from the repo root.

Builds a throw-away SQLite instance in a temporary folder: the plan and its starter indicators, the demo
record (`seed demo`), then N synthetic activities bulk-inserted with Core inserts straight into the chosen
year (each linked to 1-3 outcomes, 0-5 members, 0-2 partners; a third with a link as evidence), so that the
year holds the demo's activities plus exactly N more. `--activities 0` measures the demo year alone.

Then, in a fresh process that has done what a report worker does before its first job (served the reports page,
warmed the renderer up), it generates the report as the worker's job does (the garbage collector paused until the
report is recorded; the collection after is reported as "collect_after_cpu_seconds"): gather the data, render
the HTML, WeasyPrint, archive. Then it renders the same HTML once more with WeasyPrint alone. It prints one
JSON line: {"activities_in_year",
"pages", "seconds" (the whole generation), "peak_rss_mb" (that process's peak resident memory, read right
after generating), "weasyprint_only_seconds", and the same as CPU time of the process ("cpu_seconds",
"weasyprint_only_cpu_seconds", "ratio_cpu"), which a busy machine does not inflate}; a breakdown goes to
standard error.
Targets on a 2-core machine: the demo year in at most 2.0 s and at most 1.15 x WeasyPrint alone on the same
HTML; 5,000 activities in at most 8 s and 400 MB.
"""
import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KINDS = ("event", "meeting", "mission", "publication", "training", "policy_debate", "statement", "pilot_project",
         "platform", "campaign", "internal")
STATUSES = ("completed",) * 6 + ("in_progress",) * 2 + ("planned",) + ("cancelled",)
WORDS = ("metropolitan", "governance", "housing", "climate", "gender", "mobility", "resilience", "finance",
         "innovation", "learning", "forum", "dialogue", "platform", "recommendations", "members", "regional")


def _insert_synthetic(count: int, year: int, seed: int = 1) -> None:
    """Bulk-insert `count` activities dated in `year`, with their links and some evidence (Core inserts)."""
    from sqlalchemy import insert, select

    from tracker.activities.models import Activity, activity_member, activity_outcome, activity_partner
    from tracker.evidence.models import Evidence
    from tracker.extensions import db
    from tracker.plan.models import Member, Outcome, Partner

    rng = random.Random(seed)
    outcomes = list(db.session.scalars(select(Outcome.id)))
    members = list(db.session.scalars(select(Member.id)))
    partners = list(db.session.scalars(select(Partner.id)))
    now = datetime.now(timezone.utc)
    table = Activity.__table__
    batch = 1000
    for first in range(0, count, batch):
        rows = []
        for i in range(first, min(first + batch, count)):
            start = date(year, 1, 1) + timedelta(days=rng.randrange(365))
            status = rng.choice(STATUSES)
            total = None if status in ("planned", "cancelled") or rng.random() < 0.2 else rng.randint(5, 400)
            women = None if total is None else rng.randint(0, total)
            planned = Decimal(rng.randint(0, 40_000))
            rows.append({
                "title": f"Bench {i:05d}: " + " ".join(rng.sample(WORDS, rng.randint(3, 7))).capitalize(),
                "kind": rng.choice(KINDS), "status": status, "start_date": start,
                "end_date": min(start + timedelta(days=rng.choice((0, 0, 1, 2, 5))), date(year, 12, 31)),
                "year": year, "place": "online", "description": "Synthetic activity for the report benchmark.",
                "participants_total": total, "participants_women": women,
                "participants_men": None if total is None else total - women,
                "budget_planned": planned, "budget_spent": None if status == "planned" else planned * Decimal("0.8"),
                "created_at": now, "updated_at": now, "is_demo": True, "version": 1,
            })
        ids = [row.id for row in db.session.execute(insert(table).returning(table.c.id), rows)]
        links = {activity_outcome: [], activity_member: [], activity_partner: []}
        evidence = []
        for activity_id in ids:
            links[activity_outcome] += [{"activity_id": activity_id, "outcome_id": o}
                                        for o in rng.sample(outcomes, rng.randint(1, 3))]
            links[activity_member] += [{"activity_id": activity_id, "member_id": m}
                                       for m in rng.sample(members, rng.randint(0, 5))]
            links[activity_partner] += [{"activity_id": activity_id, "partner_id": p}
                                        for p in rng.sample(partners, rng.randint(0, 2))]
            if activity_id % 3 == 0:
                evidence.append({"kind": "link", "title": "Web page of the activity", "activity_id": activity_id,
                                 "url": f"https://www.metropolis.org/news/bench-{activity_id}", "added_at": now,
                                 "is_demo": True, "version": 1})
        for link_table, link_rows in links.items():
            if link_rows:
                db.session.execute(insert(link_table), link_rows)
        if evidence:
            db.session.execute(insert(Evidence.__table__), evidence)
    db.session.commit()


def _seed(database: Path, activities: int, year: int) -> int:
    """Create the benchmark database; return the number of live activities in the year."""
    from sqlalchemy import func, select

    from tracker import create_app
    from tracker.activities.models import Activity
    from tracker.extensions import db
    from tracker.plan.seed import seed_plan

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}")
    with app.app_context():
        db.create_all()
        seed_plan()
        try:
            from tracker.indicators.seed import seed_indicators
            seed_indicators()
        except ImportError:
            pass
        try:
            from tracker.demo.seed import seed_demo
            seed_demo()
        except ImportError:
            pass
        db.session.commit()
        _insert_synthetic(activities, year)
        count = db.session.scalar(select(func.count(Activity.id)).where(Activity.year == year,
                                                                        Activity.deleted_at.is_(None)))
        db.session.remove()
        db.engine.dispose()
    return count


def _measure(database: Path, year: int, keep: str | None) -> dict:
    """Generate the report as the page does and time it, then time WeasyPrint alone on the same HTML."""
    from tracker import create_app
    from tracker.extensions import db

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
                     EXPORTS_FOLDER=str(database.parent / "exports"))
    with app.app_context():
        import gc

        from tracker.reports import services
        from tracker.reports.build import build_report
        from tracker.reports.pdf import collector_paused, render_html, render_pdf, warm_up

        # What a report worker has done before its first job: served the reports page (mappers configured) and
        # warmed the renderer up as it started (tracker.reports.jobs.warm_up_renderer).
        services.list_reports()
        warm_up()

        # As the worker's job does: the collector paused until the report is recorded, then one collection.
        started, cpu_started = time.perf_counter(), time.process_time()
        with collector_paused():
            result = services.generate_report(None, "board", year)
            db.session.commit()
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu_started  # this process's own CPU: steady on a shared machine
        collect_cpu = time.process_time() - cpu_started - cpu
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
        figures = {"pages": result.report.pages, "seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": peak_mb,
                   "build": result.build_seconds, "html": result.html_seconds, "render": result.rendered.seconds,
                   "collect_after_cpu": collect_cpu}
        if keep:
            Path(keep).write_bytes(result.rendered.data)
        del result

        # WeasyPrint alone on the same HTML, in the same conditions (collector paused, its collection not timed).
        html = render_html(build_report("board", year))
        gc.collect()
        with collector_paused():
            again, cpu_again = time.perf_counter(), time.process_time()
            render_pdf(html, title="Benchmark", created=datetime.now(timezone.utc))
            figures["weasyprint_only"] = time.perf_counter() - again
            figures["weasyprint_only_cpu"] = time.process_time() - cpu_again
    return figures


def main() -> None:
    """Seed a temporary instance, generate the report in a fresh process, print the figures as one JSON line."""
    parser = argparse.ArgumentParser(description="Time the Board evaluation PDF.")
    parser.add_argument("--activities", type=int, default=5000, help="synthetic activities added to the year")
    parser.add_argument("--year", type=int, default=2022, help="the plan year of the Board evaluation")
    parser.add_argument("--keep", metavar="PATH", help="copy the generated PDF here")
    parser.add_argument("--measure", metavar="DATABASE", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()

    if args.measure:
        print(json.dumps(_measure(Path(args.measure), args.year, args.keep)))
        return

    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        database = Path(tmp) / "bench.sqlite"
        in_year = _seed(database, args.activities, args.year)
        # A fresh process, as a server worker would be: its peak memory is the report's, not the seeding's.
        command = [sys.executable, __file__, "--year", str(args.year), "--measure", str(database)]
        if args.keep:
            command += ["--keep", str(Path(args.keep).resolve())]
        child = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
        figures = json.loads(child.stdout.strip().splitlines()[-1])

    print(json.dumps({"activities_in_year": in_year, "pages": figures["pages"],
                      "seconds": round(figures["seconds"], 2), "cpu_seconds": round(figures["cpu_seconds"], 2),
                      "peak_rss_mb": round(figures["peak_rss_mb"], 1),
                      "weasyprint_only_seconds": round(figures["weasyprint_only"], 2),
                      "weasyprint_only_cpu_seconds": round(figures["weasyprint_only_cpu"], 2),
                      "ratio_cpu": round(figures["cpu_seconds"] / figures["weasyprint_only_cpu"], 2),
                      "collect_after_cpu_seconds": round(figures["collect_after_cpu"], 2)}))
    gather = figures["build"] + figures["html"]
    archive = figures["seconds"] - gather - figures["render"]
    print(f"breakdown: gather data {figures['build']:.2f} s, HTML {figures['html']:.2f} s, WeasyPrint "
          f"within the generation {figures['render']:.2f} s, archive {archive:.2f} s; gathering + HTML = "
          f"{100 * gather / figures['weasyprint_only']:.0f}% of WeasyPrint alone", file=sys.stderr)


if __name__ == "__main__":
    main()

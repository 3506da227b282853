"""Time the progress overview page through the app on a synthetic SQLite database of N activities.

    .venv/bin/python bench/overview.py --activities 20000 [--requests 50] [--year 2022] [--cold]

Builds a temporary instance (its own SQLite file): schema, the plan, the demo record and starter
indicators, then tops the activities up to N with the demo generator's synthetic set (timed on stderr).
Logs a Secretary General in through the test client, warms the page up, then times --requests requests
of /overview/?year=..., counting SQL statements per request. Prints one JSON line on stdout:
{"activities": N, "median_ms": ..., "p95_ms": ..., "min_ms": ..., "cpu_median_ms": ..., "queries": ...} (cpu: the
process's CPU time per request; it and the minimum are steadier than the median on a busy machine). With --cold
the overview's cache is emptied before every request, to time the computation itself rather than the cached page.
The bulk load goes through the session (Core inserts), so it moves the data version like any write.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def log(message: str) -> None:
    """Report progress on stderr (stdout carries only the JSON line)."""
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile of some values."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def build(app, count: int) -> None:
    """Create the schema and fill it: plan, demo record, starter indicators, N activities."""
    from tracker.demo.seed import seed_demo
    from tracker.demo.synthetic import seed_synthetic
    from tracker.extensions import db
    from tracker.plan.seed import seed_plan

    with app.app_context():
        db.create_all()
        seed_plan()
        db.session.commit()
        started = time.perf_counter()
        seed_demo()
        try:
            from tracker.indicators.seed import seed_indicators
        except ImportError:  # the starter indicators are optional for the benchmark
            seed_indicators = None
        if seed_indicators is not None:
            seed_indicators()
        db.session.commit()
        log(f"demo record and indicators: {time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        created = seed_synthetic(count)
        db.session.commit()
        log(f"seed_synthetic({count}): {created} created in {time.perf_counter() - started:.2f} s")
        from sqlalchemy import func, select

        from tracker.activities.models import Activity

        total = db.session.scalar(select(func.count(Activity.id)))
        log(f"activities in the database: {total}")
        # Statistics for the planner, as a maintained database would have them.
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


def main(argv=None) -> int:
    """Build the database, time the page, print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--activities", type=int, default=20000, help="synthetic activities (default 20000)")
    parser.add_argument("--requests", type=int, default=50, help="timed requests (default 50)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests first (default 5)")
    parser.add_argument("--year", default="2022", help="the year asked for: 2021, 2022, 2023 or all")
    parser.add_argument("--cold", action="store_true", help="empty the overview caches before every request")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="overview-bench-") as tmp:
        os.environ["TRACKER_INSTANCE_PATH"] = tmp
        from sqlalchemy import event

        from tracker import create_app
        from tracker.auth.models import LoginSession, User
        from tracker.extensions import db
        from tracker.overview import cache

        database = Path(tmp) / "bench.sqlite"
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
                         EVIDENCE_FOLDER=str(Path(tmp) / "evidence"), EXPORTS_FOLDER=str(Path(tmp) / "exports"))
        build(app, args.activities)

        with app.app_context():
            # The role requires a second factor: one turned on, else every page sends to its set-up.
            user = User(email="sg@bench.example", name="Bench Secretary General", role="secretary_general",
                        password_hash="!unusable", totp_secret="MTRPLSBENCHSECONDFACTORKEYONLY22",
                        totp_enabled_at=datetime.now(timezone.utc))
            db.session.add(user)
            db.session.flush()
            login = LoginSession(user_id=user.id)
            db.session.add(login)
            db.session.commit()
            token = login.token
            engine = db.engine

        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = token
            session["_fresh"] = True

        statements = [0]

        def count(*_args, **_kwargs):
            """Count one SQL statement."""
            statements[0] += 1

        event.listen(engine, "before_cursor_execute", count)
        url = f"/overview/?year={args.year}"

        def timed(cold: bool) -> tuple[float, float, int]:
            """Request the page once; return wall and CPU milliseconds and the statements sent."""
            if cold:
                with app.app_context():  # Flask-Caching finds the app's cache through the context
                    cache.clear()
            statements[0] = 0
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            elapsed, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
            assert response.status_code == 200, response.status_code
            return elapsed, cpu, statements[0]

        cold = [timed(True) for _ in range(max(3, args.warmup))]
        log(f"cold page (caches emptied, {len(cold)} requests): median {statistics.median(c[0] for c in cold):.1f} ms "
            f"wall, {statistics.median(c[1] for c in cold):.1f} ms CPU, {max(c[2] for c in cold)} statements")
        for _ in range(args.warmup):
            timed(False)
        runs = [timed(args.cold) for _ in range(args.requests)]
        timings, queries = [run[0] for run in runs], [run[2] for run in runs]
        cpu = statistics.median(run[1] for run in runs)
        log(f"timed page ({'cold' if args.cold else 'warm'}): median {cpu:.1f} ms "
            f"CPU per request (wall time also counts other processes on a busy machine)")
        event.remove(engine, "before_cursor_execute", count)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

    result = {"activities": args.activities, "median_ms": round(statistics.median(timings), 1),
              "p95_ms": round(percentile(timings, 0.95), 1), "min_ms": round(min(timings), 1),
              "cpu_median_ms": round(cpu, 1), "queries": max(queries)}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Time an import of N activities through the app: upload, preview and confirm, on a throw-away database.

    .venv/bin/python bench/import_activities.py --rows 1000 [--format csv|xlsx] [--database-url URL]

Builds a temporary instance (its own SQLite file, or the PostgreSQL database given, whose tables are dropped and
created again: give a database of its own), seeds the plan, logs a staff member in through the test client and
posts a sheet of N valid rows (each with two outcomes, two members and a partner): the upload, the preview page and
the confirm (all or nothing) are each timed, with the SQL statements they send. Prints one JSON line on stdout:
{"rows": N, "format": ..., "upload_ms": ..., "preview_ms": ..., "confirm_ms": ..., "preview_queries": ...,
"confirm_queries": ..., "created": ..., "upload_cpu_ms": ..., ...} (CPU: the process's time, steadier than the
wall time on a busy machine; SQLite runs in-process, so it counts the queries too).
"""
import argparse
import csv
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def log(message: str) -> None:
    """Report progress on stderr (stdout carries only the JSON line)."""
    print(message, file=sys.stderr, flush=True)


def sheet(rows: int, fmt: str) -> bytes:
    """A sheet of valid, distinct rows in the template's columns."""
    from tracker.imports.template import TEMPLATE_COLUMNS

    values = [["Bench workshop %d" % n, "training", "completed", f"2022-{1 + n % 12:02d}-{1 + n % 28:02d}", "",
               "Barcelona", "L1.A1.O1;L2.A2.O3", "Bogota;Seoul", "UCLG", "40", "22", "17", "1", "1500", "1499.50",
               "", "Row %d of the benchmark." % n] for n in range(1, rows + 1)]
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        book.active.append(list(TEMPLATE_COLUMNS))
        for line in values:
            book.active.append(line)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerows(values)
    return text.getvalue().encode("utf-8")


def main(argv=None) -> int:
    """Build the database, time upload, preview and confirm, print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000, help="rows in the sheet (default 1000)")
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--database-url", help="a PostgreSQL database of its own (emptied); SQLite by default")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        os.environ["TRACKER_INSTANCE_PATH"] = tmp
        from sqlalchemy import event
        from werkzeug.datastructures import FileStorage
        from werkzeug.test import encode_multipart

        from tracker import create_app
        from tracker.auth.models import LoginSession, User
        from tracker.extensions import db
        from tracker.plan.seed import seed_plan

        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, EVIDENCE_FOLDER=str(Path(tmp) / "evidence"),
                         EXPORTS_FOLDER=str(Path(tmp) / "exports"))
        with app.app_context():
            db.drop_all()
            db.create_all()
            seed_plan()
            user = User(email="staff@bench.example", name="Bench Staff", role="staff", password_hash="!unusable")
            db.session.add(user)
            db.session.flush()
            login = LoginSession(user_id=user.id)
            db.session.add(login)
            db.session.commit()
            token, engine = login.token, db.engine

        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = token
            session["_fresh"] = True
        content = sheet(args.rows, args.format)
        log(f"sheet of {args.rows} rows: {len(content) / 1024:.0f} KB ({args.format})")

        statements = [0]

        def count(*_args, **_kwargs):
            """Count one SQL statement."""
            statements[0] += 1

        event.listen(engine, "before_cursor_execute", count)

        cpu: dict[str, float] = {}

        def timed(send, name: str) -> tuple[float, int, object]:
            """Send one request; return its wall milliseconds, its statements and the response (CPU ms in `cpu`)."""
            statements[0] = 0
            started, cpu_started = time.perf_counter(), time.process_time()
            response = send()
            cpu[name] = round((time.process_time() - cpu_started) * 1000)
            return (time.perf_counter() - started) * 1000, statements[0], response

        boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(content), filename=f"bench.{args.format}")})
        upload_ms, _, response = timed(lambda: client.post("/imports/activities/", data=body,
                                                           content_type=f"multipart/form-data; boundary={boundary}"),
                                      "upload")
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        page = response.headers["Location"]
        preview_ms, preview_queries, response = timed(lambda: client.get(page), "preview")
        assert response.status_code == 200 and f"{args.rows} ready to import" in response.get_data(as_text=True)
        confirm_ms, confirm_queries, response = timed(lambda: client.post(page + "/confirm", data={"mode": "all"}),
                                                     "confirm")
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        event.remove(engine, "before_cursor_execute", count)
        with app.app_context():
            from sqlalchemy import func, select

            from tracker.activities.models import Activity

            created = db.session.scalar(select(func.count(Activity.id)))
            db.session.remove()
            db.engine.dispose()

    result = {"rows": args.rows, "format": args.format, "upload_ms": round(upload_ms), "preview_ms": round(preview_ms),
              "confirm_ms": round(confirm_ms), "preview_queries": preview_queries,
              "confirm_queries": confirm_queries, "created": created,
              **{f"{name}_cpu_ms": value for name, value in cpu.items()}}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

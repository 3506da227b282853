"""A bounded mixed load on PostgreSQL under gunicorn, then a reconciliation of what it wrote.

    .venv/bin/python bench/load.py [--database-url URL] [--duration 60] [--clients 8] [--workers 4]

Sets up a throw-away instance (temporary instance, evidence and exports folders; `db upgrade`, `seed plan`,
`seed demo`, `report board --year 2022`) on PostgreSQL: the database named by --database-url (or
LOAD_DATABASE_URL), created and dropped here if it does not exist yet, or else a PostgreSQL server of its own
(initdb in a temporary folder, on 127.0.0.1 and a free port), stopped and removed at the end. Serves the app
with gunicorn (--workers sync workers, one thread each, TRACKER_ENV=production) on 127.0.0.1.

A second process then runs --clients concurrent clients (threads, http.client, each with its own staff,
Secretary General and Board sessions, cookies and CSRF tokens) for --duration seconds. Each iteration picks
one action by weight (--mix): a staff member creates an activity, edits one of their own (edit form for the
version and token, then the save), uploads a small PDF or CSV to one of their own (some contents shared on
purpose: all clients upload the same new content within each 2 s, to exercise the dedupe of stored files and
its race); the Secretary General reads the overview (with --charts also its chart images); a Board member
downloads the 2022 Board evaluation. Saves are followed to the page they redirect to, as a browser does.

Then it checks the database and the evidence folder directly: every activity a client saw created exists
exactly once (with at least as many versions as edits seen), every file a client saw accepted has its one
Evidence row, its StoredFile and its bytes on disk with the same SHA-256, and no content is stored twice.

Prints one JSON line on stdout (requests, errors, rejected, throughput, p50/p95 per kind, reconciliation,
ok); progress and diagnostics go to stderr. Exit code 0 if ok (no errors, nothing missing or duplicated,
overview p95 under --overview-p95-ms), else 1. Errors are 5xx answers, timeouts, connection failures and
any other unexpected answer; "rejected" counts form re-renders and 409 conflicts (there should be none:
each client edits only the activities it created).
"""
from __future__ import annotations

import argparse
import hashlib
import html
import http.client
import json
import os
import queue
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import date
from http.cookies import SimpleCookie
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KINDS = ("create_activity", "edit_activity", "upload_evidence", "overview", "download_report")
# The edit form's GET, the pages saves redirect to, and (with --charts) the overview's chart images.
EXTRA_KINDS = ("edit_form", "view_activity", "overview_chart")
DEFAULT_MIX = "create=3,edit=3,upload=3,overview=4,download=1"
ACTIONS = {"create": "create_activity", "edit": "edit_activity", "upload": "upload_evidence",
           "overview": "overview", "download": "download_report"}
SG_EMAIL = "sg@demo.metropolis.org"
BOARD_EMAIL = "board@demo.metropolis.org"
ACTIVITY_KINDS = ("event", "meeting", "mission", "publication", "training", "policy_debate", "pilot_project")
STATUSES = ("planned", "in_progress", "completed")
CITIES = ("Barcelona", "Berlin", "Seoul", "Montréal", "Johannesburg", "Mexico City", "Guangzhou", "Tehran")
SHARED_EVERY_S = 2  # a new shared content every 2 s: clients uploading it at once race to store it first
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
_VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')
_CHART = re.compile(r'src="(/overview/charts/[^"]+)"')
_FIELD_ERROR = re.compile(r'class="invalid-feedback[^"]*"[^>]*>\s*([^<]+)')


def log(message: str) -> None:
    """Report progress on stderr (stdout carries only the JSON line)."""
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], share: float) -> float | None:
    """Return the nearest-rank percentile of some values (None for none)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def parse_mix(text: str) -> dict[str, float]:
    """Read action weights such as 'create=3,edit=3,upload=3,overview=4,download=1'."""
    weights = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        if name not in ACTIONS:
            raise argparse.ArgumentTypeError(f"unknown action {name!r}: use {', '.join(ACTIONS)}")
        weights[ACTIONS[name]] = float(value)
    if not any(weights.values()):
        raise argparse.ArgumentTypeError("give at least one action a positive weight")
    return weights


# --- PostgreSQL -------------------------------------------------------------------------------------------------


def find_pg_bin() -> Path:
    """Return the newest /usr/lib/postgresql/*/bin with initdb, installing PostgreSQL if missing and allowed."""
    def newest():
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                       key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
        return found[-1].parent if found else None

    if newest() is None and os.geteuid() == 0:
        log("initdb not found: installing postgresql with apt-get")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if subprocess.run(["apt-get", "install", "-y", "postgresql"], env=env, stdout=sys.stderr).returncode:
            subprocess.run(["apt-get", "update"], env=env, stdout=sys.stderr, check=True)
            subprocess.run(["apt-get", "install", "-y", "postgresql"], env=env, stdout=sys.stderr, check=True)
    found = newest()
    if found is None:
        raise SystemExit("No PostgreSQL found (initdb in /usr/lib/postgresql/*/bin): install it, or pass "
                         "--database-url postgresql+psycopg://USER@HOST:PORT/DB")
    return found


def _as_postgres(command: list[str]) -> list[str]:
    """Run a server command as the postgres user when we are root (PostgreSQL refuses to run as root)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def create_database(server_url, name: str) -> bool:
    """Create a database on a server unless it exists; tell whether it was created."""
    from sqlalchemy import create_engine, text

    engine = create_engine(server_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
                return False
            conn.execute(text(f"CREATE DATABASE {engine.dialect.identifier_preparer.quote(name)}"))
            return True
    finally:
        engine.dispose()


def drop_database(server_url, name: str) -> None:
    """Drop a database, closing whatever connections are left."""
    from sqlalchemy import create_engine, text

    engine = create_engine(server_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {engine.dialect.identifier_preparer.quote(name)} "
                              "WITH (FORCE)"))
    finally:
        engine.dispose()


@contextmanager
def throwaway_postgres():
    """Start a PostgreSQL server of our own on 127.0.0.1; yield (database URL, log path); stop and remove it."""
    from sqlalchemy.engine import make_url

    bin_dir = find_pg_bin()
    folder = Path(tempfile.mkdtemp(prefix="load-pg-"))
    data, log_path, port = folder / "data", folder / "postgresql.log", free_port()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    started = False
    try:
        subprocess.run(_as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                     "-E", "UTF8", "--no-sync"]), check=True, stdout=subprocess.DEVNULL)
        options = f"-h 127.0.0.1 -p {port} -k {folder} -c max_connections=100 -c log_lock_waits=on"
        subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log_path), "-o", options,
                                     "-w", "-t", "60", "start"]), check=True, stdout=subprocess.DEVNULL)
        started = True
        url = make_url(f"postgresql+psycopg://postgres@127.0.0.1:{port}/tracker_load")
        create_database(url, url.database)
        log(f"PostgreSQL {bin_dir.parent.name} started on 127.0.0.1:{port} ({folder})")
        yield url, log_path
    finally:
        if started:
            subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(folder, ignore_errors=True)
        log("PostgreSQL stopped and removed")


@contextmanager
def given_postgres(raw_url: str):
    """Use the database of a URL, creating it if missing (and then dropping it at the end); yield (URL, None)."""
    from sqlalchemy.engine import make_url

    url = make_url(raw_url)
    if not url.drivername.startswith("postgresql"):
        raise SystemExit(f"--database-url must be a PostgreSQL URL, not {url.drivername}")
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    created = create_database(url, url.database)
    log(f"database {url.database} on {url.host}:{url.port}: {'created' if created else 'exists, reused'}")
    try:
        yield url, None
    finally:
        if created:
            drop_database(url, url.database)
            log(f"database {url.database} dropped")


# --- the instance and the server ---------------------------------------------------------------------------------


def instance_environment(root: Path, url) -> dict:
    """The environment of the CLI commands and of gunicorn for this instance."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"TEST_DATABASE_URL", "FLASK_APP", "FLASK_DEBUG"}}
    env.update(TRACKER_ENV="production", SECRET_KEY=secrets.token_hex(32), SESSION_COOKIE_SECURE="0",
               DATABASE_URL=url.render_as_string(hide_password=False), TRACKER_INSTANCE_PATH=str(root / "instance"),
               EVIDENCE_FOLDER=str(root / "evidence"), EXPORTS_FOLDER=str(root / "exports"),
               TRACKER_DEMO_PASSWORD="load-" + secrets.token_hex(8), PYTHONUNBUFFERED="1",
               PYTHONPATH=str(ROOT))
    for key in ("instance", "evidence", "exports"):
        (root / key).mkdir(parents=True, exist_ok=True)
    return env


def flask_cli(env: dict, *args: str) -> None:
    """Run one `flask --app wsgi ...` command for the instance, its output on stderr."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode:
        sys.stderr.write(result.stdout)
        raise SystemExit(f"flask {' '.join(args)} failed with exit code {result.returncode}")
    log(f"flask {' '.join(args)}: {time.perf_counter() - started:.1f} s")


def lookups(url, demo_password: str) -> dict:
    """Read what the clients need from the seeded database: ids of outcomes, lists, users and the report."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from tracker.auth.models import User
    from tracker.demo.seed import STAFF_EMAILS
    from tracker.plan.models import Member, OrientingTheme, Outcome, Partner
    from tracker.reports.models import Report

    engine = create_engine(url)
    try:
        with Session(engine) as session:
            users = dict(session.execute(select(User.email, User.id)).all())
            report = session.scalars(select(Report).where(Report.kind == "board", Report.year == 2022)
                                     .order_by(Report.id.desc())).first()
            if report is None:
                raise SystemExit("The 2022 Board evaluation was not archived")
            # Board members download final reports only; the demo's 2022 still has work under review, so this
            # throw-away instance flags its report final directly (marking final would lock the year's writes).
            report.is_final = True
            session.commit()
            return {
                "outcomes": list(session.scalars(select(Outcome.id))),
                "members": list(session.scalars(select(Member.id))),
                "partners": list(session.scalars(select(Partner.id))),
                "themes": list(session.scalars(select(OrientingTheme.id))),
                "staff": [(email, users[email]) for email in STAFF_EMAILS],
                "password": demo_password, "report_id": report.id, "report_sha256": report.sha256,
            }
    finally:
        engine.dispose()


@contextmanager
def gunicorn(env: dict, root: Path, workers: int):
    """Serve the app with gunicorn on 127.0.0.1 and a free port; yield (port, pid, log paths); stop it at the end."""
    port = free_port()
    error_log, access_log = root / "gunicorn-error.log", root / "gunicorn-access.log"
    command = [sys.executable, "-m", "gunicorn", "wsgi:app", "--workers", str(workers), "--threads", "1",
               "--bind", f"127.0.0.1:{port}", "--timeout", "60", "--graceful-timeout", "5",
               "--error-logfile", str(error_log), "--access-logfile", str(access_log),
               "--access-logformat", '%(s)s %(m)s "%(U)s" %(M)sms pid=%(p)s', "--chdir", str(ROOT)]
    # A session of its own: Ctrl+C reaches us, and we stop the master and its workers ourselves.
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not _answers(port, "/login"):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = error_log.read_text(errors="replace")[-3000:] if error_log.exists() else ""
                raise SystemExit(f"gunicorn did not answer /login (exit code {process.poll()}):\n{tail}")
            time.sleep(0.2)
        log(f"gunicorn: {workers} sync workers on 127.0.0.1:{port} (pid {process.pid})")
        yield port, process.pid, error_log, access_log
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log("gunicorn stopped")


def _answers(port: int, path: str) -> bool:
    """Tell whether a GET of a path answers 200."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", path)
            return conn.getresponse().status == 200
        finally:
            conn.close()
    except OSError:
        return False


# --- the clients (in the load process) ----------------------------------------------------------------------------


_SHARED_LOGINS: dict[str, dict] = {}  # email -> the cookies of its one login, for accounts with a second factor
_SHARED_LOCK = threading.Lock()


class Response:
    """One answer: status (0 when none came), headers, body and how long it took."""

    def __init__(self, status: int, headers=None, body: bytes = b"", ms: float = 0.0, failure: str = ""):
        self.status, self.headers, self.body, self.ms, self.failure = status, headers, body, ms, failure

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8", "replace")

    @property
    def location_path(self) -> str:
        """The path of a redirect's Location, without its fragment."""
        location = (self.headers.get("Location") if self.headers else None) or ""
        parts = urllib.parse.urlsplit(location)
        return parts.path + (f"?{parts.query}" if parts.query else "")


class HttpSession:
    """A logged-in user over http.client: its own cookies, a fresh connection per request, a timeout."""

    def __init__(self, port: int, timeout: float):
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.second_factor = False  # set when the login needed a code

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None) -> Response:
        """Send one request; never raise for network trouble (status 0 and the failure instead)."""
        headers = {"Accept": "text/html,application/pdf,*/*"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
        except (OSError, http.client.HTTPException) as error:  # timeouts are OSErrors too
            return Response(0, ms=(time.perf_counter() - started) * 1000,
                            failure=f"{type(error).__name__}: {error}")
        finally:
            conn.close()
        ms = (time.perf_counter() - started) * 1000
        self._keep_cookies(answer.msg.get_all("Set-Cookie") or [])
        return Response(answer.status, answer.msg, data, ms)

    def _keep_cookies(self, headers: list[str]) -> None:
        """Store the cookies the server set, and forget those it deleted."""
        for header in headers:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                expired = morsel["max-age"] == "0" or "1970" in morsel["expires"] or morsel["expires"] == "0"
                if expired or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def post_form(self, path: str, fields: list[tuple[str, object]]) -> Response:
        """POST url-encoded fields (repeated names allowed)."""
        body = urllib.parse.urlencode([(k, str(v)) for k, v in fields]).encode()
        return self.request("POST", path, body, "application/x-www-form-urlencoded")

    def post_multipart(self, path: str, fields: list[tuple[str, str]], files: dict) -> Response:
        """POST a multipart form; files maps a field name to (filename, bytes, content type)."""
        boundary = "----load-" + secrets.token_hex(12)
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                 for name, value in fields]
        for name, (filename, content, content_type) in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"'
                         f"\r\nContent-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request("POST", path, b"".join(parts), f"multipart/form-data; boundary={boundary}")

    def token_from(self, html: str) -> str:
        """Read (and keep) the CSRF token of the form on a page."""
        found = _TOKEN.search(html)
        if found:
            self.csrf = found.group(1) or found.group(2)
        return self.csrf

    def login(self, email: str, password: str, form_page: str) -> "HttpSession":
        """Log in through the login form, then read a CSRF token from a page with a form (before the clock runs).

        An account with a second factor logs in once for all clients: each code is accepted only once, and a
        browser left logged in is what the Secretary General's clients stand for anyway.
        """
        timeout, self.timeout = self.timeout, max(self.timeout, 60)  # 24 password hashes at once take a while
        try:
            with _SHARED_LOCK:
                shared = _SHARED_LOGINS.get(email)
                if shared is None:
                    self._login(email, password, form_page)
                    if self.second_factor:
                        _SHARED_LOGINS[email] = dict(self.cookies)
                    return self
            self.cookies.update(shared)
            self.token_from(self.request("GET", form_page).text)
            return self
        finally:
            self.timeout = timeout

    def _login(self, email: str, password: str, form_page: str) -> "HttpSession":
        """Do the requests of login()."""
        page = self.request("GET", "/login")
        if page.status != 200 or not self.token_from(page.text):
            raise RuntimeError(f"GET /login answered {page.status or page.failure}")
        answer = self.post_form("/login", [("csrf_token", self.csrf), ("email", email), ("password", password)])
        if answer.status != 302:
            raise RuntimeError(f"login as {email} answered {answer.status or answer.failure}")
        if answer.location_path.startswith("/login/code"):  # the Secretary General's second factor
            import pyotp

            from tracker.demo.seed import DEMO_TOTP_SECRET

            self.token_from(self.request("GET", "/login/code").text)
            answer = self.post_form("/login/code", [("csrf_token", self.csrf),
                                                    ("code", pyotp.TOTP(DEMO_TOTP_SECRET).now())])
            if answer.status != 302:
                raise RuntimeError(f"the second factor of {email} answered {answer.status or answer.failure}")
            self.second_factor = True
        page = self.request("GET", form_page)
        if page.status != 200:
            raise RuntimeError(f"GET {form_page} as {email} answered {page.status or page.failure}")
        self.token_from(page.text)
        return self


def shared_content(run_id: str, number: int) -> tuple[str, bytes]:
    """A file every client may upload (the same bytes in every client): (extension, content)."""
    if number % 2:
        return "csv", f"run,file,value\n{run_id},shared-{number},{number * 7}\n".encode()
    return "pdf", _tiny_pdf(f"{run_id} shared {number}")


def _tiny_pdf(text: str) -> bytes:
    """A small PDF-looking file whose content depends on the text."""
    return (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n% " + text.encode() +
            b"\ntrailer << /Root 1 0 R >>\n%%EOF\n")


class Client(threading.Thread):
    """One simulated person at a keyboard: a staff member who also reads as the SG and a Board member."""

    def __init__(self, index: int, plan: dict, barrier: threading.Barrier, clock: dict):
        super().__init__(name=f"client-{index}", daemon=True)
        self.index, self.plan, self.barrier, self.clock = index, plan, barrier, clock
        self.rng = random.Random(plan["seed"] * 1000 + index)
        self.staff_email, self.staff_id = plan["staff"][index % len(plan["staff"])]
        self.sessions = {role: HttpSession(plan["port"], plan["timeout"]) for role in ("staff", "sg", "board")}
        self.records: list[tuple[str, float, str]] = []  # (kind, ms, "ok" | "error" | "rejected")
        self.samples: list[dict] = []
        self.activities: dict[str, dict] = {}  # title -> {"id", "fields", "edits"}
        self.uploads: list[dict] = []
        self.counter = 0
        self.failure: str | None = None

    def run(self) -> None:
        """Log in, wait for the others, then act until the deadline."""
        try:
            password = self.plan["password"]
            self.sessions["staff"].login(self.staff_email, password, "/activities/new")
            self.sessions["sg"].login(SG_EMAIL, password, "/overview/?year=2022")
            self.sessions["board"].login(BOARD_EMAIL, password, "/reports/")
        except Exception as error:  # noqa: BLE001  (reported by the coordinator, which then stops)
            self.failure = f"{self.name}: {error}"
            self.barrier.abort()
            return
        try:
            self.barrier.wait()
        except threading.BrokenBarrierError:
            return
        deadline = self.clock["deadline"]
        think = self.plan["think_ms"] / 1000
        kinds, weights = zip(*self.plan["mix"].items())
        while time.monotonic() < deadline:
            kind = self.rng.choices(kinds, weights)[0]
            if kind in ("edit_activity", "upload_evidence") and not self.activities:
                kind = "create_activity"  # nothing of one's own yet to edit or attach to
            getattr(self, kind)()
            if think:
                time.sleep(self.rng.uniform(0, 2 * think))

    # -- recording ------------------------------------------------------------------------------------------------

    def note(self, kind: str, answer: Response, path: str, ok: bool, rejected: bool = False) -> str:
        """Record one request's latency and outcome; keep a few samples of what went wrong."""
        outcome = "ok" if ok else "rejected" if rejected and answer.status < 500 else "error"
        self.records.append((kind, answer.ms, outcome))
        if outcome != "ok" and len(self.samples) < 10:
            detail = answer.failure or "; ".join(m.strip() for m in _FIELD_ERROR.findall(answer.text)[:3]) \
                or answer.text[:300]
            self.samples.append({"kind": kind, "outcome": outcome, "status": answer.status, "path": path,
                                 "detail": detail})
        return outcome

    def follow(self, session: HttpSession, answer: Response) -> None:
        """GET the page a save redirected to, as a browser does (it also shows and clears the flash message)."""
        path = answer.location_path
        if path:
            page = session.request("GET", path)
            self.note("view_activity", page, path, page.status == 200)

    def next_name(self, what: str) -> str:
        """A title unique to this run, client and action."""
        self.counter += 1
        return f"{self.plan['run_id']} c{self.index} {what} {self.counter}"

    # -- the actions ---------------------------------------------------------------------------------------------

    def activity_fields(self, title: str) -> list[tuple[str, object]]:
        """Valid values for the activity form, dated in 2022."""
        rng, plan = self.rng, self.plan
        start = date(2022, rng.randint(1, 12), rng.randint(1, 28))
        total = rng.randint(10, 400)
        women = rng.randint(0, total)
        men = rng.randint(0, total - women)
        fields = [("title", title), ("kind", rng.choice(ACTIVITY_KINDS)), ("status", rng.choice(STATUSES)),
                  ("outcome_kind", ""), ("start_date", start.isoformat()), ("end_date", start.isoformat()),
                  ("place", rng.choice(CITIES)), ("description", "Created by the load test."),
                  ("participants_total", total), ("participants_women", women),
                  ("participants_men", men), ("participants_other", total - women - men),  # the parts add up
                  ("budget_planned", f"{rng.randint(0, 50000)}.00"), ("budget_spent", f"{rng.randint(0, 40000)}.50"),
                  ("responsible", self.staff_id)]
        fields += [("outcomes", i) for i in rng.sample(plan["outcomes"], rng.randint(1, 3))]
        fields += [("members", i) for i in rng.sample(plan["members"], rng.randint(0, 4))]
        fields += [("partners", i) for i in rng.sample(plan["partners"], rng.randint(0, 2))]
        fields += [("themes", i) for i in rng.sample(plan["themes"], rng.randint(0, 2))]
        return fields

    def create_activity(self) -> None:
        """Save a new activity through the form, and open the page it leads to."""
        session = self.sessions["staff"]
        title = self.next_name("activity")
        fields = self.activity_fields(title)
        answer = session.post_form("/activities/new", [("csrf_token", session.csrf), *fields])
        found = re.fullmatch(r"/activities/(\d+)", answer.location_path) if answer.status == 302 else None
        self.note("create_activity", answer, "/activities/new", found is not None, rejected=answer.status == 200)
        if found:
            self.activities[title] = {"id": int(found.group(1)), "fields": fields, "edits": 0}
            self.follow(session, answer)

    def edit_activity(self) -> None:
        """Open one of one's own activities' edit form, change it and save with the version it showed."""
        session = self.sessions["staff"]
        title = self.rng.choice(list(self.activities))
        mine = self.activities[title]
        path = f"/activities/{mine['id']}/edit"
        form = session.request("GET", path)
        version = _VERSION.search(form.text) if form.status == 200 else None
        if self.note("edit_form", form, path, version is not None and bool(session.token_from(form.text))) != "ok":
            return
        edit = mine["edits"] + 1
        parts = {name: int(value) for name, value in mine["fields"]
                 if name in ("participants_women", "participants_men")}
        total = 400 + edit  # the women and men stay; "other or not stated" takes up the rest
        changes = {"description": f"Edited by the load test ({edit}).", "status": self.rng.choice(STATUSES),
                   "participants_total": total,
                   "participants_other": total - parts["participants_women"] - parts["participants_men"]}
        fields = [(name, changes.get(name, value)) for name, value in mine["fields"]]
        answer = session.post_form(path, [("csrf_token", session.csrf), ("version", version.group(1)), *fields])
        ok = answer.status == 302
        self.note("edit_activity", answer, path, ok, rejected=answer.status in (200, 409))
        if ok:
            mine["edits"] = edit
            mine["fields"] = fields
            self.follow(session, answer)

    def upload_evidence(self) -> None:
        """Attach a small PDF or CSV to one of one's own activities (now and then a content others upload too)."""
        session = self.sessions["staff"]
        title = self.rng.choice(list(self.activities))
        mine = self.activities[title]
        if self.rng.random() < self.plan["shared_share"]:
            extension, content = shared_content(self.plan["run_id"],
                                                int((time.monotonic() - self.clock["started"]) // SHARED_EVERY_S))
        elif self.rng.random() < 0.5:
            extension, content = "pdf", _tiny_pdf(secrets.token_hex(24))
        else:
            rows = "\n".join(f"{self.rng.randint(1, 10**6)},{secrets.token_hex(8)}" for _ in range(20))
            extension, content = "csv", f"number,code\n{rows}\n".encode()
        name = self.next_name("file")
        path = f"/evidence/activity/{mine['id']}"
        mime = "application/pdf" if extension == "pdf" else "text/csv"
        answer = session.post_multipart(path, [("csrf_token", session.csrf), ("kind", "file"), ("title", name),
                                               ("next", "")],
                                        {"file": (f"evidence-{self.counter}.{extension}", content, mime)})
        ok = answer.status == 302
        self.note("upload_evidence", answer, path, ok, rejected=answer.status == 200)
        if ok:
            self.uploads.append({"title": name, "activity_id": mine["id"],
                                 "sha256": hashlib.sha256(content).hexdigest()})
            self.follow(session, answer)

    def overview(self) -> None:
        """Read the progress overview as the Secretary General (now and then the whole plan period)."""
        year = "all" if self.rng.random() < self.plan["all_share"] else "2022"
        path = f"/overview/?year={year}"
        session = self.sessions["sg"]
        answer = session.request("GET", path)
        self.note("overview", answer, path, answer.status == 200 and b"</html>" in answer.body)
        if self.plan["charts"] and answer.status == 200:
            for chart in _CHART.findall(answer.text):  # what a browser fetches next (the page names them)
                chart = html.unescape(chart)
                image = session.request("GET", chart)
                self.note("overview_chart", image, chart, image.status == 200 and b"<svg" in image.body)

    def download_report(self) -> None:
        """Download the 2022 Board evaluation as a Board member, and check it is the archived file."""
        path = f"/reports/{self.plan['report_id']}/download"
        answer = self.sessions["board"].request("GET", path)
        intact = answer.status == 200 and hashlib.sha256(answer.body).hexdigest() == self.plan["report_sha256"]
        if answer.status == 200 and not intact:
            answer.failure = "the downloaded PDF does not match the archived SHA-256"
        self.note("download_report", answer, path, intact)


def run_load(plan: dict) -> dict:
    """Run the clients for the duration (in the load process); return what they saw."""
    clock: dict = {}

    def start() -> None:
        clock["cpu"] = cpu_snapshot(plan["cpu_roots"])
        clock["started"] = time.monotonic()
        clock["deadline"] = clock["started"] + plan["duration"]

    barrier = threading.Barrier(plan["clients"], action=start)
    clients = [Client(i, plan, barrier, clock) for i in range(plan["clients"])]
    for client in clients:
        client.start()
    next_report = 10
    while any(c.is_alive() for c in clients):  # progress every 10 s, on stderr
        time.sleep(0.5)
        if "started" in clock and time.monotonic() - clock["started"] >= next_report:
            log(f"{next_report:4d} s: {sum(len(c.records) for c in clients)} requests")
            next_report += 10
        if "started" in clock and "load_avg" not in clock and time.monotonic() >= clock["deadline"]:
            clock["load_avg"] = round(os.getloadavg()[0], 2)  # how busy the machine was over the last minute
            clock["cpu"] = cpu_shares(clock["cpu"], cpu_snapshot(plan["cpu_roots"]))
    failures = [c.failure for c in clients if c.failure]
    if failures:
        return {"failure": "; ".join(failures)}
    return {
        "elapsed": time.monotonic() - clock["started"], "load_avg": clock.get("load_avg"),
        "cpu": clock.get("cpu") if "load_avg" in clock else {},
        "records": [r for c in clients for r in c.records],
        "samples": [s for c in clients for s in c.samples][:20],
        "activities": {title: {"id": a["id"], "edits": a["edits"]} for c in clients
                       for title, a in c.activities.items()},
        "uploads": [u for c in clients for u in c.uploads],
    }


def _load_child(plan: dict, results) -> None:
    """The load process: run the clients and send back what they saw (or why they could not)."""
    try:
        results.put(run_load(plan))
    except BaseException as error:  # Ctrl+C included: the parent reports it, and must not wait forever
        results.put({"failure": f"{type(error).__name__}: {error}"})


def load_in_child(plan: dict) -> dict:
    """Run the load in a second (spawned) process and return its results; stop it if we are interrupted."""
    context = get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_load_child, args=(plan, results), name="load-clients")
    child.start()
    try:
        while True:
            try:
                return results.get(timeout=1)
            except queue.Empty:
                if not child.is_alive():
                    try:
                        return results.get(timeout=1)
                    except queue.Empty:
                        raise SystemExit(f"The load process died (exit code {child.exitcode})") from None
    except BaseException:
        child.terminate()  # interrupted: the clients stop with us
        raise
    finally:
        child.join()


def _stop(signum, frame) -> None:
    """Turn SIGTERM into an exit that runs the clean-up (stop gunicorn and PostgreSQL, remove folders)."""
    raise SystemExit(128 + signum)


# --- CPU accounting: how much of the machine the run had ---------------------------------------------------------


def cpu_snapshot(roots: dict[str, int]) -> dict:
    """Jiffies so far: the machine's busy and total time, and that of each root's process tree and this process."""
    with open("/proc/stat") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    total, idle = sum(fields[:8]), fields[3] + fields[4]  # user..steal; idle and iowait are not busy
    parents, usage = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            rest = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        pid = int(stat.parent.name)
        parents[pid], usage[pid] = int(rest[1]), int(rest[11]) + int(rest[12])
    labels = {pid: label for label, pid in roots.items()} | {os.getpid(): "clients"}
    snapshot = {"busy": total - idle, "total": total} | {label: 0 for label in labels.values()}
    for pid, jiffies in usage.items():
        ancestor, hops = pid, 0
        while ancestor > 1 and ancestor not in labels and hops < 64:
            ancestor, hops = parents.get(ancestor, 0), hops + 1
        if ancestor in labels:
            snapshot[labels[ancestor]] += jiffies
    return snapshot


def cpu_shares(before: dict, after: dict) -> dict:
    """The machine's busy share, and the share of gunicorn, PostgreSQL and the clients, in percent of all CPUs."""
    total = max(1, after["total"] - before["total"])
    shares = {f"cpu_{key}_pct": round(100 * (after[key] - before[key]) / total, 1)
              for key in after if key != "total"}
    return shares | {"cpu_ours_pct": round(sum(v for k, v in shares.items() if k != "cpu_busy_pct"), 1)}


def postmaster_pid(pg_log: Path | None) -> int | None:
    """The pid of our own PostgreSQL server (from postmaster.pid beside its data), if we started one."""
    try:
        return int((pg_log.parent / "data" / "postmaster.pid").read_text().split()[0]) if pg_log else None
    except (OSError, ValueError, IndexError):
        return None


# --- reconciliation ---------------------------------------------------------------------------------------------


def _chunks(items: list, size: int = 500):
    """Yield a list in bounded slices (for IN lists)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def reconcile(url, evidence_folder: Path, run_id: str, activities: dict, uploads: list[dict]) -> dict:  # noqa: C901
    """Check that every activity and file the clients saw saved is in the database and on disk, once."""
    from sqlalchemy import create_engine, func, select
    from sqlalchemy.orm import Session

    from tracker.activities.models import Activity
    from tracker.evidence.models import Evidence, StoredFile

    missing, duplicates = [], []
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            rows = defaultdict(list)
            for chunk in _chunks(list(activities)):
                for title, activity_id, version in session.execute(
                        select(Activity.title, Activity.id, Activity.version).where(Activity.title.in_(chunk))):
                    rows[title].append((activity_id, version))
            in_db = session.scalar(select(func.count(Activity.id))
                                   .where(Activity.title.like(f"{run_id} %"), Activity.deleted_at.is_(None)))
            edits_in_db = 0
            for title, seen in activities.items():
                found = rows.get(title, [])
                if not found:
                    missing.append(f"activity: {title}")
                elif len(found) > 1:
                    duplicates.append(f"activity: {title} x{len(found)}")
                elif found[0][0] != seen["id"]:
                    missing.append(f"activity: {title} has id {found[0][0]}, the client saw {seen['id']}")
                else:
                    edits_in_db += found[0][1] - 1
                    if found[0][1] - 1 < seen["edits"]:  # more is possible: a save that timed out but landed
                        missing.append(f"edits of {title}: {seen['edits']} saved, version {found[0][1]}")

            evidence = defaultdict(list)
            for chunk in _chunks([u["title"] for u in uploads]):
                for title, activity_id, sha in session.execute(
                        select(Evidence.title, Evidence.activity_id, StoredFile.sha256)
                        .join(StoredFile, Evidence.file_id == StoredFile.id)
                        .where(Evidence.title.in_(chunk), Evidence.kind == "file", Evidence.deleted_at.is_(None))):
                    evidence[title].append((activity_id, sha))
            files_in_db = on_disk_ok = 0
            for upload in uploads:
                found = evidence.get(upload["title"], [])
                if len(found) > 1:
                    duplicates.append(f"evidence: {upload['title']} x{len(found)}")
                if not found or found[0] != (upload["activity_id"], upload["sha256"]):
                    missing.append(f"evidence: {upload['title']} (found {found})")
                    continue
                files_in_db += 1
                if _sha256_of(evidence_folder / upload["sha256"][:2] / upload["sha256"]) == upload["sha256"]:
                    on_disk_ok += 1
                else:
                    missing.append(f"file on disk: {upload['sha256']} ({upload['title']})")

            hashes = sorted({u["sha256"] for u in uploads})
            stored = Counter()
            for chunk in _chunks(hashes):
                stored.update(session.scalars(select(StoredFile.sha256).where(StoredFile.sha256.in_(chunk))))
            duplicates += [f"stored file: {sha} x{count}" for sha, count in stored.items() if count > 1]
            missing += [f"stored file: {sha}" for sha in hashes if sha not in stored]
            known = {sha for chunk in _chunks(_disk_hashes(evidence_folder))
                     for sha in session.scalars(select(StoredFile.sha256).where(StoredFile.sha256.in_(chunk)))}
            orphans = len(set(_disk_hashes(evidence_folder)) - known)
    finally:
        engine.dispose()
    return {"activities_created": len(activities), "activities_in_db": in_db,
            "edits_saved": sum(a["edits"] for a in activities.values()), "edits_in_db": edits_in_db,
            "files_uploaded": len(uploads), "files_in_db": files_in_db, "files_on_disk_ok": on_disk_ok,
            "distinct_contents": len(hashes), "stored_files": sum(stored.values()), "orphan_files": orphans,
            "missing": missing[:50], "duplicates": duplicates[:50]}


def _sha256_of(path: Path) -> str | None:
    """The SHA-256 of a file, or None if it cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _disk_hashes(folder: Path) -> list[str]:
    """The content hashes stored in the evidence folder (<sha[:2]>/<sha>)."""
    return [p.name for p in folder.glob("[0-9a-f][0-9a-f]/*") if p.is_file() and len(p.name) == 64]


# --- summary ----------------------------------------------------------------------------------------------------


def latency_table(records: list[tuple[str, float, str]]) -> dict:
    """Count, p50 and p95 (ms) per kind of request, with its errors and rejections."""
    table = {}
    for kind in KINDS + EXTRA_KINDS:
        mine = [r for r in records if r[0] == kind]
        if not mine and kind in EXTRA_KINDS:
            continue
        times = [r[1] for r in mine]
        p50, p95 = percentile(times, 0.50), percentile(times, 0.95)
        table[kind] = {"count": len(mine), "p50": None if p50 is None else round(p50, 1),
                       "p95": None if p95 is None else round(p95, 1),
                       "errors": sum(r[2] == "error" for r in mine), "rejected": sum(r[2] == "rejected" for r in mine)}
    return table


def server_diagnostics(error_log: Path, access_log: Path, pg_log: Path | None) -> None:
    """Print what the server logs say went wrong (tracebacks, 5xx, PostgreSQL errors) on stderr."""
    if error_log.exists():
        text = error_log.read_text(errors="replace")
        tracebacks = text.count("Traceback (most recent call last)")
        timeouts = text.count("WORKER TIMEOUT")
        log(f"gunicorn error log: {tracebacks} tracebacks, {timeouts} worker timeouts")
        if tracebacks or timeouts:
            sys.stderr.write(text[-6000:])
    if access_log.exists():
        statuses = Counter(line.split(" ", 1)[0] for line in access_log.read_text(errors="replace").splitlines())
        log(f"gunicorn access log, answers by status: {dict(sorted(statuses.items()))}")
    if pg_log is not None and pg_log.exists():
        errors = Counter()
        for line in pg_log.read_text(errors="replace").splitlines():
            found = re.search(r"\b(ERROR|FATAL|PANIC|LOG):\s+(.*)", line)
            if found and (found.group(1) != "LOG" or "lock" in found.group(2)):
                errors[f"{found.group(1)}: {re.sub(r'[0-9]+', 'N', found.group(2))[:160]}"] += 1
        log(f"PostgreSQL log: {sum(errors.values())} errors and lock waits"
            + "".join(f"\n    {count} x {message}" for message, count in errors.most_common(12)))


def main(argv=None) -> int:
    """Set up PostgreSQL, the instance and gunicorn; run the load; reconcile; print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL"),
                        help="a PostgreSQL URL (default LOAD_DATABASE_URL; none: a throw-away server)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (default 60)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--timeout", type=float, default=10, help="per-request timeout in seconds (default 10)")
    parser.add_argument("--mix", type=parse_mix, default=parse_mix(DEFAULT_MIX),
                        help=f"action weights (default {DEFAULT_MIX})")
    parser.add_argument("--all-share", type=float, default=0.2, help="share of overview reads of ?year=all")
    parser.add_argument("--shared-share", type=float, default=0.3,
                        help=f"share of uploads of the content all clients upload in the same {SHARED_EVERY_S} s "
                             "(dedupe, and races to store it first)")
    parser.add_argument("--charts", action="store_true", help="also fetch the overview's chart images")
    parser.add_argument("--think-ms", type=float, default=0, help="mean pause between a client's actions")
    parser.add_argument("--overview-p95-ms", type=float, default=500, help="the overview's p95 target")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the clients")
    parser.add_argument("--keep", action="store_true", help="keep the instance folder and logs (path on stderr)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)

    run_id = f"LOAD-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
    root = Path(tempfile.mkdtemp(prefix="load-instance-"))
    database = given_postgres(args.database_url) if args.database_url else throwaway_postgres()
    try:
        with database as (url, pg_log):
            env = instance_environment(root, url)
            for command in (("db", "upgrade"), ("seed", "plan"), ("seed", "demo"),
                            ("report", "board", "--year", "2022")):
                # `seed demo` refuses production; this throw-away instance is served as production afterwards.
                flask_cli({**env, "TRACKER_ENV": "development"} if command[1] == "demo" else env, *command)
            plan = {**lookups(url, env["TRACKER_DEMO_PASSWORD"]), "run_id": run_id, "clients": args.clients,
                    "duration": args.duration, "timeout": args.timeout, "mix": args.mix, "seed": args.seed,
                    "all_share": args.all_share, "shared_share": args.shared_share, "think_ms": args.think_ms,
                    "charts": args.charts}
            with gunicorn(env, root, args.workers) as (port, server_pid, error_log, access_log):
                plan["port"] = port
                plan["cpu_roots"] = {"app": server_pid, "db": postmaster_pid(pg_log)}
                if plan["cpu_roots"]["db"] is None:
                    del plan["cpu_roots"]["db"]  # a server we did not start: not ours to count
                log(f"run {run_id}: {args.clients} clients for {args.duration:g} s, mix {args.mix}")
                seen = load_in_child(plan)
                if "failure" in seen:
                    raise SystemExit(f"The clients could not start: {seen['failure']}")
            server_diagnostics(error_log, access_log, pg_log)
            log("reconciling with the database and the evidence folder")
            checked = reconcile(url, Path(env["EVIDENCE_FOLDER"]), run_id, seen["activities"], seen["uploads"])
    finally:
        if args.keep:
            log(f"kept the instance and the logs in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)

    records = seen["records"]
    table = latency_table(records)
    errors = sum(r[2] == "error" for r in records)
    rejected = sum(r[2] == "rejected" for r in records)
    for sample in seen["samples"]:
        log(f"{sample['outcome']}: {sample['kind']} {sample['path']} -> {sample['status']}: {sample['detail']}")
    overview_p95 = table["overview"]["p95"]
    ok = (errors == 0 and not checked["missing"] and not checked["duplicates"] and overview_p95 is not None
          and overview_p95 < args.overview_p95_ms)
    result = {"database": "postgresql", "workers": args.workers, "clients": args.clients,
              "duration_s": round(seen["elapsed"], 1), "requests": len(records), "errors": errors,
              "rejected": rejected, "throughput_rps": round(len(records) / seen["elapsed"], 1),
              "latency_ms": table, "reconciliation": checked,
              "host": {"cpus": os.cpu_count(), "load_avg_1m_at_end": seen["load_avg"], **seen["cpu"]}, "ok": ok}
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the clean-up has run by now
        log("interrupted")
        sys.exit(130)

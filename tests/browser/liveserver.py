"""A real tracker instance for end-to-end tests: a temp instance folder, migrated and seeded, served by gunicorn.

Used by the browser tests (tests/browser/conftest.py) and the crash tests (tests/test_crash*.py).
"""
from __future__ import annotations

import os
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from tests.waiting import wait_until

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("TRACKER_TEST_ARTIFACTS") or PROJECT_ROOT / "test-artifacts")
USER_PASSWORD = "browser tests passphrase 42"
ROLE_EMAILS = {
    "admin": "admin@example.org",
    "secretary_general": "sg@example.org",
    "staff": "staff@example.org",
    "board": "board@example.org",
}
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the second factor of the roles that need one
_LAST_STEP: dict[str, int] = {}  # per role: the time step of the last code used (each is accepted once)


def second_factor_code(role: str) -> str:
    """A code for the role's second factor that the server has not accepted yet (the next step if need be)."""
    import pyotp

    totp = pyotp.TOTP(TOTP_SECRET)
    step = max(totp.timecode(datetime.now(timezone.utc)), _LAST_STEP.get(role, -1) + 1)
    if step > totp.timecode(datetime.now(timezone.utc)) + 1:  # two logins in one step already: wait for the next
        wait_until(lambda: totp.timecode(datetime.now(timezone.utc)) + 1 >= step, timeout=31,
                   message=lambda: "the clock did not reach the next TOTP step")
    _LAST_STEP[role] = step
    return totp.generate_otp(step)


_LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")


@dataclass
class Instance:
    """The folders and settings of one throw-away tracker instance."""

    root: Path
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))

    @property
    def instance_path(self) -> Path:
        """The instance folder (TRACKER_INSTANCE_PATH)."""
        return self.root / "instance"

    @property
    def database_path(self) -> Path:
        """The SQLite database file."""
        return self.instance_path / "tracker.sqlite"

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL of the database."""
        return "sqlite:///" + str(self.database_path)

    @property
    def evidence_folder(self) -> Path:
        """Where evidence files are stored."""
        return self.instance_path / "evidence"

    def settings(self) -> dict:
        """Setting overrides for create_app, matching what the server process reads from its environment."""
        return {"SQLALCHEMY_DATABASE_URI": self.database_url, "SECRET_KEY": self.secret_key,
                "EVIDENCE_FOLDER": str(self.evidence_folder), "EXPORTS_FOLDER": str(self.root / "exports")}

    def environment(self) -> dict:
        """The environment of a server process serving this instance with the real (development) config."""
        env = {key: value for key, value in os.environ.items()
               if key not in {"TEST_DATABASE_URL", "FLASK_APP", "FLASK_DEBUG", "PYTEST_ADDOPTS"}}
        env.update(TRACKER_ENV="development", TRACKER_INSTANCE_PATH=str(self.instance_path),
                   DATABASE_URL=self.database_url, SECRET_KEY=self.secret_key,
                   EVIDENCE_FOLDER=str(self.evidence_folder), EXPORTS_FOLDER=str(self.root / "exports"),
                   PYTHONUNBUFFERED="1", PYTHONPATH=str(PROJECT_ROOT))
        return env

    @contextmanager
    def app_context(self):
        """An app context on this instance's database, in the test process."""
        from tracker import create_app
        from tracker.extensions import db

        previous = os.environ.get("TRACKER_INSTANCE_PATH")
        os.environ["TRACKER_INSTANCE_PATH"] = str(self.instance_path)
        try:
            app = create_app("development", **self.settings())
        finally:
            if previous is None:
                os.environ.pop("TRACKER_INSTANCE_PATH", None)
            else:
                os.environ["TRACKER_INSTANCE_PATH"] = previous
        with app.app_context():
            try:
                yield app
            finally:
                db.session.remove()
                db.engine.dispose()


def prepare_instance(root: Path, roles=tuple(ROLE_EMAILS)) -> Instance:
    """Create an instance: run the migrations, seed the plan, add one user per role (password USER_PASSWORD)."""
    from flask_migrate import upgrade

    from tracker.auth.second_factor import REQUIRED_FOR
    from tracker.auth.services import create_user
    from tracker.extensions import db
    from tracker.plan.seed import seed_plan

    instance = Instance(root)
    instance.instance_path.mkdir(parents=True, exist_ok=True)
    instance.evidence_folder.mkdir(parents=True, exist_ok=True)
    with instance.app_context():
        upgrade()
        seed_plan()
        for role in roles:
            user = create_user(None, ROLE_EMAILS[role], f"{role.replace('_', ' ').title()} Tester", role,
                               USER_PASSWORD)
            user.must_change_password = False  # the tests' users chose their password
            if role in REQUIRED_FOR:
                user.totp_secret, user.totp_enabled_at = TOTP_SECRET, datetime.now(timezone.utc)
        db.session.commit()
    return instance


def add_sample_work(instance: Instance) -> dict:
    """Fill an instance with a little of everything the pages show; return the ids tests navigate to."""
    import io
    from datetime import date

    from sqlalchemy import select

    from tests.factories import make_activity, make_assessment, make_indicator, make_note, make_value
    from tracker.auth.models import User
    from tracker.evidence import storage
    from tracker.evidence.models import Evidence
    from tracker.extensions import db

    with instance.app_context():
        staff = db.session.scalar(select(User).where(User.email == ROLE_EMAILS["staff"]))
        forum = make_activity(title="Metropolitan housing forum", members=("Berlin", "Seoul"), partners=("UCLG",),
                              participants=120, women=70, men=50, planned=1000, spent=850, responsible=staff,
                              outcomes=("L1.A1.O1", "L2.A1.O1"), description="A day of debates on housing.")
        make_activity(title="Gender-responsive budgeting training", kind="training", status="planned",
                      start=date(2023, 5, 2), responsible=staff, outcomes=("L1.A1.O1",))
        make_note(activity=forum, title="Minutes", note="Agreed on the next steps.", added_by=staff)
        stored = storage.store(io.BytesIO(b"Attendance list\nBerlin, Seoul\n"), mime_type="text/plain")
        db.session.flush()
        db.session.add(Evidence(kind="file", title="Attendance list", activity_id=forum.id, file_id=stored.id,
                                original_filename="attendance.txt", added_by_id=staff.id))
        indicator = make_indicator(code="L1-1", name="Policy debates held", outcome_code="L1.A1.O1", baseline=2,
                                   baseline_year=2020, targets={2021: 3, 2022: 5, 2023: 8})
        make_value(indicator, 2022, 4, entered_by=staff)
        make_assessment("L1.A1.O1", 2022, author=staff)
        db.session.commit()
        return {"activity": forum.id, "indicator": indicator.id}


class LiveServer:
    """gunicorn serving an instance on 127.0.0.1 on a port the kernel picks; killable like a crashed server."""

    def __init__(self, instance: Instance, *, app_spec: str = "wsgi:app", workers: int = 1, threads: int = 8,
                 worker_class: str = "gthread", extra_env: dict | None = None, log_name: str = "server.log",
                 jobs: bool = False):
        self.instance = instance
        self.jobs = jobs  # also run a job worker (`flask jobs worker`), as `make run` does: reports need one
        self.jobs_process: subprocess.Popen | None = None
        self.app_spec = app_spec
        self.workers = workers
        self.threads = threads
        self.worker_class = worker_class
        self.extra_env = extra_env or {}
        self.log_path = instance.root / log_name
        self.process: subprocess.Popen | None = None
        self.port: int | None = None
        self._log_offset = 0

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port>."""
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """The absolute URL of a path on this server."""
        return self.base_url + path

    def start(self, timeout: float = 90) -> "LiveServer":
        """Start the server and wait until /login answers."""
        env = self.instance.environment()
        env.update(self.extra_env)
        command = [sys.executable, "-m", "gunicorn", self.app_spec, "--bind", "127.0.0.1:0",
                   "--workers", str(self.workers), "--worker-class", self.worker_class,
                   # gunicorn turns a sync worker with threads into a gthread one: threads only for gthread
                   *(["--threads", str(self.threads)] if self.worker_class == "gthread" else []),
                   "--timeout", "120", "--graceful-timeout", "3", "--error-logfile", "-", "--log-level", "info",
                   "--chdir", str(PROJECT_ROOT)]
        log = self.log_path.open("ab")
        self._log_offset = self.log_path.stat().st_size
        # A session of its own, so that a kill reaches the master and every worker and nothing else.
        self.process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        if self.jobs:
            self.jobs_process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--workers", "2"],
                cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        try:
            wait_until(self._ready, timeout=timeout, message=lambda: f"The server did not answer /login:\n"
                                                                     f"{self.log_tail()}")
        except AssertionError as error:
            self.kill()
            raise RuntimeError(str(error)) from None
        return self

    def _ready(self) -> bool:
        """Tell whether the server answers /login (its readiness); raise if the process has exited."""
        if self.process.poll() is not None:
            raise RuntimeError(f"The server exited with {self.process.returncode}:\n{self.log_tail()}")
        if self.port is None:
            found = _LISTENING.search(self._new_log())
            if found:
                self.port = int(found.group(1))
        return self.port is not None and _answers(self.url("/login"))

    def _new_log(self) -> str:
        """The log written since the last start."""
        with self.log_path.open("rb") as handle:
            handle.seek(self._log_offset)
            return handle.read().decode("utf-8", "replace")

    def log_text(self) -> str:
        """The whole server log."""
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 60) -> str:
        """The end of the server log, for failure messages."""
        return "\n".join(self.log_text().splitlines()[-lines:])

    def worker_pids(self) -> list[int]:
        """The pids of the gunicorn workers (children of the master)."""
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def kill(self) -> None:
        """Kill the master and its workers with SIGKILL: no cleanup, no graceful shutdown, like a crash."""
        if self.jobs_process is not None:
            if self.jobs_process.poll() is None:
                self.jobs_process.kill()
            self.jobs_process.wait(timeout=10)
            self.jobs_process = None
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=10)
        self.process = None
        self.port = None

    def stop(self) -> None:
        """Stop the server gracefully (SIGTERM), killing it if it lingers."""
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        self.kill()


def _answers(url: str) -> bool:
    """Tell whether a GET of the URL answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


class HttpSession:
    """A minimal logged-in HTTP client (urllib with cookies) that fills in CSRF tokens from the forms."""

    _TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')

    def __init__(self, server: LiveServer):
        self.server = server
        self.cookies = CookieJar()

        class _NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect)

    def request(self, method: str, path: str, data: dict | None = None, timeout: float = 30,
                headers: dict | None = None) -> tuple[int, str, dict]:
        """Send a request; return (status, body, headers) without following redirects."""
        body = urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.server.url(path), data=body, method=method, headers=headers or {})
        if body is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.read().decode("utf-8", "replace"), dict(response.headers)
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode("utf-8", "replace"), dict(error.headers)

    def post_multipart(self, path: str, fields: dict, files: dict, timeout: float = 60) -> tuple[int, str, dict]:
        """POST a multipart form: files maps a field name to (filename, bytes, content type)."""
        boundary, body = multipart_body(fields, files)
        request = urllib.request.Request(self.server.url(path), data=body, method="POST")
        request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.read().decode("utf-8", "replace"), dict(response.headers)
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode("utf-8", "replace"), dict(error.headers)

    def csrf_token(self, path: str) -> str:
        """The CSRF token of the form on a page."""
        status, html, _ = self.request("GET", path)
        assert status == 200, f"GET {path} answered {status}"
        found = self._TOKEN.search(html)
        assert found, f"No CSRF token on {path}"
        return found.group(1) or found.group(2)

    def generate_report(self, kind: str, year: int | None = None, timeout: float = 180) -> str:
        """Generate a report as the Secretary General does, and wait on its progress page until it is ready."""
        fields = {"csrf_token": self.csrf_token("/reports/"), "kind": kind, **({"year": str(year)} if year else {})}
        status, body, headers = self.request("POST", "/reports/generate", fields)
        assert status == 302, f"Generating the report answered {status}: {body[:500]}"
        progress = urlsplit(headers["Location"]).path

        def finished():
            status, page, _ = self.request("GET", progress)
            assert status == 200 and "Not generated" not in page, f"{progress}: {status} {page[-2000:]}"
            return "Ready" in page and page

        return wait_until(finished, timeout=timeout, message=lambda: f"{progress} never said Ready:\n"
                                                                     f"{self.server.log_tail()}")

    def login(self, role: str) -> "HttpSession":
        """Log in as the instance's user of this role."""
        token = self.csrf_token("/login")
        status, body, headers = self.request("POST", "/login", {"csrf_token": token, "email": ROLE_EMAILS[role],
                                                                "password": USER_PASSWORD})
        assert status == 302, f"Login as {role} failed with {status}: {body[:500]}"
        if "/login/code" in headers.get("Location", ""):
            token = self.csrf_token("/login/code")
            status, body, headers = self.request("POST", "/login/code", {"csrf_token": token,
                                                                         "code": second_factor_code(role)})
            assert status == 302, f"The second factor of {role} failed with {status}: {body[:500]}"
        return self

    def cookie_header(self) -> str:
        """The Cookie header this session sends (for raw-socket requests)."""
        return "; ".join(f"{c.name}={c.value}" for c in self.cookies)


def multipart_body(fields: dict, files: dict) -> tuple[str, bytes]:
    """Encode form fields and files as multipart/form-data; return (boundary, body)."""
    boundary = "----tracker-test-" + secrets.token_hex(12)
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, content_type) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return boundary, b"".join(parts)


def sqlite_integrity(path: Path) -> str:
    """Run PRAGMA integrity_check on a database file (after a crash, WAL recovery included)."""
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


@contextmanager
def serving(root: Path):
    """Serve a fresh migrated and seeded instance with one user per role and the sample work; stop it after."""
    instance = prepare_instance(root)
    sample = add_sample_work(instance)
    server = LiveServer(instance, jobs=True).start()  # a job worker too, as `make run` starts
    server.sample = sample
    try:
        yield server
    finally:
        server.stop()

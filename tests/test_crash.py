"""A worker killed (SIGKILL) in the middle of an upload or an edit leaves the database and the evidence consistent.

Each test serves a fresh instance with gunicorn, kills a worker at a chosen moment, restarts the server and runs the
consistency check: SQLite's integrity and foreign-key checks, every stored file's row has its file with the right
size and hash, no partial file sits at a final path, and nothing half-written is referenced by any row.
"""
import hashlib
import http.client
import json
import os
import re
import signal
import socket
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from tracker.audit.models import AuditEntry
from tracker.backup.services import verify_evidence
from tracker.evidence import storage
from tracker.evidence.models import Evidence, StoredFile
from tracker.extensions import db

from .browser.liveserver import HttpSession, LiveServer, multipart_body, prepare_instance, sqlite_integrity
from .waiting import wait_until

CRASH_APP = "tests.browser.crash_app:app"
_SHA_PATH = re.compile(r"[0-9a-f]{2}/[0-9a-f]{64}")


def _text_file(label: str, size: int) -> bytes:
    """Plain text the evidence checks accept, of about `size` bytes, unique to its label."""
    line = f"{label}: minutes of the Metropolis working session, line {{}}\n"
    out, n = [], 0
    while n < size:
        piece = line.format(len(out))
        out.append(piece)
        n += len(piece)
    return "".join(out).encode()


def consistency_problems(instance) -> list[str]:
    """Everything that would make the instance inconsistent after a crash (an empty list when sound)."""
    problems = []
    integrity = sqlite_integrity(instance.database_path)
    if integrity != "ok":
        problems.append(f"integrity_check: {integrity}")
    with instance.app_context():
        foreign = db.session.execute(db.text("PRAGMA foreign_key_check")).all()
        if foreign:
            problems.append(f"foreign_key_check: {foreign}")
        problems.extend(verify_evidence())  # every StoredFile row has its file, with the right size and hash
        files_without_content = db.session.scalar(
            select(func.count()).select_from(Evidence).where(Evidence.kind == "file", Evidence.file_id.is_(None)))
        if files_without_content:
            problems.append(f"{files_without_content} file evidence row(s) without a stored file")
        root = Path(instance.evidence_folder)
        for path in list(storage.iter_stored_files()):
            relative = path.relative_to(root).as_posix()
            if not _SHA_PATH.fullmatch(relative):
                problems.append(f"unexpected file at a final location: {relative}")
            elif hashlib.sha256(path.read_bytes()).hexdigest() != path.name:
                problems.append(f"partial or altered file at a final location: {relative}")
    return problems


def _counts(instance) -> dict:
    with instance.app_context():
        return {"evidence": db.session.scalar(select(func.count()).select_from(Evidence)),
                "stored_file": db.session.scalar(select(func.count()).select_from(StoredFile)),
                "audit": db.session.scalar(select(func.count()).select_from(AuditEntry))}


@pytest.fixture
def instance(tmp_path, row_factories):
    """A migrated, seeded instance with one user per role and one activity (its id on .activity_id)."""
    prepared = prepare_instance(tmp_path / "crash")
    with prepared.app_context():
        prepared.activity_id = row_factories.make_activity(title="Crash-test workshop").id
    return prepared


@pytest.fixture
def servers():
    """Start servers for a test and make sure every one is gone afterwards."""
    started = []

    def start(instance, **kwargs) -> LiveServer:
        server = LiveServer(instance, **kwargs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.kill()


def _upload_fields(session: HttpSession, activity_id: int, title: str) -> dict:
    return {"csrf_token": session.csrf_token(f"/evidence/activity/{activity_id}"), "kind": "file", "title": title,
            "next": ""}


def _upload(session: HttpSession, activity_id: int, name: str, content: bytes, fields=None) -> int:
    fields = fields or _upload_fields(session, activity_id, name)
    status, body, _ = session.post_multipart(f"/evidence/activity/{activity_id}", fields,
                                             {"file": (name, content, "text/plain")})
    assert status in (302, 303) or status >= 500, f"upload answered {status}: {body[:300]}"
    return status


def _wait_for_marker(marker: Path, server: LiveServer, timeout: float = 90) -> dict:
    """Wait until a worker of the crash app stands at its pause point (it writes the marker atomically)."""
    wait_until(marker.exists, timeout=timeout,
               message=lambda: f"The server never reached the pause point:\n{server.log_tail()}")
    return json.loads(marker.read_text())


def _tcp_queues(local_port: int, remote_port: int) -> tuple[int, int] | None:
    """(bytes not yet acknowledged by the peer, bytes received but not yet read by the process) of the IPv4
    loopback connection between these ports, from /proc/net/tcp; None if there is no such connection."""
    local, remote = f"0100007F:{local_port:04X}", f"0100007F:{remote_port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == local and fields[2] == remote:
            tx_queue, rx_queue = fields[4].split(":")
            return int(tx_queue, 16), int(rx_queue, 16)
    return None


def _server_has_read_everything_sent(raw: socket.socket, server_port: int) -> bool:
    """Tell whether every byte sent on `raw` reached the server and the server process read it from its socket."""
    client_port = raw.getsockname()[1]
    ours, theirs = _tcp_queues(client_port, server_port), _tcp_queues(server_port, client_port)
    return ours is not None and theirs is not None and ours[0] == 0 and theirs[1] == 0


def _in_background(target, *args):
    """Run a request that the kill will cut off; keep what it ended with."""
    outcome = {}

    def run():
        try:
            outcome["result"] = target(*args)
        except Exception as error:  # noqa: BLE001  (the connection is expected to die with the worker)
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _restart_clean(server: LiveServer, servers, instance) -> LiveServer:
    """Kill what is left of a server (master and any respawned worker) and start the real app again."""
    server.kill()
    return servers(instance)


def _download(session: HttpSession, instance, sha256: str) -> bytes:
    with instance.app_context():
        evidence_id = db.session.scalar(select(Evidence.id).join(StoredFile).where(StoredFile.sha256 == sha256))
    request = session.opener.open(session.server.url(f"/evidence/{evidence_id}/download"), timeout=30)
    with request:
        return request.read()


# ---------------------------------------------------------------------------------------------------------------


def test_kill_in_the_middle_of_an_upload_body(instance, servers):
    server = servers(instance)
    session = HttpSession(server).login("staff")
    content = _text_file("big", 8 * 1024 * 1024)
    boundary, body = multipart_body(_upload_fields(session, instance.activity_id, "Big minutes"),
                                    {"file": ("big-minutes.txt", content, "text/plain")})
    before = _counts(instance)

    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        raw.sendall((f"POST /evidence/activity/{instance.activity_id} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                     f"Cookie: {session.cookie_header()}\r\n"
                     f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                     f"Content-Length: {len(body)}\r\n\r\n").encode())
        raw.sendall(body[: len(body) // 2])
        # The worker is in the middle of the body once it has read all of the half sent: it waits for the rest.
        wait_until(lambda: _server_has_read_everything_sent(raw, server.port), timeout=60,
                   message=lambda: f"the worker never read the first half of the body:\n{server.log_tail()}")
        [worker] = server.worker_pids()
        os.kill(worker, signal.SIGKILL)
        raw.settimeout(5)
        assert raw.recv(1024) == b""  # the connection died with the worker, with no answer

    server = _restart_clean(server, servers, instance)
    assert consistency_problems(instance) == []
    assert _counts(instance) == before
    with instance.app_context():
        assert list(storage.iter_stored_files()) == []  # nothing reached a final location

    # The same upload goes through after the restart, and the file comes back byte for byte.
    session = HttpSession(server).login("staff")
    assert _upload(session, instance.activity_id, "big-minutes.txt", content) == 302
    assert consistency_problems(instance) == []
    assert _counts(instance)["stored_file"] == before["stored_file"] + 1
    assert _download(session, instance, hashlib.sha256(content).hexdigest()) == content


@pytest.mark.parametrize("point", ["partial", "stored", "flush"])
def test_worker_killed_during_an_upload(instance, servers, tmp_path, point):
    marker = tmp_path / "paused.json"
    server = servers(instance, app_spec=CRASH_APP,
                     extra_env={"CRASH_PAUSE_AT": point, "CRASH_MARKER": str(marker)})
    session = HttpSession(server).login("staff")
    content = _text_file(f"killed at {point}", 3 * 1024 * 1024)
    sha = hashlib.sha256(content).hexdigest()
    before = _counts(instance)

    thread, outcome = _in_background(_upload, session, instance.activity_id, "minutes.txt", content)
    paused = _wait_for_marker(marker, server)
    assert paused["point"] == point and paused["pid"] in server.worker_pids()
    os.kill(paused["pid"], signal.SIGKILL)
    thread.join(timeout=30)
    assert "error" in outcome, f"the upload was answered although its worker was killed: {outcome}"

    server = _restart_clean(server, servers, instance)
    assert consistency_problems(instance) == []
    assert _counts(instance) == before  # no row of the killed request survived
    with instance.app_context():
        final = storage.path_for(sha)
        leftovers = storage.orphans(stale_after=0)
        if point == "partial":
            # The half-written temporary file is no evidence: not at a final path, and the clean-up finds it.
            assert not final.exists()
            assert [p.parent.name for p in leftovers] == [storage.TMP_DIR]
        else:
            # The file reached its final path before the row: an orphan (harmless, listed), never a row without file.
            assert final.is_file() and hashlib.sha256(final.read_bytes()).hexdigest() == sha
            assert leftovers == [final]

    session = HttpSession(server).login("staff")
    assert _upload(session, instance.activity_id, "minutes.txt", content) == 302
    assert consistency_problems(instance) == []
    assert _counts(instance)["evidence"] == before["evidence"] + 1
    with instance.app_context():
        assert storage.path_for(sha) not in storage.orphans(stale_after=0)  # the orphan is now the row's file
    assert _download(session, instance, sha) == content


def test_worker_killed_while_an_edit_is_in_flight(instance, servers, tmp_path):
    marker = tmp_path / "paused.json"
    session_server = servers(instance)
    session = HttpSession(session_server).login("staff")
    content = _text_file("edit me", 40_000)
    assert _upload(session, instance.activity_id, "agenda.txt", content) == 302
    with instance.app_context():
        evidence = db.session.scalar(select(Evidence))
        evidence_id, title, version = evidence.id, evidence.title, evidence.version
    session_server.kill()

    server = servers(instance, app_spec=CRASH_APP, extra_env={"CRASH_PAUSE_AT": "flush", "CRASH_MARKER": str(marker)})
    session = HttpSession(server).login("staff")
    before = _counts(instance)
    fields = {"csrf_token": session.csrf_token(f"/evidence/{evidence_id}/edit"), "title": "Agenda, final version",
              "version": str(version), "next": ""}
    thread, outcome = _in_background(session.request, "POST", f"/evidence/{evidence_id}/edit", fields)
    paused = _wait_for_marker(marker, server)
    assert paused["point"] == "flush"
    os.kill(paused["pid"], signal.SIGKILL)
    thread.join(timeout=30)
    assert "error" in outcome, outcome

    server = _restart_clean(server, servers, instance)
    assert consistency_problems(instance) == []
    assert _counts(instance) == before  # neither the change nor its audit entry was kept
    with instance.app_context():
        evidence = db.session.get(Evidence, evidence_id)
        assert (evidence.title, evidence.version) == (title, version)

    # After the restart the same edit goes through, with its audit entry.
    session = HttpSession(server).login("staff")
    fields["csrf_token"] = session.csrf_token(f"/evidence/{evidence_id}/edit")
    status, body, _ = session.request("POST", f"/evidence/{evidence_id}/edit", fields)
    assert status == 302, body[:500]
    with instance.app_context():
        assert db.session.get(Evidence, evidence_id).title == "Agenda, final version"
    assert _counts(instance)["audit"] == before["audit"] + 1
    assert consistency_problems(instance) == []


def test_a_paused_worker_waits_for_the_test(instance, servers, tmp_path):
    """The pause points hold a request until the test kills the worker or releases it: no timing is assumed."""
    marker = tmp_path / "paused.json"
    server = servers(instance, app_spec=CRASH_APP, extra_env={"CRASH_PAUSE_AT": "flush", "CRASH_MARKER": str(marker)})
    session = HttpSession(server).login("staff")
    before = _counts(instance)
    thread, outcome = _in_background(_upload, session, instance.activity_id, "released.txt",
                                     _text_file("released", 10_000))
    paused = _wait_for_marker(marker, server)
    assert paused["point"] == "flush"
    assert thread.is_alive() and outcome == {}  # held at the pause point: only a release or a kill ends it
    Path(f"{marker}.release").touch()
    thread.join(timeout=60)
    assert outcome.get("result") == 302, outcome
    assert _counts(instance)["stored_file"] == before["stored_file"] + 1
    assert consistency_problems(instance) == []


def test_server_killed_during_a_burst_of_uploads_and_edits(instance, servers):
    """Kill every process mid-burst: whatever a client saw acknowledged is there; nothing is half there."""
    server = servers(instance, workers=2, threads=4)
    stop = threading.Event()
    acknowledged_uploads: list[str] = []
    titles: dict[int, tuple[str, str | None]] = {}  # evidence id -> (last acknowledged title, title in flight)
    lock = threading.Lock()

    def client(number: int):
        n = 0
        try:
            session = HttpSession(server).login("staff")
            while not stop.is_set():
                n += 1
                content = _text_file(f"burst {number}-{n}", 20_000 + 997 * n)
                if _upload(session, instance.activity_id, f"burst-{number}-{n}.txt", content) != 302:
                    continue
                with lock:
                    acknowledged_uploads.append(hashlib.sha256(content).hexdigest())
                with lock:  # one test-side reader at a time: the clients share this process's app
                    evidence_id = _evidence_id_of(content)
                new_title = f"Renamed {number}-{n}"
                with lock:
                    titles[evidence_id] = (f"burst-{number}-{n}.txt", new_title)
                token = session.csrf_token(f"/evidence/{evidence_id}/edit")
                status, _, _ = session.request("POST", f"/evidence/{evidence_id}/edit",
                                               {"csrf_token": token, "title": new_title, "version": "1", "next": ""})
                if status == 302:
                    with lock:
                        titles[evidence_id] = (new_title, None)
        except (OSError, AssertionError, ValueError, http.client.HTTPException, SQLAlchemyError):
            return  # the server died under this client

    def _evidence_id_of(content: bytes) -> int:
        with instance.app_context():
            return db.session.scalar(select(Evidence.id).join(StoredFile)
                                     .where(StoredFile.sha256 == hashlib.sha256(content).hexdigest()))

    threads = [threading.Thread(target=client, args=(number,)) for number in range(6)]
    for thread in threads:
        thread.start()
    try:  # the kill waits for the burst: 8 acknowledged uploads (generous deadline: a loaded CI machine is slow)
        wait_until(lambda: len(acknowledged_uploads) >= 8, timeout=90,
                   message=lambda: f"the burst did not get going:\n{server.log_tail()}")
    finally:
        server.kill()
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert len(acknowledged_uploads) >= 8

    servers(instance)
    assert consistency_problems(instance) == []
    with instance.app_context():
        stored = set(db.session.scalars(select(StoredFile.sha256)))
        assert set(acknowledged_uploads) <= stored  # every acknowledged upload survived the crash
        for evidence_id, (acknowledged, in_flight) in titles.items():
            title = db.session.get(Evidence, evidence_id).title
            assert title in {acknowledged, in_flight}, (evidence_id, title, acknowledged, in_flight)

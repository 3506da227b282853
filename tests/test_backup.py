"""Backup and restore: a populated instance round-trips exactly; altered, unsafe or misplaced archives are refused."""
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import threading
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from tracker import create_app
from tracker.audit.services import record
from tracker.auth.models import User
from tracker.backup import services
from tracker.evidence import storage
from tracker.evidence.models import Evidence
from tracker.extensions import db

from .browser.liveserver import PROJECT_ROOT, Instance, add_sample_work, prepare_instance

# Evidence contents: every byte value, an empty file, one spanning several read chunks, a duplicate.
CONTENTS = [bytes(range(256)) * 3, b"", b"%PDF-1.4 minutes of the Board\n" * 70_000, b"a photo's bytes \x00\xff"]


# ---------------------------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture
def populated(app, make_user, make_activity, make_assessment, make_indicator, make_note, make_value):
    """Users of every role, activities with links, notes, files, indicators, assessments and audit entries."""
    users = {role: make_user(role) for role in ("admin", "secretary_general", "staff", "board")}
    staff = users["staff"]
    first = make_activity(title="Metropolitan housing forum", members=("Berlin", "Montréal"),
                          partners=("UCLG",), participants=120, women=70, men=50, planned=1000, spent=850.5,
                          responsible=staff, outcomes=("L1.A1.O1", "L2.A1.O1"))
    second = make_activity(title="Gender-responsive budgeting training", kind="training", status="planned",
                           start=date(2023, 5, 2), end=date(2023, 5, 4), responsible=staff)
    make_activity(title="Cancelled mission", kind="mission", status="cancelled", deleted=True)
    make_note(activity=first, title="Minutes", note="Agreed on the next steps — ünïcödé ✓", added_by=staff)
    make_note(outcome_code="L3.A1.O1", title="Outcome note", note="Straight on the outcome")
    for index, content in enumerate(CONTENTS + [CONTENTS[0]]):  # the last one shares its content with the first
        stored = storage.store(io.BytesIO(content), mime_type="application/octet-stream")
        db.session.flush()
        db.session.add(Evidence(kind="file", title=f"File {index}", activity_id=(first if index % 2 else second).id,
                                file_id=stored.id, original_filename=f"report-{index}.bin", added_by_id=staff.id))
    indicator = make_indicator(code="E-1", outcome_code="L1.A1.O1", baseline=2, baseline_year=2020,
                               targets={2021: 4, 2022: (5, 8)})
    make_value(indicator, 2022, 6.5, entered_by=staff)
    make_assessment("L1.A1.O1", 2022, author=staff)
    record(users["admin"], "update", first, before={"title": "old"}, after={"title": first.title}, summary="Renamed")
    db.session.commit()
    assert len(storage.orphans()) == 0 and len(list(storage.iter_stored_files())) == len(CONTENTS)
    return users


def _fresh_database_url(database_url: str, tmp_path: Path, name: str):
    """A brand-new empty database of the same kind as the test database, and a function dropping it."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return "sqlite:///" + str(tmp_path / f"{name}.sqlite"), lambda: None
    database = f"tracker_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=database).render_as_string(hide_password=False), drop


@pytest.fixture
def fresh_instance(database_url, tmp_path):
    """Factory: a new, empty instance (its own database and evidence folder) of the same kind as the test one."""
    made = []

    def factory(name: str = "target"):
        url, drop = _fresh_database_url(database_url, tmp_path, name)
        instance = create_app("testing", SQLALCHEMY_DATABASE_URI=url, EVIDENCE_FOLDER=str(tmp_path / f"{name}-ev"),
                              EXPORTS_FOLDER=str(tmp_path / f"{name}-exports"))
        made.append((instance, drop))
        return instance

    yield factory
    for instance, drop in made:
        with instance.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()


def _backup(runner, path: Path):
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    return result


def _restore(instance, path: Path, *extra):
    with instance.app_context():  # the command uses the app context it finds, so push the target's
        try:
            return instance.test_cli_runner().invoke(args=["restore", str(path), *extra])
        finally:
            db.session.remove()


def _everything(instance=None) -> dict:
    """Every row of every table (ordered by primary key) and every evidence file's bytes."""

    def read():
        rows = {}
        with db.engine.connect() as conn:
            existing = set(inspect(conn).get_table_names())
            for table in db.metadata.sorted_tables:
                if table.name in existing:
                    rows[table.name] = [tuple(row) for row in
                                        conn.execute(select(table).order_by(*table.primary_key.columns))]
        root = storage.root()
        files = {str(p.relative_to(root)): p.read_bytes() for p in list(storage.iter_stored_files())}
        return {"rows": rows, "files": files}

    if instance is None:
        return read()
    with instance.app_context():
        try:
            return read()
        finally:
            db.session.remove()


def _is_empty(instance) -> bool:
    with instance.app_context():
        try:
            return services.instance_contents() == [] and not inspect(db.engine).has_table("user")
        finally:
            db.session.remove()


def _has_tables(instance) -> bool:
    with instance.app_context():
        try:
            return bool(inspect(db.engine).get_table_names())
        finally:
            db.session.remove()


def _rewrite_archive(source: Path, target: Path, change) -> None:
    """Copy an archive member by member; change(info, data) returns new (info, data), or None to drop it."""
    with tarfile.open(source, "r:gz") as original, tarfile.open(target, "w:gz") as altered:
        for member in original.getmembers():
            data = original.extractfile(member).read() if member.isfile() else None
            result = change(member, data)
            if result is None:
                continue
            info, data = result
            if data is not None:
                info.size = len(data)
            altered.addfile(info, io.BytesIO(data) if data is not None else None)


# ---------------------------------------------------------------------------------------------------------------
# The round trip


def test_backup_and_restore_round_trip_everything(app, runner, populated, fresh_instance, tmp_path):
    archive = tmp_path / "tracker-backup.tar.gz"
    output = _backup(runner, archive).output
    assert "Backup written" in output and f"{len(CONTENTS)} evidence files" in output
    assert oct(archive.stat().st_mode & 0o777) == "0o600"  # it holds password hashes
    before = _everything()
    assert len(before["files"]) == len(CONTENTS) and len(before["rows"]["evidence"]) == len(CONTENTS) + 3

    target = fresh_instance()
    assert _is_empty(target)
    result = _restore(target, archive)
    assert result.exit_code == 0, result.output
    assert "every hash verified" in result.output

    after = _everything(target)
    assert after["rows"].keys() == before["rows"].keys()
    for table, rows in before["rows"].items():
        assert after["rows"][table] == rows, f"table {table} differs after the restore"
    assert after["files"] == before["files"]
    with target.app_context():
        assert services.verify_evidence() == []
        # The restored instance works: sequences continue and a login check passes.
        user = db.session.scalar(select(User).where(User.role == "staff"))
        assert user.check_password("correct horse battery staple")
        db.session.add(User(email="new@example.org", name="New", role="board", password_hash="x"))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(User)) == len(populated) + 1
        # The audit record's append-only triggers came with the restored schema.
        with pytest.raises(IntegrityError, match="append-only"):
            db.session.execute(text("UPDATE audit_entry SET summary = 'rewritten'"))
        db.session.rollback()
        # Restored evidence is owner-only, like uploaded evidence.
        root = storage.root()
        assert {oct(p.stat().st_mode & 0o777) for p in storage.iter_stored_files()} == {"0o600"}
        assert {oct(p.stat().st_mode & 0o777) for p in root.iterdir() if p.is_dir()} == {"0o700"}
        db.session.remove()


def test_manifest_describes_the_archive(app, runner, populated, tmp_path):
    archive = tmp_path / "b.tar.gz"
    _backup(runner, archive)
    with tarfile.open(archive, "r:gz") as opened:
        names = opened.getnames()
        manifest = json.loads(opened.extractfile("manifest.json").read())
    assert names[0] == "manifest.json"
    dialect = db.engine.dialect.name
    assert manifest["format_version"] == services.FORMAT_VERSION
    assert manifest["dialect"] == dialect and manifest["database"]["path"] in names
    assert manifest["created_at"].endswith("+00:00")
    assert "alembic_revision" in manifest  # None here: the test schema comes from create_all
    for table in db.metadata.sorted_tables:
        assert manifest["tables"][table.name] == db.session.scalar(select(func.count()).select_from(table))
    assert manifest["tables"]["user"] == 4 and manifest["tables"]["activity"] == 3
    on_disk = {str(p.relative_to(storage.root())): p for p in list(storage.iter_stored_files())}
    assert {entry["path"] for entry in manifest["files"]} == set(on_disk)
    for entry in manifest["files"]:
        assert "evidence/" + entry["path"] in names
        assert entry["size"] == on_disk[entry["path"]].stat().st_size
        assert entry["sha256"] == Path(entry["path"]).name == storage.hash_file(on_disk[entry["path"]])


def test_backup_while_the_app_writes_is_consistent(app, runner, populated, fresh_instance, tmp_path, make_activity):
    """Rows written during the backup are either wholly in it or wholly out: the manifest matches the copy."""
    stop = threading.Event()
    written = []

    def writer():
        with app.app_context():
            while not stop.is_set():
                activity = make_activity(title=f"Written during the backup {len(written)}", commit=False)
                db.session.flush()
                record(None, "create", activity, after={"title": activity.title})
                db.session.commit()
                written.append(activity.id)
            db.session.remove()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        archives = []
        for index in range(3):
            archives.append(tmp_path / f"live-{index}.tar.gz")
            assert runner.invoke(args=["backup", str(archives[-1])]).exit_code == 0
    finally:
        stop.set()
        thread.join()
    assert written
    for index, archive in enumerate(archives):
        target = fresh_instance(f"live-target-{index}")
        result = _restore(target, archive)
        assert result.exit_code == 0, result.output
        with target.app_context():
            # Each activity written during the backup came with its audit entry, in the same transaction.
            activities = db.session.scalar(text("SELECT count(*) FROM activity WHERE title LIKE 'Written during%'"))
            audits = db.session.scalar(text("SELECT count(*) FROM audit_entry WHERE action = 'create'"))
            assert activities == audits
            db.session.remove()


# ---------------------------------------------------------------------------------------------------------------
# Refusals


def test_restore_refuses_a_non_empty_instance_unless_forced(app, runner, populated, fresh_instance, tmp_path):
    archive = tmp_path / "b.tar.gz"
    _backup(runner, archive)
    target = fresh_instance()
    with target.app_context():
        db.create_all()
        db.session.add(User(email="someone@example.org", name="Someone", role="admin", password_hash="x"))
        db.session.commit()
        db.session.remove()
    result = _restore(target, archive)
    assert result.exit_code != 0
    assert "not empty" in result.output and "1 account(s)" in result.output and "--force" in result.output
    with target.app_context():
        assert [u.email for u in db.session.scalars(select(User))] == ["someone@example.org"]
        assert list(storage.iter_stored_files()) == []
        db.session.remove()

    forced = _restore(target, archive, "--force")
    assert forced.exit_code == 0, forced.output
    assert _everything(target) == _everything()


def test_restore_refuses_an_instance_with_evidence_files(app, runner, populated, fresh_instance, tmp_path):
    archive = tmp_path / "b.tar.gz"
    _backup(runner, archive)
    target = fresh_instance()
    stray = Path(target.config["EVIDENCE_FOLDER"]) / "ab" / ("ab" + "0" * 62)
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"left over")
    result = _restore(target, archive)
    assert result.exit_code != 0 and "1 file(s)" in result.output
    assert not _has_tables(target)


def _flip_byte(data: bytes, at: int = 10) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


def _first_evidence(info):
    return info.name.startswith("evidence/") and info.isfile() and info.size > 20


def _tamper_evidence_byte(info, data):
    return (info, _flip_byte(data) if _first_evidence(info) else data)


def _tamper_database(info, data):
    return (info, _flip_byte(data, len(data) // 2) if info.name.startswith("database.") else data)


def _drop_one_evidence(info, data):
    return None if _first_evidence(info) else (info, data)


def _manifest_follows_tampering():
    """Change a file's bytes and rewrite its hash in the manifest: the name and the stored_file row still disagree."""
    state = {}

    def change(info, data):
        if info.name == "manifest.json":
            state["manifest"] = (info, data)
            return None
        if _first_evidence(info) and "new" not in state:
            data = _flip_byte(data)
            state["new"] = (info.name.removeprefix("evidence/"), hashlib.sha256(data).hexdigest())
        return info, data

    return change, state


TAMPERINGS = {
    "one evidence byte changed": (_tamper_evidence_byte, "does not match its hash"),
    "database copy changed": (_tamper_database, "database copy does not match"),
    "evidence file missing": (_drop_one_evidence, "does not match the manifest"),
}


@pytest.mark.parametrize("how", list(TAMPERINGS))
def test_tampered_archive_is_refused_and_leaves_the_target_empty(app, runner, populated, fresh_instance, tmp_path,
                                                                 how):
    change, message = TAMPERINGS[how]
    archive, tampered = tmp_path / "b.tar.gz", tmp_path / "tampered.tar.gz"
    _backup(runner, archive)
    _rewrite_archive(archive, tampered, change)
    target = fresh_instance()
    result = _restore(target, tampered)
    assert result.exit_code != 0
    assert message in result.output and "Restore failed" in result.output
    assert _is_empty(target)
    assert not any(p.name.startswith(".") and "restore" in p.name
                   for p in Path(target.config["EVIDENCE_FOLDER"]).parent.iterdir())  # staging cleaned up


def test_archive_with_rewritten_manifest_hash_is_refused(app, runner, populated, fresh_instance, tmp_path):
    archive, tampered = tmp_path / "b.tar.gz", tmp_path / "tampered.tar.gz"
    _backup(runner, archive)
    change, state = _manifest_follows_tampering()
    _rewrite_archive(archive, tampered, change)
    info, data = state["manifest"]
    manifest = json.loads(data)
    path, new_sha = state["new"]
    for entry in manifest["files"]:
        if entry["path"] == path:
            entry["sha256"] = new_sha
    with tarfile.open(tampered, "r:gz") as opened:
        members = [(m, opened.extractfile(m).read()) for m in opened.getmembers()]
    with tarfile.open(tampered, "w:gz") as rebuilt:
        body = json.dumps(manifest).encode()
        info.size = len(body)
        rebuilt.addfile(info, io.BytesIO(body))
        for member, content in members:
            rebuilt.addfile(member, io.BytesIO(content))
    target = fresh_instance()
    result = _restore(target, tampered)
    assert result.exit_code != 0 and "Nothing was restored" in result.output
    assert _is_empty(target)


@pytest.mark.parametrize("name,kind", [("../escaped.txt", tarfile.REGTYPE), ("/tmp/absolute.txt", tarfile.REGTYPE),
                                       ("evidence/../../up.txt", tarfile.REGTYPE),
                                       ("evidence/ab/link", tarfile.SYMTYPE), ("notes.txt", tarfile.REGTYPE),
                                       ("database.sqlite", tarfile.REGTYPE), ("database.pgdump", tarfile.REGTYPE)])
def test_unsafe_or_foreign_members_are_refused(app, runner, populated, fresh_instance, tmp_path, name, kind):
    archive, tampered = tmp_path / "b.tar.gz", tmp_path / "unsafe.tar.gz"
    _backup(runner, archive)
    _rewrite_archive(archive, tampered, lambda info, data: (info, data))
    with tarfile.open(tampered, "r:gz") as opened:
        members = [(m, opened.extractfile(m).read()) for m in opened.getmembers()]
    extra = tarfile.TarInfo(name)
    extra.type = kind
    if kind == tarfile.SYMTYPE:
        extra.linkname = "/etc/passwd"
    else:
        extra.size = 3
    with tarfile.open(tampered, "w:gz") as rebuilt:
        for member, content in members:
            rebuilt.addfile(member, io.BytesIO(content))
        rebuilt.addfile(extra, io.BytesIO(b"x" * 3) if kind == tarfile.REGTYPE else None)
    target = fresh_instance()
    result = _restore(target, tampered)
    assert result.exit_code != 0
    assert any(words in result.output for words in ("Unsafe path", "link or special file", "Unexpected file",
                                                    "same file twice", "missing, doubled"))
    assert "Nothing was restored" in result.output
    assert _is_empty(target)
    assert not (tmp_path / "escaped.txt").exists() and not Path("/tmp/absolute.txt").exists()


def test_damaged_or_foreign_files_are_refused(app, runner, populated, fresh_instance, tmp_path):
    archive = tmp_path / "b.tar.gz"
    _backup(runner, archive)
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    not_an_archive = tmp_path / "notes.tar.gz"
    not_an_archive.write_text("hello")
    target = fresh_instance()
    for path in (truncated, not_an_archive):
        result = _restore(target, path)
        assert result.exit_code != 0 and "Restore failed" in result.output, result.output
        assert "Traceback" not in result.output
        assert _is_empty(target)


def test_backup_refuses_to_overwrite_or_to_skip_a_missing_file(app, runner, populated, tmp_path):
    existing = tmp_path / "exists.tar.gz"
    existing.write_text("keep me")
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code != 0 and "already exists" in result.output
    assert existing.read_text() == "keep me"

    victim = list(storage.iter_stored_files())[0]
    victim.unlink()
    incomplete = tmp_path / "incomplete.tar.gz"
    result = runner.invoke(args=["backup", str(incomplete)])
    assert result.exit_code != 0 and "missing" in result.output
    assert not incomplete.exists()
    assert [p for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_backup_refuses_a_file_altered_on_disk(app, runner, populated, tmp_path):
    victim = max(list(storage.iter_stored_files()), key=lambda p: p.stat().st_size)
    victim.write_bytes(_flip_byte(victim.read_bytes(), 1000))
    result = runner.invoke(args=["backup", str(tmp_path / "b.tar.gz")])
    assert result.exit_code != 0 and "altered" in result.output
    assert not (tmp_path / "b.tar.gz").exists()
    assert services.verify_evidence() == [f"wrong content for {victim.name}: its hash no longer matches"]


def test_backup_of_an_empty_database_restores(app, runner, fresh_instance, tmp_path):
    archive = tmp_path / "empty.tar.gz"
    _backup(runner, archive)
    target = fresh_instance()
    result = _restore(target, archive)
    assert result.exit_code == 0, result.output
    assert _everything(target) == _everything()
    assert _everything(target)["files"] == {}


def test_flask_commands_round_trip_a_migrated_instance(tmp_path):
    """`flask --app wsgi backup` / `restore` on real, migrated instances with the development config."""
    source = prepare_instance(tmp_path / "source")
    add_sample_work(source)
    archive = tmp_path / "nightly.tar.gz"

    def flask(instance, *args):
        return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], env=instance.environment(),
                              cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)

    done = flask(source, "backup", str(archive))
    assert done.returncode == 0, done.stderr
    with tarfile.open(archive, "r:gz") as opened:
        manifest = json.loads(opened.extractfile("manifest.json").read())
    assert manifest["alembic_revision"]  # a migrated database records its revision

    target = Instance(tmp_path / "target")
    target.instance_path.mkdir(parents=True)
    done = flask(target, "restore", str(archive))
    assert done.returncode == 0, done.stderr
    assert "every hash verified" in done.stdout

    source_state, target_state = [], []
    for instance, state in ((source, source_state), (target, target_state)):
        with instance.app_context():
            state.append(_everything())
            state.append(db.session.scalar(text("SELECT version_num FROM alembic_version")))
    assert target_state == source_state
    assert target_state[1] == manifest["alembic_revision"]

    again = flask(target, "restore", str(archive))
    assert again.returncode == 1 and "not empty" in again.stderr

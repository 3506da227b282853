"""Files at rest are the service user's only: the instance folder 0700, the SQLite database, the secret key, the
security log, evidence files and report PDFs 0600 in folders 0700."""
import io
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tracker import create_app
from tracker.evidence import storage
from tracker.extensions import db
from tracker.reports import services as reports


def _mode(path) -> int:
    """The permission bits of a file or folder."""
    return os.stat(path).st_mode & 0o777


@pytest.fixture
def own_instance(tmp_path, monkeypatch):
    """Factory: an app with its own instance folder, SQLite database in it and development secret key."""
    made = []

    def factory(folder: Path):
        monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(folder))
        instance = create_app("testing", SQLALCHEMY_DATABASE_URI=None, SECRET_KEY=None, SECURITY_LOG=None,
                              EVIDENCE_FOLDER=str(tmp_path / "evidence"))
        made.append(instance)
        return instance

    yield factory
    for instance in made:
        with instance.app_context():
            db.engine.dispose()


def test_a_new_instance_is_owner_only(tmp_path, own_instance):
    instance = own_instance(tmp_path / "new" / "instance")
    folder = Path(instance.instance_path)
    database = folder / "tracker.sqlite"
    assert _mode(folder) == 0o700
    assert _mode(database) == 0o600  # created before SQLite's first connection could make it 0644
    assert _mode(folder / "secret_key") == 0o600 and _mode(folder / "security.log") == 0o600
    with instance.app_context():
        with db.engine.begin() as conn:  # WAL: SQLite creates -wal and -shm with the database's mode
            conn.exec_driver_sql("CREATE TABLE probe (id INTEGER PRIMARY KEY)")
            conn.exec_driver_sql("INSERT INTO probe DEFAULT VALUES")
        assert _mode(folder / "tracker.sqlite-wal") == 0o600 and _mode(folder / "tracker.sqlite-shm") == 0o600
    assert {_mode(path) for path in folder.iterdir()} == {0o600}


def test_an_existing_open_instance_is_tightened(tmp_path, own_instance):
    folder = tmp_path / "old"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    sqlite3.connect(folder / "tracker.sqlite").close()
    os.chmod(folder / "tracker.sqlite", 0o644)
    own_instance(folder)
    assert _mode(folder) == 0o700 and _mode(folder / "tracker.sqlite") == 0o600


def test_evidence_files_are_0600_in_folders_0700(app):
    stored = storage.store(io.BytesIO(b"%PDF-1.4 signed agreement"), mime_type="application/pdf")
    db.session.rollback()  # the row is not needed: the file is written before it
    root = Path(app.config["EVIDENCE_FOLDER"])
    path = storage.path_for(stored.sha256)
    assert _mode(path) == 0o600
    assert _mode(root) == _mode(path.parent) == _mode(root / storage.TMP_DIR) == 0o700


def test_report_pdfs_are_0600_in_a_folder_0700(app):
    path = reports.write_archive_file(b"%PDF-1.7 the Board evaluation", "board", 2022,
                                      datetime(2026, 12, 3, tzinfo=timezone.utc))
    assert path.read_bytes() == b"%PDF-1.7 the Board evaluation"
    assert _mode(path) == 0o600 and _mode(path.parent) == 0o700

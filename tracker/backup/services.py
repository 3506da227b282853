"""Backup and restore: one archive with a consistent database copy, the evidence files and a manifest of hashes.

Archive layout (a .tar.gz):
  manifest.json                 format version, time, dialect, Alembic revision, row counts, every file's hash
  manifest.sig                  when signed: an Ed25519 signature of manifest.json and the signer's fingerprint
  database.sqlite | database.pgdump   SQLite's online backup, or `pg_dump --format=custom`
  evidence/<sha[:2]>/<sha>      the evidence files, in the storage layout
The whole archive may be encrypted (a passphrase, or an X25519 public key): see crypto.py for that format.

The database copy is taken from one snapshot (SQLite's backup API, or a PostgreSQL exported snapshot shared by
the inventory queries and pg_dump), so the manifest describes exactly the rows in the copy. Restore stages and
verifies everything before it touches the instance; evidence files move into place before the database, so a
failure at any point never leaves a row without its file.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from contextlib import contextmanager, nullcontext
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from flask import current_app
from sqlalchemy import Connection, create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from ..core.files import private_file, private_folder
from ..evidence import storage
from ..evidence.models import StoredFile
from ..extensions import cache, db
from . import crypto
from .errors import BackupError

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DATABASE_NAMES = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
EVIDENCE_PREFIX = "evidence/"


# ---------------------------------------------------------------------------------------------------------------
# Helpers shared by backup and restore


def _relative_path(sha256: str) -> PurePosixPath:
    """Ask the evidence store where a hash lives, refusing a bad one with a BackupError (the commands show it)."""
    try:
        return storage.relative_path(sha256)
    except ValueError:
        raise BackupError(f"Not a SHA-256 digest: {sha256!r}.") from None


def _dialect() -> str:
    """The current database's dialect name (sqlite or postgresql)."""
    name = db.engine.dialect.name
    if name not in DATABASE_NAMES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {name}.")
    return name


def inventory(conn: Connection) -> dict:
    """Row counts per table, the Alembic revision and the stored files, read through one connection."""
    existing = set(inspect(conn).get_table_names())
    counts = {}
    for table in db.metadata.sorted_tables:
        if table.name in existing:
            counts[table.name] = conn.scalar(select(func.count()).select_from(table))
    revision = None
    if "alembic_version" in existing:
        revision = conn.scalar(text("SELECT version_num FROM alembic_version"))
    files = []
    if "stored_file" in existing:
        stored = db.metadata.tables["stored_file"]
        for sha256, size in conn.execute(select(stored.c.sha256, stored.c.size).order_by(stored.c.sha256)):
            files.append({"path": str(_relative_path(sha256)), "sha256": sha256, "size": size})
    return {"tables": counts, "alembic_revision": revision, "files": files}


def verify_evidence() -> list[str]:
    """Check every StoredFile row against its file on disk; return one line per missing or altered file."""
    problems = []
    root = storage.root()
    for sha256, size in db.session.execute(select(StoredFile.sha256, StoredFile.size).order_by(StoredFile.id)):
        path = root / _relative_path(sha256)
        if not path.is_file():
            problems.append(f"missing file for stored_file {sha256}")
        elif path.stat().st_size != size:
            problems.append(f"wrong size for {sha256}: {path.stat().st_size} bytes on disk, {size} recorded")
        elif storage.hash_file(path) != sha256:
            problems.append(f"wrong content for {sha256}: its hash no longer matches")
    return problems


def _libpq(url) -> tuple[str, dict]:
    """A libpq connection string for a SQLAlchemy URL, and an environment carrying its password."""
    url = make_url(url) if isinstance(url, str) else url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _pg_tool(name: str) -> str:
    """Find pg_dump or pg_restore (PG_BIN, then PATH); they must match the server's major version."""
    folder = current_app.config.get("PG_BIN") or os.environ.get("PG_BIN")
    candidate = str(Path(folder) / name) if folder else shutil.which(name)
    if not candidate or not Path(candidate).exists():
        raise BackupError(f"{name} was not found: install the PostgreSQL client of the server's version "
                          "(Debian: apt-get install postgresql-client) or set PG_BIN to its folder.")
    return candidate


def _run(command: list[str], env: dict) -> None:
    """Run a PostgreSQL tool, turning a failure into a BackupError with its messages."""
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


# ---------------------------------------------------------------------------------------------------------------
# Backup


def _sqlite_path() -> Path:
    """The file of the current SQLite database."""
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(database)


def _snapshot_sqlite(target: Path) -> dict:
    """Copy the live SQLite database with its online backup API and take the inventory of the copy."""
    source = sqlite3.connect(_sqlite_path(), timeout=current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", 5000) / 1000)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # one step: a consistent snapshot even while the app writes
    finally:
        copy.close()
        source.close()
    return _sqlite_inventory(target)


def _sqlite_inventory(path: Path) -> dict:
    """The inventory of a (private, temporary) SQLite file, left a single self-contained file afterwards."""
    engine = create_engine("sqlite:///" + str(path))
    try:
        with engine.connect() as conn:
            return inventory(conn)
    finally:
        engine.dispose()
        # The app's connect hook switches every SQLite file to WAL; put the copy back to one file, no -wal beside.
        single = sqlite3.connect(path)
        try:
            single.execute("PRAGMA journal_mode=DELETE")
        finally:
            single.close()


def _snapshot_postgresql(target: Path) -> dict:
    """pg_dump the database from an exported snapshot, taking the inventory in that same snapshot."""
    conninfo, env = _libpq(db.engine.url)
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            facts = inventory(conn)
            # The snapshot lives while this transaction is open: pg_dump sees exactly what was counted.
            _run([_pg_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", "--file", str(target),
                  "--dbname", conninfo], env)
    return facts


class _HashingReader:
    """A file wrapper that hashes what tarfile reads from it."""

    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size=-1):
        chunk = self.handle.read(size)
        self.digest.update(chunk)
        return chunk


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    """Add an in-memory file to the archive."""
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(datetime.now(timezone.utc).timestamp())
    archive.addfile(info, io.BytesIO(data))


def _sealing(passphrase: bytes | None = None, recipient=None) -> crypto.Sealing | None:
    """How to encrypt a backup (a passphrase, or an X25519 public key), checked before any work; None for plain."""
    if passphrase is None and recipient is None:
        return None
    return crypto.Sealing(passphrase=passphrase, recipient=recipient,
                          scrypt_n=current_app.config.get("BACKUP_SCRYPT_N") or crypto.DEFAULT_SCRYPT_N)


def create_backup(destination: Path, *, passphrase: bytes | None = None, recipient=None, sign_key=None) -> dict:
    """Write one archive with a consistent database copy and every evidence file; return its manifest.

    With a passphrase or an X25519 recipient key the whole archive is encrypted; with an Ed25519 sign_key its
    manifest is signed (manifest.sig).
    """
    destination = Path(destination)
    if destination.exists():
        raise BackupError(f"{destination} already exists: choose a new file name.")
    if not destination.parent.is_dir():
        raise BackupError(f"The folder {destination.parent} does not exist.")
    seal = _sealing(passphrase, recipient)
    dialect = _dialect()
    with tempfile.TemporaryDirectory(prefix="tracker-backup-") as work:
        database_copy = Path(work) / DATABASE_NAMES[dialect]
        facts = _snapshot_sqlite(database_copy) if dialect == "sqlite" else _snapshot_postgresql(database_copy)
        manifest = {
            "format": "metropolis-sap-tracker-backup",
            "format_version": FORMAT_VERSION,
            "created_at": datetime.now(timezone.utc).isoformat(),
            "dialect": dialect,
            "alembic_revision": facts["alembic_revision"],
            "tables": facts["tables"],
            "database": {"path": DATABASE_NAMES[dialect], "size": database_copy.stat().st_size,
                         "sha256": storage.hash_file(database_copy)},
            "files": facts["files"],
        }
        # Written beside the destination, then renamed: a failed backup never leaves a half archive behind.
        fd, partial_name = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.",
                                            suffix=".partial")
        partial = Path(partial_name)
        try:
            with os.fdopen(fd, "wb") as raw, (seal.writer(raw) if seal else nullcontext(raw)) as out:
                _write_archive(out, manifest, database_copy, sign_key)
            os.chmod(partial, 0o600)  # it holds password hashes
            os.replace(partial, destination)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return manifest


def _write_archive(out, manifest: dict, database_copy: Path, sign_key) -> None:
    """Write the .tar.gz: the manifest first (and its signature), the database copy, then the evidence files."""
    manifest_bytes = json.dumps(manifest, indent=2).encode()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        _add_bytes(archive, MANIFEST_NAME, manifest_bytes)
        if sign_key is not None:
            _add_bytes(archive, crypto.SIGNATURE_NAME, crypto.sign_manifest(manifest_bytes, sign_key))
        archive.add(database_copy, arcname=manifest["database"]["path"], recursive=False)
        root = storage.root()
        for entry in manifest["files"]:
            _add_evidence(archive, root, entry)


def _add_evidence(archive: tarfile.TarFile, root: Path, entry: dict) -> None:
    """Add one evidence file, checking its size and hash against its row while it is read."""
    path = root / entry["path"]
    try:
        stat = path.stat()
    except OSError:
        raise BackupError(f"Evidence file {entry['path']} is missing from {root}: the backup would be "
                          "incomplete. Restore the file or remove its evidence, then back up again.") from None
    if stat.st_size != entry["size"]:
        raise BackupError(f"Evidence file {entry['path']} has {stat.st_size} bytes, its row says {entry['size']}.")
    info = tarfile.TarInfo(EVIDENCE_PREFIX + entry["path"])
    info.size, info.mode, info.mtime = stat.st_size, 0o600, int(stat.st_mtime)
    with path.open("rb") as handle:
        reader = _HashingReader(handle)
        archive.addfile(info, reader)
    if reader.digest.hexdigest() != entry["sha256"]:
        raise BackupError(f"Evidence file {entry['path']} does not match its hash: it was altered on disk.")


# ---------------------------------------------------------------------------------------------------------------
# Restore


def instance_contents() -> list[str]:
    """Say what the current instance already holds (accounts, activities, evidence files); empty means empty."""
    found = []
    engine_inspector = inspect(db.engine)
    for table, label in (("user", "account(s)"), ("activity", "activity(ies)")):
        if engine_inspector.has_table(table):
            count = db.session.scalar(select(func.count()).select_from(db.metadata.tables[table]))
            if count:
                found.append(f"{count} {label}")
    db.session.rollback()
    files = list(storage.iter_stored_files())
    if files:
        found.append(f"{len(files)} file(s) in {storage.root()}")
    return found


def _check_member(member: tarfile.TarInfo, dialect_names: set[str]) -> str:
    """Refuse any archive member that is not one of ours or could write outside the staging folder."""
    name = member.name
    path = PurePosixPath(name)
    if name.startswith(("/", "\\")) or path.is_absolute() or ".." in path.parts or "\\" in name or ":" in name:
        raise BackupError(f"Unsafe path in the archive: {name!r}. Nothing was restored.")
    if member.isdir():
        return "dir"
    if not member.isfile():
        raise BackupError(f"The archive holds a link or special file ({name!r}). Nothing was restored.")
    if name in (MANIFEST_NAME, crypto.SIGNATURE_NAME):
        return "manifest" if name == MANIFEST_NAME else "signature"
    if name in dialect_names:
        return "database"
    if name.startswith(EVIDENCE_PREFIX) and storage.is_valid_hash(path.name) and \
            str(storage.relative_path(path.name)) == name.removeprefix(EVIDENCE_PREFIX):
        return "evidence"
    raise BackupError(f"Unexpected file in the archive: {name!r}. Nothing was restored.")


def _copy_hashing(source, target: Path, limit: int) -> tuple[str, int]:
    """Stream a member to a file, hashing it; refuse more bytes than the member declares."""
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as out:
        while chunk := source.read(storage.CHUNK_SIZE):
            size += len(chunk)
            if size > limit:
                raise BackupError(f"{target.name} is longer than declared. Nothing was restored.")
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


def _read_manifest(data: bytes) -> dict:
    """Parse and check the manifest."""
    try:
        manifest = json.loads(data)
    except ValueError:
        raise BackupError("The manifest is not valid JSON. Nothing was restored.") from None
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"Unsupported backup format version {manifest.get('format_version')!r} "
                          f"(this tracker reads version {FORMAT_VERSION}).")
    for key in ("dialect", "tables", "database", "files"):
        if key not in manifest:
            raise BackupError(f"The manifest lacks {key!r}. Nothing was restored.")
    return manifest


def _members(archive: tarfile.TarFile, archive_path: Path) -> list[tarfile.TarInfo]:
    """The archive's members, refusing a damaged listing or a name given twice."""
    try:
        members = archive.getmembers()
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise BackupError(f"{archive_path} is damaged: {error}. Nothing was restored.") from None
    names = [m.name for m in members]
    if len(names) != len(set(names)):
        raise BackupError("The archive lists the same file twice. Nothing was restored.")
    return members


def _stage_member(archive: tarfile.TarFile, archive_path: Path, member: tarfile.TarInfo, target: Path):
    """Copy one member to its staging place, returning its hash and size."""
    try:
        return _copy_hashing(archive.extractfile(member), target, member.size)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise BackupError(f"{archive_path} is damaged at {member.name}: {error}. Nothing was restored.") from None


def _read_small(archive: tarfile.TarFile, archive_path: Path, member: tarfile.TarInfo,
                limit: int | None = None) -> bytes:
    """The bytes of a small member (the manifest or its signature)."""
    if limit is not None and member.size > limit:
        raise BackupError(f"The archive's {member.name} is too large. Nothing was restored.")
    try:
        return archive.extractfile(member).read(member.size + 1)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise BackupError(f"{archive_path} is damaged at {member.name}: {error}. Nothing was restored.") from None


def _signed_manifest(archive: tarfile.TarFile, archive_path: Path, members: dict[str, tarfile.TarInfo],
                     verify_key) -> dict:
    """The manifest, its signature checked first when a verify key is given (the manifest vouches for the rest)."""
    if "manifest" not in members:
        raise BackupError("The archive has no manifest.json: it is not a tracker backup.")
    data = _read_small(archive, archive_path, members["manifest"])
    if verify_key is not None:
        member = members.get("signature")
        signature = None if member is None else _read_small(archive, archive_path, member, crypto.MAX_SIGNATURE_SIZE)
        crypto.verify_manifest(data, signature, verify_key)
    return _read_manifest(data)


def _stage(source: Path, staging: Path, verify_key=None, shown: Path | None = None
           ) -> tuple[dict, Path, dict[str, Path]]:
    """Extract the archive into a staging folder, member by member, checking names, signature, sizes and hashes.

    source is the plain .tar.gz (an encrypted backup's is decrypted first); shown is the name given in messages.
    """
    shown = shown or source
    databases, evidence = {}, {}
    hashes = {}
    try:
        archive = tarfile.open(source, mode="r:*")
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{shown} is not a readable backup archive: {error}") from None
    with archive:
        members = _members(archive, shown)
        kinds = {m.name: _check_member(m, set(DATABASE_NAMES.values())) for m in members}
        small = {kinds[m.name]: m for m in members if kinds[m.name] in ("manifest", "signature")}
        manifest = _signed_manifest(archive, shown, small, verify_key)
        for member in members:
            kind = kinds[member.name]
            if kind == "database":
                target = staging / member.name
                hashes[member.name] = _stage_member(archive, shown, member, target)
                databases[member.name] = target
            elif kind == "evidence":
                name = member.name.removeprefix(EVIDENCE_PREFIX)
                target = staging / "evidence" / name
                target.parent.mkdir(parents=True, exist_ok=True)
                hashes[member.name] = _stage_member(archive, shown, member, target)
                evidence[name] = target
    _check_against_manifest(manifest, databases, evidence, hashes)
    return manifest, databases[DATABASE_NAMES[manifest["dialect"]]], evidence


def _check_against_manifest(manifest: dict, databases: dict[str, Path], evidence: dict[str, Path],
                            hashes: dict) -> None:
    """Every file the manifest lists is present with its hash and size, and nothing else."""
    expected_db = DATABASE_NAMES.get(manifest["dialect"])
    if set(databases) != {expected_db} or manifest["database"].get("path") != expected_db:
        raise BackupError("The archive's database copy is missing, doubled or does not match its manifest. "
                          "Nothing was restored.")
    if hashes[expected_db] != (manifest["database"]["sha256"], manifest["database"]["size"]):
        raise BackupError("The database copy does not match the hash in the manifest: the archive was altered "
                          "or damaged. Nothing was restored.")
    listed = {entry["path"]: entry for entry in manifest["files"]}
    missing = sorted(set(listed) - set(evidence))
    extra = sorted(set(evidence) - set(listed))
    if missing or extra:
        raise BackupError(f"The evidence in the archive does not match the manifest (missing: {missing[:5]}, "
                          f"unlisted: {extra[:5]}). Nothing was restored.")
    for path, entry in listed.items():
        if str(_relative_path(entry["sha256"])) != path:
            raise BackupError(f"The manifest names {path} with hash {entry['sha256']}. Nothing was restored.")
        digest, size = hashes[EVIDENCE_PREFIX + path]
        if digest != entry["sha256"] or size != entry["size"]:
            raise BackupError(f"Evidence file {path} does not match its hash: the archive was altered or damaged. "
                              "Nothing was restored.")


def _check_sqlite_copy(database: Path, manifest: dict) -> None:
    """The staged SQLite copy is sound and holds exactly the rows and files the manifest lists."""
    try:
        check = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            result = check.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            check.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"The database copy is not a usable SQLite database: {error}.") from None
    if result != "ok":
        raise BackupError(f"The database copy fails SQLite's integrity check: {result}.")
    _compare_inventory(_sqlite_inventory(database), manifest)


def _compare_inventory(facts: dict, manifest: dict) -> None:
    """The database holds the rows and the stored files the manifest describes."""
    if facts["tables"] != manifest["tables"]:
        differ = sorted(name for name in set(facts["tables"]) | set(manifest["tables"])
                        if facts["tables"].get(name) != manifest["tables"].get(name))
        raise BackupError(f"The database's row counts differ from the manifest in: {', '.join(differ)}.")
    by_path = {(f["path"], f["sha256"], f["size"]) for f in facts["files"]}
    if by_path != {(f["path"], f["sha256"], f["size"]) for f in manifest["files"]}:
        raise BackupError("The stored_file table and the manifest's list of evidence files disagree.")


@contextmanager
def _staging_folder(near: Path):
    """A temporary folder beside `near`, on the same filesystem, so that moving out of it is a rename."""
    near.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{near.name}.restore-", dir=near.parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def configured_verify_key():
    """The Ed25519 public key every restore must be signed by (BACKUP_VERIFY_KEY, a path), or None."""
    path = current_app.config.get("BACKUP_VERIFY_KEY")
    return crypto.load_verify_key(Path(path)) if path else None


def restore_backup(archive_path: Path, *, force: bool = False, passphrase: bytes | None = None, identity=None,
                   verify_key=None) -> dict:
    """Restore an archive into this instance after verifying every hash; return its manifest.

    An encrypted archive needs its passphrase or the X25519 identity it was encrypted to. With a verify key (or
    BACKUP_VERIFY_KEY configured) the manifest must carry that key's valid signature. Every check passes before
    anything in the instance changes.
    """
    archive_path = Path(archive_path)
    if not archive_path.is_file():
        raise BackupError(f"{archive_path} does not exist.")
    if verify_key is None:
        verify_key = configured_verify_key()
    dialect = _dialect()
    contents = instance_contents()
    if contents and not force:
        raise BackupError("This instance is not empty (" + ", ".join(contents) + "). Restore into an empty "
                          "instance, or pass --force to replace its database with the backup's.")
    root = storage.root()
    with _staging_folder(root) as staging:
        # An encrypted archive is decrypted (and wholly authenticated) before tarfile reads a byte of it.
        plain = staging / "archive.tar.gz"
        encrypted = crypto.decrypt_file(archive_path, plain, passphrase=passphrase, identity=identity)
        manifest, database, evidence = _stage(plain if encrypted else archive_path, staging, verify_key,
                                              shown=archive_path)
        plain.unlink(missing_ok=True)  # staged member by member: the decrypted copy only takes disk space now
        if manifest["dialect"] != dialect:
            raise BackupError(f"This backup is of a {manifest['dialect']} database; this instance uses {dialect}. "
                              "Restore it into an instance of the same kind.")
        if dialect == "sqlite":
            _check_sqlite_copy(database, manifest)
        moved = _move_evidence(evidence, root)
        try:
            if dialect == "sqlite":
                _restore_sqlite(database)
            else:
                _restore_postgresql(database)
            _verify_restored(manifest)
        except BaseException:
            for path in moved:  # the files that were not there before: the instance goes back to how it was
                path.unlink(missing_ok=True)
            raise
    # The restored rows carry the data version they had when backed up: a cache that outlives the restore (Redis)
    # may hold entries under the versions that follow it, computed from the data the restore replaced.
    cache.clear()
    return manifest


def _move_evidence(evidence: dict[str, Path], root: Path) -> list[Path]:
    """Move the verified files into the evidence folder; return the ones that were not there already."""
    moved = []
    try:
        for relative, staged in sorted(evidence.items()):
            final = root / relative
            if final.is_file() and final.stat().st_size == staged.stat().st_size and \
                    storage.hash_file(final) == final.name:
                continue  # --force over an instance that already has this content
            private_folder(final.parent)
            os.chmod(staged, 0o600)
            os.replace(staged, final)
            moved.append(final)
    except BaseException:
        for path in moved:
            path.unlink(missing_ok=True)
        raise
    return moved


def _restore_sqlite(database: Path) -> None:
    """Write the verified copy into the instance's database through SQLite's backup API, in one transaction.

    Every page is replaced, the schema too: audit_entry's append-only triggers are the backup's own (no row of it
    is updated or deleted here). A backup older than revision a12e00000001 has none: `db upgrade` adds them.
    """
    db.session.remove()
    db.engine.dispose()
    target_path = _sqlite_path()
    target_path.parent.mkdir(parents=True, exist_ok=True)
    private_file(target_path)  # owner-only (0600) before SQLite writes into it
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    target = sqlite3.connect(target_path, timeout=current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", 5000) / 1000)
    try:
        source.backup(target)  # replaces every page atomically; works with the target's WAL and locks
    finally:
        target.close()
        source.close()


def _restore_postgresql(dump: Path) -> None:
    """pg_restore the dump into the (empty) database in a single transaction.

    --clean drops the tables, and with them audit_entry's append-only triggers, rather than deleting rows; the
    dump creates the table, its rows, then its triggers and their function again. A dump older than revision
    a12e00000001 has none: `db upgrade` adds them.
    """
    db.session.remove()
    db.engine.dispose()
    conninfo, env = _libpq(db.engine.url)
    _run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--clean", "--if-exists", "--single-transaction",
          "--exit-on-error", "--dbname", conninfo, str(dump)], env)


def _verify_restored(manifest: dict) -> None:
    """Read the restored instance back: rows as counted, and every stored file present with its hash."""
    db.session.remove()
    with db.engine.connect() as conn:
        facts = inventory(conn)
    try:
        _compare_inventory(facts, manifest)
    except BackupError as error:
        _empty_database()
        raise BackupError(f"{error} The restored tables were dropped: the database is empty again.") from None
    problems = verify_evidence()
    db.session.remove()
    if problems:
        _empty_database()
        raise BackupError("After the restore some evidence files do not match (" + "; ".join(problems[:5])
                          + "). The restored tables were dropped: the database is empty again.")


def _empty_database() -> None:
    """Drop every table after a failed restore, so the instance is left empty rather than half restored."""
    db.session.remove()
    db.metadata.drop_all(db.engine)
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


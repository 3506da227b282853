"""Evidence files on disk: one file per content, at <EVIDENCE_FOLDER>/<sha[:2]>/<sha>, written atomically.

The layout is the contract with backup and restore: a file's path depends only on its SHA-256, the original
name lives only in the database, and <EVIDENCE_FOLDER>/tmp holds uploads being written (same filesystem, so
that the final rename is atomic). A file reaches its final path before its row can be committed, so a crash
never leaves a row without its file; at worst a file without a row, which `orphans()` lists.
"""
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from flask import current_app
from sqlalchemy import select

from ..core.files import private_folder
from ..extensions import db
from .models import StoredFile

CHUNK_SIZE = 1024 * 1024
TMP_DIR = "tmp"
_SHA256 = re.compile(r"[0-9a-f]{64}")


class FileTooLarge(ValueError):
    """The stream went past the size limit while being stored."""


def root() -> Path:
    """The evidence folder, from the app's configuration."""
    return Path(current_app.config["EVIDENCE_FOLDER"])


def is_valid_hash(text: str | None) -> bool:
    """Tell whether a text is a lower-case SHA-256 hex digest, the only kind of name the store uses."""
    return bool(_SHA256.fullmatch(text or ""))  # fullmatch: "$" would let a trailing newline through


def relative_path(sha256: str) -> PurePosixPath:
    """Return where a file with this SHA-256 lives, relative to the evidence folder (<sha[:2]>/<sha>)."""
    if not is_valid_hash(sha256):
        raise ValueError("Not a SHA-256 hex digest.")  # never let a value from the database name a path
    return PurePosixPath(sha256[:2], sha256)


def path_for(stored: StoredFile | str) -> Path:
    """The path where a stored file's content lives (from the row or its SHA-256)."""
    sha = stored if isinstance(stored, str) else stored.sha256
    return root() / relative_path(sha)


def hash_file(path: Path) -> str:
    """Return the SHA-256 hex digest of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def iter_stored_files() -> Iterator[Path]:
    """Yield every file in the evidence folder, sorted, except uploads still being written."""
    base = root()
    if not base.is_dir():
        return
    found = []
    # Any file counts, even one not named by a hash: callers ask whether the folder holds anything.
    for entry in base.iterdir():
        if entry.is_dir() and entry.name != TMP_DIR:
            found.extend(p for p in entry.rglob("*") if p.is_file())
        elif entry.is_file():
            found.append(entry)
    yield from sorted(found)


def store(stream, *, mime_type: str = "application/octet-stream", max_bytes: int | None = None) -> StoredFile:
    """Write a stream to its content-addressed place and return its StoredFile row (added, not committed)."""
    if hasattr(stream, "seek"):
        stream.seek(0)
    tmp_dir = root() / TMP_DIR
    private_folder(tmp_dir)
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-", suffix=".part")
    tmp_path = Path(tmp_name)
    try:
        digest, size = hashlib.sha256(), 0
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK_SIZE):
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise FileTooLarge(f"The file is larger than {max_bytes} bytes.")
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())  # the bytes are on disk before the name points at them
        sha = digest.hexdigest()
        final = path_for(sha)
        private_folder(final.parent)
        if final.is_file() and final.stat().st_size == size:
            tmp_path.unlink()  # the same content is already stored: keep one copy
        else:
            os.chmod(tmp_path, 0o600)
            os.replace(tmp_path, final)
            _fsync_dir(final.parent)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    row = db.session.scalar(select(StoredFile).where(StoredFile.sha256 == sha))
    if row is None:
        row = StoredFile(sha256=sha, size=size, mime_type=mime_type)
        db.session.add(row)
    return row


def verify(stored: StoredFile) -> bool:
    """Tell whether the file on disk still has the size and hash its row records."""
    path = path_for(stored)
    try:
        if path.stat().st_size != stored.size:
            return False
        return hash_file(path) == stored.sha256
    except OSError:
        return False


def orphans(stale_after: float = 3600) -> list[Path]:
    """Files with no StoredFile row, and temporary files older than `stale_after` seconds, sorted."""
    base = root()
    if not base.is_dir():
        return []
    on_disk = {}
    for folder in base.iterdir():
        if folder.is_dir() and re.fullmatch(r"[0-9a-f]{2}", folder.name):
            for path in folder.iterdir():
                if path.is_file() and is_valid_hash(path.name) and path.name[:2] == folder.name:
                    on_disk[path.name] = path
    known = set()
    names = list(on_disk)
    for start in range(0, len(names), 500):  # bounded IN lists
        batch = names[start:start + 500]
        known.update(db.session.scalars(select(StoredFile.sha256).where(StoredFile.sha256.in_(batch))))
    found = [path for sha, path in on_disk.items() if sha not in known]
    tmp_dir = base / TMP_DIR
    if tmp_dir.is_dir():
        cutoff = time.time() - stale_after
        found.extend(p for p in tmp_dir.iterdir() if p.is_file() and p.stat().st_mtime < cutoff)
    return sorted(found)


def _fsync_dir(path: Path) -> None:
    """Make a rename durable by syncing its directory (where the platform allows it)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

"""Files at rest readable by the service's own user only: folders 0700, files 0600, set explicitly.

The modes are given to each mkdir, open and chmod rather than through os.umask, which is process-wide.
"""
import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path) -> Path:
    """Create a folder and its missing parents owner-only, or tighten an existing one of ours; return it."""
    path = Path(path)
    if not path.is_dir():
        if not path.parent.is_dir():
            private_folder(path.parent)
        try:
            path.mkdir(mode=FOLDER_MODE)
        except FileExistsError:  # another worker made it meanwhile
            pass
    _tighten(path, FOLDER_MODE)
    return path


def private_file(path) -> Path:
    """Create an empty file owner-only if it is missing, or tighten an existing one of ours; return it."""
    path = Path(path)
    os.close(os.open(path, os.O_RDONLY | os.O_CREAT, FILE_MODE))
    _tighten(path, FILE_MODE)
    return path


def create_private(path) -> int:
    """Create a new file owner-only, refusing an existing one (FileExistsError); return its descriptor."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    """Set the mode of a file or folder this process owns (one owned by another user, say root, is left alone)."""
    status = path.stat()
    if status.st_uid == os.geteuid() and status.st_mode & 0o777 != mode:
        os.chmod(path, mode)

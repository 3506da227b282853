"""The real tracker app, plus pause points that let the crash tests kill a worker at an exact moment.

Served by gunicorn as `tests.browser.crash_app:app` (never by `wsgi.py`): the hooks exist only in this test module,
so production code carries none of them. When CRASH_PAUSE_AT is set, the first matching request writes
{"pid", "point"} to CRASH_MARKER and blocks until the test kills that worker with SIGKILL, or lets it go on by
creating the file CRASH_RELEASE (by default CRASH_MARKER + ".release"). A worker nobody kills or releases within
CRASH_PAUSE_SECONDS fails its request rather than carry on as if it had never paused.

Pause points:
  partial  inside evidence storage, after the first chunk of an upload is written to its temporary file
  stored   after an uploaded file reached its final path, before its rows are flushed
  flush    after the request's changes are flushed to the database, before the commit
"""
import json
import os
import threading
from pathlib import Path

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.waiting import wait_until
from tracker import create_app
from tracker.evidence import storage

app = create_app(os.environ.get("TRACKER_ENV", "development"))

PAUSE_AT = os.environ.get("CRASH_PAUSE_AT", "")
PAUSE_PATH = os.environ.get("CRASH_PAUSE_PATH", "/evidence/")
MARKER = os.environ.get("CRASH_MARKER", "")
RELEASE = os.environ.get("CRASH_RELEASE", MARKER + ".release")
PAUSE_SECONDS = float(os.environ.get("CRASH_PAUSE_SECONDS", "600"))
_paused = threading.Event()


def _pause(point: str) -> None:
    """Tell the test where this worker stands, then wait for the kill or the release (once per worker)."""
    if _paused.is_set():
        return
    _paused.set()
    partial = MARKER + ".writing"
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump({"pid": os.getpid(), "point": point}, handle)
    os.replace(partial, MARKER)
    wait_until(Path(RELEASE).exists, timeout=PAUSE_SECONDS,
               message=f"paused at {point}: the test neither killed this worker nor created {RELEASE}")


def _in_target_request() -> bool:
    """Only the POSTs the test aims at pause, not the login before them."""
    return has_request_context() and request.method == "POST" and request.path.startswith(PAUSE_PATH)


class _PausingStream:
    """An upload stream that pauses once the first chunk has been read (and so written to the temp file)."""

    def __init__(self, stream):
        self._stream = stream
        self._reads = 0

    def read(self, size=-1):
        self._reads += 1
        if self._reads == 2:
            _pause("partial")
        return self._stream.read(size)

    def __getattr__(self, name):
        return getattr(self._stream, name)


_real_store = storage.store


def _store(stream, **kwargs):
    """storage.store with the `partial` and `stored` pause points."""
    if PAUSE_AT == "partial" and _in_target_request():
        stream = _PausingStream(stream)
    row = _real_store(stream, **kwargs)
    if PAUSE_AT == "stored" and _in_target_request():
        _pause("stored")
    return row


storage.store = _store


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context):
    """The `flush` pause point: rows written in the open transaction, not committed."""
    if PAUSE_AT == "flush" and _in_target_request():
        _pause("flush")

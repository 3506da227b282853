"""A job worker whose report layout never ends, after saying so in a file: the test kills it mid-render.

Run as `python -m tests.stalled_worker MARKER`; everything else is the real `flask jobs worker`.
"""
import sys
import threading
from pathlib import Path

from flask.cli import main

from tracker.reports import services

MARKER = Path(sys.argv[1])  # read before the worker's own arguments replace sys.argv


def _stalled(*args, **kwargs):
    """Stand in for WeasyPrint's layout: tell the test it started, then never finish."""
    MARKER.write_text("laying out")
    threading.Event().wait()


if __name__ == "__main__":
    services.render_pdf = _stalled
    sys.argv = ["flask", "jobs", "worker", "--workers", "1", "--no-periodic"]
    main()

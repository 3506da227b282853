"""WSGI entry point: `flask --app wsgi ...` and `gunicorn wsgi:app`."""
import os

from tracker import create_app

app = create_app(os.environ.get("TRACKER_ENV", "development"))

"""The security event log: one JSON object per line on the `tracker.security` logger, appended to SECURITY_LOG.

Each line has `time` (ISO-8601, UTC), `event`, `outcome` (success, failure or denied), `user_id` and `email` (when
known), and for a request `ip` (`request.remote_addr`: ProxyFix sets it from the trusted proxies), `user_agent`,
`path` (without its query string) and `method`; then the event's own fields. Never a password, token, session id
or form body: a field whose name contains a part like `password`, `token` or `session` is written as "[redacted]".

The hooks at the bottom are the events other features report (logins, throttling, second factor, account changes).
"""
import json
import logging
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app, has_app_context, has_request_context, request
from sqlalchemy import event as sa_event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

LOGGER_NAME = "tracker.security"
logger = logging.getLogger(LOGGER_NAME)

SUCCESS, FAILURE, DENIED = "success", "failure", "denied"
REDACTED = "[redacted]"
# Parts of a field name (split at "_") that mean a secret: such a field's value never reaches the log.
SECRET_NAME_PARTS = frozenset({"password", "passwd", "pass", "secret", "token", "tokens", "session", "sessions",
                               "sid", "cookie", "csrf", "otp", "totp", "code", "codes", "hash", "key", "form",
                               "body", "data"})
MAX_TEXT = 512  # a user agent or a typed email: enough to tell them apart, never a line of kilobytes
_PENDING = "tracker.security_log.pending"  # events waiting in a session's info for its commit


def event(name: str, *, outcome: str = SUCCESS, user=None, email: str | None = None, **fields) -> None:
    """Write one security event now (`user` defaults to the logged-in user of the request)."""
    _write(_payload(name, outcome, user, email, fields))


def event_on_commit(name: str, *, outcome: str = SUCCESS, user=None, email: str | None = None, **fields) -> None:
    """Write one security event when the current database transaction commits, and never if it rolls back."""
    from ..extensions import db

    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback before any statement still ends it, and drops the event
    session.info.setdefault(_PENDING, []).append(_payload(name, outcome, user, email, fields))


# --- the hooks ---------------------------------------------------------------------------------------------------


def login_succeeded(user, **fields) -> None:
    """A login completed (after the second factor, when there is one)."""
    event("login_succeeded", user=user, **fields)


def login_failed(email: str | None, *, reason: str, user=None, **fields) -> None:
    """A login was refused; `reason` says why for the operator (unknown_account, wrong_password, inactive, ...),
    `email` is what was typed, `user` the account when one matched. Never pass the password."""
    event("login_failed", outcome=FAILURE, user=user, email=email, reason=reason, **fields)


def throttled(scope: str, *, email: str | None = None, user=None, retry_after: float | None = None,
              **fields) -> None:
    """A request was refused by a rate limit; `scope` names the limit (say "login:address", "login:account")."""
    event("throttled", outcome=DENIED, user=user, email=email, scope=scope, retry_after=retry_after, **fields)


def second_factor(user, action: str, *, ok: bool = True, factor: str = "totp", **fields) -> None:
    """A second-factor step: `action` is verify, enroll, disable or regenerate_recovery; `factor` is totp or
    recovery (a one-time recovery code was used); `ok` False for a wrong code. Never pass the code itself."""
    event("second_factor", outcome=SUCCESS if ok else FAILURE, user=user, action=action, factor=factor, **fields)


def role_changed(actor, target, before: str, after: str) -> None:
    """An account's role changed (written once the change commits)."""
    event_on_commit("role_changed", user=actor, target_user_id=target.id, target_email=target.email,
                    role_before=before, role_after=after)


def password_changed(target, *, by=None) -> None:
    """An account's password was changed by its owner, or reset by someone else (`by`), once that commits."""
    name = "password_changed" if by is None or by is target else "password_reset"
    event_on_commit(name, user=by or target, target_user_id=target.id, target_email=target.email)


# --- the line ------------------------------------------------------------------------------------------------------


def _payload(name: str, outcome: str, user, email: str | None, fields: dict) -> dict:
    """The fields of one line, in a fixed order, with secret-looking fields redacted."""
    user_id, user_email = _who(user)
    payload = {"time": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
               "event": name, "outcome": outcome, "user_id": user_id, "email": _plain(user_email or email),
               **_request_fields()}
    for key, value in fields.items():
        if key in payload:
            raise TypeError(f"{key!r} is one of the security log's own fields: name the event's field otherwise.")
        payload[key] = REDACTED if SECRET_NAME_PARTS & set(key.lower().split("_")) else _plain(value)
    return payload


def _plain(value):
    """A JSON value, texts cut at MAX_TEXT."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)[:MAX_TEXT]


def _request_fields() -> dict:
    """Where the request came from and what it asked for (nothing of its body, cookies or query string)."""
    if not has_request_context():
        return {"ip": None, "user_agent": None, "path": None, "method": None}
    return {"ip": request.remote_addr, "user_agent": _plain(request.headers.get("User-Agent")),
            "path": _plain(request.path), "method": request.method}


def _who(user) -> tuple[int | None, str | None]:
    """The id and email of the given user, or else of the request's logged-in user, when known."""
    try:
        if user is None and has_request_context():
            from flask_login import current_user

            user = current_user if current_user.is_authenticated else None
        return getattr(user, "id", None), getattr(user, "email", None)
    except SQLAlchemyError:  # an error page while the database is down still gets its line, without the user
        return None, None


def _write(payload: dict) -> None:
    """Hand one event to the logger."""
    logger.info("%s", payload["event"], extra={"security_event": payload})


@sa_event.listens_for(Session, "after_commit")
def _write_committed(session) -> None:
    """Write the events of a transaction that just committed (a savepoint released is not that commit yet)."""
    if session.get_nested_transaction() is None:
        for payload in session.info.pop(_PENDING, ()):
            _write(payload)


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted(session, transaction) -> None:
    """Drop the events of a transaction that ended without committing: what they describe did not happen."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


# --- the file ------------------------------------------------------------------------------------------------------


class JsonLineFormatter(logging.Formatter):
    """A security event as one compact JSON object (newlines and control characters escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record's event, or a bare message logged to this logger by other code."""
        payload = getattr(record, "security_event", None) or {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"), "event": record.getMessage()}
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)


class SecurityLogHandler(logging.Handler):
    """Append each line to the current app's SECURITY_LOG ("-": standard error).

    The file is opened for each line, which is rare: after logrotate moves it the next line creates it again
    (owner-only), with no signal or copytruncate, and each line is one O_APPEND write, so the lines of several
    gunicorn workers never interleave.
    """

    def emit(self, record: logging.LogRecord) -> None:
        """Write one line."""
        try:
            line = self.format(record) + "\n"
            target = current_app.config.get("SECURITY_LOG", "-") if has_app_context() else "-"
            if target == "-":
                sys.stderr.write(line)
                sys.stderr.flush()
                return
            fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
            finally:
                os.close(fd)
        except Exception:
            self.handleError(record)


def init_app(app) -> None:
    """Resolve SECURITY_LOG (default <instance>/security.log), create the file owner-only, attach the handler."""
    target = app.config.get("SECURITY_LOG") or str(Path(app.instance_path) / "security.log")
    app.config["SECURITY_LOG"] = target
    if target != "-":  # a log that cannot be written stops the start, rather than losing every event later
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600))
    if not any(isinstance(handler, SecurityLogHandler) for handler in logger.handlers):
        handler = SecurityLogHandler()
        handler.setFormatter(JsonLineFormatter())
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # its own file, not the server's error log

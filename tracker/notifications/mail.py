"""Email: plain text plus HTML from Jinja templates (templates/notifications/email/), sent over SMTP by jobs.

Without MAIL_SERVER nothing leaves the machine: each message is written to MAIL_OUTBOX (default
"<instance>/outbox") as an .eml file, which any mail program opens ("-": dropped, for the test suite).
"""
import logging
import smtplib
import ssl
import uuid
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template

from ..core.files import create_private, private_folder

logger = logging.getLogger("tracker.mail")


def absolute(path: str) -> str:
    """The full address of a page of the tracker, under BASE_URL."""
    return current_app.config["BASE_URL"].rstrip("/") + "/" + path.lstrip("/")


def compose(to: str, subject: str, template: str, **context) -> EmailMessage:
    """Build a message from templates/notifications/email/<template>.txt and .html (HTML autoescaped)."""
    message = EmailMessage()
    message["Subject"] = " ".join(subject.split())[:200]  # user text: never a line break in a header
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain="tracker.metropolis")
    context.setdefault("settings_url", absolute("/notifications"))
    message.set_content(render_template(f"notifications/email/{template}.txt", **context))
    message.add_alternative(render_template(f"notifications/email/{template}.html", **context), subtype="html")
    return message


def send(message: EmailMessage) -> None:
    """Send a message through MAIL_SERVER, or write it to the outbox folder when there is none."""
    settings = current_app.config
    if not settings.get("MAIL_SERVER"):
        _to_outbox(message)
        return
    use_ssl = settings["MAIL_USE_SSL"]
    smtp_class = smtplib.SMTP_SSL if use_ssl else smtplib.SMTP
    with smtp_class(settings["MAIL_SERVER"], settings["MAIL_PORT"], timeout=settings["MAIL_TIMEOUT"]) as smtp:
        if settings["MAIL_USE_TLS"] and not use_ssl:
            smtp.starttls(context=ssl.create_default_context())
        if settings.get("MAIL_USERNAME"):
            smtp.login(settings["MAIL_USERNAME"], settings.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)
    logger.info("Email %r sent to %s", message["Subject"], message["To"])


def outbox_folder() -> Path:
    """Where messages go when no SMTP server is configured."""
    return Path(current_app.config.get("MAIL_OUTBOX") or Path(current_app.instance_path) / "outbox")


def _to_outbox(message: EmailMessage) -> None:
    """Write a message to the outbox folder (owner-only: an invitation holds a password link)."""
    if current_app.config.get("MAIL_OUTBOX") == "-":  # the test suite: kept nowhere
        logger.info("No MAIL_SERVER: email %r to %s dropped", message["Subject"], message["To"])
        return
    folder = outbox_folder()
    private_folder(folder)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    with open(create_private(path), "wb") as handle:
        handle.write(message.as_bytes())
    logger.warning("No MAIL_SERVER: email %r to %s written to %s", message["Subject"], message["To"], path)

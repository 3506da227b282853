"""A real SMTP server on the loopback address (aiosmtpd), for the tests that read what the tracker emails."""
import re
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from .waiting import wait_until


class Mailbox:
    """What the server received: each message parsed, with its envelope's recipients."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        """Keep one message (aiosmtpd calls this for each DATA)."""
        message = message_from_bytes(envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages sent to one address."""
        with self._lock:
            return [m for m in self.messages if address in m["X-Envelope-To"]]

    def wait_for(self, address: str, count: int = 1, timeout: float = 20) -> list[EmailMessage]:
        """Wait until `count` messages reached an address; return them."""
        return wait_until(lambda: len(self.to(address)) >= count and self.to(address), timeout=timeout,
                          message=lambda: f"{count} email(s) to {address}; got {[m['Subject'] for m in self.messages]}")


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def text_of(message: EmailMessage) -> str:
    """The plain-text part of a message."""
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    """The HTML part of a message."""
    return message.get_body(preferencelist=("html",)).get_content()


def link_in(message: EmailMessage, base: str = "") -> str:
    """The first link of the plain text under `base`."""
    found = re.search(re.escape(base) + r"\S+", text_of(message))
    assert found, text_of(message)
    return found.group(0)


@pytest.fixture
def smtp_server():
    """A running SMTP server on 127.0.0.1: .host, .port, .mailbox."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    controller.mailbox = mailbox
    yield controller
    controller.stop()


@pytest.fixture
def mailbox(app, smtp_server):
    """The test app sends its email through a real SMTP server; returns what that server receives."""
    saved = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USE_SSL")}
    app.config.update(MAIL_SERVER=smtp_server.hostname, MAIL_PORT=smtp_server.port, MAIL_USE_TLS=False,
                      MAIL_USE_SSL=False)
    yield smtp_server.mailbox
    app.config.update(saved)

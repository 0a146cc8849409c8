"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for tests of the
academy's e-mail. Its own thread runs aiosmtpd's event loop; tests read `messages`.

Addresses starting with "bounce" are refused (550) as a real mail server refuses an unknown
mailbox."""

from __future__ import annotations

import email
import email.policy
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.server_process import free_port

SUPPORTER_LINK = re.compile(r"http://127\.0\.0\.1:\d+/supporter/[A-Za-z0-9_-]+")


class _Handler:
    def __init__(self, inbox: Inbox) -> None:
        self._inbox = inbox

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.lower().startswith("bounce"):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self._inbox.add(list(envelope.rcpt_tos), parsed)
        return "250 Message accepted"


class Inbox:
    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self._lock = threading.Lock()

    def add(self, recipients: list[str], message: EmailMessage) -> None:
        with self._lock:
            self.messages.append((recipients, message))

    def wait_for(self, count: int, timeout: float = 20.0) -> list[tuple[list[str], EmailMessage]]:
        """The first `count` messages, once they have arrived (fails after `timeout`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages[:count])
            time.sleep(0.05)
        raise AssertionError(f"{len(self.messages)} e-mails arrived, expected {count}")

    def supporter_link(self, address: str, timeout: float = 30.0) -> str:
        """The supporter page's link in the first e-mail to `address`, once it has arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                found = [m for to, m in self.messages if to == [address]]
            if found:
                (url,) = SUPPORTER_LINK.findall(found[0].get_content())
                return str(url)
            time.sleep(0.05)
        raise AssertionError(f"no e-mail to {address}")


@contextmanager
def smtp_inbox() -> Iterator[Inbox]:
    inbox = Inbox(free_port())
    controller = Controller(_Handler(inbox), hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()

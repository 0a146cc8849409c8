"""Fixtures for end-to-end tests: a demo academy that a test may stop and restart, and one
whose e-mails go to a real SMTP inbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.server_process import LiveServer, start_server
from tests.smtp_inbox import Inbox, smtp_inbox


@pytest.fixture(scope="module")
def stoppable_academy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A seeded academy of this module's own; tests may stop it (and must start it again)."""
    server = start_server(tmp_path_factory.mktemp("stoppable"), seed_demo=True)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    """A real SMTP server (aiosmtpd) on loopback, for this module."""
    with smtp_inbox() as running:
        yield running


@pytest.fixture(scope="module")
def academy_with_mail(
    tmp_path_factory: pytest.TempPathFactory, inbox: Inbox
) -> Iterator[LiveServer]:
    """A seeded academy of this module's own that sends its e-mails to `inbox`."""
    server = start_server(
        tmp_path_factory.mktemp("mailing-academy"),
        extra_args=("--smtp-host", "127.0.0.1", "--smtp-port", str(inbox.port)),
    )
    yield server
    server.stop()

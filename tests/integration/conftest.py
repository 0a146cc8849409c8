"""Fixtures for end-to-end tests: a demo academy that a test may stop and restart."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.server_process import LiveServer, start_server


@pytest.fixture(scope="module")
def stoppable_academy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A seeded academy of this module's own; tests may stop it (and must start it again)."""
    server = start_server(tmp_path_factory.mktemp("stoppable"), seed_demo=True)
    yield server
    server.stop()

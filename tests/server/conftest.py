"""Fixtures for server tests: real `samen-server` processes on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.server_process import LiveServer, start_server


@pytest.fixture(scope="session")
def live_server(academy: LiveServer) -> LiveServer:
    """The seeded demo academy shared by the whole session (see tests/conftest.py)."""
    return academy


@pytest.fixture
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A fresh academy with no users or courses, for tests that need a clean slate."""
    server = start_server(tmp_path_factory.mktemp("empty-server"), seed_demo=False)
    yield server
    server.stop()

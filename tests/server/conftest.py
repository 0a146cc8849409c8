"""Fixtures for server tests: real `samen-server` processes on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server_process import LiveServer, copy_academy, seed_demo_academy, start_server


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


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo academy's data directory, seeded once and copied by :func:`fresh_academy`."""
    data_dir = tmp_path_factory.mktemp("seeded-template")
    seed_demo_academy(data_dir)
    return data_dir


@pytest.fixture
def fresh_academy(
    seeded_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A private copy of the demo academy, for tests that change its data."""
    data_dir = tmp_path_factory.mktemp("fresh-academy") / "data"
    copy_academy(seeded_template, data_dir)
    server = start_server(data_dir, seed_demo=False)
    yield server
    server.stop()

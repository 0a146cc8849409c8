"""Shared fixtures: a real demo academy on loopback, a private Secret Service, local cores.

Qt runs offscreen; no test ever touches the developer's own keyring (the default backend is
keyring's 'fail' backend, and keyring tests use their own gnome-keyring on a private bus).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
# Tests read English unless they ask for Dutch (tests/i18n): a developer's LANG=nl_NL does
# not change what they expect. LANGUAGE picks the words; the system locale stays as it is.
os.environ["LANGUAGE"] = "en"
os.environ.pop("LC_ALL", None)
os.environ.pop("LC_MESSAGES", None)

from keyring.backends import fail

from desktop.core import Core, build_core
from desktop.paths import resolve_paths
from desktop.store.vault import TokenVault
from tests import academy_database, keyring_service

# Every test gets a watchdog for hangs pytest-timeout's signal cannot reach (see the module).
from tests.hang_watchdog import pytest_runtest_protocol as pytest_runtest_protocol

if TYPE_CHECKING:
    from tests.faults.proxy import FaultProxy
    from tests.server_process import LiveServer


def pytest_report_header() -> str:
    return f"academy database: {academy_database.BACKEND}"


def pytest_sessionfinish() -> None:
    # Every academy has stopped by now; its PostgreSQL database (if any) goes with it.
    academy_database.drop_all()


@pytest.fixture(scope="session")
def academy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The seeded demo academy, shared by the whole session; tests must not change its data."""
    from tests.server_process import start_server

    server = start_server(tmp_path_factory.mktemp("academy"), seed_demo=True)
    yield server
    server.stop()


@pytest.fixture
def proxy(academy: LiveServer) -> Iterator[FaultProxy]:
    """The fault proxy in front of `academy` (a module's own academy where it has one)."""
    from tests.faults.proxy import FaultProxy

    with FaultProxy("127.0.0.1", academy.port) as fault_proxy:
        yield fault_proxy


@pytest.fixture(scope="session")
def secret_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    if not keyring_service.available():
        pytest.fail("gnome-keyring-daemon and dbus-daemon are required (see scripts/setup.sh)")
    with keyring_service.secret_service(tmp_path_factory.mktemp("keyring-home")) as env:
        yield env


@pytest.fixture
def make_core(tmp_path: Path) -> Iterator[Callable[..., Core]]:
    """Build a Core on a fresh data folder with a session-only vault (unless one is given)."""
    built: list[Core] = []

    def factory(data_dir: Path | None = None, vault: TokenVault | None = None) -> Core:
        core = build_core(
            resolve_paths(data_dir or tmp_path / "samen"),
            vault=vault if vault is not None else TokenVault(fail.Keyring()),
        )
        built.append(core)
        return core

    yield factory
    for core in built:
        core.close()


@pytest.fixture(autouse=True)
def no_error_logs(
    caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest
) -> Iterator[None]:
    """Like qutebrowser's suite: an unexpected ERROR log fails the test that caused it."""
    yield
    if request.node.get_closest_marker("allow_error_logs"):
        return
    errors = [r.getMessage() for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert errors == [], f"unexpected error logs: {errors}"


@pytest.fixture
def dutch() -> Iterator[None]:
    """Samen in Dutch for one test (its words and its dates and numbers), English after it."""
    from desktop.language import catalogue, formats

    assert catalogue.install("nl") == "nl"  # the compiled catalogue is there
    formats.use("nl_NL")
    try:
        yield
    finally:
        catalogue.install("en")
        formats.use("en_GB")

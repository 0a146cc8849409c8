"""`samen demo`, the embedded default, as a learner starts it: a real window on a real X server."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests import display
from tests.cli_runner import run_samen

WINDOW_TITLE = "Samen — demo academy"


def _wait(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _demo_url(output: str) -> str | None:
    for line in output.splitlines():
        if line.startswith("Demo academy at "):
            return line.removeprefix("Demo academy at ").split(";")[0]
    return None


def _log_url(log: Path) -> str | None:
    return _demo_url(log.read_text(encoding="utf-8", errors="replace"))


def _courses_stored(data_dir: Path) -> int:
    database = data_dir / "samen.sqlite3"
    if not database.exists():
        return 0
    with sqlite3.connect(database) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM courses").fetchone()[0])


def _server_up(url: str) -> bool:
    try:
        return requests.get(url + "/v1/health", timeout=1).ok
    except requests.RequestException:
        return False


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path, str]]:
    if not display.available():
        pytest.fail("Xvfb and xwininfo are required (see scripts/setup.sh)")
    log = tmp_path / "demo.log"
    with display.xvfb() as screen, log.open("wb") as out:
        env = {
            **os.environ,
            "DISPLAY": screen,
            "QT_QPA_PLATFORM": "xcb",
            "SAMEN_DATA_DIR": str(tmp_path / "data"),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "desktop", "demo"], stdout=out, stderr=subprocess.STDOUT, env=env
        )
        try:
            _wait(lambda: _log_url(log) or process.poll() is not None, 90, "the demo academy")
            assert process.poll() is None, log.read_text()
            _wait(lambda: WINDOW_TITLE in display.window_titles(screen), 30, "the window")
            yield process, tmp_path / "data", str(_log_url(log))
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.mark.timeout(180)
def test_demo_opens_the_catalogue_and_closes_cleanly(
    demo: tuple[subprocess.Popen[bytes], Path, str],
) -> None:
    process, data_dir, url = demo
    assert _server_up(url)
    # The window's first refresh stores the catalogue it shows.
    _wait(lambda: _courses_stored(data_dir) == 2, 30, "the catalogue")
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    assert not _server_up(url), "closing the app must stop the demo server"


@pytest.mark.timeout(180)
def test_demo_server_dies_with_a_killed_app(
    demo: tuple[subprocess.Popen[bytes], Path, str],
) -> None:
    process, _data_dir, url = demo
    process.kill()
    process.wait()
    _wait(lambda: not _server_up(url), 15, "the orphaned demo server to stop")


@pytest.mark.timeout(120)
def test_demo_without_window_logs_in_and_stops_its_server(tmp_path: Path) -> None:
    done = run_samen(tmp_path, "demo", "--no-window", timeout=100)
    assert done.returncode == 0, done.stderr
    assert "logged in as Demo Learner" in done.stdout
    url = _demo_url(done.stdout)
    assert url is not None
    assert not _server_up(url)
    assert _courses_stored(tmp_path) == 0  # --no-window does not fetch; the window does

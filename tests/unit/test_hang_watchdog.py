"""A slow test fails alone and the run goes on; a test stuck outside Python ends the run with
every stack (tests/hang_watchdog.py). Each case is a real inner pytest run in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SETTINGS = """
[pytest]
timeout = 1
timeout_method = signal
addopts = -p tests.hang_watchdog -p no:cacheprovider
"""

# The watchdog's grace made short, so the stuck case ends in a second or two.
CONFTEST = """
import tests.hang_watchdog as watchdog
watchdog.GRACE_FACTOR = 1.0
watchdog.GRACE_S = 1.0
"""


def _inner_run(tmp_path: Path, tests: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "pytest.ini").write_text(SETTINGS)
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_inner.py").write_text(tests)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", str(tmp_path / "test_inner.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


@pytest.mark.timeout(150)
def test_a_test_past_its_timeout_fails_alone_and_the_run_goes_on(tmp_path: Path) -> None:
    result = _inner_run(
        tmp_path,
        "import threading\n"
        "def test_waits_for_ever():\n"
        "    threading.Event().wait()\n"
        "def test_after_it():\n"
        "    assert True\n",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 passed" in result.stdout
    assert "Timeout" in result.stdout
    assert "stuck outside Python" not in result.stderr


@pytest.mark.timeout(150)
def test_a_test_stuck_outside_python_ends_the_run_with_every_stack(tmp_path: Path) -> None:
    # system() waits for its child through EINTR, so no Python signal handler runs meanwhile:
    # the same as a test stuck inside Qt's C++.
    result = _inner_run(
        tmp_path,
        "import os\n"
        "def test_stuck_in_c():\n"
        "    os.system('sleep 30 >/dev/null 2>&1 </dev/null')\n"
        "def test_never_reached():\n"
        "    assert True\n",
    )
    assert result.returncode == 1
    assert "test_stuck_in_c still runs" in result.stderr
    assert "stuck outside Python" in result.stderr
    assert "Current thread" in result.stderr or "Thread 0x" in result.stderr
    assert "passed" not in result.stdout

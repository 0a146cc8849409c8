"""Every bench runs as docs/performance.md writes it: `.venv/bin/python bench/X.py` from the
repository root (the script's own folder on the path, not the root), here with `--help`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted(
    path.name
    for path in (ROOT / "bench").glob("*.py")
    if "__main__" in path.read_text(encoding="utf-8")
)

pytestmark = pytest.mark.timeout(120)


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_bench_starts_as_documented(script: str) -> None:
    done = subprocess.run(
        [sys.executable, f"bench/{script}", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage:" in done.stdout


def test_every_bench_is_checked() -> None:
    assert "sync_backlog.py" in SCRIPTS and len(SCRIPTS) >= 9

"""What the window's shell needs before its first paint stays small: `samen` (the GUI path)
imports neither the store, the services, the network and keyring libraries nor QtMultimedia
before the window is shown. They load on a worker after it (desktop/app.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.timeout(60)

LOADED_LATER = (
    "desktop.core",
    "desktop.store.db",
    "desktop.services.session",
    "desktop.ui.pages.course_list",
    "sqlite_utils",
    "requests",
    "keyring",
    "cryptography",
    "markdown_it",
    "feedparser",
    "PySide6.QtMultimedia",
)


def test_the_shell_path_imports_none_of_the_heavy_parts() -> None:
    probe = (
        "import sys, desktop.cli, desktop.app, desktop.ui.main_window; "
        f"print([m for m in {LOADED_LATER!r} if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"

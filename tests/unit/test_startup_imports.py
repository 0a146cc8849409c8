"""What the window's shell needs before its first paint stays small: `samen` (the GUI path)
imports neither the store, the services, the network and keyring libraries nor QtMultimedia
before the window is shown. They load on a worker after it (desktop/app.py). And offline, as in
the field for days, the HTTP stack is never loaded at all: the academy not listening is told by
one TCP connect (desktop/sync/api.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(60)

LOADED_LATER = (
    "desktop.core",
    "desktop.store.db",
    "desktop.services.session",
    "desktop.ui.pages.course_page",
    "desktop.ui.pages.lesson_page",
    "sqlite_utils",
    "requests",
    "keyring",
    "cryptography",
    "markdown_it",
    "feedparser",
    "PySide6.QtMultimedia",
    # Babel and its CLDR data load on a worker while the window is built (formats.preload).
    "babel",
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


def test_offline_the_core_and_its_status_load_neither_http_nor_the_keyring(
    tmp_path: Path,
) -> None:
    """A core (with the system's keyring, as the app makes it) whose academy does not listen:
    the status says offline and logged in, and neither requests nor the Secret Service client
    with its cryptography were imported for it."""
    probe = f"""
import socket, sys
from pathlib import Path
from desktop.core import build_core
from desktop.domain.account import Account, Role, User
from desktop.paths import resolve_paths
from desktop.store.accounts import AccountRepo

with socket.socket() as s:  # a port nothing listens on
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
core = build_core(resolve_paths(Path({str(tmp_path)!r})))
user = User(1, "anna", "Anna", Role.LEARNER)
AccountRepo(core.store).save(
    Account(f"http://127.0.0.1:{{port}}", user, "client-1", "Academy", "2999-01-01T00:00:00Z")
)
status = core.status.status()
loaded = [m for m in ("requests", "urllib3", "keyring", "secretstorage", "cryptography")
          if m in sys.modules]
print(status.connectivity.name, status.logged_in, loaded)
"""
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.split() == ["OFFLINE", "True", "[]"]

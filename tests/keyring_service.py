"""A private, real Secret Service for tests: its own D-Bus session bus and gnome-keyring-daemon.

Nothing touches the developer's own keyring. Runs in the pytest process; the daemons are children.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def available() -> bool:
    return bool(shutil.which("dbus-daemon") and shutil.which("gnome-keyring-daemon"))


@contextmanager
def secret_service(home: Path) -> Iterator[dict[str, str]]:
    """Yield the environment variables that point keyring at a fresh, unlocked login keyring."""
    runtime = home / "run"
    runtime.mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)
    env = {
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_RUNTIME_DIR": str(runtime),
    }
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **env},
    )
    assert bus.stdout is not None
    address = bus.stdout.readline().decode().strip()
    if not address:
        bus.kill()
        bus.wait()
        bus.stdout.close()
        raise RuntimeError("dbus-daemon did not print its address")
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    daemon = subprocess.Popen(
        ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **env},
    )
    assert daemon.stdin is not None
    daemon.stdin.write(b"test-keyring-password")
    daemon.stdin.close()
    try:
        _wait_until_ready(env)
        yield env
    finally:
        for process in (daemon, bus):
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        bus.stdout.close()


def _wait_until_ready(env: dict[str, str], timeout: float = 15.0) -> None:
    """The daemon takes a moment to claim org.freedesktop.secrets on the bus."""
    probe = (
        "import secretstorage, sys\n"
        "conn = secretstorage.dbus_init()\n"
        "sys.exit(0 if secretstorage.check_service_availability(conn) else 1)\n"
    )
    import sys

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = subprocess.run(
            [sys.executable, "-c", probe],
            env={**os.environ, **env},
            capture_output=True,
            check=False,
        )
        if done.returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError("gnome-keyring-daemon did not offer the Secret Service in time")

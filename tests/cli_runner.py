"""Run the real `samen` command in a subprocess, as a learner would. Test helper."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_samen(
    data_dir: Path,
    *args: str,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "SAMEN_DATA_DIR": str(data_dir), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        check=False,
    )


# Select the real Secret Service in a subprocess (conftest defaults to the 'fail' backend).
SECRET_SERVICE = {"PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring"}


def login_samen(
    data_dir: Path,
    url: str,
    password: str,
    user: str = "demo",
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`samen login --password-stdin`, as a script would run it."""
    return run_samen(
        data_dir,
        "login",
        "--server",
        url,
        "--user",
        user,
        "--password-stdin",
        stdin=password + "\n",
        env=env,
    )

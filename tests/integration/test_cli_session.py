"""The `samen` command against the real server: login, token storage, errors, offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.demo_server import free_port
from tests.cli_runner import SECRET_SERVICE, login_samen, run_samen
from tests.server_process import DEMO_PASSWORD, LiveServer


def _login(
    data: Path, url: str, password: str = DEMO_PASSWORD, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return login_samen(data, url, password, env=env)


def _keyring_token(env: dict[str, str], url: str) -> str | None:
    code = (
        "import keyring, sys\nprint(keyring.get_password('Samen ' + sys.argv[1], 'demo') or '')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, url],
        env={**os.environ, **env, **SECRET_SERVICE},
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return done.stdout.strip() or None


def _all_bytes_under(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


@pytest.mark.keyring
def test_login_stores_the_token_in_the_keyring_only(
    tmp_path: Path, academy: LiveServer, secret_env: dict[str, str]
) -> None:
    env = {**secret_env, **SECRET_SERVICE}
    done = _login(tmp_path, academy.url, env=env)
    assert done.returncode == 0, done.stderr
    assert "as Demo Learner (demo)" in done.stdout
    assert "Note:" not in done.stderr  # the keyring worked, no session-only warning

    token = _keyring_token(secret_env, academy.url)
    assert token and len(token) >= 32
    # A new process finds the token in the keyring and uses it.
    courses = run_samen(tmp_path, "courses", "--json", env=env)
    assert courses.returncode == 0, courses.stderr
    ids = {c["id"]: c["language"] for c in json.loads(courses.stdout)}
    assert ids == {"samen-leren": "nl", "learning-together": "en"}
    # Never in SQLite (incl. WAL), settings, logs or output.
    assert token.encode() not in _all_bytes_under(tmp_path)
    for output in (done.stdout, done.stderr, courses.stdout, courses.stderr):
        assert token not in output

    out = run_samen(tmp_path, "logout", env=env)
    assert out.returncode == 0, out.stderr
    assert _keyring_token(secret_env, academy.url) is None
    after = run_samen(tmp_path, "courses", env=env)
    assert after.returncode == 4
    assert "samen login" in after.stderr


def test_without_keyring_login_says_it_is_for_this_session_only(
    tmp_path: Path, academy: LiveServer
) -> None:
    done = _login(tmp_path, academy.url)  # conftest selects keyring's 'fail' backend
    assert done.returncode == 0, done.stderr
    assert "until Samen closes" in done.stderr
    status = run_samen(tmp_path, "status", "--json")
    assert status.returncode == 0
    data = json.loads(status.stdout)
    assert data["username"] == "demo"
    assert data["logged_in"] is False  # the next process has no token: it must say so
    assert data["token_persistent"] is False


def test_wrong_password_gives_a_clear_message(tmp_path: Path, academy: LiveServer) -> None:
    done = _login(tmp_path, academy.url, password="not-the-password")
    assert done.returncode == 4
    assert done.stderr.strip() == "samen: Wrong user name or password."
    assert "Traceback" not in done.stderr
    assert json.loads(run_samen(tmp_path, "status", "--json").stdout)["username"] is None


def test_login_to_a_server_that_is_down(tmp_path: Path) -> None:
    done = _login(tmp_path, f"http://127.0.0.1:{free_port()}")
    assert done.returncode == 3
    assert "Cannot reach the academy" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.keyring
def test_offline_courses_come_from_this_device(
    tmp_path: Path, stoppable_academy: LiveServer, secret_env: dict[str, str]
) -> None:
    env = {**secret_env, **SECRET_SERVICE}
    assert _login(tmp_path, stoppable_academy.url, env=env).returncode == 0
    assert run_samen(tmp_path, "courses", env=env).returncode == 0
    stoppable_academy.stop()
    try:
        courses = run_samen(tmp_path, "courses", "--json", env=env)
        assert courses.returncode == 3
        assert "offline" in courses.stderr.lower()
        assert len(json.loads(courses.stdout)) == 2
        status = run_samen(tmp_path, "status", "--json", env=env)
        data = json.loads(status.stdout)
        assert data["connectivity"] == "offline"
        assert data["logged_in"] is True
    finally:
        stoppable_academy.start()
    assert run_samen(tmp_path, "courses", env=env).returncode == 0

"""`samen --selftest` from the source tree: each check passes on a working set-up and names
what is wrong otherwise, without touching the learner's data."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.core import Core
from tests.cli_runner import SECRET_SERVICE, run_samen

pytestmark = pytest.mark.timeout(60)


def test_every_check_passes_with_a_keyring_and_the_bundled_sound(
    tmp_path: Path, secret_env: dict[str, str]
) -> None:
    result = run_samen(tmp_path / "data", "--selftest", env={**secret_env, **SECRET_SERVICE})
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Samen ") and lines[-1] == "All checks passed."
    checks = {line.split(":")[0].split()[-1]: line for line in lines[1:-1]}
    assert set(checks) == {"store", "resources", "translations", "https", "keyring", "audio"}
    assert all(line.startswith("ok    ") for line in checks.values())
    assert "SecretService" in checks["keyring"]
    played = int(checks["audio"].split("played ")[1].split(" ms")[0])
    assert 400 <= played <= 600
    assert (tmp_path / "data" / "samen.sqlite3").is_file()


def test_no_usable_keyring_fails_and_says_why(tmp_path: Path) -> None:
    # The test session's default backend is keyring's 'fail' backend: no keyring at all.
    result = run_samen(tmp_path / "data", "--selftest")
    assert result.returncode == 1
    assert "FAIL  keyring: keyring.backends.fail.Keyring: No system keyring is available" in (
        result.stdout
    )
    assert "ok    audio" in result.stdout  # the other checks still ran
    assert result.stdout.splitlines()[-1] == "1 check failed."


def test_a_damaged_store_is_reported_and_left_as_it_was(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    damaged = b"this is not a database " * 100
    (data / "samen.sqlite3").write_bytes(damaged)
    result = run_samen(data, "--selftest")
    assert result.returncode == 1
    assert f"FAIL  store: {data / 'samen.sqlite3'} cannot be read" in result.stdout
    assert (data / "samen.sqlite3").read_bytes() == damaged  # nothing rewritten or deleted


def test_an_existing_store_is_only_read_never_migrated(
    tmp_path: Path, make_core: Callable[..., Core]
) -> None:
    data = tmp_path / "data"
    make_core(data).close()  # a store the app made and closed
    database = data / "samen.sqlite3"
    with sqlite3.connect(database) as connection:  # as an older Samen left it
        connection.execute("PRAGMA user_version = 3")
    connection.close()
    before = database.read_bytes()
    result = run_samen(data, "--selftest")
    assert f"ok    store: {database} (schema 3, quick_check ok)" in result.stdout
    assert database.read_bytes() == before
    # A read-only reader of a WAL database may leave an empty -wal behind; it holds nothing.
    wal = database.with_name("samen.sqlite3-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_a_platform_list_in_qt_qpa_platform_is_understood(tmp_path: Path) -> None:
    # Qt takes fallbacks and options ("wayland;xcb", "offscreen:fonts"); platformName() is one.
    result = run_samen(tmp_path / "data", "--selftest", env={"QT_QPA_PLATFORM": "offscreen;xcb"})
    assert "ok    audio: played" in result.stdout, result.stdout + result.stderr

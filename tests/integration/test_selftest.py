"""`samen --selftest` from the source tree: each check passes on a working set-up and names
what is wrong otherwise, without touching the learner's data."""

from __future__ import annotations

from pathlib import Path

import pytest

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
    assert set(checks) == {"store", "resources", "https", "keyring", "audio"}
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
    assert result.stdout.splitlines()[-1] == "1 check(s) failed."


def test_a_damaged_store_is_reported_and_left_as_it_was(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    damaged = b"this is not a database " * 100
    (data / "samen.sqlite3").write_bytes(damaged)
    result = run_samen(data, "--selftest")
    assert result.returncode == 1
    assert f"FAIL  store: cannot open {data / 'samen.sqlite3'}" in result.stdout
    assert (data / "samen.sqlite3").read_bytes() == damaged  # nothing rewritten or deleted

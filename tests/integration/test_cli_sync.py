"""`samen sync` as a script would use it: exit 0 when everything got an answer, 3 when the
academy cannot be reached (nothing lost), refusals listed with their reasons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from keyring.backends import fail

from desktop.core import build_core
from desktop.paths import resolve_paths
from desktop.store.vault import TokenVault
from tests.cli_runner import SECRET_SERVICE, login_samen, run_samen
from tests.integration.sync_helpers import POLL
from tests.server_process import DEMO_PASSWORD, LiveServer


@pytest.mark.keyring
def test_sync_exit_codes(
    tmp_path: Path, stoppable_academy: LiveServer, secret_env: dict[str, str]
) -> None:
    env = {**secret_env, **SECRET_SERVICE}
    login = login_samen(tmp_path, stoppable_academy.url, DEMO_PASSWORD, env=env)
    assert login.returncode == 0, login.stderr
    # Actions taken in the app (same data folder; the token is not needed to queue work).
    core = build_core(resolve_paths(tmp_path), vault=TokenVault(fail.Keyring()))
    core.actions.record_progress("learning-together", "learning-together-3", 42, True)
    core.actions.vote(POLL, "not-an-option")

    done = run_samen(tmp_path, "sync", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Sent 1 actions, 1 refused" in done.stdout
    assert "Refused: poll.vote" in done.stdout

    core.actions.record_progress("learning-together", "learning-together-3", 50, True)
    stoppable_academy.stop()
    try:
        offline = run_samen(tmp_path, "sync", "--json", env=env)
        assert offline.returncode == 3
        report = json.loads(offline.stdout)
        assert report["offline"] is True and report["pending"] == 1
        assert "Traceback" not in offline.stderr
    finally:
        stoppable_academy.start()
    again = run_samen(tmp_path, "sync", "--json", env=env)
    assert again.returncode == 0
    assert json.loads(again.stdout)["acked"] == 1
    core.close()


def test_sync_without_login_says_so(tmp_path: Path) -> None:
    done = run_samen(tmp_path, "sync")
    assert done.returncode == 4
    assert "Log in" in done.stderr

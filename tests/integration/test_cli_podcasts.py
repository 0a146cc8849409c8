"""`samen podcast` as a field worker would run it before going offline: update (academy feed
subscribed, newest episodes downloaded), list, and a bad address explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_runner import SECRET_SERVICE, login_samen, run_samen
from tests.server.sync_api import add_learner
from tests.server_process import DEMO_PASSWORD, LiveServer


@pytest.mark.keyring
def test_update_then_list_then_a_bad_address(
    tmp_path: Path, academy: LiveServer, secret_env: dict[str, str]
) -> None:
    env = {**secret_env, **SECRET_SERVICE}
    user = add_learner(academy)
    login = login_samen(tmp_path, academy.url, DEMO_PASSWORD, user=user, env=env)
    assert login.returncode == 0, login.stderr

    update = run_samen(tmp_path, "podcast", "update", env=env)
    assert update.returncode == 0, update.stdout + update.stderr
    assert "3 new episodes" in update.stdout

    listed = run_samen(tmp_path, "podcast", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == "Samen Academy podcast (3 episodes)"
    assert sum(line.lstrip().startswith("*") for line in lines) == 3  # all on this computer
    assert len(list((tmp_path / "podcasts").glob("*.mp3"))) == 3

    again = run_samen(tmp_path, "podcast", "update", env=env)
    assert again.returncode == 0 and "0 new episodes" in again.stdout

    bad = run_samen(tmp_path, "podcast", "add", "ftp://example.org/feed", env=env)
    assert bad.returncode == 1
    assert "not a web address" in bad.stderr
    dead = run_samen(tmp_path, "podcast", "add", "http://127.0.0.1:9/feed.xml", env=env)
    assert dead.returncode == 3 and "Could not reach" in dead.stderr

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
from tests.faults.proxy import Fault, FaultProxy
from tests.integration.sync_helpers import POLL, applied_mutations, enqueue_many, holding
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
    assert "Sent 1 action, 1 refused" in done.stdout
    assert "Refused (poll votes): " in done.stdout  # in words: no mutation names or ids
    assert "poll.vote" not in done.stdout

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


@pytest.mark.keyring
def test_sync_counts_what_left_the_queue_when_replies_are_lost(
    tmp_path: Path, stoppable_academy: LiveServer, secret_env: dict[str, str]
) -> None:
    env = {**secret_env, **SECRET_SERVICE}
    with FaultProxy("127.0.0.1", stoppable_academy.port) as proxy:
        login = login_samen(tmp_path, proxy.url, DEMO_PASSWORD, env=env)
        assert login.returncode == 0, login.stderr
        core = build_core(resolve_paths(tmp_path), vault=TokenVault(fail.Keyring()))
        account = core.session.account()
        assert account is not None

        # 600 actions: batches of 500 and 100. The academy applies the 2nd, but its reply is
        # lost every time (all quick retries): the window fails after settling the 1st.
        first = enqueue_many(core, 600)
        proxy.set(Fault.RESET_AFTER_REQUEST, path="/v1/sync/push", match=holding(first[500]))
        cut = run_samen(tmp_path, "sync", "--json", env=env)
        assert cut.returncode == 3, cut.stdout + cut.stderr
        report = json.loads(cut.stdout)
        assert report["offline"] is True
        assert (report["acked"], report["rejected"], report["pending"]) == (500, 0, 100)
        assert core.queue.waiting_count() == 100
        assert applied_mutations(stoppable_academy, account.client_id) == first

        # 600 more, in words this time: the first batch settles the 100 left over (replayed
        # duplicates) and 400 new ones; the 2nd batch's reply is lost again.
        second = enqueue_many(core, 600)
        proxy.set(Fault.RESET_AFTER_REQUEST, path="/v1/sync/push", match=holding(second[400]))
        words = run_samen(tmp_path, "sync", env=env)
        assert words.returncode == 3, words.stdout + words.stderr
        assert "Sent 500 actions, 0 refused, before the sync stopped." in words.stdout
        assert "200 actions are still waiting to be sent." in words.stdout
        assert core.queue.waiting_count() == 200

        proxy.set(Fault.PASS)
        healed = run_samen(tmp_path, "sync", "--json", env=env)
        assert healed.returncode == 0, healed.stdout + healed.stderr
        report = json.loads(healed.stdout)
        assert (report["ok"], report["acked"], report["pending"]) == (True, 200, 0)
        applied = applied_mutations(stoppable_academy, account.client_id)
        assert applied == first + second  # each once, in order
        core.close()

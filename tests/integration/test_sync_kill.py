"""kill -9 of `samen sync` in the middle of pushes, 20 times: nothing lost, nothing doubled."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.core import build_core
from desktop.paths import resolve_paths
from tests.cli_runner import SECRET_SERVICE, login_samen
from tests.faults.proxy import Fault, FaultProxy
from tests.integration.sync_helpers import applied_mutations, enqueue_many
from tests.server_process import DEMO_PASSWORD, start_server


@pytest.mark.keyring
@pytest.mark.timeout(300)
def test_kill_minus_9_during_push_twenty_times(tmp_path: Path, secret_env: dict[str, str]) -> None:
    server = start_server(tmp_path / "server", seed_demo=True)
    data = tmp_path / "client"
    env = {**os.environ, **secret_env, **SECRET_SERVICE, "SAMEN_DATA_DIR": str(data)}
    rng = random.Random(20261124)
    try:
        with FaultProxy("127.0.0.1", server.port) as proxy:
            login = login_samen(data, proxy.url, DEMO_PASSWORD, env=env)
            assert login.returncode == 0, login.stderr
            core = build_core(resolve_paths(data))
            account = core.session.account()
            assert account is not None
            enqueued = enqueue_many(core, 300)
            # A slow link makes every push last long enough to be cut at a random moment.
            proxy.set(Fault.SLOW, rate=40_000)
            killed_mid_push = 0
            for _ in range(20):
                enqueued += enqueue_many(core, 5)
                sync = subprocess.Popen(
                    [sys.executable, "-m", "desktop", "sync"],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                time.sleep(rng.uniform(0.6, 2.0))
                if sync.poll() is None:
                    killed_mid_push += 1
                sync.send_signal(signal.SIGKILL)
                sync.wait(timeout=10)
            assert killed_mid_push >= 10, "the kills should mostly land while syncing"

            proxy.set(Fault.PASS)
            final = subprocess.run(
                [sys.executable, "-m", "desktop", "sync"],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert final.returncode == 0, final.stdout + final.stderr
            applied = applied_mutations(server, account.client_id)
            assert len(applied) == len(set(applied)), "a mutation was applied twice"
            assert sorted(applied) == sorted(enqueued), "a mutation was lost"
            assert core.queue.items() == [], "something is still waiting or was refused"
            with core.store.read() as db:
                acked = db.execute("SELECT COUNT(*) FROM outbox WHERE state = 'acked'").fetchone()
            assert acked[0] == len(enqueued)
            core.close()
    finally:
        server.stop()

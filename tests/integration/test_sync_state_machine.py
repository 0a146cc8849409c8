"""A Hypothesis state machine over the whole sync path: enqueue, sync, dropped replies, client
crashes, server restarts, an academy failing (HTTP 500) on one action or after applying a
batch, in any order. Real server process, real proxy, real SQLite.

Invariants: the server applies no mutation twice; every mutation that was not rejected is
applied in the end (and a refused one never is); the pull cursor never moves backwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from keyring.backends import fail

from desktop.core import Core, build_core
from desktop.domain.sync import SERVER_ERROR_CODE, OutboxState
from desktop.paths import resolve_paths
from desktop.store.outbox import OutboxRepo
from desktop.store.pulled import PulledRepo
from desktop.store.vault import TokenVault
from desktop.sync.engine import SyncEngine
from tests.faults.proxy import Fault, FaultProxy
from tests.integration.sync_helpers import applied_mutations, client, enqueue_many, holding
from tests.server_process import LiveServer, start_server


@pytest.fixture(scope="module")
def machine_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Path]]:
    root = tmp_path_factory.mktemp("state-machine")
    server = start_server(root / "server", seed_demo=True)
    yield server, root
    server.stop()


class SyncMachine(RuleBasedStateMachine):
    server: LiveServer
    root: Path
    runs = 0

    def __init__(self) -> None:
        super().__init__()
        SyncMachine.runs += 1
        self.proxy = FaultProxy("127.0.0.1", self.server.port).start()
        self.data = self.root / f"client-{SyncMachine.runs}"
        self.core: Core = client(self.data, self.proxy.url)
        self.core.sync.attempts = 1
        account = self.core.session.account()
        assert account is not None
        self.client_id = account.client_id
        self.token = self.core.session.token()
        self.enqueued: list[str] = []
        self.cursor = 0

    def _reopen(self, server_url: str, username: str) -> None:
        vault = TokenVault(fail.Keyring())
        assert self.token is not None
        vault.save(server_url, username, self.token)
        self.core = build_core(resolve_paths(self.data), vault=vault)
        self.core.sync.attempts = 1
        self.core.sync.sleep = lambda _s: None

    @rule(n=st.integers(min_value=1, max_value=5))
    def enqueue(self, n: int) -> None:
        self.enqueued += enqueue_many(self.core, n)

    @rule()
    def sync(self) -> None:
        self.proxy.set(Fault.PASS)
        self.core.sync.run_window()

    @rule()
    def sync_with_dropped_reply(self) -> None:
        self.proxy.set(Fault.RESET_AFTER_REQUEST, times=1, path="/v1/sync/push")
        self.core.sync.run_window()
        self.proxy.set(Fault.PASS)

    @precondition(lambda self: self.core.queue.waiting_count() > 0)
    @rule(data=st.data())
    def sync_while_the_academy_fails_on_one(self, data: st.DataObject) -> None:
        waiting = [i for i in self.core.queue.items() if i.state is not OutboxState.REJECTED]
        poison = data.draw(st.sampled_from([i.mutation_id for i in waiting]))
        self.proxy.set(Fault.HTTP_ERROR, status=500, path="/v1/sync/push", match=holding(poison))
        self.core.sync.run_window()
        self.proxy.set(Fault.PASS)

    @rule()
    def sync_with_a_500_after_the_batch_was_applied(self) -> None:
        self.proxy.set(Fault.ERROR_AFTER_REQUEST, status=500, times=1, path="/v1/sync/push")
        self.core.sync.run_window()
        self.proxy.set(Fault.PASS)

    @rule()
    def pull_only(self) -> None:
        # A window whose push was skipped: outcomes of earlier pushes arrive with the pull.
        self.proxy.set(Fault.PASS)
        engine = SyncEngine(
            OutboxRepo(self.core.store), PulledRepo(self.core.store), self.core.session.client()
        )
        engine.pull(self.client_id)

    @precondition(lambda self: bool(self.enqueued))
    @rule()
    def crash_mid_push(self) -> None:
        # Claimed and marked 'sending', then the process dies before any reply is stored.
        account = self.core.session.account()
        assert account is not None
        OutboxRepo(self.core.store).claim_batch(self.client_id, 3)
        self.core.close()
        self._reopen(account.server_url, account.user.username)

    @rule()
    def restart_server(self) -> None:
        self.server.stop()
        self.server.start()

    @invariant()
    def nothing_applied_twice(self) -> None:
        applied = applied_mutations(self.server, self.client_id)
        assert len(applied) == len(set(applied))
        assert set(applied) <= set(self.enqueued)

    @invariant()
    def cursor_moves_forward(self) -> None:
        raw = self.core.sync.pull_cursor()
        current = int(raw.split(".")[0]) if raw else 0
        assert current >= self.cursor
        self.cursor = current

    def teardown(self) -> None:
        try:
            self.proxy.set(Fault.PASS)
            report = self.core.sync.run_window()
            assert report.ok, report.error
            assert report.pending == 0
            refused = self.core.queue.refused()  # only after 500s: the actions are valid
            assert {i.code for i in refused} <= {SERVER_ERROR_CODE}
            applied = applied_mutations(self.server, self.client_id)
            expected = set(self.enqueued) - {i.mutation_id for i in refused}
            assert sorted(applied) == sorted(expected)  # every other one, exactly once
        finally:
            self.core.close()
            self.proxy.stop()


@pytest.mark.timeout(600)
def test_sync_state_machine(machine_world: tuple[LiveServer, Path]) -> None:
    SyncMachine.server, SyncMachine.root = machine_world
    run_state_machine_as_test(
        SyncMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )

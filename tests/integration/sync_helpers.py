"""Helpers for end-to-end sync tests: a logged-in client core and a look into the server's DB."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from keyring.backends import fail

from desktop.core import Core, build_core
from desktop.domain.supporter import RequestStatus
from desktop.paths import resolve_paths
from desktop.store.outbox import OutboxRepo
from desktop.store.vault import TokenVault
from tests import academy_database
from tests.server_process import DEMO_PASSWORD, LiveServer

POLL = "learning-together-poll-1"
AGREE, NOT_SURE = f"{POLL}-1", f"{POLL}-2"
LESSONS = ("learning-together-1", "learning-together-2", "learning-together-3")


def client(data_dir: Path, server_url: str, user: str = "demo") -> Core:
    core = build_core(resolve_paths(data_dir), vault=TokenVault(fail.Keyring()))
    core.session.login(server_url, user, DEMO_PASSWORD)
    core.sync.sleep = lambda _s: None  # quick in-window retries without waiting in tests
    return core


def server_rows(server: LiveServer, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Rows of one portable query (named ``:params``) on the academy's database."""
    return academy_database.rows(server.data_dir, sql, **params)


def enqueue_many(core: Core, n: int, lesson: str = LESSONS[0]) -> list[str]:
    """n distinct progress mutations, written straight to the outbox (no folding)."""
    account = core.session.account()
    assert account is not None
    with core.store.write() as db:
        return [
            OutboxRepo.enqueue(
                db,
                client_id=account.client_id,
                kind="progress",
                name="progress.update",
                args={
                    "course_id": "learning-together",
                    "lesson_id": lesson,
                    "position_ms": i * 10,
                    "completed": False,
                },
            )
            for i in range(n)
        ]


def applied_mutations(server: LiveServer, client_id: str) -> list[str]:
    return [
        r[0]
        for r in server_rows(
            server,
            "SELECT mutation_id FROM mutation_log WHERE client_id = :client ORDER BY seq",
            client=client_id,
        )
    ]


def holding(mutation_id: str) -> Callable[[bytes], bool]:
    """For FaultProxy.set(match=...): a push batch that holds this mutation."""

    def match(body: bytes) -> bool:
        return any(m["mutation_id"] == mutation_id for m in json.loads(body)["mutations"])

    return match


def until_request(core: Core, request_id: str, status: RequestStatus, timeout: float = 30) -> None:
    """Sync until the learner's supporter request has `status` (fails after `timeout`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert core.sync.run_window().ok
        if any(r.id == request_id and r.status is status for r in core.supporters.requests()):
            return
        time.sleep(0.1)
    raise AssertionError(f"request never became {status}: {core.supporters.requests()}")

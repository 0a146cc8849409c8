"""The outbox's side of repeated HTTP 500s: a count per item that survives a reopened store and
is reset by any real answer; a refusal decided here that a replayed real outcome overrides;
and the settled counts a sync report is made from. Real SQLite files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.domain.sync import (
    SERVER_ERROR_CODE,
    SERVER_ERROR_MESSAGE,
    OutboxState,
    Outcome,
    OutcomeStatus,
)
from desktop.store.db import Store
from desktop.store.outbox import OutboxRepo

C = "client-1"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "samen.sqlite3")
    yield s
    s.close()


def add(store: Store, n: int) -> list[str]:
    with store.write() as db:
        return [
            OutboxRepo.enqueue(db, client_id=C, kind="vote", name="poll.vote", args={"i": i})
            for i in range(n)
        ]


def refuse_here(repo: OutboxRepo, seq: int, mutation_id: str) -> None:
    repo.record(
        C,
        [
            Outcome(
                seq,
                mutation_id,
                OutcomeStatus.REJECTED,
                code=SERVER_ERROR_CODE,
                message=SERVER_ERROR_MESSAGE,
            )
        ],
    )


def test_the_count_survives_a_reopened_store_and_a_real_answer_resets_it(
    tmp_path: Path, store: Store
) -> None:
    repo = OutboxRepo(store)
    ids = add(store, 2)
    (first,) = repo.claim_batch(C, 1, NOW)
    repo.release(C)
    assert [repo.server_failed(C, first.id) for _ in range(2)] == [1, 2]
    store.close()
    reopened = Store(tmp_path / "samen.sqlite3")
    repo = OutboxRepo(reopened)
    (again, _second) = repo.claim_batch(C, 2, NOW)
    assert again.server_errors == 2  # the engine sends it alone next
    assert repo.server_failed(C, again.id) == 3
    repo.record(C, [Outcome(1, ids[0], OutcomeStatus.RETRY, retry_after=0)])
    assert [i.server_errors for i in repo.items()] == [0, 0]
    assert repo.server_failed(C, 999) == 0  # no such item: nothing counted
    reopened.close()


def test_a_replayed_real_outcome_overrides_a_refusal_decided_here(store: Store) -> None:
    repo = OutboxRepo(store)
    ids = add(store, 3)
    repo.claim_batch(C, 3, NOW)
    repo.release(C)
    refuse_here(repo, 1, ids[0])
    assert repo.acked_seq(C) == 0  # not a final outcome: a pull may still replay it
    summary = repo.record(C, [Outcome(1, ids[0], OutcomeStatus.APPLIED)])
    assert summary.acked == 1
    assert repo.acked_seq(C) == 1
    # A refusal from the academy is final: a later replay of something else does not touch it.
    repo.record(C, [Outcome(2, ids[1], OutcomeStatus.REJECTED, code="closed", message="No.")])
    assert repo.record(C, [Outcome(2, ids[1], OutcomeStatus.APPLIED)]).acked == 0
    assert [i.state for i in repo.items(("acked", "rejected", "pending"))] == [
        OutboxState.ACKED,
        OutboxState.REJECTED,
        OutboxState.PENDING,
    ]


def test_renumbering_takes_the_place_of_a_refusal_decided_here(store: Store) -> None:
    repo = OutboxRepo(store)
    ids = add(store, 3)
    repo.claim_batch(C, 3, NOW)
    repo.release(C)
    refuse_here(repo, 1, ids[0])
    assert repo.renumber(C, 1) == 2  # the academy expects 1: it never stored the refused one
    assert [(i.seq, i.mutation_id) for i in repo.items(("pending",))] == [(1, ids[1]), (2, ids[2])]
    (refused,) = repo.items(("rejected",))
    assert refused.seq is None and refused.code == SERVER_ERROR_CODE
    assert repo.acked_seq(C) == 0


def test_settled_counts_accepted_and_refused_items_of_one_account(store: Store) -> None:
    repo = OutboxRepo(store)
    assert repo.settled(C) == (0, 0)
    ids = add(store, 3)
    repo.claim_batch(C, 3, NOW)
    repo.record(
        C,
        [
            Outcome(1, ids[0], OutcomeStatus.APPLIED),
            Outcome(2, ids[1], OutcomeStatus.REJECTED, code="closed", message="No."),
        ],
    )
    assert repo.settled(C) == (1, 1)
    assert repo.settled("someone-else") == (0, 0)

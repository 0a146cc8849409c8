"""The outbox's rules: gapless seqs in order, claims stop at a waiting retry, outcomes are
idempotent, recovery after a crash, renumbering, and the learner's discard / resend."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop.domain.sync import OutboxState, Outcome, OutcomeStatus
from desktop.store.db import Store
from desktop.store.outbox import OutboxRepo

C = "client-1"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "samen.sqlite3")
    yield s
    s.close()


def add(store: Store, n: int, client_id: str = C, name: str = "poll.vote") -> list[str]:
    with store.write() as db:
        return [
            OutboxRepo.enqueue(db, client_id=client_id, kind="vote", name=name, args={"i": i})
            for i in range(n)
        ]


def states(store: Store) -> list[tuple[int | None, str]]:
    return [
        (i.seq, i.state.value)
        for i in OutboxRepo(store).items(("pending", "sending", "retry", "rejected", "acked"))
    ]


def test_seqs_are_gapless_in_creation_order_and_given_at_first_claim(store: Store) -> None:
    repo = OutboxRepo(store)
    add(store, 3)
    assert [i.seq for i in repo.items()] == [None, None, None]
    batch = repo.claim_batch(C, 2, NOW)
    assert [i.seq for i in batch] == [1, 2]
    assert all(i.state is OutboxState.SENDING for i in batch)
    # The third keeps no seq until it is claimed, so it can still be edited or deleted.
    assert states(store) == [(1, "sending"), (2, "sending"), (None, "pending")]
    # While 1 and 2 are in flight nothing new is numbered (it could overtake them).
    assert repo.claim_batch(C, 10, NOW) == []
    add(store, 1, client_id="other")  # another account's items have their own numbering
    assert [i.seq for i in repo.claim_batch("other", 10, NOW)] == [1]


def test_outcomes_ack_reject_and_return_the_rest(store: Store) -> None:
    repo = OutboxRepo(store)
    ids = add(store, 3)
    repo.claim_batch(C, 3, NOW)
    summary = repo.record(
        C,
        [
            Outcome(1, ids[0], OutcomeStatus.APPLIED, result={"ok": True}),
            Outcome(2, ids[1], OutcomeStatus.REJECTED, code="poll_closed", message="Closed."),
        ],
    )
    assert (summary.acked, summary.rejected) == (1, 1)
    assert states(store) == [(1, "acked"), (2, "rejected"), (3, "pending")]
    # The same outcomes again (a replayed reply) change nothing.
    again = repo.record(C, [Outcome(1, ids[0], OutcomeStatus.APPLIED)])
    assert (again.acked, again.rejected) == (0, 0)
    assert repo.acked_seq(C) == 2
    rejected = [i for i in repo.items() if i.state is OutboxState.REJECTED]
    assert rejected[0].message == "Closed."


def test_an_outcome_for_another_mutation_id_is_ignored(store: Store) -> None:
    repo = OutboxRepo(store)
    add(store, 1)
    repo.claim_batch(C, 1, NOW)
    repo.record(C, [Outcome(1, "not-this-one", OutcomeStatus.APPLIED)])
    assert states(store) == [(1, "pending")]


def test_a_waiting_retry_blocks_everything_after_it(store: Store) -> None:
    repo = OutboxRepo(store)
    ids = add(store, 3)
    repo.claim_batch(C, 3, NOW)
    summary = repo.record(
        C,
        [
            Outcome(1, ids[0], OutcomeStatus.APPLIED),
            Outcome(2, ids[1], OutcomeStatus.RETRY, retry_after=60),
        ],
        NOW,
    )
    assert summary.retry_after == 60
    assert repo.claim_batch(C, 10, NOW + timedelta(seconds=30)) == []
    assert [i.seq for i in repo.claim_batch(C, 10, NOW + timedelta(seconds=61))] == [2, 3]


def test_a_retry_time_from_a_wrong_clock_does_not_block_for_a_year(store: Store) -> None:
    repo = OutboxRepo(store)
    ids = add(store, 1)
    repo.claim_batch(C, 1, NOW + timedelta(days=365))  # the clock was a year ahead
    repo.record(
        C, [Outcome(1, ids[0], OutcomeStatus.RETRY, retry_after=30)], NOW + timedelta(days=365)
    )
    assert [i.seq for i in repo.claim_batch(C, 1, NOW)] == [1]


def test_recover_returns_sending_to_pending(store: Store) -> None:
    repo = OutboxRepo(store)
    add(store, 2)
    repo.claim_batch(C, 2, NOW)
    store.close()  # the process died mid-push
    reopened = Store(store.path)
    assert OutboxRepo(reopened).recover() == 2
    assert states(reopened) == [(1, "pending"), (2, "pending")]
    reopened.close()


def test_release_after_a_failed_push(store: Store) -> None:
    repo = OutboxRepo(store)
    add(store, 2)
    repo.claim_batch(C, 2, NOW)
    repo.release(C)
    assert [i.seq for i in repo.claim_batch(C, 2, NOW)] == [1, 2]  # same seqs, same order


def test_renumber_moves_only_unsent_items_keeping_order(store: Store) -> None:
    repo = OutboxRepo(store)
    ids = add(store, 4)
    repo.claim_batch(C, 4, NOW)
    repo.record(C, [Outcome(1, ids[0], OutcomeStatus.APPLIED)])
    # The server says it has seen nothing after seq 0 for... no: after 1 it expects 2, our
    # items 2..4 are fine. Simulate a restored local database whose seqs ran ahead: 5..7.
    with store.write() as db:
        db.execute("UPDATE outbox SET seq = seq + 3 WHERE seq > 1")
    assert repo.renumber(C, 2) == 3
    assert states(store) == [(1, "acked"), (2, "pending"), (3, "pending"), (4, "pending")]
    assert [i.mutation_id for i in repo.items()] == ids[1:]


def test_discard_and_resend(store: Store) -> None:
    repo = OutboxRepo(store)
    ids = add(store, 2)
    repo.claim_batch(C, 1, NOW)
    repo.record(C, [Outcome(1, ids[0], OutcomeStatus.REJECTED, code="x", message="No.")])
    rejected = next(i for i in repo.items() if i.state is OutboxState.REJECTED)
    new_id = repo.resend(rejected.id, {"i": 99}, C)
    assert new_id is not None and new_id != ids[0]
    items = repo.items()
    assert [(i.args, i.state.value) for i in items] == [
        ({"i": 1}, "pending"),
        ({"i": 99}, "pending"),
    ]
    # A claimed (in flight) item cannot be discarded; an unsent one can.
    repo.claim_batch(C, 1, NOW)
    add(store, 1)
    in_flight = next(i for i in repo.items() if i.state is OutboxState.SENDING)
    assert repo.discard(in_flight.id, C) is False
    unsent = next(i for i in repo.items() if i.seq is None)
    assert repo.discard(unsent.id, C) is True


def test_coalesce_folds_into_an_unsent_item_only(store: Store) -> None:
    repo = OutboxRepo(store)
    with store.write() as db:
        OutboxRepo.enqueue(
            db, client_id=C, kind="vote", name="poll.vote", args={"poll_id": "p", "option_id": "a"}
        )
        assert OutboxRepo.coalesce(
            db,
            client_id=C,
            name="poll.vote",
            key="poll_id",
            value="p",
            args={"poll_id": "p", "option_id": "b"},
        )
    assert [i.args["option_id"] for i in repo.items()] == ["b"]
    repo.claim_batch(C, 1, NOW)  # now it has a seq: the server may have seen it
    with store.write() as db:
        assert not OutboxRepo.coalesce(
            db,
            client_id=C,
            name="poll.vote",
            key="poll_id",
            value="p",
            args={"poll_id": "p", "option_id": "c"},
        )


def test_a_resent_item_never_reuses_the_seq_of_the_one_it_replaces(store: Store) -> None:
    repo = OutboxRepo(store)
    ids = add(store, 1)
    repo.claim_batch(C, 1, NOW)
    repo.record(C, [Outcome(1, ids[0], OutcomeStatus.REJECTED, code="x", message="No.")])
    (rejected,) = repo.items()
    repo.resend(rejected.id, {"i": 2}, C)
    # Seq 1 is taken on the server (by the refused mutation) even though its row is gone.
    assert [i.seq for i in repo.claim_batch(C, 1, NOW)] == [2]
    assert repo.acked_seq(C) == 1


def test_renumber_after_a_server_restore_resends_what_it_lost(store: Store) -> None:
    repo = OutboxRepo(store)
    ids = add(store, 4)
    repo.claim_batch(C, 4, NOW)
    repo.record(
        C,
        [
            Outcome(1, ids[0], OutcomeStatus.APPLIED),
            Outcome(2, ids[1], OutcomeStatus.APPLIED),
            Outcome(3, ids[2], OutcomeStatus.REJECTED, code="x", message="No."),
            Outcome(4, ids[3], OutcomeStatus.APPLIED),
        ],
        NOW,
    )
    new = add(store, 1)
    repo.claim_batch(C, 1, NOW)  # seq 5
    repo.release(C)
    # The server was restored to a backup where it had applied only seq 1.
    assert repo.renumber(C, 2) == 3
    assert [(i.mutation_id, i.seq, i.state.value) for i in repo.items()] == [
        (ids[1], 2, "pending"),
        (ids[3], 3, "pending"),
        (new[0], 4, "pending"),
        (ids[2], None, "rejected"),
    ]
    add(store, 1)
    assert [i.seq for i in repo.claim_batch(C, 10, NOW)] == [2, 3, 4, 5]


def test_a_bad_reply_does_not_leave_the_batch_sending(store: Store) -> None:
    from desktop.domain.errors import ProtocolError
    from desktop.domain.sync import PullPage, PushReply
    from desktop.store.pulled import PulledRepo
    from desktop.sync.engine import SyncEngine

    class Liar:
        def push(self, client_id: str, items: object) -> PushReply:
            return PushReply(
                last_seq=9, outcomes=(Outcome(9, "never-sent", OutcomeStatus.APPLIED),)
            )

        def pull(self, client_id: str, cursor: str, acked_seq: int, limit: int = 500) -> PullPage:
            raise AssertionError("not reached")

    add(store, 2)
    engine = SyncEngine(OutboxRepo(store), PulledRepo(store), Liar())
    with pytest.raises(ProtocolError):
        engine.run(C)
    assert [i.state for i in OutboxRepo(store).items()] == [OutboxState.PENDING] * 2


def test_one_account_cannot_touch_another_accounts_queue(store: Store) -> None:
    repo = OutboxRepo(store)
    add(store, 1, client_id="anna")
    (item,) = repo.items(client_id="anna")
    assert repo.items(client_id="bob") == []
    assert repo.pending_by_kind("bob") == {} and repo.pending_by_kind("anna") == {"vote": 1}
    assert repo.discard(item.id, "bob") is False
    assert repo.discard(item.id, "anna") is True


def test_items_narrow_by_name_or_prefix_and_a_view_counts_what_it_does_not_list(
    store: Store,
) -> None:
    add(store, 2, name="forum.post")
    add(store, 1, name="forum_post")  # '_' would match '.' as a LIKE wildcard
    add(store, 3, name="poll.vote")
    outbox = OutboxRepo(store)
    assert [i.name for i in outbox.items(client_id=C, prefix="forum.")] == ["forum.post"] * 2
    assert len(outbox.items(client_id=C, names=("poll.vote", "forum_post"))) == 4
    assert outbox.items(client_id="someone-else", prefix="forum.") == []

    outbox.claim_batch(C, 10, NOW)  # all six are sent, the first is refused, the rest wait
    first = outbox.items(client_id=C)[0]
    outbox.record(C, [Outcome(1, first.mutation_id, OutcomeStatus.REJECTED, code="x")])
    outbox.release(C)
    add(store, 4)
    view = outbox.view(C, waiting_limit=3)
    assert (view.waiting, view.refused, view.waiting_listed) == (9, 1, 3)
    assert [i.state for i in view.items][:1] == [OutboxState.REJECTED]
    # The first two to be sent (sequenced), then the newest (not sent yet), in sending order.
    assert [i.seq for i in view.items] == [1, 2, 3, None]
    assert view.items[-1].args == {"i": 3}
    whole = outbox.view(C, waiting_limit=20)
    assert (whole.waiting_listed, len(whole.items)) == (9, 10)

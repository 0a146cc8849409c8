"""Outbox actions that wait for an upload: no seq while waiting, numbered in the order they
became sendable, refused with the upload's reason when it fails, resent by sending it again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.domain.sync import OutboxState
from desktop.domain.upload import Upload, UploadState
from desktop.store.db import Store
from desktop.store.migrations import MIGRATIONS
from desktop.store.outbox import WAITING_FOR_UPLOAD, OutboxRepo
from desktop.store.uploads import UploadRepo
from desktop.sync.uploads import encode_metadata
from server.uploads.metadata import parse_metadata
from tests.contract import validate

C = "client-1"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "samen.sqlite3")
    yield s
    s.close()


def attached(store: Store, state: UploadState = UploadState.WAITING) -> str:
    upload_id = str(uuid.uuid4())
    UploadRepo(store).add(
        Upload(
            id=upload_id,
            client_id=C,
            path=f"/data/uploads/{upload_id}",
            filename="talk.m4a",
            size=10,
            sha256="a" * 64,
            content_type="audio/mp4",
            state=state,
            error="It broke." if state is UploadState.FAILED else "",
            created_at="2026-11-24T12:00:00+00:00",
        )
    )
    return upload_id


def enqueue(store: Store, i: int, waits_for: str | None = None) -> str:
    with store.write() as db:
        return OutboxRepo.enqueue(
            db, client_id=C, kind="feedback", name="peer.submit", args={"i": i}, waits_for=waits_for
        )


def by_id(store: Store) -> dict[str, tuple[int | None, OutboxState, str | None]]:
    items = OutboxRepo(store).items(("pending", "sending", "rejected", "acked"), client_id=C)
    return {i.mutation_id: (i.seq, i.state, i.message) for i in items}


def test_a_waiting_action_gets_no_seq_until_its_upload_completes(store: Store) -> None:
    outbox, uploads = OutboxRepo(store), UploadRepo(store)
    upload_id = attached(store)
    first = enqueue(store, 0)
    waiting = enqueue(store, 1, waits_for=upload_id)
    assert by_id(store)[waiting] == (None, OutboxState.PENDING, WAITING_FOR_UPLOAD)
    assert [i.mutation_id for i in outbox.claim_batch(C, 10, NOW)] == [first]
    outbox.record(C, [])  # the batch went back unanswered
    later = enqueue(store, 2)  # created after the waiting one, sendable before it
    assert {i.mutation_id for i in outbox.claim_batch(C, 10, NOW)} == {first, later}
    outbox.release(C)
    assert by_id(store)[waiting][0] is None

    assert uploads.complete(upload_id) == 1
    assert by_id(store)[waiting] == (None, OutboxState.PENDING, None)
    claimed = outbox.claim_batch(C, 10, NOW)
    assert [(i.mutation_id, i.seq) for i in claimed] == [(first, 1), (later, 2), (waiting, 3)]
    assert claimed[2].waits_for == upload_id


def test_several_waiting_actions_leave_in_the_order_their_uploads_completed(store: Store) -> None:
    outbox, uploads = OutboxRepo(store), UploadRepo(store)
    slow, fast = attached(store), attached(store)
    on_slow = enqueue(store, 0, waits_for=slow)
    on_fast = enqueue(store, 1, waits_for=fast)
    uploads.complete(fast)
    uploads.complete(slow)
    assert [i.mutation_id for i in outbox.claim_batch(C, 10, NOW)] == [on_fast, on_slow]


def test_a_failed_upload_shows_its_action_as_refused_and_resend_sends_it_again(
    store: Store,
) -> None:
    outbox, uploads = OutboxRepo(store), UploadRepo(store)
    upload_id = attached(store)
    waiting = enqueue(store, 0, waits_for=upload_id)
    assert uploads.fail(upload_id, "The recording arrived damaged twice.") == 1
    seq, state, message = by_id(store)[waiting]
    assert (seq, state, message) == (
        None,
        OutboxState.REJECTED,
        "The recording arrived damaged twice.",
    )
    assert outbox.claim_batch(C, 10, NOW) == []
    assert outbox.rejected_count(C) == 1

    [item] = outbox.items(("rejected",), client_id=C)
    resent = outbox.resend(item.id, {"i": 0}, C)
    assert resent is not None
    assert by_id(store)[resent] == (None, OutboxState.PENDING, WAITING_FOR_UPLOAD)
    assert uploads.get(upload_id).state is UploadState.WAITING  # type: ignore[union-attr]
    assert uploads.get(upload_id).error == ""  # type: ignore[union-attr]
    assert outbox.claim_batch(C, 10, NOW) == []
    uploads.complete(upload_id)
    assert [i.mutation_id for i in outbox.claim_batch(C, 10, NOW)] == [resent]


def test_the_state_of_the_upload_at_enqueue_time_counts(store: Store) -> None:
    done = enqueue(store, 0, waits_for=attached(store, UploadState.DONE))
    failed = enqueue(store, 1, waits_for=attached(store, UploadState.FAILED))
    assert by_id(store)[failed] == (None, OutboxState.REJECTED, "It broke.")
    assert [i.mutation_id for i in OutboxRepo(store).claim_batch(C, 10, NOW)] == [done]
    with pytest.raises(ValueError, match="no upload"):
        enqueue(store, 2, waits_for=str(uuid.uuid4()))


def test_a_waiting_action_can_be_discarded(store: Store) -> None:
    outbox = OutboxRepo(store)
    enqueue(store, 0, waits_for=attached(store))
    [item] = outbox.items(client_id=C)
    assert outbox.discard(item.id, C)
    assert outbox.items(client_id=C) == []


def test_actions_queued_before_0008_keep_their_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.store import db as db_module
    from desktop.store.migrations import migrate

    path = tmp_path / "old.sqlite3"
    with monkeypatch.context() as patch:
        patch.setattr(db_module, "migrate", lambda s: migrate(s, MIGRATIONS[:7]))
        old = Store(path)
        with old.write() as db:
            for i in range(3):
                db.execute(
                    """INSERT INTO outbox (mutation_id, client_id, kind, name, args_json,
                           created_at) VALUES (?, ?, 'vote', 'poll.vote', '{}', '2026-01-01')""",
                    [f"m{i}", C],
                )
        old.close()
    new = Store(path)
    try:
        enqueue(new, 9)
        claimed = OutboxRepo(new).claim_batch(C, 10, NOW)
        assert [(i.mutation_id, i.seq) for i in claimed][:3] == [("m0", 1), ("m1", 2), ("m2", 3)]
        assert claimed[3].seq == 4
    finally:
        new.close()


def test_client_metadata_is_what_the_server_reads_and_the_contract_describes() -> None:
    pairs = {
        "id": str(uuid.uuid4()),
        "sha256": "ab" * 32,
        "filename": "Opname één, take 2.m4a",
        "content_type": "audio/mp4",
    }
    decoded = parse_metadata(encode_metadata(pairs))
    assert decoded == pairs
    validate("UploadMetadata", decoded)
    assert parse_metadata(encode_metadata({"flag": ""})) == {"flag": ""}

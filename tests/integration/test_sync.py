"""The sync engine end to end: real client store, real server process, real faults between."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop.domain.status import Connectivity
from desktop.domain.sync import OutboxState
from desktop.store.outbox import OutboxRepo
from desktop.store.pulled import PulledRepo
from desktop.sync.engine import SyncEngine
from tests.academy_database import execute
from tests.faults.proxy import Fault, FaultProxy
from tests.integration.sync_helpers import (
    AGREE,
    LESSONS,
    NOT_SURE,
    POLL,
    applied_mutations,
    client,
    enqueue_many,
)
from tests.server_process import LiveServer, start_server


@pytest.fixture(scope="module")
def academy_for_sync(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("sync-academy"), seed_demo=True)
    yield server
    server.stop()


@pytest.fixture
def proxy(academy_for_sync: LiveServer) -> Iterator[FaultProxy]:
    with FaultProxy("127.0.0.1", academy_for_sync.port) as p:
        yield p


def test_actions_are_sent_then_pulled_back(tmp_path: Path, academy_for_sync: LiveServer) -> None:
    core = client(tmp_path, academy_for_sync.url)
    core.actions.record_progress("learning-together", LESSONS[0], 5_000, False)
    core.actions.record_progress("learning-together", LESSONS[0], 9_000, False)  # folded
    core.actions.vote(POLL, AGREE)
    report = core.sync.run_window()
    assert report.ok, report.error
    assert (report.acked, report.rejected, report.pending) == (2, 0, 0)
    account = core.session.account()
    assert account is not None
    assert len(applied_mutations(academy_for_sync, account.client_id)) == 2
    # The pull brought back our own progress and the poll with its results.
    progress = core.sync.cached("progress")
    assert progress[LESSONS[0]]["position_ms"] == 9_000
    assert POLL in core.sync.cached("poll")
    assert core.sync.cached("poll_results")[POLL]["total"] >= 1
    core.close()


def test_reset_after_the_server_committed_has_exactly_one_effect(
    tmp_path: Path, academy_for_sync: LiveServer, proxy: FaultProxy
) -> None:
    core = client(tmp_path, proxy.url)
    ids = enqueue_many(core, 5)
    proxy.set(Fault.RESET_AFTER_REQUEST, times=1, path="/v1/sync/push")
    core.sync.attempts = 1  # one attempt: the window fails like a dropped connection would
    first = core.sync.run_window()
    assert not first.ok and first.offline
    assert first.pending == 5  # nothing lost...
    account = core.session.account()
    assert account is not None
    assert applied_mutations(academy_for_sync, account.client_id) == ids  # ...and all applied
    second = core.sync.run_window()
    assert second.ok and second.pending == 0 and second.acked == 5
    assert applied_mutations(academy_for_sync, account.client_id) == ids  # still once each
    assert all(i.state is OutboxState.ACKED for i in OutboxRepo(core.store).items(("acked",)))
    core.close()


def test_quick_retries_inside_a_window_ride_out_a_flaky_link(
    tmp_path: Path, academy_for_sync: LiveServer, proxy: FaultProxy
) -> None:
    core = client(tmp_path, proxy.url)
    enqueue_many(core, 3)
    proxy.set(Fault.RESET_AFTER_REQUEST, times=1, path="/v1/sync/push")
    report = core.sync.run_window()
    assert report.ok and report.acked == 3 and report.pending == 0
    core.close()


def test_rejected_action_is_kept_with_its_reason(
    tmp_path: Path, academy_for_sync: LiveServer
) -> None:
    core = client(tmp_path, academy_for_sync.url)
    core.actions.vote(POLL, "no-such-option")
    report = core.sync.run_window()
    assert report.ok and report.rejected == 1 and report.pending == 0
    (item,) = core.queue.items()
    assert item.state is OutboxState.REJECTED
    assert item.code == "not_found" and item.message
    # Edit and resend: a new mutation with the corrected option is applied.
    core.queue.resend(item.id, {"poll_id": POLL, "option_id": NOT_SURE})
    again = core.sync.run_window()
    assert again.ok and again.acked == 1
    assert core.queue.items() == []
    core.close()


def test_a_gap_in_seq_is_healed_by_renumbering(
    tmp_path: Path, academy_for_sync: LiveServer
) -> None:
    core = client(tmp_path, academy_for_sync.url)
    ids = enqueue_many(core, 3)
    account = core.session.account()
    assert account is not None
    repo = OutboxRepo(core.store)
    repo.claim_batch(account.client_id, 3)
    repo.release(account.client_id)
    with core.store.write() as db:  # as if a restored database had numbered from 4
        db.execute("UPDATE outbox SET seq = seq + 3")
    report = core.sync.run_window()
    assert report.ok and report.acked == 3
    assert applied_mutations(academy_for_sync, account.client_id) == ids
    core.close()


def test_same_seq_with_a_different_body_is_rejected(
    tmp_path: Path, academy_for_sync: LiveServer
) -> None:
    first = client(tmp_path / "a", academy_for_sync.url)
    enqueue_many(first, 1)
    assert first.sync.run_window().ok
    account = first.session.account()
    assert account is not None
    # A second installation claiming the same client_id (a copied data folder) sends another
    # body under the same seq: the server refuses it instead of applying or replaying it.
    second = client(tmp_path / "b", academy_for_sync.url)
    with second.store.write() as db:
        db.execute("UPDATE client_ids SET client_id = ?", [account.client_id])
        db.execute("UPDATE account SET client_id = ?", [account.client_id])
    enqueue_many(second, 1, lesson=LESSONS[1])
    report = second.sync.run_window()
    assert report.ok and report.rejected == 1
    (item,) = second.queue.items()
    assert item.code == "idempotency_mismatch"
    first.close()
    second.close()


def test_503_with_retry_after_keeps_the_queue_and_waits_at_least_that_long(
    tmp_path: Path, academy_for_sync: LiveServer
) -> None:
    core = client(tmp_path, academy_for_sync.url)
    enqueue_many(core, 2)
    maintenance = academy_for_sync.data_dir / "maintenance"
    maintenance.write_text("120")
    try:
        report = core.sync.run_window()
    finally:
        maintenance.unlink()
    assert not report.ok and report.busy and report.pending == 2
    assert report.next_delay_s is not None and report.next_delay_s >= 120
    assert core.sync.run_window().ok
    core.close()


def test_a_pull_cut_mid_page_leaves_the_cursor_where_it_was(
    tmp_path: Path, academy_for_sync: LiveServer, proxy: FaultProxy
) -> None:
    core = client(tmp_path, proxy.url)
    core.sync.attempts = 1
    proxy.set(Fault.TRUNCATE, truncate_after=400, times=1, path="/v1/sync/pull")
    report = core.sync.run_window()
    assert not report.ok and report.error
    assert core.sync.pull_cursor() == ""  # nothing of the cut page was applied
    assert core.sync.cached("poll") == {}
    assert core.sync.run_window().ok
    assert int(core.sync.pull_cursor().split(".")[0]) > 0
    assert POLL in core.sync.cached("poll")
    core.close()


def test_expired_login_while_offline_keeps_the_queue(
    tmp_path: Path, academy_for_sync: LiveServer
) -> None:
    core = client(tmp_path, academy_for_sync.url)
    core.actions.record_progress("learning-together", LESSONS[2], 1_000, True)
    token = core.session.token()
    assert token is not None
    execute(
        academy_for_sync.data_dir,
        "UPDATE auth_tokens SET expires_at = :expired WHERE token_sha256 = :digest",
        expired=datetime(2000, 1, 1, tzinfo=UTC),
        digest=hashlib.sha256(token.encode()).hexdigest(),
    )
    report = core.sync.run_window()
    assert report.needs_login and report.pending == 1
    core.session.login(academy_for_sync.url, "demo", "samen-demo")
    assert core.sync.run_window().acked == 1
    core.close()


def test_a_clock_a_year_off_changes_nothing_but_display(
    tmp_path: Path, academy_for_sync: LiveServer
) -> None:
    core = client(tmp_path, academy_for_sync.url)
    account = core.session.account()
    assert account is not None
    future = (datetime.now(UTC) + timedelta(days=365)).isoformat(timespec="seconds")
    past = (datetime.now(UTC) - timedelta(days=365)).isoformat(timespec="seconds")
    with core.store.write() as db:
        for when, position in ((future, 100), (past, 200)):
            OutboxRepo.enqueue(
                db,
                client_id=account.client_id,
                kind="progress",
                name="progress.update",
                args={
                    "course_id": "learning-together",
                    "lesson_id": LESSONS[1],
                    "position_ms": position,
                    "completed": False,
                },
                created_at=when,
            )
    report = core.sync.run_window()
    assert report.ok and report.acked == 2
    # Order is by seq, not by the skewed clocks; the merge keeps the furthest position.
    assert core.sync.cached("progress")[LESSONS[1]]["position_ms"] == 200
    core.close()


def test_a_lost_push_reply_heals_on_the_next_pull(
    tmp_path: Path, academy_for_sync: LiveServer, proxy: FaultProxy
) -> None:
    core = client(tmp_path, proxy.url)
    core.sync.attempts = 1
    core.actions.vote(POLL, "no-such-option")  # will be refused
    enqueue_many(core, 2)
    proxy.set(Fault.RESET_AFTER_REQUEST, times=1, path="/v1/sync/push")
    assert not core.sync.run_window().ok
    account = core.session.account()
    assert account is not None
    # Only a pull: the outcomes come back with it, refusal and reason included, no re-push.
    engine = SyncEngine(OutboxRepo(core.store), PulledRepo(core.store), core.session.client())
    _pulled, summary = engine.pull(account.client_id)
    assert (summary.acked, summary.rejected) == (2, 1)
    (refused,) = core.queue.items()
    assert refused.code == "not_found" and refused.message
    core.close()


def test_413_halves_the_batch(
    tmp_path: Path, academy_for_sync: LiveServer, proxy: FaultProxy
) -> None:
    core = client(tmp_path, proxy.url)
    enqueue_many(core, 8)
    proxy.set(
        Fault.HTTP_ERROR,
        status=413,
        times=2,
        path="/v1/sync/push",
        body={"error": {"code": "batch_too_large", "message": "Too big."}},
    )
    report = core.sync.run_window()
    assert report.ok and report.acked == 8
    core.close()


def test_409_push_in_progress_is_busy_not_an_error(
    tmp_path: Path, academy_for_sync: LiveServer, proxy: FaultProxy
) -> None:
    core = client(tmp_path, proxy.url)
    core.sync.attempts = 1
    enqueue_many(core, 1)
    proxy.set(
        Fault.HTTP_ERROR,
        status=409,
        times=1,
        path="/v1/sync/push",
        headers={"Retry-After": "3"},
        body={"error": {"code": "push_in_progress", "message": "Another push is running."}},
    )
    report = core.sync.run_window()
    assert report.busy and report.pending == 1
    assert report.next_delay_s is not None and report.next_delay_s >= 3
    assert core.sync.run_window().ok
    core.close()


@pytest.mark.parametrize(
    ("status", "headers", "body"),
    [
        (302, {"Location": "http://portal.example/login"}, b""),
        (200, {"Content-Type": "text/html"}, b"<html>Welcome to the hotel wifi</html>"),
        (200, {"Content-Type": "application/json"}, b'{"status": "ok"}'),
    ],
)
def test_a_captive_portal_is_not_the_academy(
    tmp_path: Path,
    academy_for_sync: LiveServer,
    proxy: FaultProxy,
    status: int,
    headers: dict[str, str],
    body: bytes,
) -> None:
    core = client(tmp_path, proxy.url)
    enqueue_many(core, 1)
    proxy.set(Fault.HTTP_ERROR, status=status, headers=headers, body=body)
    assert core.status.probe() is Connectivity.CAPTIVE_PORTAL
    failures = core.sync.backoff.failures
    report = core.sync.run_window()
    assert report.offline and report.pending == 1
    assert "log in to this network" in (report.error or "")
    assert core.sync.backoff.failures == failures  # no retries spent on the portal
    proxy.set(Fault.PASS)
    assert core.sync.run_window().ok
    core.close()


def test_429_rate_limited_waits_at_least_retry_after(tmp_path: Path) -> None:
    server = start_server(tmp_path / "academy", extra_args=("--sync-rate", "2"))
    try:
        core = client(tmp_path / "client", server.url)
        core.sync.attempts = 1
        enqueue_many(core, 1)
        assert core.sync.run_window().ok  # push + pull: the two allowed this minute
        enqueue_many(core, 1)
        report = core.sync.run_window()
        assert report.busy and report.pending == 1
        assert report.next_delay_s is not None and report.next_delay_s >= 1
        assert "Too many sync requests" in (report.error or "")
        core.close()
    finally:
        server.stop()

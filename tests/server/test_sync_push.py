"""POST /v1/sync/push over real HTTP: ordering, idempotency, rejections, limits, locking."""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from tests.academy_database import engine_for, execute, on_postgresql
from tests.contract import validate
from tests.server.api import assert_error, bearer, token_for
from tests.server.sync_api import (
    AGREE,
    DISAGREE,
    NOT_SURE,
    POLL,
    Installation,
    add_learner,
    mutation,
    progress,
    vote,
)
from tests.server_process import DEMO_PASSWORD, LiveServer, copy_academy, start_server


def _set_poll_times(server: LiveServer, column: str, year: int) -> None:
    assert column in ("opens_at", "closes_at")
    when = datetime(year, 1, 1, tzinfo=UTC)
    sql = f"UPDATE polls SET {column} = :when WHERE id = :poll"
    assert execute(server.data_dir, sql, when=when, poll=POLL) == 1


def test_applied_then_replayed_as_duplicates(fresh_academy: LiveServer) -> None:
    me = Installation.login(fresh_academy)
    batch = [progress(1, 1500), vote(2, AGREE)]
    first = me.push(*batch)
    assert first["last_seq"] == 2
    assert "expected_seq" not in first
    assert [r["status"] for r in first["results"]] == ["applied", "applied"]
    assert first["results"][0]["result"]["position_ms"] == 1500
    assert first["results"][1]["result"] == {"poll_id": POLL, "option_id": AGREE}

    again = me.push(*batch)  # the reply was lost: the client sends the same items again
    assert again["last_seq"] == 2
    for original, replay in zip(first["results"], again["results"], strict=True):
        assert replay["status"] == "duplicate"
        assert replay["original_status"] == "applied"
        assert replay["result"] == original["result"]
        assert (replay["seq"], replay["mutation_id"]) == (original["seq"], original["mutation_id"])


def test_same_seq_with_another_body_is_an_idempotency_mismatch(
    fresh_academy: LiveServer,
) -> None:
    me = Installation.login(fresh_academy)
    original = progress(1, 1000)
    assert me.push(original)["results"][0]["status"] == "applied"

    forged = me.push(progress(1, 9999))
    assert forged["last_seq"] == 1
    assert forged["results"][0]["status"] == "rejected"
    assert forged["results"][0]["code"] == "idempotency_mismatch"
    # The stored outcome is untouched: the original still replays as before.
    replay = me.push(original)["results"][0]
    assert (replay["status"], replay["original_status"]) == ("duplicate", "applied")
    assert replay["result"]["position_ms"] == 1000


def test_created_at_is_not_part_of_the_identity(fresh_academy: LiveServer) -> None:
    me = Installation.login(fresh_academy)
    item = progress(1, 1000)
    me.push(item)
    resent = {**item, "created_at": "2031-05-05T10:00:00+02:00"}
    assert me.push(resent)["results"][0]["status"] == "duplicate"


def test_a_mutation_id_used_before_is_rejected_and_still_counts(
    fresh_academy: LiveServer,
) -> None:
    me = Installation.login(fresh_academy)
    first = progress(1, 1000)
    me.push(first)
    reused = mutation(2, "progress.update", first["args"], mutation_id=first["mutation_id"])
    reply = me.push(reused, progress(3, 2000))
    assert reply["last_seq"] == 3
    assert reply["results"][0]["status"] == "rejected"
    assert reply["results"][0]["code"] == "idempotency_mismatch"
    assert reply["results"][1]["status"] == "applied"
    assert me.push(reused)["results"][0]["original_status"] == "rejected"


def test_a_gap_stops_the_batch_with_expected_seq(fresh_academy: LiveServer) -> None:
    me = Installation.login(fresh_academy)
    ahead = me.push(progress(3, 100))
    assert ahead == {"last_seq": 0, "results": [], "expected_seq": 1}

    partly = me.push(progress(1, 100), progress(3, 300), progress(4, 400))
    assert partly["last_seq"] == 1
    assert [r["seq"] for r in partly["results"]] == [1]
    assert partly["expected_seq"] == 2


def test_rejections_are_stored_and_still_advance_last_seq(fresh_academy: LiveServer) -> None:
    me = Installation.login(fresh_academy)
    reply = me.push(
        mutation(1, "forum.shout", {"text": "hi"}),
        mutation(2, "progress.update", {"lesson_id": "learning-together-1"}),
        mutation(
            3,
            "progress.update",
            {
                "course_id": "learning-together",
                "lesson_id": "learning-together-1",
                "position_ms": -5,
                "completed": "yes",
            },
        ),
        progress(4, 100, lesson="no-such-lesson"),
        progress(5, 100, lesson="samen-leren-1"),  # exists, but not in learning-together
        vote(6, "no-such-option"),
        vote(7, AGREE, poll_id="no-such-poll"),
        progress(8, 100),
    )
    assert reply["last_seq"] == 8
    codes = [(r["status"], r.get("code")) for r in reply["results"]]
    assert codes == [
        ("rejected", "unknown_mutation"),
        ("rejected", "invalid_args"),
        ("rejected", "invalid_args"),
        ("rejected", "not_found"),
        ("rejected", "not_found"),
        ("rejected", "not_found"),
        ("rejected", "not_found"),
        ("applied", None),
    ]
    # Sentences for the learner, not field paths (those go to the academy's log).
    assert reply["results"][1]["message"] == "This action has details this academy cannot read."
    assert reply["results"][2]["message"] == "This action has a number that is too small."
    replay = me.push(mutation(1, "forum.shout", {"text": "hi"}))
    # A different mutation_id makes it another body; the original replays with the same id only.
    assert replay["results"][0]["code"] == "idempotency_mismatch"


def test_vote_after_the_poll_closed_is_rejected(fresh_academy: LiveServer) -> None:
    me = Installation.login(fresh_academy)
    assert me.push(vote(1, AGREE))["results"][0]["status"] == "applied"
    _set_poll_times(fresh_academy, "closes_at", 2001)
    late = me.push(vote(2, DISAGREE))["results"][0]
    assert late["status"] == "rejected"
    assert late["code"] == "poll_closed"
    assert late["message"] == "This poll closed before your vote arrived."

    _set_poll_times(fresh_academy, "closes_at", 2999)
    _set_poll_times(fresh_academy, "opens_at", 2998)
    early = me.push(vote(3, DISAGREE))["results"][0]
    assert (early["status"], early["code"]) == ("rejected", "poll_not_open")


def _results(me: Installation) -> dict[str, object]:
    changes, _ = me.pull_all()
    latest = [c for c in changes if c["entity"] == "poll_results" and c["id"] == POLL][-1]
    data = latest["data"]
    assert isinstance(data, dict)
    return data


def test_a_vote_is_an_upsert_and_results_follow(fresh_academy: LiveServer) -> None:
    demo = Installation.login(fresh_academy, "demo")
    anna = Installation.login(fresh_academy, "anna")
    demo.push(vote(1, AGREE))
    anna.push(vote(1, AGREE))
    assert _results(anna) == {
        "poll_id": POLL,
        "counts": {AGREE: 2, NOT_SURE: 0, DISAGREE: 0},
        "total": 2,
    }
    demo.push(vote(2, NOT_SURE), vote(3, DISAGREE))  # a change of mind counts once
    assert _results(anna)["counts"] == {AGREE: 1, NOT_SURE: 0, DISAGREE: 1}
    assert _results(demo)["total"] == 2
    own = [c for c in demo.pull_all()[0] if c["entity"] == "poll_vote"]
    assert own[-1]["data"] == {"poll_id": POLL, "option_id": DISAGREE}


def test_progress_merges_monotonically(fresh_academy: LiveServer) -> None:
    me = Installation.login(fresh_academy, add_learner(fresh_academy))
    other_device = Installation.login(fresh_academy, me.username)
    assert me.push(progress(1, 5000))["results"][0]["result"]["position_ms"] == 5000
    # An older, slower device reports less progress later: nothing goes backwards.
    behind = other_device.push(progress(1, 3000, completed=True))["results"][0]["result"]
    assert behind["position_ms"] == 5000
    assert behind["completed"] is True
    after = me.push(progress(2, 4000, completed=False))["results"][0]["result"]
    assert (after["position_ms"], after["completed"]) == (5000, True)
    ahead = me.push(progress(3, 8000))["results"][0]["result"]
    assert (ahead["position_ms"], ahead["completed"]) == (8000, True)

    changes = [c for c in me.pull_all()[0] if c["entity"] == "progress"]
    assert changes[-1]["scope"] == f"user:{me.user_id}"
    assert changes[-1]["data"] == {
        "course_id": "learning-together",
        "lesson_id": "learning-together-2",
        "position_ms": 8000,
        "completed": True,
    }
    # A pull sends the newest version only; three changes made it the third (the no-op
    # merge emitted none).
    assert [c["version"] for c in changes] == [3]


def test_a_client_id_of_someone_else_is_403(live_server: LiveServer) -> None:
    demo = Installation.login(live_server, "demo")
    anna = Installation.login(live_server, "anna")
    reply = anna.push_raw([progress(1, 1)], client_id=demo.client_id)
    assert_error(reply, 403, "client_id_not_owned")
    never_seen = anna.push_raw([progress(1, 1)], client_id=str(uuid.uuid4()))
    assert_error(never_seen, 403, "client_id_not_owned")
    assert_error(anna.pull_raw(client_id=demo.client_id), 403, "client_id_not_owned")


def test_push_needs_a_token(live_server: LiveServer) -> None:
    reply = requests.post(
        f"{live_server.url}/v1/sync/push",
        json={"client_id": str(uuid.uuid4()), "mutations": []},
        timeout=10,
    )
    assert_error(reply, 401, "unauthorized")


def test_too_many_or_too_big_is_413_and_malformed_is_400(live_server: LiveServer) -> None:
    me = Installation.login(live_server, "anna")
    many = [progress(seq, seq) for seq in range(1, 502)]
    assert_error(me.push_raw(many), 413, "batch_too_large")
    padding = "x" * (1024 * 1024)
    big = [mutation(1, "progress.update", {"note": padding})]
    assert_error(me.push_raw(big), 413, "batch_too_large")
    assert me.pull()["last_seq"] == 0  # nothing of either was applied

    url = f"{live_server.url}/v1/sync/push"
    for body in (
        {"client_id": me.client_id},
        {"client_id": me.client_id, "mutations": [{"seq": 0}]},
        {"client_id": "nope", "mutations": []},
        {"client_id": me.client_id, "mutations": [], "extra": 1},
        {"client_id": me.client_id, "mutations": [{**progress(1, 1), "name": "Bad Name"}]},
    ):
        reply = requests.post(url, json=body, headers=bearer(me.token), timeout=10)
        assert_error(reply, 400, "invalid_request")
    not_json = requests.post(url, data=b"{", headers=bearer(me.token), timeout=10)
    assert_error(not_json, 400, "invalid_request")


@contextmanager
def _write_lock(server: LiveServer) -> Iterator[None]:
    """Hold off the server's writes for the block (as a long backup or import would): SQLite's
    write lock, or on PostgreSQL a lock on the tables a push writes (reads go on)."""
    if on_postgresql():
        with engine_for(server.data_dir) as engine, engine.connect() as connection:
            connection.exec_driver_sql("LOCK TABLE mutation_log, progress IN EXCLUSIVE MODE")
            try:
                yield
            finally:
                connection.rollback()
        return
    db = sqlite3.connect(server.data_dir / "samen.db", isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        yield
    finally:
        db.close()


@pytest.fixture
def two_pushes_at_once(
    seeded_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A copy of the demo academy that applies two pushes at once (one by default)."""
    data_dir = tmp_path_factory.mktemp("two-pushes") / "data"
    copy_academy(seeded_template, data_dir)
    server = start_server(data_dir, seed_demo=False, extra_args=("--push-threads", "2"))
    yield server
    server.stop()


def test_a_second_push_for_the_same_client_is_409(two_pushes_at_once: LiveServer) -> None:
    academy = two_pushes_at_once
    me = Installation.login(academy)
    # The first push waits for the database (held here) while holding the client's lock.
    with ThreadPoolExecutor(max_workers=2) as pool:
        with _write_lock(academy):
            first = pool.submit(me.push_raw, [progress(1, 100)])
            second = pool.submit(me.push_raw, [progress(1, 100)])
            done, _ = wait([first, second], timeout=4, return_when=FIRST_COMPLETED)
            assert len(done) == 1, "one push must be refused while the other waits"
            refused = done.pop()
        waiting = second if refused is first else first
        accepted = waiting.result(timeout=10)
    assert_error(refused.result(), 409, "push_in_progress")
    assert accepted.status_code == 200, accepted.text
    validate("PushReply", accepted.json())
    assert accepted.json()["results"][0]["status"] == "applied"


@pytest.mark.slow
@pytest.mark.skipif(on_postgresql(), reason="SQLite's busy timeout; PostgreSQL waits its turn")
def test_a_locked_database_is_503_with_retry_after(fresh_academy: LiveServer) -> None:
    me = Installation.login(fresh_academy)
    with _write_lock(fresh_academy):
        started = time.monotonic()
        reply = me.push_raw([progress(1, 100)])
        assert time.monotonic() - started >= 4  # SQLite's busy timeout was waited out
    assert_error(reply, 503, "busy")
    assert reply.headers["Retry-After"] == "1"
    assert me.push(progress(1, 100))["results"][0]["status"] == "applied"


@pytest.mark.slow
@pytest.mark.timeout(180)
@pytest.mark.skipif(on_postgresql(), reason="SQLite's busy timeout; PostgreSQL waits its turn")
def test_a_login_that_finds_the_database_locked_is_503_busy_not_500(
    fresh_academy: LiveServer,
) -> None:
    """A login writes its token: SQLite locked past its busy timeout (a class logging in at
    once used to meet this) is the academy being full, answered as a wait."""
    body = {"username": "demo", "password": DEMO_PASSWORD, "client_id": str(uuid.uuid4())}
    with _write_lock(fresh_academy):
        reply = requests.post(f"{fresh_academy.url}/v1/auth/login", json=body, timeout=120)
    assert_error(reply, 503, "busy")
    assert 1 <= int(reply.headers["Retry-After"]) <= 60
    assert "Traceback" not in fresh_academy.stderr_log.read_text(errors="replace")
    again = requests.post(f"{fresh_academy.url}/v1/auth/login", json=body, timeout=120)
    assert again.status_code == 200, again.text


def test_maintenance_file_answers_503_with_retry_after(fresh_academy: LiveServer) -> None:
    me = Installation.login(fresh_academy)
    marker = fresh_academy.data_dir / "maintenance"
    marker.write_text("120\n")
    reply = me.push_raw([progress(1, 100)])
    assert_error(reply, 503, "maintenance")
    assert reply.headers["Retry-After"] == "120"
    marker.write_text("backup running")
    pulled = me.pull_raw()
    assert_error(pulled, 503, "maintenance")
    assert pulled.headers["Retry-After"] == "30"
    marker.write_text("²")  # a digit to str.isdigit(), not to int(): once a 500
    assert me.pull_raw().headers["Retry-After"] == "30"
    marker.unlink()
    assert me.push(progress(1, 100))["last_seq"] == 1


def test_too_many_sync_requests_get_429_with_retry_after(tmp_path: Path) -> None:
    server = start_server(tmp_path / "academy", extra_args=("--sync-rate", "3"))
    try:
        token = token_for(server)
        url = f"{server.url}/v1/sync/pull?client_id={uuid.uuid4()}"
        codes = [requests.get(url, headers=bearer(token), timeout=10).status_code for _ in range(3)]
        assert 429 not in codes  # 403 (unknown client) is fine: the limit counts requests
        limited = requests.get(url, headers=bearer(token), timeout=10)
        body = assert_error(limited, 429, "rate_limited")
        assert body["error"]["message"]
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        # Another login is not affected.
        other = token_for(server, "anna")
        assert requests.get(url, headers=bearer(other), timeout=10).status_code != 429
    finally:
        server.stop()

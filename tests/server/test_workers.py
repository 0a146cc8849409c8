"""Several academy processes on one PostgreSQL database and one data directory (issue 17,
"scale out for real"): what one process holds (a push, an upload, a rate window, an e-mail)
the other sees. Two `samen-server run` processes on different ports, so each request goes to
the process the test means; `--workers 2` itself is started and stopped once."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from server.migrator import upgrade_to_head
from tests.academy_database import database_url, engine_for, on_postgresql
from tests.server.api import assert_error
from tests.server.sync_api import Installation, add_learner, mutation, progress
from tests.server.upload_api import TusSession, stored
from tests.server_process import LiveServer, copy_academy, free_port, start_server

pytestmark = pytest.mark.skipif(
    not on_postgresql(),
    reason="several processes need PostgreSQL (SQLite has one writer; --workers is refused)",
)


def _wait_for(condition: Any, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)  # test helper only: poll the real processes until they get there
    raise AssertionError(f"timed out waiting for {what}")


def _second_process(first: LiveServer) -> LiveServer:
    """Another academy process on the same data directory and database."""
    port = free_port()
    other = LiveServer(
        url=f"http://127.0.0.1:{port}",
        data_dir=first.data_dir,
        port=port,
        extra_args=first.extra_args,
    )
    other.start()
    return other


@pytest.fixture
def pair(
    seeded_template: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two processes of one fresh demo academy; `extra` args via indirect parametrisation."""
    extra: tuple[str, ...] = getattr(request, "param", ())
    data_dir = tmp_path_factory.mktemp("two-processes") / "data"
    copy_academy(seeded_template, data_dir)
    first = start_server(data_dir, seed_demo=False, extra_args=extra)
    try:
        second = _second_process(first)
    except BaseException:
        first.stop()
        raise
    yield first, second
    second.stop()
    first.stop()


def _waiting_on_a_lock(data_dir: Path) -> bool:
    with engine_for(data_dir) as engine, engine.connect() as connection:
        waiting = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
        ).scalar_one()
    return int(waiting) > 0


def test_a_push_running_on_one_process_makes_the_same_installations_push_on_the_other_409(
    pair: tuple[LiveServer, LiveServer],
) -> None:
    first, second = pair
    me = Installation.login(first, add_learner(first))
    me.push(progress(1, 1000))  # the installation is known; its row exists
    on_second = replace(me, server=second)
    replies: list[requests.Response] = []
    with engine_for(first.data_dir) as engine, engine.connect() as blocker:
        # Writes to progress wait: the first push holds its client row while it waits here.
        blocker.execute(text("LOCK TABLE progress IN EXCLUSIVE MODE"))
        held = threading.Thread(target=lambda: replies.append(me.push_raw([progress(2, 2000)])))
        held.start()
        try:
            _wait_for(lambda: _waiting_on_a_lock(first.data_dir), "the first push to wait")
            assert_error(on_second.push_raw([progress(3, 3000)]), 409, "push_in_progress")
        finally:
            blocker.rollback()
            held.join(30)
    assert replies[0].status_code == 200, replies[0].text
    assert [r["status"] for r in replies[0].json()["results"]] == ["applied"]
    # Free again: the other process takes the next batch.
    assert [r["status"] for r in on_second.push(progress(3, 3000))["results"]] == ["applied"]


@pytest.mark.parametrize("pair", [("--sync-rate", "3")], indirect=True)
def test_the_sync_rate_limit_counts_the_requests_both_processes_answered(
    pair: tuple[LiveServer, LiveServer],
) -> None:
    first, second = pair
    me = Installation.login(first, add_learner(first))
    on_second = replace(me, server=second)
    assert me.pull_raw().status_code == 200
    assert on_second.pull_raw().status_code == 200
    assert me.pull_raw().status_code == 200
    for installation in (on_second, me):  # each process alone has seen fewer than 3
        refused = installation.pull_raw()
        assert_error(refused, 429, "rate_limited")
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Another login has its own window, on either process.
    other = Installation.login(second, add_learner(second))
    assert other.pull_raw().status_code == 200


def test_a_second_patch_through_the_other_process_is_refused_while_bytes_flow(
    pair: tuple[LiveServer, LiveServer],
) -> None:
    first, second = pair
    token = Installation.login(first, add_learner(first)).token
    on_first, on_second = TusSession(first, token), TusSession(second, token)
    data = bytes(range(256)) * 2000  # 512,000 bytes
    upload_id = on_first.new(data)
    release = threading.Event()
    first_reply: list[requests.Response] = []

    def slow_body() -> Iterator[bytes]:
        yield data[:200_000]
        release.wait(20)
        yield data[200_000:300_000]

    sender = threading.Thread(
        target=lambda: first_reply.append(on_first.patch(upload_id, 0, slow_body()))
    )
    sender.start()
    try:
        _wait_for(stored(first, upload_id)[1].exists, "the first PATCH to start")
        assert_error(on_second.patch(upload_id, 0, b"z" * 1000), 423, "upload_busy")
        assert_error(on_second.delete(upload_id), 423, "upload_busy")
    finally:
        release.set()
        sender.join(30)
    assert first_reply[0].status_code == 204
    assert first_reply[0].headers["Upload-Offset"] == "300000"
    # The lease went back: the other process takes the rest.
    assert on_second.patch(upload_id, 300_000, data[300_000:]).status_code == 204
    assert stored(first, upload_id)[0].read_bytes() == data


def _supporter_exercise(data_dir: Path) -> str:
    with engine_for(data_dir) as engine, engine.connect() as connection:
        return str(
            connection.execute(
                text("SELECT id FROM exercises WHERE supporter_allowed ORDER BY id LIMIT 1")
            ).scalar_one()
        )


def test_two_processes_mailers_send_each_e_mail_exactly_once(
    pair: tuple[LiveServer, LiveServer],
) -> None:
    first, second = pair  # no SMTP server: e-mails become .eml files in the shared data dir
    exercise = _supporter_exercise(first.data_dir)
    asks = [
        mutation(
            seq,
            "supporter.request",
            {
                "request_id": str(uuid.uuid4()),
                "exercise_id": exercise,
                "supporter_name": f"Supporter {seq}",
                "supporter_email": f"supporter{seq}@example.org",
                "message": "Could you read my explanation?",
                "answer": "Teaching others works because you must order your thoughts.",
            },
        )
        for seq in range(1, 5)
    ]
    me = Installation.login(first, add_learner(first))
    someone = Installation.login(second, add_learner(second))
    waker = threading.Thread(target=lambda: someone.push(progress(1, 500)))  # wakes its mailer
    waker.start()
    assert all(r["status"] == "applied" for r in me.push(*asks)["results"])
    waker.join(30)

    def all_sent() -> bool:
        with engine_for(first.data_dir) as engine, engine.connect() as connection:
            unsent = connection.execute(
                text("SELECT count(*) FROM outgoing_mail WHERE sent_at IS NULL")
            ).scalar_one()
        return int(unsent) == 0

    _wait_for(all_sent, "both mailers to finish")
    mails = sorted((first.data_dir / "mail").glob("*.eml"))
    recipients = sorted(
        line for path in mails for line in path.read_text().splitlines() if line.startswith("To:")
    )
    assert recipients == [f"To: Supporter {n} <supporter{n}@example.org>" for n in range(1, 5)]


def test_academies_starting_at_once_on_a_new_database_migrate_it_once(tmp_path: Path) -> None:
    url = database_url(tmp_path / "academy")
    assert url is not None
    failures: list[BaseException] = []

    def migrate() -> None:
        engine = create_engine(url, poolclass=NullPool)
        try:
            upgrade_to_head(engine)
        except BaseException as exc:  # reported below, with the other process's outcome
            failures.append(exc)
        finally:
            engine.dispose()

    starts = [threading.Thread(target=migrate) for _ in range(3)]
    for start in starts:
        start.start()
    for start in starts:
        start.join(60)
    assert failures == []
    with engine_for(tmp_path / "academy") as engine, engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    assert len(versions) == 1


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _serving(pid: int) -> set[int]:
    """The worker processes among `pid`'s children (not multiprocessing's resource tracker)."""
    workers = set()
    for child in _children(pid):
        try:
            command = (Path("/proc") / str(child) / "cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command:
            workers.add(child)
    return workers


@pytest.mark.timeout(120)
def test_run_with_two_workers_serves_and_stops_with_its_workers(
    seeded_template: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    copy_academy(seeded_template, data_dir)
    server = start_server(data_dir, seed_demo=False, extra_args=("--workers", "2"))
    try:
        process = server._process
        assert process is not None
        _wait_for(lambda: len(_serving(process.pid)) == 2, "two worker processes")
        workers = _serving(process.pid)
        me = Installation.login(server, add_learner(server))
        for seq in range(1, 7):  # several connections: the kernel spreads them over both
            assert me.push(progress(seq, seq * 1000))["results"][0]["status"] == "applied"
            assert me.pull()["cursor"]
        assert "listening on http://127.0.0.1" in server.stdout_log.read_text()
    finally:
        server.stop()
    _wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), "workers to end")

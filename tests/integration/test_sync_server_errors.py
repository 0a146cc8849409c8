"""An action the academy fails on every time (HTTP 500) is set aside, and the queue goes on.

Real academy on loopback, real client store; the fault proxy answers 500, like the academy's
own crash would, to every push batch that holds the faulty action (the academy processes a
batch in one transaction, so nothing of such a batch is stored).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from desktop.core import Core
from desktop.domain.sync import SERVER_ERROR_CODE, OutboxItem, OutboxState, SyncReport
from desktop.store.outbox import OutboxRepo
from tests.academy_database import execute, on_postgresql
from tests.faults.proxy import Fault, FaultProxy
from tests.integration.sync_helpers import (
    LESSONS,
    applied_mutations,
    client,
    enqueue_many,
    holding,
)
from tests.server_process import LiveServer, start_server

SENTENCE = "The academy could not process this action. You can edit it or discard it."


@pytest.fixture(scope="module")
def academy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("server-errors-academy"), seed_demo=True)
    yield server
    server.stop()


def fail_on(proxy: FaultProxy, mutation_id: str, pushes: list[list[int]] | None = None) -> None:
    """500 for every push batch holding the mutation; `pushes` collects each batch's seqs."""
    holds = holding(mutation_id)

    def match(body: bytes) -> bool:
        if pushes is not None:
            pushes.append([m["seq"] for m in json.loads(body)["mutations"]])
        return holds(body)

    proxy.set(
        Fault.HTTP_ERROR,
        status=500,
        path="/v1/sync/push",
        match=match,
        headers={"Content-Type": "text/plain; charset=utf-8"},
        body=b"Internal Server Error",
    )


def item(core: Core, mutation_id: str) -> OutboxItem:
    (found,) = [i for i in core.queue.items() if i.mutation_id == mutation_id]
    return found


def client_id(core: Core) -> str:
    account = core.session.account()
    assert account is not None
    return account.client_id


def failed_window(core: Core, poison: str, tries: int) -> SyncReport:
    report = core.sync.run_window()
    assert not report.ok
    assert report.error == (
        "The academy ran into a problem and could not answer. Samen will try again later."
    )
    assert report.next_delay_s is not None  # backed off as for any failed window
    assert item(core, poison).server_errors == tries
    assert item(core, poison).state is OutboxState.PENDING
    return report


def test_an_action_failing_every_time_is_refused_and_the_rest_go_on(
    tmp_path: Path, academy: LiveServer, proxy: FaultProxy
) -> None:
    core = client(tmp_path, proxy.url)
    ids = enqueue_many(core, 8)
    poison = ids[5]
    pushes: list[list[int]] = []
    fail_on(proxy, poison, pushes)

    # 1st window: the batch of 8 is narrowed down; the five before the faulty one go through.
    first = failed_window(core, poison, tries=1)
    assert first.pending == 3
    assert applied_mutations(academy, client_id(core)) == ids[:5]
    # 2nd: it is tried alone; then a restart, which keeps the count.
    failed_window(core, poison, tries=2)
    core.close()
    core = client(tmp_path, proxy.url)
    failed_window(core, poison, tries=3)
    failed_window(core, poison, tries=4)
    assert core.sync.backoff.failures == 2  # since the restart: each window backed off

    # 5th: set aside as refused; the two behind it are renumbered into its place (the academy
    # never stored it) and sent at once: no push leaves a gap to be answered `expected_seq`.
    pushes.clear()
    fifth = core.sync.run_window()
    assert fifth.ok, fifth.error
    assert (fifth.rejected, fifth.acked, fifth.pending) == (1, 2, 0)
    assert applied_mutations(academy, client_id(core)) == ids[:5] + ids[6:]
    assert pushes == [[6], [6, 7]]
    refused = item(core, poison)
    assert refused.state is OutboxState.REJECTED and refused.seq is None
    assert (refused.code, refused.message) == (SERVER_ERROR_CODE, SENTENCE)
    view = core.queue.view(50)  # the "Waiting to send" page lists it with its reason
    assert (view.refused, view.waiting) == (1, 0)
    assert [i.mutation_id for i in view.items] == [poison]

    # Nothing more happens on its own: the refusal waits for the learner.
    faults = proxy.faults_applied
    assert core.sync.run_window().ok
    assert proxy.faults_applied == faults
    assert applied_mutations(academy, client_id(core)) == ids[:5] + ids[6:]

    # Later actions are numbered after the renumbered ones and go at once.
    later = enqueue_many(core, 2, lesson=LESSONS[1])
    assert core.sync.run_window().acked == 2
    assert applied_mutations(academy, client_id(core)) == ids[:5] + ids[6:] + later
    core.close()


def test_a_refused_last_action_can_be_edited_and_resent(
    tmp_path: Path, academy: LiveServer, proxy: FaultProxy
) -> None:
    core = client(tmp_path, proxy.url)
    ids = enqueue_many(core, 3)
    poison = ids[-1]
    fail_on(proxy, poison)
    for tries in range(1, 5):
        failed_window(core, poison, tries)
    report = core.sync.run_window()
    assert report.ok and report.rejected == 1 and report.pending == 0
    refused = item(core, poison)
    assert refused.code == SERVER_ERROR_CODE

    # Edit and resend: a new action, numbered into the place the refused one never took.
    core.queue.resend(refused.id, {**refused.args, "position_ms": 777})
    again = core.sync.run_window()
    assert again.ok and again.acked == 1 and again.pending == 0
    applied = applied_mutations(academy, client_id(core))
    assert applied[:2] == ids[:2] and len(applied) == 3 and poison not in applied
    assert core.queue.items() == []
    assert core.sync.cached("progress")[LESSONS[0]]["position_ms"] == 777
    core.close()


def test_a_refused_action_can_be_discarded_and_the_queue_goes_on(
    tmp_path: Path, academy: LiveServer, proxy: FaultProxy
) -> None:
    core = client(tmp_path, proxy.url)
    ids = enqueue_many(core, 2)
    poison = ids[0]
    fail_on(proxy, poison)
    for tries in range(1, 5):
        failed_window(core, poison, tries)
    assert core.sync.run_window().ok
    core.queue.discard(item(core, poison).id)
    later = enqueue_many(core, 1, lesson=LESSONS[2])
    report = core.sync.run_window()
    assert report.ok and report.pending == 0
    assert applied_mutations(academy, client_id(core)) == [ids[1], *later]
    assert core.queue.items() == []
    core.close()


def test_a_real_answer_resets_the_count(
    tmp_path: Path, academy: LiveServer, proxy: FaultProxy
) -> None:
    core = client(tmp_path, proxy.url)
    ids = enqueue_many(core, 4)
    fail_on(proxy, ids[1])
    failed_window(core, ids[1], tries=1)
    failed_window(core, ids[1], tries=2)
    proxy.set(Fault.PASS)  # the academy was fixed
    report = core.sync.run_window()
    assert report.ok and report.acked == 3 and report.rejected == 0
    with core.store.read() as db:
        counts = db.execute("SELECT DISTINCT server_errors FROM outbox").fetchall()
    assert counts == [(0,)]
    assert applied_mutations(academy, client_id(core)) == ids
    core.close()


def test_a_passing_500_on_a_batch_is_narrowed_down_in_the_same_window(
    tmp_path: Path, academy: LiveServer, proxy: FaultProxy
) -> None:
    core = client(tmp_path, proxy.url)
    ids = enqueue_many(core, 6)
    proxy.set(Fault.HTTP_ERROR, status=500, path="/v1/sync/push", times=1)
    report = core.sync.run_window()
    assert report.ok and report.acked == 6 and report.rejected == 0
    assert applied_mutations(academy, client_id(core)) == ids
    core.close()


def test_an_academy_failing_on_everything_sets_nothing_aside(
    tmp_path: Path, academy: LiveServer, proxy: FaultProxy
) -> None:
    core = client(tmp_path, proxy.url)
    ids = enqueue_many(core, 3)
    # Push and pull both fail (as when the academy's database is down): not the action's fault.
    proxy.set(Fault.HTTP_ERROR, status=500, path="/v1/sync/")
    for _ in range(7):
        report = core.sync.run_window()
        assert not report.ok and report.pending == 3 and report.rejected == 0
    assert all(i.server_errors == 0 for i in core.queue.items())
    proxy.set(Fault.PASS)
    assert core.sync.run_window().acked == 3
    assert applied_mutations(academy, client_id(core)) == ids
    core.close()


def test_a_500_after_the_academy_applied_the_action_loses_and_doubles_nothing(
    tmp_path: Path, academy: LiveServer, proxy: FaultProxy
) -> None:
    core = client(tmp_path, proxy.url)
    ids = enqueue_many(core, 4)
    # The academy stores the batch, then fails to answer: halving replays duplicates, and the
    # pull after the 500 on the last one alone brings its real outcome.
    proxy.set(
        Fault.ERROR_AFTER_REQUEST,
        status=500,
        path="/v1/sync/push",
        match=holding(ids[3]),
        body=b"Internal Server Error",
    )
    report = core.sync.run_window()
    assert report.ok, report.error
    assert (report.acked, report.rejected, report.pending) == (4, 0, 0)
    assert applied_mutations(academy, client_id(core)) == ids
    with core.store.read() as db:
        counts = db.execute("SELECT DISTINCT server_errors FROM outbox").fetchall()
    assert counts == [(0,)]
    core.close()


def test_an_action_the_academy_calls_malformed_is_refused_and_the_rest_go_on(
    tmp_path: Path, academy: LiveServer
) -> None:
    """No proxy: the real academy answers 400 (nested too deep) to every push holding it."""
    core = client(tmp_path, academy.url)
    before = enqueue_many(core, 2)
    account = core.session.account()
    assert account is not None
    nested: object = "deep"
    for _ in range(40):
        nested = [nested]
    with core.store.write() as db:
        poison = OutboxRepo.enqueue(
            db,
            client_id=account.client_id,
            kind="progress",
            name="progress.update",
            args={"course_id": "learning-together", "lesson_id": LESSONS[0], "x": nested},
        )
    after = enqueue_many(core, 2, lesson=LESSONS[1])

    for tries in range(1, 5):
        report = core.sync.run_window()
        assert not report.ok
        # Not the academy's own words ("nested more than 32 levels"), which are for its log.
        assert (
            report.error
            == "The academy could not read what Samen sent. Samen will try again later."
        )
        assert item(core, poison).server_errors == tries
    assert applied_mutations(academy, client_id(core)) == before

    last = core.sync.run_window()
    assert last.ok, last.error
    assert (last.rejected, last.pending) == (1, 0)
    assert applied_mutations(academy, client_id(core)) == before + after
    refused = item(core, poison)
    assert refused.state is OutboxState.REJECTED
    assert (refused.code, refused.message) == (SERVER_ERROR_CODE, SENTENCE)
    core.close()


@contextmanager
def _progress_fails(academy: LiveServer) -> Iterator[None]:
    """Every write of progress fails as the database failing would: on SQLite the table is gone
    (OperationalError there); on PostgreSQL, where a missing table is a ProgrammingError, a
    trigger answers disk_full (53100), which psycopg raises as an OperationalError."""
    if on_postgresql():
        arrange = [
            "CREATE FUNCTION samen_test_disk_full() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END $$",
            "CREATE TRIGGER samen_test_disk_full BEFORE INSERT OR UPDATE ON progress "
            "FOR EACH ROW EXECUTE FUNCTION samen_test_disk_full()",
        ]
        undo = ["DROP TRIGGER samen_test_disk_full ON progress",
                "DROP FUNCTION samen_test_disk_full()"]  # fmt: skip
    else:
        arrange = ["ALTER TABLE progress RENAME TO progress_away"]
        undo = ["ALTER TABLE progress_away RENAME TO progress"]
    for statement in arrange:
        execute(academy.data_dir, statement)
    try:
        yield
    finally:
        for statement in undo:
            execute(academy.data_dir, statement)


def test_an_academy_whose_database_fails_on_push_refuses_nothing(
    tmp_path: Path, academy: LiveServer
) -> None:
    """The academy's database breaks under the push alone (here a table gone; a full disk is
    the same OperationalError): it answers 503, not 500, so no action is set aside however
    many windows fail, and all of them go once the database works again."""
    core = client(tmp_path, academy.url)
    ids = enqueue_many(core, 3, lesson=LESSONS[2])
    with _progress_fails(academy):
        for _ in range(7):
            report = core.sync.run_window()
            assert not report.ok
            assert report.error == "The academy cannot store changes right now; try again later."
        assert [i.server_errors for i in core.queue.items()] == [0, 0, 0]
        assert {i.state for i in core.queue.items()} == {OutboxState.PENDING}
    report = core.sync.run_window()
    assert report.ok, report.error
    assert (report.acked, report.rejected, report.pending) == (3, 0, 0)
    assert applied_mutations(academy, client_id(core))[-3:] == ids
    core.close()

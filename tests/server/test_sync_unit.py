"""Push processing in-process on a real SQLite file: savepoints, retries, locks, migration 0002,
the sweep that publishes closed polls."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import func, select, text

from server.auth.models import Role, User
from server.content.models import Course, Lesson
from server.db import Database, table_of
from server.errors import ApiError
from server.migrator import alembic_config, upgrade_to_head
from server.progress.models import Progress
from server.progress.mutations import PROGRESS_UPDATE, ProgressArgs
from server.social.final_results import closed_unpublished, publish, publish_due_before_reading
from server.social.models import Poll, PollOption
from server.sync.changes import PendingChange, read_changes, write_changes
from server.sync.locks import ClientLocks
from server.sync.log_rows import PulledChange
from server.sync.models import ChangeCounter, ChangeLog, MutationLog, SyncClient
from server.sync.mutations import (
    NOT_PROCESSED,
    TOO_DEEP,
    TOO_LARGE,
    MutationArgs,
    MutationContext,
    MutationSpec,
    Rejected,
    RetryLater,
    no_course,
)
from server.sync.push import process_push
from server.sync.schemas import MutationIn

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'unit.db'}")
    upgrade_to_head(database.engine)
    with database.session() as session:
        session.add(
            User(id=1, username="u", display_name="U", role=Role.LEARNER, password_hash="-")
        )
        course = Course(id="c", title="C", language="en", summary="")
        course.lessons.append(Lesson(id="c-1", position=1, title="L", body_markdown=""))
        session.add(course)
        session.add(SyncClient(client_id="client", user_id=1))
        session.commit()
    yield database
    database.dispose()


def _progress(seq: int, position: int, name: str = "progress.update") -> MutationIn:
    return MutationIn.model_validate(
        {
            "seq": seq,
            "mutation_id": str(uuid.uuid4()),
            "name": name,
            "args": {
                "course_id": "c",
                "lesson_id": "c-1",
                "position_ms": position,
                "completed": False,
            },
            "created_at": NOW.isoformat(),
        }
    )


def _write_then(outcome: BaseException) -> MutationSpec[ProgressArgs]:
    """A handler that writes progress (and a change) and then fails with ``outcome``."""

    def apply(ctx: MutationContext, args: ProgressArgs) -> dict[str, Any]:
        PROGRESS_UPDATE.apply(ctx, args)
        raise outcome

    return MutationSpec("progress.update", ProgressArgs, apply, PROGRESS_UPDATE.course)


def _push(
    database: Database, registry: dict[str, MutationSpec[Any]], *items: MutationIn
) -> dict[str, Any]:
    with database.session() as session:
        return process_push(session, registry, 1, "client", list(items), NOW)


def _count(database: Database, model: type[Any]) -> int:
    with database.session() as session:
        return int(session.execute(select(func.count()).select_from(table_of(model))).scalar_one())


def test_a_rejected_handler_leaves_only_its_outcome(database: Database) -> None:
    registry: dict[str, MutationSpec[Any]] = {
        "progress.update": PROGRESS_UPDATE,
        "fail.after_write": _write_then(Rejected("thread_locked", "Locked.")),
    }
    reply = _push(database, registry, _progress(1, 100, "fail.after_write"), _progress(2, 50))
    assert [r["status"] for r in reply["results"]] == ["rejected", "applied"]
    assert reply["results"][0]["code"] == "thread_locked"
    assert reply["last_seq"] == 2
    with database.session() as session:
        # The failing handler's write was rolled back; the next mutation started afresh.
        assert session.execute(select(Progress.position_ms)).scalar_one() == 50
        assert session.execute(select(func.count()).select_from(ChangeLog)).scalar_one() == 1
    assert _count(database, MutationLog) == 2


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (OverflowError("Python int too large to convert to SQLite INTEGER"), TOO_LARGE),
        (RecursionError("maximum recursion depth exceeded"), TOO_DEEP),
    ],
)
def test_a_value_no_schema_caught_rejects_only_its_item(
    database: Database, failure: BaseException, message: str
) -> None:
    registry: dict[str, MutationSpec[Any]] = {
        "progress.update": PROGRESS_UPDATE,
        "fail.after_write": _write_then(failure),
    }
    reply = _push(database, registry, _progress(1, 100, "fail.after_write"), _progress(2, 50))
    assert [(r["status"], r.get("code")) for r in reply["results"]] == [
        ("rejected", "invalid_args"),
        ("applied", None),
    ]
    assert reply["results"][0]["message"] == message
    assert reply["last_seq"] == 2
    with database.session() as session:
        assert session.execute(select(Progress.position_ms)).scalar_one() == 50


def test_retry_later_stops_the_batch_without_a_trace(database: Database) -> None:
    registry: dict[str, MutationSpec[Any]] = {
        "progress.update": PROGRESS_UPDATE,
        "upload.wait": _write_then(RetryLater(7.5)),
    }
    reply = _push(
        database, registry, _progress(1, 10), _progress(2, 20, "upload.wait"), _progress(3, 30)
    )
    assert reply["last_seq"] == 1
    assert [(r["seq"], r["status"]) for r in reply["results"]] == [(1, "applied"), (2, "retry")]
    assert reply["results"][1]["retry_after"] == 7.5
    assert _count(database, MutationLog) == 1
    with database.session() as session:
        assert session.execute(select(Progress.position_ms)).scalar_one() == 10
        assert session.get(SyncClient, "client").last_seq == 1  # type: ignore[union-attr]


def test_change_ids_follow_the_counter_and_versions_grow(database: Database) -> None:
    registry: dict[str, MutationSpec[Any]] = {"progress.update": PROGRESS_UPDATE}
    _push(database, registry, _progress(1, 10), _progress(2, 20))  # coalesced: one change
    _push(database, registry, _progress(3, 30))
    with database.session() as session:
        rows = session.execute(select(ChangeLog.id, ChangeLog.version).order_by(ChangeLog.id)).all()
        assert [tuple(row) for row in rows] == [(1, 1), (2, 2)]
        assert session.execute(select(ChangeCounter.value)).scalar_one() == 2


def test_args_models_are_strict() -> None:
    class Args(MutationArgs):
        n: int

    spec = MutationSpec("x.y", Args, lambda ctx, args: {"n": args.n}, no_course)
    ctx: Any = None
    assert spec.run(ctx, {"n": 3}) == {"n": 3}
    for bad in ({"n": "3"}, {"n": 3, "m": 1}, {}):
        with pytest.raises(Rejected) as caught:
            spec.run(ctx, bad)
        assert caught.value.code == "invalid_args"


def test_client_locks_never_block() -> None:
    locks = ClientLocks()
    with locks.exclusive("a"):
        assert not locks.try_acquire("a")
        assert locks.try_acquire("b")
        with pytest.raises(ApiError) as caught, locks.exclusive("a"):
            pass
        assert (caught.value.status, caught.value.code) == (409, "push_in_progress")
    assert locks.try_acquire("a")


def test_migration_0002_publishes_existing_polls(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        command.upgrade(alembic_config(database.engine), "0001")
        with database.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO courses (id, version, title, language, summary) "
                    "VALUES ('c', 1, 'C', 'en', '')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO polls (id, course_id, statement, opens_at, created_at) "
                    "VALUES ('p', 'c', 'S?', '2025-01-01 00:00:00.000000', "
                    "'2025-01-01 00:00:00.000000')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO poll_options (id, poll_id, position, text) "
                    "VALUES ('p-1', 'p', 1, 'Yes')"
                )
            )
        command.upgrade(alembic_config(database.engine), "0002")  # 0007 moves poll_results
        with database.session() as session:
            rows = session.execute(
                select(ChangeLog.id, ChangeLog.scope, ChangeLog.entity, ChangeLog.data).order_by(
                    ChangeLog.id
                )
            ).all()
            assert [(r.id, r.scope, r.entity) for r in rows] == [
                (1, "course:c", "poll"),
                (2, "course:c", "poll_results"),
            ]
            assert rows[0].data["options"] == [{"id": "p-1", "text": "Yes"}]
            assert rows[0].data["opens_at"] == "2025-01-01T00:00:00Z"
            assert rows[1].data == {"poll_id": "p", "counts": {"p-1": 0}, "total": 0}
            assert session.execute(select(ChangeCounter.value)).scalar_one() == 2
    finally:
        database.dispose()


def test_two_sweeps_that_both_saw_a_closed_poll_publish_it_once(database: Database) -> None:
    with database.session() as session:
        session.add(
            Poll(
                id="p",
                course_id="c",
                statement="S?",
                opens_at=datetime(2025, 1, 1, tzinfo=UTC),
                closes_at=datetime(2025, 6, 1, tzinfo=UTC),
                options=[PollOption(id="p-1", position=1, text="Yes")],
            )
        )
        session.commit()
    with database.session() as first, database.session() as second:
        assert closed_unpublished(first, NOW) == ["p"]
        first.rollback()  # it saw the poll due; the other sweep publishes meanwhile
        assert publish_due_before_reading(second, NOW) == 1
        assert publish(first, ["p"], NOW) == 0
        first.commit()
        logged = first.execute(
            select(ChangeLog.scope, ChangeLog.data).where(ChangeLog.entity == "poll_results")
        ).all()
        assert [tuple(row) for row in logged] == [
            ("course:c", {"poll_id": "p", "counts": {"p-1": 0}, "total": 0})
        ]
        assert publish_due_before_reading(first, NOW) == 0


@pytest.mark.allow_error_logs
def test_a_handler_bug_rejects_only_its_item_and_is_logged(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    registry: dict[str, MutationSpec[Any]] = {
        "progress.update": PROGRESS_UPDATE,
        "fail.after_write": _write_then(KeyError("a bug")),
    }
    reply = _push(database, registry, _progress(1, 100, "fail.after_write"), _progress(2, 50))
    assert [(r["status"], r.get("code")) for r in reply["results"]] == [
        ("rejected", "internal"),
        ("applied", None),
    ]
    assert reply["results"][0]["message"] == NOT_PROCESSED
    assert reply["last_seq"] == 2
    assert "KeyError: 'a bug'" in caplog.text  # the traceback is the admin's, not the learner's
    with database.session() as session:
        assert session.execute(select(Progress.position_ms)).scalar_one() == 50


def test_a_pull_sends_an_entity_only_in_its_newest_version(database: Database) -> None:
    """Three pushes change one lesson's progress three times: a pull from the start sends it
    once (its newest state); a pull whose snapshot ends before the last change sends the
    version that was newest then, and the next pull the last one."""
    registry: dict[str, MutationSpec[Any]] = {"progress.update": PROGRESS_UPDATE}
    for seq in (1, 2, 3):
        _push(database, registry, _progress(seq, seq * 10))
    scopes = ["user:1"]
    with database.session() as session:
        everything = _pulled(read_changes(session, 0, 3, scopes, 10))
        assert [(c["id"], c["version"]) for c in everything] == [(3, 3)]
        assert everything[0]["data"]["position_ms"] == 30
        then = _pulled(read_changes(session, 0, 2, scopes, 10))
        assert [(c["id"], c["version"]) for c in then] == [(2, 2)]
        assert [
            (c["id"], c["version"]) for c in _pulled(read_changes(session, 2, 3, scopes, 10))
        ] == [(3, 3)]


def _pulled(changes: list[PulledChange]) -> list[dict[str, Any]]:
    """Each change as the wire says it, with its log id under "id" (the entity's is "entity_id")."""
    out = []
    for change in changes:
        body = json.loads(change.text)
        out.append({**body, "entity_id": body["id"], "id": change.id})
    return out


def test_a_pull_page_merges_its_scopes_in_id_order(database: Database) -> None:
    with database.session() as session:
        write_changes(
            session,
            [
                PendingChange(scope, "note", f"{scope}-{n}", "put", {"n": n})
                for n in range(3)
                for scope in ("user:1", "course:c", "poll:p")
            ],
            NOW,
        )
        session.commit()
        page = _pulled(read_changes(session, 0, 100, ["course:c", "user:1", "poll:p"], 5))
        assert [c["id"] for c in page] == [1, 2, 3, 4, 5]
        assert [c["scope"] for c in page] == ["user:1", "course:c", "poll:p", "user:1", "course:c"]
        rest = read_changes(session, 5, 100, ["course:c", "user:1", "poll:p"], 5)
        assert [c.id for c in rest] == [6, 7, 8, 9]

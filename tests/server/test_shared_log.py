"""The shared scopes held in memory (server.sync.shared_log) on real SQLite files: a pull
served from them says exactly what the database says, reads each change from the database
once, and lets go of what a restore or its bounds take away."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from server.db import Database
from server.migrator import upgrade_to_head
from server.sync.changes import PendingChange, log_state, read_changes, write_changes
from server.sync.shared_log import SharedLog

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SCOPES = ["user:1", "course:a", "course:b", "poll:p"]


def _database(path: Path) -> Database:
    database = Database(f"sqlite:///{path}")
    upgrade_to_head(database.engine)
    return database


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    database = _database(tmp_path / "academy.db")
    yield database
    database.dispose()


def _write(database: Database, rng: random.Random, count: int, tag: str = "") -> None:
    """``count`` changes over a few entities of each scope, so many replace an older version."""
    with database.session() as session:
        changes = []
        for _ in range(count):
            scope = rng.choice(SCOPES)
            entity_id = f"e{rng.randrange(6)}"
            op = "delete" if rng.random() < 0.1 else "put"
            data = None if op == "delete" else {"n": rng.randrange(1000), "tag": tag, "é": "ü"}
            changes.append(PendingChange(scope, "note", entity_id, op, data))
        # One transaction per change, as pushes commit them (a transaction keeps only the
        # newest change of an entity).
        for change in changes:
            write_changes(session, [change], NOW)
            session.commit()


def _pull_everything(
    database: Database, after: int, limit: int, shared: SharedLog | None
) -> list[tuple[int, str]]:
    with database.session() as session:
        upto = log_state(session).newest
        pages: list[tuple[int, str]] = []
        while True:
            page = read_changes(session, after, upto, SCOPES, limit, shared)
            pages += [(change.id, change.text) for change in page]
            if len(page) < limit:
                return pages
            after = page[-1].id


@pytest.mark.parametrize(
    "bounds", [{}, {"per_scope": 7}, {"per_scope": 7, "total": 12}, {"gap": 5}]
)
def test_pulls_from_memory_say_what_the_database_says(
    database: Database, bounds: dict[str, Any]
) -> None:
    """Writes and pulls interleave, from random cursors and page sizes; with small bounds,
    scopes are trimmed, dropped and read again from the database on the way."""
    rng = random.Random(17)
    shared = SharedLog(**bounds)
    for _ in range(30):
        _write(database, rng, rng.randrange(1, 12))
        with database.session() as session:
            newest = log_state(session).newest
        after = rng.randrange(0, newest + 1)
        limit = rng.choice([1, 3, 10, 1000])
        assert _pull_everything(database, after, limit, shared) == _pull_everything(
            database, after, limit, None
        )
    held = shared.held()
    assert held  # the shared scopes came from memory
    if bounds:
        assert sum(held.values()) <= bounds.get("total", sum(held.values()))
        assert max(held.values()) <= bounds.get("per_scope", max(held.values()))


def test_a_pull_older_than_the_newest_write_leaves_the_newer_version_for_later(
    database: Database,
) -> None:
    with database.session() as session:
        for n in (1, 2):
            write_changes(session, [PendingChange("course:a", "note", "x", "put", {"n": n})], NOW)
            session.commit()
        shared = SharedLog()
        newest = read_changes(session, 0, 2, ["course:a"], 10, shared)
        assert [change.id for change in newest] == [2]
        # A pull whose snapshot ended at 1 (taken before the second write) still gets 1.
        assert [change.id for change in read_changes(session, 0, 1, ["course:a"], 10, shared)] == [
            1
        ]


def test_each_shared_change_is_read_from_the_database_once(database: Database) -> None:
    rng = random.Random(3)
    _write(database, rng, 40)
    shared = SharedLog()
    reads: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        reads.extend(str(value) for value in _values(parameters))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        first = _pull_everything(database, 0, 1000, shared)
        assert {"course:a", "course:b", "poll:p", "user:1"} <= set(reads)
        reads.clear()
        again = _pull_everything(database, 0, 1000, shared)  # the next learner of the course
        assert again == first
        # Only the learner's own scope is read again: the course and poll scopes come from memory.
        assert "user:1" in reads
        assert not {"course:a", "course:b", "poll:p"} & set(reads)
        _write(database, rng, 5)
        reads.clear()
        assert _pull_everything(database, 0, 1000, shared) == _pull_everything(
            database, 0, 1000, None
        )
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def _values(parameters: Any) -> list[Any]:
    if isinstance(parameters, dict):
        return list(parameters.values())
    if isinstance(parameters, (list, tuple)):
        return (
            [v for p in parameters for v in _values(p)]
            if parameters and isinstance(parameters[0], (list, tuple, dict))
            else list(parameters)
        )
    return []


def test_a_restored_log_is_read_again(tmp_path: Path) -> None:
    """The academy's database replaced underneath by another copy of the log: one that lost
    the newest changes and wrote others in their place (behind and past what is held), and
    an older one. Every pull says what the database it reads now says."""
    rng = random.Random(5)
    databases = {name: _database(tmp_path / f"{name}.db") for name in ("a", "b", "c", "d")}
    shared = SharedLog()

    def pulled_alike(name: str) -> None:
        database = databases[name]
        assert _pull_everything(database, 0, 1000, shared) == _pull_everything(
            database, 0, 1000, None
        )

    try:
        _write(databases["a"], rng, 30, "a")
        pulled_alike("a")
        _write(databases["a"], rng, 10, "a")
        pulled_alike("a")  # the tail moves on: 40 changes read
        _write(databases["b"], rng, 35, "b")
        pulled_alike("b")  # 35 < 40: the change at 35 is not the one read
        _write(databases["c"], rng, 8, "c")
        pulled_alike("c")
        pulled_alike("a")
        _write(databases["d"], rng, 60, "d")
        pulled_alike("d")  # past the tail: the change at the tail is not the one read
    finally:
        for database in databases.values():
            database.dispose()

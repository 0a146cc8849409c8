"""Writing and reading the change log.

Writers collect changes in a :class:`ChangeBuffer` and hand them to :func:`write_changes` inside
their transaction, at its end: it takes the ids from change_counter (a row lock on PostgreSQL
until commit, so ids follow commit order) and gives every (scope, entity, id) its next version.
Called on worker threads (push) and on the CLI's main thread (seed-demo).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from server.db import table_of
from server.sync.log_rows import PulledChange, read_scope
from server.sync.models import ChangeCounter, ChangeLog
from server.sync.shared_log import SharedLog

# Keeps (scope, entity, id) IN (...) well below every backend's bound-parameter limit.
_KEY_CHUNK = 300

Key = tuple[str, str, str]


@dataclass(frozen=True)
class PendingChange:
    scope: str
    entity: str
    entity_id: str
    op: str  # put | delete
    data: dict[str, Any] | None

    @property
    def key(self) -> Key:
        return (self.scope, self.entity, self.entity_id)


class ChangeBuffer:
    """Changes of one transaction; a later change of the same entity replaces the earlier one
    (clients only need its newest state), keeping the order of the latest emissions."""

    def __init__(self) -> None:
        self._items: dict[Key, PendingChange] = {}

    def put(self, scope: str, entity: str, entity_id: str, data: dict[str, Any]) -> None:
        self.add(PendingChange(scope, entity, entity_id, "put", data))

    def delete(self, scope: str, entity: str, entity_id: str) -> None:
        self.add(PendingChange(scope, entity, entity_id, "delete", None))

    def add(self, change: PendingChange) -> None:
        self._items.pop(change.key, None)
        self._items[change.key] = change

    def extend(self, changes: Iterable[PendingChange]) -> None:
        for change in changes:
            self.add(change)

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)

    def changes(self) -> list[PendingChange]:
        return list(self._items.values())


def iso(value: datetime | None) -> str | None:
    """A UTC timestamp as the contract's date-time (``...Z``)."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def user_scope(user_id: int) -> str:
    return f"user:{user_id}"


def course_scope(course_id: str) -> str:
    return f"course:{course_id}"


def _current_versions(session: Session, keys: Sequence[Key]) -> dict[Key, int]:
    table = table_of(ChangeLog)
    versions: dict[Key, int] = {}
    for start in range(0, len(keys), _KEY_CHUNK):
        chunk = keys[start : start + _KEY_CHUNK]
        rows = session.execute(
            select(table.c.scope, table.c.entity, table.c.entity_id, func.max(table.c.version))
            .where(tuple_(table.c.scope, table.c.entity, table.c.entity_id).in_(chunk))
            .group_by(table.c.scope, table.c.entity, table.c.entity_id)
        )
        for scope, entity, entity_id, version in rows:
            versions[(scope, entity, entity_id)] = int(version)
    return versions


def write_changes(session: Session, changes: Sequence[PendingChange], now: datetime) -> None:
    """Append ``changes`` to the log in this transaction (ids and versions assigned here)."""
    if not changes:
        return
    counter = table_of(ChangeCounter)
    top = session.execute(
        update(counter)
        .where(counter.c.id == 1)
        .values(value=counter.c.value + len(changes))
        .returning(counter.c.value)
    ).scalar_one()
    first = int(top) - len(changes) + 1
    versions = _current_versions(session, list(dict.fromkeys(c.key for c in changes)))
    rows = []
    for offset, change in enumerate(changes):
        version = versions.get(change.key, 0) + 1
        versions[change.key] = version
        rows.append(
            {
                "id": first + offset,
                "scope": change.scope,
                "entity": change.entity,
                "entity_id": change.entity_id,
                "op": change.op,
                "version": version,
                "data": change.data,
                "created_at": now,
            }
        )
    session.execute(insert(table_of(ChangeLog)), rows)


@dataclass(frozen=True)
class LogState:
    newest: int  # the newest committed change id
    floor: int  # cursors below this are too old to continue from


def log_state(session: Session) -> LogState:
    counter = table_of(ChangeCounter)
    row = session.execute(
        select(counter.c.value, counter.c.floor).where(counter.c.id == 1)
    ).one_or_none()
    if row is None:
        return LogState(newest=0, floor=0)
    return LogState(newest=int(row.value), floor=int(row.floor))


def read_changes(
    session: Session,
    after: int,
    upto: int,
    scopes: Sequence[str],
    limit: int,
    shared: SharedLog | None = None,
) -> list[PulledChange]:
    """Up to ``limit`` changes with after < id <= upto in ``scopes``, oldest first.

    Each scope is read on its own and the scopes merged here: a single ``scope IN (...) ORDER
    BY id`` would read and sort every change of the scopes after the cursor for each page, so
    a page would cost as much as the course's history. Shared scopes come from ``shared``
    (read from the database once per process), a user's own scope from the database through
    (scope, id). A change a newer version of the same entity replaces within ``upto`` is left
    out: clients keep only an entity's newest state, and a thread with a thousand replies (or
    a poll's running results after a thousand votes) would otherwise be sent a thousand
    times."""
    held = shared.changes(session, scopes, after, upto) if shared else {}
    per_scope: list[Iterable[PulledChange]] = [
        held[scope] if scope in held else read_scope(session, scope, after, upto, limit)
        for scope in dict.fromkeys(scopes)
    ]
    merged = heapq.merge(*per_scope, key=lambda change: change.id)
    return list(itertools.islice(merged, limit))

"""The shared scopes of the change log (courses, polls' running results, moderation), held in
memory by each academy process.

Every learner of a course pulls the same course changes. Read from the database for each
learner, a class of N learners who each write to the forum costs N x (everyone's posts) rows:
at 1,000 learners that was 25 million rows, far more than one process could read in a morning.
Here the process follows the log's tail: the first pull that sees a newer change id reads the
changes up to it once, for every pull after it, and a shared scope is read on its own only the
first time a pull asks for it. Pulls then copy the changes' wire text. A user's own scope is
read by that user alone and stays in the database.

Correct because the log only grows and its ids follow commit order (server.sync.changes): once
a pull has seen newest = X, every change with an id up to X is committed, so a scope read up to
X is complete up to X for good. A pull checks the change at its own newest id against the one
the tail read saw; if the log was replaced underneath (a restore), everything held is dropped.
Memory stays bounded: a scope keeps its newest PER_SCOPE changes and all scopes together at
most TOTAL, the least recently read scope going first; a pull from further back, or one whose
snapshot is too old to check, reads from the database.

Thread: any worker thread. One lock covers what is held and the reads that extend it (each a
short read of the newest changes); pulls copy outside it from lists that are only appended to
(a trim replaces the list).
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict, deque
from collections.abc import Iterator, Sequence
from operator import attrgetter

from sqlalchemy import desc
from sqlalchemy.orm import Session

from server.db import table_of
from server.sync.log_rows import ChangeRow, PulledChange, change_row, encode_change, scope_rows
from server.sync.models import ChangeLog

PER_SCOPE = 60_000
TOTAL = 150_000
# The ids whose changes the tail read remembers, to check a pull's snapshot against.
REMEMBERED = 100_000
# A tail further behind than this is not read up: what is held is dropped and read anew.
GAP = 50_000


def is_shared(scope: str) -> bool:
    return not scope.startswith("user:")


def _sign(row: ChangeRow) -> int:
    return hash(row)  # every field, its data too: another log's change at this id differs


class _Held:
    """One change as held: a newer version of the same entity, once read, sets ``next_id``."""

    __slots__ = ("id", "key", "next_id", "text")

    def __init__(self, row: ChangeRow) -> None:
        self.id = int(row.id)
        self.key = (row.entity, row.entity_id)
        self.text = encode_change(row)
        self.next_id: int | None = None


_ID = attrgetter("id")


class _Scope:
    """What is held of one scope: every change with low < id <= the log's tail."""

    def __init__(self, rows: list[ChangeRow], low: int) -> None:
        self.held: list[_Held] = []
        self.latest: dict[tuple[str, str], _Held] = {}
        self.low = low
        self.append(rows)

    def append(self, rows: Sequence[ChangeRow]) -> None:
        held = self.held
        for row in rows:
            item = _Held(row)
            before = self.latest.get(item.key)
            if before is not None:
                before.next_id = item.id
            self.latest[item.key] = item
            held.append(item)

    def trim(self, keep: int, tail: int) -> None:
        kept = self.held[-keep:]
        self.latest = {item.key: item for item in kept}
        self.low = kept[0].id - 1 if kept else tail
        self.held = kept


class SharedLog:
    """The shared scopes a process has read; one per app (``app.state.shared_log``)."""

    def __init__(self, per_scope: int = PER_SCOPE, total: int = TOTAL, gap: int = GAP) -> None:
        self._per_scope = per_scope
        self._total = total
        self._gap = gap
        self._lock = threading.Lock()
        self._scopes: OrderedDict[str, _Scope] = OrderedDict()
        self._tail = 0  # every scope held is complete up to this id; 0 = nothing read yet
        self._signs: dict[int, int] = {}  # id -> _sign of the change, for the last REMEMBERED
        self._signed: deque[int] = deque()  # the ids in self._signs, oldest first

    def held(self) -> dict[str, int]:
        """How many changes are held, per scope."""
        with self._lock:
            return {name: len(scope.held) for name, scope in self._scopes.items()}

    def changes(
        self, session: Session, scopes: Sequence[str], after: int, upto: int
    ) -> dict[str, Iterator[PulledChange]]:
        """For each shared scope of ``scopes`` that can be served from memory: its changes with
        after < id <= upto, oldest first, without those a newer version replaces within
        ``upto``. ``upto`` is the log's newest id as this pull's session saw it; a scope left
        out of the answer is for the caller to read from the database."""
        served: dict[str, tuple[list[_Held], int]] = {}
        with self._lock:
            if not self._catch_up(session, upto):
                return {}
            for scope in dict.fromkeys(scopes):
                if not is_shared(scope):
                    continue
                held = self._scopes.get(scope)
                if held is None and upto == self._tail:  # this session sees all up to the tail
                    held = self._scopes[scope] = self._first_read(session, scope)
                if held is None or after < held.low:
                    continue
                self._scopes.move_to_end(scope)
                served[scope] = (held.held, bisect.bisect_right(held.held, after, key=_ID))
            self._bound()
        return {scope: _copy(items, start, upto) for scope, (items, start) in served.items()}

    def _catch_up(self, session: Session, upto: int) -> bool:
        """Bring the tail up to ``upto``, or check this pull's older snapshot against it;
        False when memory cannot serve this pull."""
        if upto > self._tail:
            return self._advance(session, upto)
        sign = self._signs.get(upto)
        if sign is None:
            return False  # a snapshot older than what is remembered: read the database
        if self._sign_at(session, upto) != sign:
            self._forget()  # the log was replaced underneath: a restore
            return False
        return True

    def _advance(self, session: Session, upto: int) -> bool:
        start = self._tail
        if start == 0 or upto - start > self._gap:
            # Nothing held yet, or a gap wider than a scope may hold: start from here, and
            # read scopes on their own as pulls ask for them.
            self._forget()
            sign = self._sign_at(session, upto)
            if sign is None:
                return False
            self._tail, self._signs[upto] = upto, sign
            self._signed.append(upto)
            return True
        found = session.execute(scope_rows(None, start - 1, upto)).all()
        rows = [change_row(row) for row in found]
        if not rows or rows[0].id != start or _sign(rows[0]) != self._signs.get(start):
            self._forget()  # the change at the tail is not the one read: a restore
            return self._advance(session, upto)
        by_scope: dict[str, list[ChangeRow]] = {}
        for row in rows[1:]:
            self._signs[row.id] = _sign(row)
            self._signed.append(row.id)
            if row.scope in self._scopes:
                by_scope.setdefault(row.scope, []).append(row)
        for scope, new in by_scope.items():
            held = self._scopes[scope]
            held.append(new)
            if len(held.held) > self._per_scope:
                held.trim(self._per_scope // 2, upto)
        self._tail = upto
        while self._signed and self._signed[0] <= upto - REMEMBERED:
            self._signs.pop(self._signed.popleft(), None)
        return True

    def _first_read(self, session: Session, scope: str) -> _Scope:
        """The newest PER_SCOPE changes of ``scope`` up to the tail."""
        table = table_of(ChangeLog)
        newest_first = session.execute(
            scope_rows(scope, 0, self._tail)
            .order_by(None)
            .order_by(desc(table.c.id))
            .limit(self._per_scope)
        ).all()
        rows = [change_row(row) for row in reversed(newest_first)]
        low = rows[0].id - 1 if len(rows) == self._per_scope else 0
        return _Scope(rows, low)

    def _sign_at(self, session: Session, change_id: int) -> int | None:
        found = session.execute(scope_rows(None, change_id - 1, change_id)).one_or_none()
        return None if found is None else _sign(change_row(found))

    def _forget(self) -> None:
        self._scopes.clear()
        self._signs.clear()
        self._signed.clear()
        self._tail = 0

    def _bound(self) -> None:
        total = sum(len(scope.held) for scope in self._scopes.values())
        while total > self._total and len(self._scopes) > 1:
            _name, oldest = self._scopes.popitem(last=False)
            total -= len(oldest.held)


def _copy(items: list[_Held], start: int, upto: int) -> Iterator[PulledChange]:
    for index in range(start, len(items)):
        item = items[index]
        if item.id > upto:
            return
        if item.next_id is not None and item.next_id <= upto:
            continue  # a newer version of the same entity is in this pull's snapshot
        yield PulledChange(item.id, item.text)

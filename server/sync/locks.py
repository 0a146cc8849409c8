"""One push at a time per client_id.

:class:`ClientLocks` is the in-process, non-blocking lock (one instance in ``app.state``, shared
by the worker threads). :func:`lock_client_row` locks the sync_client row inside the push's
transaction: ``SELECT ... FOR UPDATE NOWAIT`` on PostgreSQL (another server process holding it
means 409), and on SQLite a no-op UPDATE that takes the database's write lock up front, waiting
at most busy_timeout (then "database is locked", answered as 503).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from server.db import table_of
from server.errors import ApiError
from server.language import _
from server.sync.models import SyncClient

# PostgreSQL's lock_not_available, raised by NOWAIT.
_LOCK_NOT_AVAILABLE = "55P03"
_CONFLICTS = ("40P01", "40001")  # deadlock_detected, serialization_failure


def push_in_progress() -> ApiError:
    return ApiError(
        409, "push_in_progress", _("Another push for this installation is still running.")
    )


class ClientLocks:
    """A set of client_ids with a push running in this process; never blocks."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held: set[str] = set()

    def try_acquire(self, client_id: str) -> bool:
        with self._guard:
            if client_id in self._held:
                return False
            self._held.add(client_id)
            return True

    def release(self, client_id: str) -> None:
        with self._guard:
            self._held.discard(client_id)

    @contextmanager
    def exclusive(self, client_id: str) -> Iterator[None]:
        """Hold the lock for the block, or raise 409 push_in_progress at once."""
        if not self.try_acquire(client_id):
            raise push_in_progress()
        try:
            yield
        finally:
            self.release(client_id)


def _sqlstate(exc: OperationalError) -> str | None:
    """PostgreSQL's error code (psycopg 3's ``sqlstate``, psycopg2's ``pgcode``)."""
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return None if code is None else str(code)


def is_lock_not_available(exc: OperationalError) -> bool:
    return _sqlstate(exc) == _LOCK_NOT_AVAILABLE


def is_transaction_conflict(exc: OperationalError) -> bool:
    """PostgreSQL ended the transaction to undo a deadlock or a serialization failure: running
    it again is the cure."""
    return _sqlstate(exc) in _CONFLICTS


def is_sqlite_busy(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "database is locked" in text or "database is busy" in text


def lock_client_row(session: Session, client_id: str) -> int:
    """Lock the client's row for this transaction and return its last_seq."""
    table = table_of(SyncClient)
    if session.get_bind().dialect.name == "sqlite":
        # Starts the transaction with the write lock, so no later statement can fail to upgrade.
        session.execute(
            update(table).where(table.c.client_id == client_id).values(last_seq=table.c.last_seq)
        )
    statement = (
        select(table.c.last_seq).where(table.c.client_id == client_id).with_for_update(nowait=True)
    )
    try:
        last_seq = session.execute(statement).scalar_one()
    except OperationalError as exc:
        if is_lock_not_available(exc):
            session.rollback()
            raise push_in_progress() from None
        raise
    return int(last_seq)

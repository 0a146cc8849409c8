"""The local SQLite database: connection, pragmas, and the read/write discipline.

Runs on worker-pool threads (and the CLI's main thread); never on the Qt UI thread.
One connection is shared and guarded by a lock, so there is exactly one writer; every write is a
`BEGIN IMMEDIATE` transaction so a learner action and its outbox row commit together or not at all.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from desktop.disk_space import raising_disk_full
from desktop.private_files import private_dir, private_file, tighten
from desktop.store.migrations import migrate

# SQLite's companions of the database file; they hold the same private rows.
_JOURNALS = ("-wal", "-shm", "-journal")


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        private_dir(path.parent)
        # Created 0600 before SQLite opens it, so its journals are 0600 too (see private_file).
        private_file(path)
        for suffix in _JOURNALS:
            tighten(path.with_name(path.name + suffix))
        # check_same_thread=False: the lock below, not the thread, guards the connection.
        conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        self._lock = threading.RLock()
        self._db = sqlite_utils.Database(conn)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        # FULL: a power cut must not lose an outbox row the learner was told is saved.
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=30000")
        migrate(self)

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """One write transaction; sqlite-utils calls inside it nest as savepoints. A full disk
        is a DiskFullError (after the rollback)."""
        with self._lock, raising_disk_full(self.path.parent):
            conn = self._db.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite_utils.Database]:
        with self._lock, raising_disk_full(self.path.parent):
            yield self._db

    def pragma(self, name: str) -> object:
        with self.read() as db:
            row = db.execute(f"PRAGMA {name}").fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        with self._lock:
            self._db.conn.close()

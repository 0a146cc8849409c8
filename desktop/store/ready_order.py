"""The sending order of outbox items, and the actions waiting for a recording. Worker threads /
CLI; every function runs inside the caller's write transaction.

An item gets its place in the sending order (`ready_order`) when it becomes sendable: at once
for most actions, or when the upload it waits for completes (see desktop/store/outbox.py). When
that upload fails for good, its actions are shown as refused with the upload's reason.
"""

from __future__ import annotations

import sqlite_utils

from desktop.store.clock import utc_now


def next_ready_order(db: sqlite_utils.Database) -> int:
    row = db.execute("SELECT COALESCE(MAX(ready_order), 0) + 1 FROM outbox").fetchone()
    return int(row[0])


def upload_done(db: sqlite_utils.Database, upload_id: str) -> int:
    """Items waiting for the upload become sendable, in creation order, after everything that
    was sendable before. Returns how many."""
    rows = db.execute(
        """SELECT id FROM outbox WHERE waits_for = ? AND sendable = 0 AND state = 'pending'
           ORDER BY id""",
        [upload_id],
    ).fetchall()
    for (item_id,) in rows:
        db.execute(
            """UPDATE outbox SET sendable = 1, ready_order = ?, message = NULL, updated_at = ?
               WHERE id = ?""",
            [next_ready_order(db), utc_now(), item_id],
        )
    return len(rows)


def upload_failed(db: sqlite_utils.Database, upload_id: str, message: str) -> int:
    """Items waiting for the upload show as refused with its reason. Returns how many."""
    return int(
        db.execute(
            """UPDATE outbox SET state = 'rejected', code = 'upload_failed', message = ?,
                   updated_at = ?
               WHERE waits_for = ? AND sendable = 0 AND state = 'pending'""",
            [message, utc_now(), upload_id],
        ).rowcount
    )

"""Lesson progress on this device, per learner (`owner`, see domain.account.record_owner).
Worker threads / CLI.

The position only grows, like the server's. "Done" grows too, except when the learner takes it
back (`reopen`). What the learner's other devices did arrives by pull and is folded in by server
version (`fold_pulled`; the caller skips lessons with an unsent change), so an older pulled state
never overwrites a newer one.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from desktop.store.clock import utc_now
from desktop.store.db import Store


class ProgressRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    @staticmethod
    def merge(
        db: sqlite_utils.Database,
        owner: str,
        *,
        course_id: str,
        lesson_id: str,
        position_ms: int,
        completed: bool,
    ) -> tuple[int, bool]:
        """Merge inside the caller's transaction; returns the stored (position_ms, completed)."""
        db.execute(
            """INSERT INTO progress (owner, lesson_id, course_id, position_ms, completed,
                   updated_at) VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT(owner, lesson_id) DO UPDATE SET
                   position_ms = MAX(progress.position_ms, excluded.position_ms),
                   completed = MAX(progress.completed, excluded.completed),
                   updated_at = excluded.updated_at""",
            [owner, lesson_id, course_id, position_ms, int(completed), utc_now()],
        )
        return ProgressRepo._stored(db, owner, lesson_id)

    @staticmethod
    def reopen(
        db: sqlite_utils.Database, owner: str, *, course_id: str, lesson_id: str
    ) -> tuple[int, bool]:
        """Take "done" back inside the caller's transaction; returns what is stored."""
        db.execute(
            """INSERT INTO progress (owner, lesson_id, course_id, position_ms, completed,
                   updated_at) VALUES (?, ?, ?, 0, 0, ?)
               ON CONFLICT(owner, lesson_id) DO UPDATE SET
                   completed = 0, updated_at = excluded.updated_at""",
            [owner, lesson_id, course_id, utc_now()],
        )
        return ProgressRepo._stored(db, owner, lesson_id)

    @staticmethod
    def fold_pulled(
        db: sqlite_utils.Database, owner: str, pulled: dict[str, Any], version: int
    ) -> None:
        """The academy's state of one lesson, when it is newer than the one folded in last."""
        db.execute(
            """INSERT INTO progress (owner, lesson_id, course_id, position_ms, completed,
                   seen_version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(owner, lesson_id) DO UPDATE SET
                   position_ms = MAX(progress.position_ms, excluded.position_ms),
                   completed = excluded.completed,
                   seen_version = excluded.seen_version, updated_at = excluded.updated_at
               WHERE excluded.seen_version > progress.seen_version""",
            [
                owner,
                pulled["lesson_id"],
                pulled["course_id"],
                int(pulled["position_ms"]),
                int(bool(pulled["completed"])),
                version,
                utc_now(),
            ],
        )

    @staticmethod
    def _stored(db: sqlite_utils.Database, owner: str, lesson_id: str) -> tuple[int, bool]:
        row = db.execute(
            "SELECT position_ms, completed FROM progress WHERE owner = ? AND lesson_id = ?",
            [owner, lesson_id],
        ).fetchone()
        return int(row[0]), bool(row[1])

    def get(self, owner: str, lesson_id: str) -> tuple[int, bool] | None:
        with self._store.read() as db:
            row = db.execute(
                "SELECT position_ms, completed FROM progress WHERE owner = ? AND lesson_id = ?",
                [owner, lesson_id],
            ).fetchone()
        return None if row is None else (int(row[0]), bool(row[1]))

    def completed(self, owner: str, course_id: str) -> set[str]:
        with self._store.read() as db:
            rows = db.execute(
                """SELECT lesson_id FROM progress
                   WHERE owner = ? AND course_id = ? AND completed = 1""",
                [owner, course_id],
            ).fetchall()
        return {str(row[0]) for row in rows}

"""Lesson progress on this device, per learner (`owner`, see domain.account.record_owner).
Worker threads / CLI.

Merges monotonically, like the server: the furthest position and completion never go back, so
applying the same update twice, or an old one late, changes nothing.
"""

from __future__ import annotations

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

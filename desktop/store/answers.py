"""Exercise answers on this device, per learner. Worker threads / CLI.

An answer is written together with its outbox item (in LearningService's transaction). Answers
pulled from the learner's other devices are folded in by server version, never over an answer
that is still waiting to be sent. `owner` is the learner's account ("<user id>@<server>").
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from desktop.store.clock import utc_now
from desktop.store.db import Store


class AnswerRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    @staticmethod
    def put(
        db: sqlite_utils.Database,
        owner: str,
        *,
        exercise_id: str,
        course_id: str,
        lesson_id: str,
        option_id: str | None,
        text: str,
        correct: bool | None,
    ) -> None:
        db.execute(
            """INSERT INTO answers (owner, exercise_id, course_id, lesson_id, option_id, text,
                   correct, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(owner, exercise_id) DO UPDATE SET option_id = excluded.option_id,
                   text = excluded.text, correct = excluded.correct,
                   updated_at = excluded.updated_at""",
            [owner, exercise_id, course_id, lesson_id, option_id, text, _flag(correct), utc_now()],
        )

    @staticmethod
    def fold_pulled(
        db: sqlite_utils.Database, owner: str, pulled: dict[str, Any], version: int
    ) -> None:
        """Take a pulled answer if it is newer than what this device saw (the caller skips
        answers that are still unsent)."""
        db.execute(
            """INSERT INTO answers (owner, exercise_id, course_id, lesson_id, option_id, text,
                   correct, seen_version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(owner, exercise_id) DO UPDATE SET option_id = excluded.option_id,
                   text = excluded.text, correct = excluded.correct,
                   seen_version = excluded.seen_version, updated_at = excluded.updated_at
               WHERE excluded.seen_version > answers.seen_version""",
            [
                owner,
                pulled["exercise_id"],
                pulled["course_id"],
                pulled["lesson_id"],
                pulled.get("option_id"),
                pulled.get("text") or "",
                _flag(pulled.get("correct")),
                version,
                utc_now(),
            ],
        )

    def for_lesson(self, owner: str, lesson_id: str) -> list[dict[str, Any]]:
        with self._store.read() as db:
            return list(
                db.query(
                    "SELECT * FROM answers WHERE owner = ? AND lesson_id = ?", [owner, lesson_id]
                )
            )


def _flag(value: object) -> int | None:
    return None if value is None else int(bool(value))

"""Where each learner was last: the lesson opened per course, media positions saved lately, and
which "new for you" items they opened from Home. Worker threads / CLI.

Times are local display times (store.clock); they only order one learner's own places.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from desktop.store.clock import utc_now
from desktop.store.db import Store


@dataclass(frozen=True, slots=True)
class LessonVisit:
    course_id: str
    lesson_id: str
    scroll: float | None
    at: str


@dataclass(frozen=True, slots=True)
class MediaVisit:
    media_key: str
    position_ms: int
    duration_ms: int
    at: str


class PlaceRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def note_lesson(
        self, owner: str, course_id: str, lesson_id: str, scroll: float | None = None
    ) -> None:
        """Remember the lesson as the course's last place; a scroll of None keeps the one
        known for that same lesson (opening it again does not forget how far down it was)."""
        with self._store.write() as db:
            db.execute(
                """INSERT INTO last_place (owner, course_id, lesson_id, scroll, updated_at)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT(owner, course_id) DO UPDATE SET
                       scroll = CASE WHEN excluded.scroll IS NOT NULL THEN excluded.scroll
                                     WHEN last_place.lesson_id = excluded.lesson_id
                                     THEN last_place.scroll END,
                       lesson_id = excluded.lesson_id, updated_at = excluded.updated_at""",
                [owner, course_id, lesson_id, scroll, utc_now()],
            )

    def lessons(self, owner: str, limit: int = 10) -> list[LessonVisit]:
        """The last lesson of each course, newest first."""
        with self._store.read() as db:
            rows = db.execute(
                """SELECT course_id, lesson_id, scroll, updated_at FROM last_place
                   WHERE owner = ? ORDER BY updated_at DESC LIMIT ?""",
                [owner, limit],
            ).fetchall()
        return [
            LessonVisit(str(r[0]), str(r[1]), None if r[2] is None else float(r[2]), str(r[3]))
            for r in rows
        ]

    def unfinished_media(self, owner: str, limit: int = 10) -> list[MediaVisit]:
        """Course media and episodes begun and not played to the end, newest first."""
        with self._store.read() as db:
            rows = db.execute(
                """SELECT media_key, position_ms, duration_ms, updated_at FROM playback
                   WHERE owner = ? AND played = 0 AND position_ms > 0
                     AND (media_key LIKE 'course:%' OR media_key LIKE 'episode:%')
                   ORDER BY updated_at DESC LIMIT ?""",
                [owner, limit],
            ).fetchall()
        return [MediaVisit(str(r[0]), int(r[1]), int(r[2]), str(r[3])) for r in rows]

    def seen(self, owner: str) -> set[str]:
        with self._store.read() as db:
            rows = db.execute("SELECT item_key FROM news_seen WHERE owner = ?", [owner]).fetchall()
        return {str(row[0]) for row in rows}

    def mark_seen(self, owner: str, keys: Iterable[str]) -> None:
        now = utc_now()
        with self._store.write() as db:
            for key in keys:
                db.execute(
                    "INSERT OR IGNORE INTO news_seen (owner, item_key, seen_at) VALUES (?, ?, ?)",
                    [owner, key, now],
                )

"""Titles of what an action is about (courses, lessons, exercises, episodes), looked up by id
in one read each, so a queue of thousands is described without a query per item. Worker
threads / CLI.

Only reads; an id that is not on this computer (any more) is simply absent from the answer.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from desktop.store.db import Store

_CHUNK = 500  # ids per IN (...) list, well below SQLite's parameter limit


@dataclass(frozen=True, slots=True)
class LessonTitle:
    title: str
    course_id: str


@dataclass(frozen=True, slots=True)
class ExercisePlace:
    """An exercise, by the lesson it sits in."""

    lesson_id: str
    lesson_title: str
    kind: str  # desktop.domain.course.ExerciseKind value
    course_id: str


def _chunks(ids: Collection[str]) -> list[list[str]]:
    unique = sorted(set(ids))
    return [unique[i : i + _CHUNK] for i in range(0, len(unique), _CHUNK)]


def _marks(chunk: list[str]) -> str:
    return ",".join("?" * len(chunk))


class TitleRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def _select_in(self, sql: str, ids: Collection[str]) -> list[Any]:
        """The rows of `sql` (whose `{marks}` takes the ids) for every id, a chunk at a time
        within SQLite's limit on parameters, in one read."""
        rows: list[Any] = []
        with self._store.read() as db:
            for chunk in _chunks(ids):
                rows += db.execute(sql.format(marks=_marks(chunk)), chunk).fetchall()
        return rows

    def courses(self, ids: Collection[str]) -> dict[str, str]:
        rows = self._select_in("SELECT id, title FROM courses WHERE id IN ({marks})", ids)
        return {str(r[0]): str(r[1]) for r in rows}

    def lessons(self, ids: Collection[str]) -> dict[str, LessonTitle]:
        rows = self._select_in(
            "SELECT id, title, course_id FROM lessons WHERE id IN ({marks})", ids
        )
        return {str(r[0]): LessonTitle(str(r[1]), str(r[2])) for r in rows}

    def exercises(self, ids: Collection[str]) -> dict[str, ExercisePlace]:
        """Exercise id -> the lesson holding it, for the downloaded courses."""
        rows = self._select_in(
            """SELECT json_extract(e.value, '$.id'), l.id, l.title,
                      COALESCE(json_extract(e.value, '$.kind'), ''), l.course_id
               FROM lessons AS l, json_each(l.exercises_json) AS e
               WHERE json_extract(e.value, '$.id') IN ({marks})""",
            ids,
        )
        return {str(r[0]): ExercisePlace(str(r[1]), str(r[2]), str(r[3]), str(r[4])) for r in rows}

    def lesson_of_media(self, course_id: str, path: str) -> str | None:
        """The title of the lesson that plays `path` of a course, if it is on this computer."""
        with self._store.read() as db:
            row = db.execute(
                """SELECT l.title FROM lessons AS l, json_each(l.media_json) AS m
                   WHERE l.course_id = ? AND m.value = ? ORDER BY l.position LIMIT 1""",
                [course_id, path],
            ).fetchone()
        return None if row is None else str(row[0])

    def episodes(self, keys: Collection[str]) -> dict[str, str]:
        rows = self._select_in("SELECT key, title FROM episodes WHERE key IN ({marks})", keys)
        return {str(r[0]): str(r[1]) for r in rows}

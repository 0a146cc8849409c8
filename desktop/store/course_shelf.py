"""The learner's downloaded courses with their progress, and a course's lesson outline, read
straight from SQLite. Worker threads / CLI (and start-up, before the store is opened).

Only the standard library's sqlite3: Home lists the courses at start-up, before the store, its
migrations and the services are loaded, so this must stay cheap to import. A table that an older
database does not have yet (before its migrations ran) reads as empty.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from desktop.domain.home import CourseProgress


@dataclass(frozen=True, slots=True)
class LessonLine:
    id: str
    number: int  # 1-based, in the course's order
    title: str
    media: tuple[str, ...]
    done: bool


def current_owner(conn: sqlite3.Connection) -> tuple[str, str, str]:
    """(record owner, client id, display name) of whoever is logged in ("" each if nobody);
    the owner is as domain.account.record_owner makes it."""
    if not _has(conn, "account"):
        return "", "", ""
    row = conn.execute(
        "SELECT user_id, server_url, client_id, display_name FROM account WHERE id = 1"
    ).fetchone()
    if row is None:
        return "", "", ""
    return f"{row[0]}@{row[1]}", str(row[2]), str(row[3])


def shelf(conn: sqlite3.Connection, owner: str, client_id: str = "") -> list[CourseProgress]:
    """Downloaded courses, the most recently studied first (then by title)."""
    if not _has(conn, "courses"):
        return []
    places = _has(conn, "last_place")
    join = "LEFT JOIN last_place lp ON lp.owner = :owner AND lp.course_id = c.id"
    rows = conn.execute(
        f"""SELECT c.id, c.title, c.language, c.summary, c.lesson_count,
                   (SELECT COUNT(*) FROM lessons l WHERE l.course_id = c.id),
                   (SELECT COUNT(*) FROM progress p JOIN lessons l ON l.id = p.lesson_id
                     WHERE p.owner = :owner AND p.course_id = c.id AND p.completed = 1
                       AND l.course_id = c.id),
                   (SELECT MAX(p.updated_at) FROM progress p
                     WHERE p.owner = :owner AND p.course_id = c.id),
                   {"lp.lesson_id, lp.updated_at" if places else "NULL, NULL"}
            FROM courses c
            {join if places else ""}
            WHERE c.downloaded_version IS NOT NULL""",
        {"owner": owner},
    ).fetchall()
    points = _points(conn, client_id)
    found = []
    for row in rows:
        studied = max((t for t in (row[7], row[9]) if t), default=None)
        found.append(
            CourseProgress(
                course_id=str(row[0]),
                title=str(row[1]),
                language=str(row[2]),
                summary=str(row[3]),
                lessons=int(row[5]) or int(row[4]),
                done=int(row[6]),
                points=points.get(str(row[0]), 0),
                last_lesson_id=None if row[8] is None else str(row[8]),
                studied_at=studied,
            )
        )
    found.sort(key=lambda c: c.title.casefold())
    found.sort(key=lambda c: c.studied_at or "", reverse=True)  # stable: by title within
    return found


def outline(conn: sqlite3.Connection, owner: str, course_id: str) -> list[LessonLine]:
    """A course's lessons in order, with their media and whether the learner is done."""
    rows = conn.execute(
        """SELECT l.id, l.title, l.media_json, COALESCE(p.completed, 0) FROM lessons l
           LEFT JOIN progress p ON p.owner = ? AND p.lesson_id = l.id
           WHERE l.course_id = ? ORDER BY l.position""",
        [owner, course_id],
    ).fetchall()
    lines = []
    for number, row in enumerate(rows, start=1):
        try:
            media = tuple(str(m) for m in json.loads(row[2]))
        except (ValueError, TypeError):
            media = ()
        lines.append(LessonLine(str(row[0]), number, str(row[1]), media, bool(row[3])))
    return lines


def _points(conn: sqlite3.Connection, client_id: str) -> dict[str, int]:
    """Points per course as last pulled for this account (none from another's cache)."""
    if not client_id or not _has(conn, "pulled") or not _has(conn, "pull_cursors"):
        return {}
    scope = f"client:{client_id}"
    if conn.execute("SELECT 1 FROM pull_cursors WHERE scope != ? LIMIT 1", [scope]).fetchone():
        return {}
    found = {}
    for key, data in conn.execute("SELECT id, data_json FROM pulled WHERE entity = 'points'"):
        try:
            found[str(key)] = int(json.loads(data).get("total", 0))
        except (ValueError, TypeError, AttributeError):
            continue
    return found


def _has(conn: sqlite3.Connection, table: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
    ).fetchone()
    return row is not None


def exercises(conn: sqlite3.Connection) -> dict[str, tuple[str, str, str]]:
    """Every exercise of the downloaded courses: id -> (course id, lesson id, prompt)."""
    found: dict[str, tuple[str, str, str]] = {}
    for course_id, lesson_id, raw in conn.execute(
        "SELECT course_id, id, exercises_json FROM lessons"
    ):
        try:
            listed = json.loads(raw)
        except (ValueError, TypeError):
            continue
        for exercise in listed if isinstance(listed, list) else []:
            if isinstance(exercise, dict) and "id" in exercise:
                prompt = str(exercise.get("prompt", ""))
                found[str(exercise["id"])] = (str(course_id), str(lesson_id), prompt)
    return found

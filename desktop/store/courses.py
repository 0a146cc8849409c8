"""The catalogue and downloaded course structure. Worker threads / CLI."""

from __future__ import annotations

import json
from collections.abc import Iterable

import sqlite_utils

from desktop.domain.course import (
    CourseCover,
    CourseDetail,
    CourseSummary,
    Exercise,
    ExerciseKind,
    Lesson,
    LibraryEntry,
    Option,
)
from desktop.domain.errors import PackError
from desktop.store.clock import utc_now
from desktop.store.db import Store


def _summary(row: dict[str, object]) -> CourseSummary:
    return CourseSummary(
        id=str(row["id"]),
        version=int(str(row["version"])),
        title=str(row["title"]),
        language=str(row["language"]),
        summary=str(row["summary"]),
        lesson_count=int(str(row["lesson_count"])),
        media_bytes=int(str(row["media_bytes"])),
        cover=_cover(row.get("cover_json")),
    )


def _cover(raw: object) -> CourseCover | None:
    if not isinstance(raw, str):
        return None
    value = json.loads(raw)
    return CourseCover(str(value["path"]), int(value["size"]), str(value["sha256"]))


def _cover_json(cover: CourseCover | None) -> str | None:
    if cover is None:
        return None
    return json.dumps({"path": cover.path, "size": cover.size, "sha256": cover.sha256})


class CourseRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def replace_catalogue(self, courses: list[CourseSummary]) -> None:
        """Store the catalogue as last seen; courses that left it stay if downloaded."""
        now = utc_now()
        with self._store.write() as db:
            db.execute("UPDATE courses SET in_catalogue = 0")
            for c in courses:
                _upsert_course(db, c, now, listed=True)
            db.execute("DELETE FROM courses WHERE in_catalogue = 0 AND downloaded_version IS NULL")

    def library(self) -> list[LibraryEntry]:
        with self._store.read() as db:
            rows = list(db.query("SELECT * FROM courses ORDER BY language, title"))
        return [
            LibraryEntry(
                course=_summary(row),
                downloaded=row["downloaded_version"] is not None,
                local_version=row["downloaded_version"],
            )
            for row in rows
        ]

    def save_detail(self, detail: CourseDetail) -> None:
        """Store a course's lessons and media list (the files themselves come from downloads)."""
        with self._store.write() as db:
            self._save_detail(db, detail)

    def save_signed(
        self,
        detail: CourseDetail,
        key_id: str,
        signed_json: str,
        available: Iterable[str] = (),
        *,
        replacing: str | None,
    ) -> None:
        """Store a verified course, the signed manifest it came with, and (for an imported
        pack, whose files are already checked and in place) which files are available: all in
        one transaction, so a crash never leaves files marked that the manifest does not list.

        `replacing` is the signed manifest the caller read and compared versions against
        (None: the computer held none). If another store came in between (a download's fetch
        during a slow pack import), nothing is saved and PackError(code="changed") says so:
        the version rule was decided on a copy that is no longer there, and saving anyway
        could roll the course back."""
        with self._store.write() as db:
            row = db.execute(
                "SELECT signed_json FROM course_manifests WHERE course_id = ?", [detail.course.id]
            ).fetchone()
            if (None if row is None else str(row[0])) != replacing:
                raise PackError(
                    f"{detail.course.title} changed on this computer meanwhile; try again.",
                    code="changed",
                )
            self._save_detail(db, detail)
            db.execute(
                """INSERT OR REPLACE INTO course_manifests (course_id, key_id, signed_json)
                   VALUES (?, ?, ?)""",
                [detail.course.id, key_id, signed_json],
            )
            for path in available:
                db.execute(
                    "UPDATE media_files SET state = 'available' WHERE course_id = ? AND path = ?",
                    [detail.course.id, path],
                )

    def forget_download(self, course_id: str) -> None:
        """The course is no longer on this computer: its lessons, file list and signed manifest
        go (the learner's progress and work live elsewhere and stay); it stays listed while
        the catalogue has it."""
        with self._store.write() as db:
            db.execute("DELETE FROM lessons WHERE course_id = ?", [course_id])
            db.execute("DELETE FROM media_files WHERE course_id = ?", [course_id])
            db.execute("DELETE FROM course_manifests WHERE course_id = ?", [course_id])
            db.execute("UPDATE courses SET downloaded_version = NULL WHERE id = ?", [course_id])
            db.execute("DELETE FROM courses WHERE id = ? AND in_catalogue = 0", [course_id])

    def mark_missing(self, course_id: str, paths: Iterable[str]) -> None:
        with self._store.write() as db:
            for path in paths:
                db.execute(
                    "UPDATE media_files SET state = 'missing' WHERE course_id = ? AND path = ?",
                    [course_id, path],
                )

    def available_paths(self, course_id: str) -> set[str]:
        """The course's files recorded as complete on this computer."""
        with self._store.read() as db:
            rows = db.execute(
                "SELECT path FROM media_files WHERE course_id = ? AND state = 'available'",
                [course_id],
            ).fetchall()
        return {str(row[0]) for row in rows}

    def signed_manifest(self, course_id: str) -> str | None:
        with self._store.read() as db:
            row = db.execute(
                "SELECT signed_json FROM course_manifests WHERE course_id = ?", [course_id]
            ).fetchone()
        return None if row is None else str(row[0])

    @staticmethod
    def _save_detail(db: sqlite_utils.Database, detail: CourseDetail) -> None:
        c = detail.course
        _upsert_course(db, c, utc_now(), listed=False)
        db.execute("DELETE FROM lessons WHERE course_id = ?", [c.id])
        for lesson in detail.lessons:
            db.execute(
                """INSERT INTO lessons (id, course_id, position, title, body_markdown,
                       exercises_json, media_json, language) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    lesson.id,
                    c.id,
                    lesson.position,
                    lesson.title,
                    lesson.body_markdown,
                    json.dumps([_exercise_json(e) for e in lesson.exercises]),
                    json.dumps(list(lesson.media)),
                    lesson.language or c.language,
                ],
            )
        keep = [m.path for m in detail.media]
        db.execute(
            f"DELETE FROM media_files WHERE course_id = ? AND path NOT IN "
            f"({','.join('?' * len(keep))})"
            if keep
            else "DELETE FROM media_files WHERE course_id = ?",
            [c.id, *keep],
        )
        for m in detail.media:
            # A changed sha256 means the file must be fetched again.
            db.execute(
                """INSERT INTO media_files (course_id, path, size, sha256, content_type)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT(course_id, path) DO UPDATE SET size = excluded.size,
                       content_type = excluded.content_type, sha256 = excluded.sha256,
                       state = CASE WHEN media_files.sha256 = excluded.sha256
                                    THEN media_files.state ELSE 'missing' END""",
                [c.id, m.path, m.size, m.sha256, m.content_type],
            )
        db.execute("UPDATE courses SET downloaded_version = ? WHERE id = ?", [c.version, c.id])

    def lessons(self, course_id: str) -> list[Lesson]:
        with self._store.read() as db:
            rows = list(
                db.query(
                    """SELECT lessons.*, courses.language AS course_language FROM lessons
                       LEFT JOIN courses ON courses.id = lessons.course_id
                       WHERE course_id = ? ORDER BY position""",
                    [course_id],
                )
            )
        return [
            Lesson(
                id=row["id"],
                position=row["position"],
                title=row["title"],
                body_markdown=row["body_markdown"],
                exercises=tuple(_exercise(e) for e in json.loads(row["exercises_json"])),
                media=tuple(json.loads(row["media_json"])),
                language=row["language"] or row["course_language"] or "",
            )
            for row in rows
        ]

    def exercise(self, lesson_id: str, exercise_id: str) -> tuple[str, Exercise] | None:
        """The course id and the exercise, when that lesson is on this computer."""
        with self._store.read() as db:
            row = db.execute(
                "SELECT course_id, exercises_json FROM lessons WHERE id = ?", [lesson_id]
            ).fetchone()
        if row is None:
            return None
        for raw in json.loads(row[1]):
            if raw.get("id") == exercise_id:
                return str(row[0]), _exercise(raw)
        return None


def _upsert_course(db: sqlite_utils.Database, c: CourseSummary, now: str, *, listed: bool) -> None:
    """Insert or update a course's summary; `listed` marks it as in the current catalogue
    (a course stored from a manifest or a pack keeps whatever the catalogue said)."""
    db.execute(
        f"""INSERT INTO courses (id, version, title, language, summary, lesson_count,
                media_bytes, cover_json, in_catalogue, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET version = excluded.version,
                title = excluded.title, language = excluded.language,
                summary = excluded.summary, lesson_count = excluded.lesson_count,
                media_bytes = excluded.media_bytes, cover_json = excluded.cover_json,
                updated_at = excluded.updated_at
                {", in_catalogue = 1" if listed else ""}""",
        [
            c.id,
            c.version,
            c.title,
            c.language,
            c.summary,
            c.lesson_count,
            c.media_bytes,
            _cover_json(c.cover),
            int(listed),
            now,
        ],
    )


def _exercise_json(e: Exercise) -> dict[str, object]:
    return {
        "id": e.id,
        "kind": e.kind.value,
        "prompt": e.prompt,
        "options": [
            {"id": o.id, "text": o.text, "correct": o.correct, "feedback": o.feedback}
            for o in e.options
        ],
        "peer_review": e.peer_review,
        "supporter_allowed": e.supporter_allowed,
    }


def _exercise(raw: dict[str, object]) -> Exercise:
    options = raw.get("options")
    return Exercise(
        id=str(raw["id"]),
        kind=ExerciseKind(str(raw["kind"])),
        prompt=str(raw["prompt"]),
        options=tuple(
            Option(str(o["id"]), str(o["text"]), bool(o["correct"]), str(o.get("feedback", "")))
            for o in (options if isinstance(options, list) else [])
        ),
        peer_review=bool(raw.get("peer_review", False)),
        supporter_allowed=bool(raw.get("supporter_allowed", False)),
    )

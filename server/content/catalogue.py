"""Builds the wire view of a course (CourseSummary, CourseDetail, Manifest) from its rows.

Shared by the course endpoints (worker threads) and `course import` (CLI main thread), so the
manifest a client downloads and the state the importer compares are the same thing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from server.content.models import Course, Lesson
from server.content.schemas import (
    CourseDetail,
    CourseSummary,
    CoverOut,
    ExerciseOption,
    ExerciseOut,
    LessonOut,
    MediaFileOut,
)
from server.content.signing import MANIFEST_FORMAT


def load_course(session: Session, course_id: str) -> Course | None:
    """The course with its lessons, exercises and media loaded, or None."""
    return session.scalars(
        select(Course)
        .where(Course.id == course_id)
        .options(
            selectinload(Course.lessons).selectinload(Lesson.exercises),
            selectinload(Course.lessons).selectinload(Lesson.media),
            selectinload(Course.media),
        )
    ).one_or_none()


def cover_of(course: Course) -> CoverOut | None:
    media = next((m for m in course.media if m.path == course.cover), None)
    if media is None:
        return None
    return CoverOut(path=media.path, size=media.size, sha256=media.sha256)


def summary_of(course: Course) -> CourseSummary:
    return CourseSummary(
        id=course.id,
        version=course.version,
        title=course.title,
        language=course.language,
        summary=course.summary,
        lesson_count=len(course.lessons),
        media_bytes=sum(media.size for media in course.media),
        cover=cover_of(course),
    )


def lesson_of(lesson: Lesson, course_language: str) -> LessonOut:
    return LessonOut(
        id=lesson.id,
        position=lesson.position,
        title=lesson.title,
        language=lesson.language if lesson.language != course_language else None,
        body_markdown=lesson.body_markdown,
        exercises=[
            ExerciseOut(
                id=exercise.id,
                kind=exercise.kind,
                prompt=exercise.prompt,
                options=[ExerciseOption.model_validate(option) for option in exercise.options],
                peer_review=exercise.peer_review,
                supporter_allowed=exercise.supporter_allowed,
            )
            for exercise in lesson.exercises
        ],
        media=[media.path for media in lesson.media],
    )


def detail_of(course: Course) -> CourseDetail:
    return CourseDetail(
        course=summary_of(course),
        lessons=[lesson_of(lesson, course.language) for lesson in course.lessons],
        media=[
            MediaFileOut(path=m.path, size=m.size, sha256=m.sha256, content_type=m.content_type)
            for m in course.media
        ],
    )


def rfc3339(moment: datetime) -> str:
    """UTC, whole seconds, explicit offset: 2025-03-01T12:00:00+00:00."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def manifest_of(course: Course, issued_at: datetime) -> dict[str, Any]:
    """The contract's Manifest: CourseDetail plus format and issued_at, as plain JSON values."""
    detail = detail_of(course).model_dump(mode="json", exclude_none=True)
    return {"format": MANIFEST_FORMAT, "issued_at": rfc3339(issued_at), **detail}

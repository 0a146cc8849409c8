"""Course catalogue, course manifests and media bytes.

Sync handlers on uvicorn's worker threadpool; file bodies are streamed by Starlette's
FileResponse (which also answers Range and If-Range).
"""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import FileResponse
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from server.content.media import resolve_under, strong_etag
from server.content.models import Course, Lesson, MediaFile
from server.content.schemas import (
    CourseDetail,
    CourseList,
    CourseSummary,
    ExerciseOption,
    ExerciseOut,
    LessonOut,
    MediaFileOut,
)
from server.dependencies import CallerDep, ConfigDep, SessionDep
from server.errors import not_found

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/courses", tags=["courses"])


def _summary(course: Course) -> CourseSummary:
    return CourseSummary(
        id=course.id,
        version=course.version,
        title=course.title,
        language=course.language,
        summary=course.summary,
        lesson_count=len(course.lessons),
        media_bytes=sum(media.size for media in course.media),
    )


def _lesson(lesson: Lesson) -> LessonOut:
    return LessonOut(
        id=lesson.id,
        position=lesson.position,
        title=lesson.title,
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


@router.get("", response_model=CourseList)
def list_courses(_caller: CallerDep, session: SessionDep) -> CourseList:
    courses = session.scalars(
        select(Course)
        .options(selectinload(Course.lessons), selectinload(Course.media))
        .order_by(Course.id)
    ).all()
    return CourseList(courses=[_summary(course) for course in courses])


@router.get("/{course_id}", response_model=CourseDetail)
def course_detail(course_id: str, _caller: CallerDep, session: SessionDep) -> CourseDetail:
    course = session.scalars(
        select(Course)
        .where(Course.id == course_id)
        .options(
            selectinload(Course.lessons).selectinload(Lesson.exercises),
            selectinload(Course.lessons).selectinload(Lesson.media),
            selectinload(Course.media),
        )
    ).one_or_none()
    if course is None:
        raise not_found(f"No course {course_id!r}.")
    return CourseDetail(
        course=_summary(course),
        lessons=[_lesson(lesson) for lesson in course.lessons],
        media=[
            MediaFileOut(path=m.path, size=m.size, sha256=m.sha256, content_type=m.content_type)
            for m in course.media
        ],
    )


@router.get("/{course_id}/media/{path:path}", response_class=FileResponse)
def course_media(
    course_id: str, path: str, _caller: CallerDep, session: SessionDep, config: ConfigDep
) -> FileResponse:
    # Only paths listed in the manifest are served, whatever else sits on disk.
    media = session.scalars(
        select(MediaFile).where(MediaFile.course_id == course_id, MediaFile.path == path)
    ).one_or_none()
    if media is None:
        raise not_found(f"No media file {path!r} in course {course_id!r}.")
    file = resolve_under(config.media_dir / course_id, media.path)
    if file is None or not file.is_file():
        log.warning("media file listed but missing on disk: %s/%s", course_id, media.path)
        raise not_found(f"Media file {path!r} is missing on the server.")
    return FileResponse(
        file,
        media_type=media.content_type,
        headers={"ETag": strong_etag(media.sha256), "Cache-Control": "private, no-cache"},
    )

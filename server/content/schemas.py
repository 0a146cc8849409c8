"""Wire shapes of the course endpoints (contract $defs CourseSummary ... CourseDetail) and of the
academy key (AcademyKey)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from server.content.models import ExerciseKind


class CoverOut(BaseModel):
    """The cover image: one of the course's media files, fetched before the course is."""

    path: str
    size: int
    sha256: str


class CourseSummary(BaseModel):
    id: str
    version: int
    title: str
    language: str
    summary: str
    lesson_count: int
    media_bytes: int
    # Left out of the JSON when None (exclude_none), so courses without one look as before.
    cover: CoverOut | None = None


class CourseList(BaseModel):
    courses: list[CourseSummary]


class ExerciseOption(BaseModel):
    id: str
    text: str
    correct: bool
    feedback: str = ""


class ExerciseOut(BaseModel):
    id: str
    kind: ExerciseKind
    prompt: str
    options: list[ExerciseOption]
    peer_review: bool
    supporter_allowed: bool


class LessonOut(BaseModel):
    id: str
    position: int
    title: str
    # Only when it differs from the course's (exclude_none), so manifests of courses written
    # in one language stay as they were and older clients read them as before.
    language: str | None = None
    body_markdown: str
    exercises: list[ExerciseOut]
    media: list[str]


class MediaFileOut(BaseModel):
    path: str
    size: int
    sha256: str
    content_type: str


class CourseDetail(BaseModel):
    course: CourseSummary
    lessons: list[LessonOut]
    media: list[MediaFileOut]


class AcademyKeyOut(BaseModel):
    algorithm: Literal["ed25519"]
    public_key: str
    key_id: str

"""Courses, lessons, exercises and media as the client knows them. Pure data. Any thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ExerciseKind(StrEnum):
    OPEN = "open"
    MULTIPLE_CHOICE = "multiple_choice"
    REFLECTION = "reflection"


# The largest cover the academy accepts (server/content/cover.py); a bigger one is refused.
MAX_COVER_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CourseCover:
    """The course's cover image: one of its media files, fetched before the course is."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class CourseSummary:
    id: str
    version: int
    title: str
    language: str
    summary: str
    lesson_count: int
    media_bytes: int
    cover: CourseCover | None = None


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    text: str
    correct: bool
    feedback: str = ""


@dataclass(frozen=True, slots=True)
class Exercise:
    id: str
    kind: ExerciseKind
    prompt: str
    options: tuple[Option, ...] = ()
    peer_review: bool = False
    supporter_allowed: bool = False


@dataclass(frozen=True, slots=True)
class Lesson:
    id: str
    position: int
    title: str
    body_markdown: str
    exercises: tuple[Exercise, ...] = ()
    media: tuple[str, ...] = ()
    # What its text is written in ("nl", "en"): its own when the manifest names one, else its
    # course's; "" when not known.
    language: str = ""


@dataclass(frozen=True, slots=True)
class MediaFile:
    path: str
    size: int
    sha256: str
    content_type: str


@dataclass(frozen=True, slots=True)
class CourseDetail:
    course: CourseSummary
    lessons: tuple[Lesson, ...] = ()
    media: tuple[MediaFile, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class LibraryEntry:
    """A catalogue course plus what this device holds of it."""

    course: CourseSummary
    downloaded: bool
    local_version: int | None

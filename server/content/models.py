"""Tables for courses, lessons, exercises and course media; read on worker threads."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import JSON, Connection, Enum, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy import select as sql_select
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from server.db import Base


class ExerciseKind(enum.StrEnum):
    OPEN = "open"
    MULTIPLE_CHOICE = "multiple_choice"
    REFLECTION = "reflection"


class Course(Base):
    __tablename__ = "courses"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # a slug, e.g. samen-leren
    version: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2))
    summary: Mapped[str] = mapped_column(Text, default="")
    # The media path of the course's cover image (one of its media files), or None.
    cover: Mapped[str | None] = mapped_column(String(255), default=None)
    # How forum posts are signed: "pseudonyms" (the default) or "names".
    forum_names: Mapped[str] = mapped_column(String(12), default="pseudonyms")
    # "open": every learner takes part in its forum and polls; "closed": enrolled learners only.
    enrolment: Mapped[str] = mapped_column(String(8), default="open")

    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="course", order_by="Lesson.position", cascade="all, delete-orphan"
    )
    media: Mapped[list[MediaFile]] = relationship(
        back_populates="course", order_by="MediaFile.path", cascade="all, delete-orphan"
    )


class Lesson(Base):
    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("course_id", "position"),)

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    # What its text is written in: the course's language unless course.json says otherwise.
    language: Mapped[str] = mapped_column(String(2))
    body_markdown: Mapped[str] = mapped_column(Text)

    course: Mapped[Course] = relationship(back_populates="lessons")
    exercises: Mapped[list[Exercise]] = relationship(
        back_populates="lesson", order_by="Exercise.position", cascade="all, delete-orphan"
    )
    media: Mapped[list[MediaFile]] = relationship(
        secondary="lesson_media", order_by="MediaFile.path", viewonly=True
    )


@event.listens_for(Lesson, "before_insert")
def _in_the_course_language(
    _mapper: Mapper[Lesson], connection: Connection, lesson: Lesson
) -> None:
    """A lesson made without a language is in its course's."""
    if not lesson.language:
        found = connection.scalar(sql_select(Course.language).where(Course.id == lesson.course_id))
        if found is not None:  # else the foreign key refuses the row anyway
            lesson.language = found


class Exercise(Base):
    __tablename__ = "exercises"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    position: Mapped[int]
    kind: Mapped[ExerciseKind] = mapped_column(
        Enum(
            ExerciseKind,
            name="exercise_kind",
            native_enum=False,
            length=20,
            values_callable=lambda kinds: [k.value for k in kinds],
        )
    )
    prompt: Mapped[str] = mapped_column(Text)
    # [{id, text, correct, feedback}] as in the contract; empty for open and reflection.
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    peer_review: Mapped[bool] = mapped_column(default=False)
    supporter_allowed: Mapped[bool] = mapped_column(default=False)
    # Questions that guide peer feedback (course.json); empty: server.peer.questions' default.
    peer_questions: Mapped[list[str]] = mapped_column(JSON, default=list)

    lesson: Mapped[Lesson] = relationship(back_populates="exercises")


class MediaFile(Base):
    """A file at data_dir/media/<course_id>/<path>; only listed paths are ever served."""

    __tablename__ = "media_files"
    __table_args__ = (UniqueConstraint("course_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(255))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))

    course: Mapped[Course] = relationship(back_populates="media")


class LessonMedia(Base):
    """Which media files a lesson shows (a file may serve several lessons)."""

    __tablename__ = "lesson_media"

    lesson_id: Mapped[str] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True
    )
    media_file_id: Mapped[int] = mapped_column(
        ForeignKey("media_files.id", ondelete="CASCADE"), primary_key=True
    )


class Enrolment(Base):
    """A learner taking part in a closed course (its forum, polls and their changes)."""

    __tablename__ = "enrolments"

    course_id: Mapped[str] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )

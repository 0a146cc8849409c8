"""`samen-server course import`: creates or updates a course from a folder (docs/course-format.md).

Runs on the CLI's main thread, possibly while the server is serving the same data directory.
Steps: validate SOURCE/course.json and every media path; hash the sources; compare the wanted
course with the stored one; copy changed files to temporary names beside their targets
(hashing what was copied); update the rows in place (lesson and exercise ids stay stable, so
progress, polls and forum threads keep pointing at them); bump the version if anything
changed; rename the files into place; commit; delete files no longer listed.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from server.config import ServerConfig
from server.content.catalogue import detail_of, load_course
from server.content.cover import CoverError, check_cover, check_cover_size
from server.content.media import content_type_for, is_safe_relative_path, sha256_of
from server.content.models import Course, Exercise, ExerciseKind, Lesson, LessonMedia, MediaFile
from server.db import Database, table_of, utc_now
from server.progress.models import Progress
from server.social.forum import emit_course
from server.social.models import ForumThread, Poll
from server.sync.changes import ChangeBuffer, course_scope, write_changes

COURSE_FILE = "course.json"
MAX_PATH_LENGTH = 255  # media_files.path
_COPY_CHUNK = 1 << 20

Say = Callable[[str], None]


class CourseImportError(Exception):
    """Bad input or an unusable source folder; the message is one line for the operator."""


# --- course.json -------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class OptionSpec(_Strict):
    text: str = Field(min_length=1)
    correct: bool
    feedback: str = ""


class ExerciseSpec(_Strict):
    kind: ExerciseKind
    prompt: str = Field(min_length=1)
    options: list[OptionSpec] = Field(default_factory=list, max_length=26)
    peer_review: bool = False
    # Guide reviewers; not course content (changing them makes no new version).
    peer_questions: list[Annotated[str, Field(min_length=1, max_length=300)]] | None = Field(
        default=None, min_length=1, max_length=5
    )
    supporter_allowed: bool = False

    @model_validator(mode="after")
    def _questions_need_peer_review(self) -> ExerciseSpec:
        if self.peer_questions is not None and not self.peer_review:
            raise ValueError("peer_questions are for an exercise with peer_review: true")
        return self

    @model_validator(mode="after")
    def _options_fit_the_kind(self) -> ExerciseSpec:
        if self.kind is ExerciseKind.MULTIPLE_CHOICE:
            if len(self.options) < 2:
                raise ValueError("a multiple_choice exercise needs at least 2 options")
            if not any(option.correct for option in self.options):
                raise ValueError("a multiple_choice exercise needs a correct option")
        elif self.options:
            raise ValueError(f"a {self.kind.value} exercise has no options")
        return self


_LANGUAGE = r"^[a-z]{2}$"


class LessonSpec(_Strict):
    title: str = Field(min_length=1, max_length=200)
    # Only for a lesson in another language than its course (a Dutch lesson in an English
    # course); None: the course's.
    language: str | None = Field(default=None, pattern=_LANGUAGE)
    body_markdown: str
    media: list[str] = Field(default_factory=list)
    exercises: list[ExerciseSpec] = Field(default_factory=list)


class CourseSpec(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    title: str = Field(min_length=1, max_length=200)
    language: str = Field(pattern=_LANGUAGE)
    summary: str = ""
    # A PNG or JPEG in SOURCE shown on the course's card (server/content/cover.py).
    cover: str | None = None
    lessons: list[LessonSpec] = Field(min_length=1)
    # How the course's forum signs posts; not course content (no new version when it changes).
    forum_names: Literal["pseudonyms", "names"] = "pseudonyms"
    # Who takes part in the forum and polls: every learner ("open") or enrolled ones only.
    enrolment: Literal["open", "closed"] = "open"


def _where(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def parse_course_json(raw: bytes) -> CourseSpec:
    try:
        return CourseSpec.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        where = _where(tuple(first["loc"]))
        extra = len(errors) - 1
        more = f" (and {extra} more problem{'s' if extra > 1 else ''})" if extra else ""
        message = str(first["msg"]).removeprefix("Value error, ")
        raise CourseImportError(
            f"{COURSE_FILE}: {where + ': ' if where else ''}{message}{more}"
        ) from None


# --- media sources -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceFile:
    path: str  # relative, slash-separated, as listed in course.json
    file: Path  # resolved, inside SOURCE
    size: int
    sha256: str
    content_type: str


def _check_path(path: str, where: str) -> None:
    if path.startswith("/") or "\\" in path or re.match(r"^[A-Za-z]:", path):
        raise CourseImportError(f"{where}: absolute paths are not allowed")
    if ".." in path.split("/"):
        raise CourseImportError(f"{where}: '..' is not allowed")
    if not is_safe_relative_path(path) or len(path) > MAX_PATH_LENGTH:
        raise CourseImportError(
            f"{where}: use slash-separated names of letters, digits, '.', '_' and '-' "
            f"(at most {MAX_PATH_LENGTH} characters)"
        )


def _media_paths(spec: CourseSpec) -> list[str]:
    """Every listed media path (the cover's too), validated, in first-mention order."""
    seen: dict[str, str] = {}  # casefolded -> as written
    listed: list[tuple[str, str]] = []
    for number, lesson in enumerate(spec.lessons, start=1):
        in_lesson: set[str] = set()
        for path in lesson.media:
            where = f"{COURSE_FILE}: lesson {number} media {path!r}"
            _check_path(path, where)
            if path in in_lesson:
                raise CourseImportError(f"{where}: listed twice in the same lesson")
            in_lesson.add(path)
            listed.append((path, where))
    if spec.cover is not None:
        where = f"{COURSE_FILE}: cover {spec.cover!r}"
        _check_path(spec.cover, where)
        listed.append((spec.cover, where))
    for path, where in listed:
        folded = path.casefold()
        if seen.get(folded, path) != path:
            raise CourseImportError(f"{where}: differs from {seen[folded]!r} only in case")
        seen[folded] = path
    paths = list(seen.values())
    as_dirs = {"/".join(p.split("/")[:i]) for p in paths for i in range(1, p.count("/") + 1)}
    for path in paths:
        if path in as_dirs:
            raise CourseImportError(f"{COURSE_FILE}: media {path!r} is both a file and a folder")
    return paths


def _check_cover(path: str, file: Path) -> None:
    """Refuse a cover that is no small PNG or JPEG (its size is checked before it is read)."""
    where = f"{COURSE_FILE}: cover {path!r}"
    try:
        check_cover_size(path, file.stat().st_size)
        check_cover(path, file.read_bytes())
    except CoverError as exc:
        raise CourseImportError(f"{where} {exc}") from None
    except OSError as exc:
        raise CourseImportError(f"{where}: cannot read: {exc.strerror or exc}") from exc


def _resolve_source(root: Path, path: str, where: str) -> Path:
    candidate = root / path
    if not os.path.lexists(candidate):
        raise CourseImportError(f"{where}: no such file in {root}")
    resolved = candidate.resolve()
    if not resolved.is_relative_to(root):
        raise CourseImportError(f"{where}: is a symlink to {resolved}, outside {root}")
    if not resolved.is_file():
        raise CourseImportError(f"{where}: is not a regular file")
    return resolved


def read_source(source: Path) -> tuple[CourseSpec, list[SourceFile]]:
    """Validate SOURCE (course.json and every listed media file) and hash the media."""
    if not source.is_dir():
        raise CourseImportError(f"{source} is not a folder")
    root = source.resolve()
    course_json = root / COURSE_FILE
    if not course_json.is_file():
        raise CourseImportError(f"{source} has no {COURSE_FILE}")
    try:
        raw = course_json.read_bytes()
    except OSError as exc:
        raise CourseImportError(f"cannot read {course_json}: {exc.strerror or exc}") from exc
    spec = parse_course_json(raw)
    files: list[SourceFile] = []
    for path in _media_paths(spec):
        is_cover = path == spec.cover
        where = f"{COURSE_FILE}: cover {path!r}" if is_cover else f"media {path!r}"
        file = _resolve_source(root, path, where)
        if is_cover:
            _check_cover(path, file)
        try:
            files.append(
                SourceFile(
                    path=path,
                    file=file,
                    size=file.stat().st_size,
                    sha256=sha256_of(file),
                    content_type=content_type_for(path),
                )
            )
        except OSError as exc:
            raise CourseImportError(f"media {path!r}: cannot read: {exc.strerror or exc}") from exc
    return spec, files


# --- comparing ---------------------------------------------------------------------------------


def _lesson_id(course_id: str, position: int) -> str:
    return f"{course_id}-{position}"


def _options(spec: ExerciseSpec) -> list[dict[str, Any]]:
    return [
        {"id": chr(ord("a") + index), **option.model_dump()}
        for index, option in enumerate(spec.options)
    ]


def _cover_state(spec: CourseSpec, files: list[SourceFile]) -> dict[str, Any]:
    """The summary's `cover` entry, absent without one (so older manifests stay the same)."""
    cover = next((file for file in files if file.path == spec.cover), None)
    if cover is None:
        return {}
    return {"cover": {"path": cover.path, "size": cover.size, "sha256": cover.sha256}}


def _lesson_language(spec: CourseSpec, lesson: LessonSpec) -> str:
    return lesson.language or spec.language


def _language_state(spec: CourseSpec, lesson: LessonSpec) -> dict[str, Any]:
    """A lesson's `language` entry, absent when it is the course's (as in the manifest)."""
    language = _lesson_language(spec, lesson)
    return {} if language == spec.language else {"language": language}


def wanted_state(spec: CourseSpec, files: list[SourceFile]) -> dict[str, Any]:
    """The CourseDetail the course should have, without its version."""
    return {
        "course": {
            "id": spec.id,
            "title": spec.title,
            "language": spec.language,
            "summary": spec.summary,
            "lesson_count": len(spec.lessons),
            "media_bytes": sum(file.size for file in files),
            **_cover_state(spec, files),
        },
        "lessons": [
            {
                "id": (lesson_id := _lesson_id(spec.id, position)),
                "position": position,
                "title": lesson.title,
                **_language_state(spec, lesson),
                "body_markdown": lesson.body_markdown,
                "exercises": [
                    {
                        "id": f"{lesson_id}-e{number}",
                        "kind": exercise.kind.value,
                        "prompt": exercise.prompt,
                        "options": _options(exercise),
                        "peer_review": exercise.peer_review,
                        "supporter_allowed": exercise.supporter_allowed,
                    }
                    for number, exercise in enumerate(lesson.exercises, start=1)
                ],
                "media": sorted(lesson.media),  # lessons list their media by path
            }
            for position, lesson in enumerate(spec.lessons, start=1)
        ],
        "media": [
            {
                "path": file.path,
                "size": file.size,
                "sha256": file.sha256,
                "content_type": file.content_type,
            }
            for file in sorted(files, key=lambda f: f.path)
        ],
    }


def stored_state(course: Course) -> dict[str, Any]:
    state = detail_of(course).model_dump(mode="json", exclude_none=True)
    del state["course"]["version"]
    return state


# --- files -------------------------------------------------------------------------------------


FileAction = Literal["added", "updated", "restored", "removed"]


@dataclass
class FilePlan:
    action: FileAction
    path: str
    size: int
    temp: Path | None = None  # the copied bytes, renamed onto the target at the end


def _copy_to_temp(file: SourceFile, target: Path) -> Path:
    """Copy to a temp file beside ``target`` (same filesystem, so the rename is atomic)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.import-{secrets.token_hex(6)}")
    digest = hashlib.sha256()
    try:
        with file.file.open("rb") as src, temp.open("xb") as dst:
            while chunk := src.read(_COPY_CHUNK):
                digest.update(chunk)
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if digest.hexdigest() != file.sha256:
        temp.unlink(missing_ok=True)
        raise CourseImportError(
            f"media {file.path!r} changed while it was being imported; try again"
        )
    return temp


def _remove_empty_dirs(start: Path, stop: Path) -> None:
    directory = start
    while directory != stop and directory.is_relative_to(stop):
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent


# --- applying ----------------------------------------------------------------------------------


@dataclass
class ImportReport:
    course_id: str
    created: bool
    version: int
    files: list[FilePlan] = field(default_factory=list)
    content_changed: bool = False

    @property
    def changed(self) -> bool:
        return self.content_changed or bool(self.files)


def _lessons_in_use(session: Session, lesson_ids: list[str]) -> list[str]:
    """Which of ``lesson_ids`` have progress, polls or forum threads that removal would delete."""
    used: set[str] = set()
    for model in (Progress, Poll, ForumThread):
        used.update(
            lesson_id
            for lesson_id in session.scalars(
                select(model.lesson_id).where(model.lesson_id.in_(lesson_ids)).distinct()
            )
            if lesson_id is not None
        )
    return sorted(used)


def _apply_questions(session: Session, spec: CourseSpec) -> None:
    """Every exercise's peer questions as course.json has them ([] = the default ones)."""
    for position, lesson in enumerate(spec.lessons, start=1):
        lesson_id = _lesson_id(spec.id, position)
        for number, exercise in enumerate(lesson.exercises, start=1):
            session.execute(
                update(Exercise)
                .where(Exercise.id == f"{lesson_id}-e{number}")
                .values(peer_questions=exercise.peer_questions or [])
            )


def _apply(session: Session, course: Course, spec: CourseSpec, files: list[SourceFile]) -> None:
    """Make the rows of ``course`` match ``spec`` and ``files``, updating rows in place."""
    link = table_of(LessonMedia)
    session.execute(
        delete(link).where(
            link.c.lesson_id.in_(select(Lesson.id).where(Lesson.course_id == course.id))
        )
    )
    course.title, course.language, course.summary = spec.title, spec.language, spec.summary
    course.cover = spec.cover

    by_path = {media.path: media for media in course.media}
    wanted = {file.path: file for file in files}
    for path, old_media in by_path.items():
        if path not in wanted:
            session.delete(old_media)
    for file in files:
        media = by_path.get(file.path)
        if media is None:
            media = MediaFile(course_id=course.id, path=file.path)
            session.add(media)
        media.size, media.sha256, media.content_type = file.size, file.sha256, file.content_type

    lessons = {lesson.position: lesson for lesson in course.lessons}
    for position, old_lesson in lessons.items():
        if position > len(spec.lessons):
            session.delete(old_lesson)
    for position, lesson_spec in enumerate(spec.lessons, start=1):
        lesson = lessons.get(position)
        if lesson is None:
            lesson = Lesson(
                id=_lesson_id(course.id, position), course_id=course.id, position=position
            )
            session.add(lesson)
        lesson.title, lesson.body_markdown = lesson_spec.title, lesson_spec.body_markdown
        lesson.language = _lesson_language(spec, lesson_spec)
        exercises = {exercise.position: exercise for exercise in lesson.exercises}
        for number, old_exercise in exercises.items():
            if number > len(lesson_spec.exercises):
                session.delete(old_exercise)
        for number, exercise_spec in enumerate(lesson_spec.exercises, start=1):
            exercise = exercises.get(number)
            if exercise is None:
                exercise = Exercise(
                    id=f"{lesson.id}-e{number}", lesson_id=lesson.id, position=number
                )
                session.add(exercise)
            exercise.kind = exercise_spec.kind
            exercise.prompt = exercise_spec.prompt
            exercise.options = _options(exercise_spec)
            exercise.peer_review = exercise_spec.peer_review
            exercise.supporter_allowed = exercise_spec.supporter_allowed
    session.flush()

    # Which lesson shows which file: rewritten as a whole (it carries nothing else).
    lesson_ids = [_lesson_id(course.id, n) for n in range(1, len(spec.lessons) + 1)]
    media_ids = {
        path: media_id
        for path, media_id in session.execute(
            select(MediaFile.path, MediaFile.id).where(MediaFile.course_id == course.id)
        ).tuples()
    }
    rows = [
        {"lesson_id": lesson_id, "media_file_id": media_ids[path]}
        for lesson_id, lesson_spec in zip(lesson_ids, spec.lessons, strict=True)
        for path in lesson_spec.media
    ]
    if rows:
        session.execute(insert(link), rows)


def import_course(
    database: Database,
    config: ServerConfig,
    source: Path,
    say: Say,
    *,
    allow_removing_lessons: bool = False,
) -> ImportReport:
    """Create or update the course in ``source``; ``say`` gets one line per changed file."""
    spec, files = read_source(source)
    course_dir = config.media_dir / spec.id
    temps: list[Path] = []
    with database.session() as session:
        course = load_course(session, spec.id)
        created = course is None
        if course is None:
            course = Course(id=spec.id, version=1, title=spec.title, language=spec.language)
            session.add(course)
            session.flush()
            course = load_course(session, spec.id)
            assert course is not None
        report = ImportReport(course_id=spec.id, created=created, version=course.version)
        names_changed = course.forum_names != spec.forum_names
        course.forum_names = spec.forum_names
        course.enrolment = spec.enrolment
        wanted = wanted_state(spec, files)
        report.content_changed = created or stored_state(course) != wanted

        removed_lessons = [lesson.id for lesson in course.lessons[len(spec.lessons) :]]
        in_use = _lessons_in_use(session, removed_lessons) if removed_lessons else []
        if in_use and not allow_removing_lessons:
            raise CourseImportError(
                f"removing lesson(s) {', '.join(in_use)} would delete learners' progress, "
                "polls or forum threads; pass --allow-removing-lessons to do it anyway"
            )

        stored = {media.path: media for media in course.media}
        for file in files:
            target = course_dir / file.path
            row = stored.get(file.path)
            action: FileAction | None = None
            if row is None:
                action = "added"
            elif row.sha256 != file.sha256:
                action = "updated"
            elif not target.is_file() or target.stat().st_size != file.size:
                action = "restored"  # same content, but the copy on disk is missing or damaged
            if action is not None:
                try:
                    temp = _copy_to_temp(file, target)
                except OSError as exc:
                    raise CourseImportError(
                        f"cannot copy media {file.path!r} to {target}: {exc.strerror or exc}"
                    ) from exc
                temps.append(temp)
                report.files.append(FilePlan(action, file.path, file.size, temp))
        wanted_paths = {file.path for file in files}
        report.files.extend(
            FilePlan("removed", path, row.size)
            for path, row in sorted(stored.items())
            if path not in wanted_paths
        )

        try:
            if report.content_changed:
                _apply(session, course, spec, files)
                if not created:
                    course.version += 1
                report.version = course.version
                session.flush()
                session.expire_all()
                reloaded = load_course(session, spec.id)
                assert reloaded is not None
                if stored_state(reloaded) != wanted:  # a bug, not bad input
                    raise RuntimeError("the imported course does not match course.json")
                changes = ChangeBuffer()
                summary = detail_of(reloaded).course.model_dump(mode="json", exclude_none=True)
                changes.put(course_scope(spec.id), "course", spec.id, summary)
                write_changes(session, changes.changes(), utc_now())
            _apply_questions(session, spec)
            if names_changed and not created:
                # Posts already pulled carry the old signature: publish them all again.
                session.flush()
                resigned = ChangeBuffer()
                emit_course(session, resigned, spec.id)
                write_changes(session, resigned.changes(), utc_now())
            # Files go into place just before the commit: a client downloading in between sees
            # a sha256 mismatch at worst, discards the file and fetches it again.
            for plan in report.files:
                if plan.temp is not None:
                    plan.temp.replace(course_dir / plan.path)
                    plan.temp = None
            session.commit()
        finally:
            for temp in temps:
                temp.unlink(missing_ok=True)

    for plan in report.files:
        if plan.action == "removed":
            target = course_dir / plan.path
            target.unlink(missing_ok=True)
            _remove_empty_dirs(target.parent, course_dir)
        say(f"{plan.action} {plan.path} ({plan.size:,} bytes)")
    return report

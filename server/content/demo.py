"""Seeds the demo academy from demo_recipe.json: users, two courses with media, a podcast feed,
a poll and forum threads. Idempotent: anything already present (matched by its id or user name)
is left alone, so a second run changes nothing. Runs on the CLI's main thread.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from importlib import resources
from pathlib import Path
from typing import NotRequired, TypedDict, TypeVar, cast

from sqlalchemy.orm import Session

from server.auth.accounts import create_user, find_user, parse_role
from server.config import ServerConfig
from server.content.demo_media import (
    MediaTools,
    Warn,
    write_cover,
    write_png,
    write_speech,
    write_video,
)
from server.content.media import describe
from server.content.models import Course, Exercise, ExerciseKind, Lesson, LessonMedia, MediaFile
from server.db import Database, utc_now
from server.podcasts.models import PodcastEpisode, PodcastFeed
from server.social.forum import emit_post, emit_thread
from server.social.models import ForumPost, ForumThread, Poll, PollOption
from server.social.polls import emit_poll
from server.sync.changes import ChangeBuffer, user_scope, write_changes

DEFAULT_PASSWORD = "samen-demo"

T = TypeVar("T")


class UserRecipe(TypedDict):
    username: str
    display_name: str
    role: str


class MediaRecipe(TypedDict):
    kind: str  # image | cover | speech | video
    path: str  # for speech: a stem; the extension depends on the tools available
    lessons: list[int]
    colors: NotRequired[list[list[int]]]
    voice: NotRequired[str]
    text: NotRequired[str]
    frequency: NotRequired[int]
    words: NotRequired[str]  # a cover's text


class OptionRecipe(TypedDict):
    text: str
    correct: bool
    feedback: str


class ExerciseRecipe(TypedDict):
    kind: str
    prompt: str
    options: NotRequired[list[OptionRecipe]]
    peer_review: NotRequired[bool]
    peer_questions: NotRequired[list[str]]
    supporter_allowed: NotRequired[bool]


class LessonRecipe(TypedDict):
    title: str
    language: NotRequired[str]  # default: the course's
    body_markdown: str
    exercises: list[ExerciseRecipe]


class CourseRecipe(TypedDict):
    id: str
    version: int
    language: str
    title: str
    summary: str
    media: list[MediaRecipe]
    lessons: list[LessonRecipe]


class ChapterRecipe(TypedDict):
    title: str
    at: float  # where it starts, as a share of the episode's length


class EpisodeRecipe(TypedDict):
    guid: str
    file: str
    language: NotRequired[str]  # default: the podcast's
    voice: str  # the espeak-ng voice that speaks it
    title: str
    published_at: str
    text: str
    chapters: NotRequired[list[ChapterRecipe]]


class ArtworkRecipe(TypedDict):
    path: str
    colors: list[list[int]]
    words: str


class FeedRecipe(TypedDict):
    id: str
    title: str
    description: str
    language: str
    author: str
    artwork: NotRequired[ArtworkRecipe]
    episodes: list[EpisodeRecipe]


class PollRecipe(TypedDict):
    id: str
    course: str
    lesson: int | None
    statement: str
    options: list[str]
    opens_at: str
    closes_at: str | None


class ReplyRecipe(TypedDict):
    id: str
    author: str
    body: str
    created_at: str


class ThreadRecipe(TypedDict):
    id: str
    course: str
    lesson: int | None
    author: str
    title: str
    body: str
    created_at: str
    replies: list[ReplyRecipe]


class Recipe(TypedDict):
    users: list[UserRecipe]
    courses: list[CourseRecipe]
    podcasts: list[FeedRecipe]
    polls: list[PollRecipe]
    forum: list[ThreadRecipe]


def load_recipe() -> Recipe:
    text = resources.files("server.content").joinpath("demo_recipe.json").read_text("utf-8")
    return cast(Recipe, json.loads(text))


@dataclass
class SeedReport:
    """What a run added; all zeros on a second run."""

    created: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1

    @property
    def changed(self) -> bool:
        return any(self.created.values())


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _lesson_id(course_id: str, position: int) -> str:
    return f"{course_id}-{position}"


def _make_media(tools: MediaTools, course_dir: Path, item: MediaRecipe, warn: Warn) -> str | None:
    """Write one recipe media item; returns its path relative to course_dir, or None if skipped."""
    target = course_dir / item["path"]
    if item["kind"] == "image":
        top, bottom = (cast(tuple[int, int, int], tuple(c)) for c in item["colors"])
        write_png(target, top, bottom)
        return item["path"]
    if item["kind"] == "cover":
        top, bottom = (cast(tuple[int, int, int], tuple(c)) for c in item["colors"])
        write_cover(tools, target, top, bottom, item.get("words", ""), warn)
        return item["path"]
    if item["kind"] == "speech":
        speech = write_speech(tools, item["text"], item["voice"], target, warn)
        return speech.path.relative_to(course_dir).as_posix()
    if item["kind"] == "video":
        made = write_video(tools, target, item.get("frequency", 440), warn)
        return item["path"] if made else None
    raise ValueError(f"unknown media kind {item['kind']!r} in the demo recipe")


def _in_parallel(jobs: list[Callable[[], T]]) -> list[T]:
    # Each job mostly waits on an ffmpeg/espeak subprocess, so threads overlap them well.
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(job) for job in jobs]
        return [future.result() for future in futures]


def _seed_course(
    session: Session, recipe: CourseRecipe, config: ServerConfig, tools: MediaTools, warn: Warn
) -> None:
    course_id = recipe["id"]
    course_dir = config.media_dir / course_id
    paths = _in_parallel(
        [partial(_make_media, tools, course_dir, item, warn) for item in recipe["media"]]
    )
    course = Course(
        id=course_id,
        version=recipe["version"],
        title=recipe["title"],
        language=recipe["language"],
        summary=recipe["summary"],
        cover=next((m["path"] for m in recipe["media"] if m["kind"] == "cover"), None),
    )
    session.add(course)
    for position, lesson_recipe in enumerate(recipe["lessons"], start=1):
        lesson = Lesson(
            id=_lesson_id(course_id, position),
            course_id=course_id,
            position=position,
            title=lesson_recipe["title"],
            language=lesson_recipe.get("language", recipe["language"]),
            body_markdown=lesson_recipe["body_markdown"],
        )
        course.lessons.append(lesson)
        for number, exercise in enumerate(lesson_recipe["exercises"], start=1):
            lesson.exercises.append(
                Exercise(
                    id=f"{lesson.id}-e{number}",
                    position=number,
                    kind=ExerciseKind(exercise["kind"]),
                    prompt=exercise["prompt"],
                    options=[
                        {"id": chr(ord("a") + index), **option}
                        for index, option in enumerate(exercise.get("options", []))
                    ],
                    peer_review=exercise.get("peer_review", False),
                    peer_questions=exercise.get("peer_questions", []),
                    supporter_allowed=exercise.get("supporter_allowed", False),
                )
            )
    session.flush()
    for item, path in zip(recipe["media"], paths, strict=True):
        if path is None:
            continue
        facts = describe(course_dir / path)
        media = MediaFile(
            course_id=course_id,
            path=path,
            size=facts.size,
            sha256=facts.sha256,
            content_type=facts.content_type,
        )
        session.add(media)
        session.flush()
        for position in item["lessons"]:
            session.add(
                LessonMedia(lesson_id=_lesson_id(course_id, position), media_file_id=media.id)
            )


def _seed_feed(
    session: Session, recipe: FeedRecipe, config: ServerConfig, tools: MediaTools, warn: Warn
) -> None:
    feed_dir = config.podcast_dir / recipe["id"]
    speeches = _in_parallel(
        [
            partial(
                write_speech,
                tools,
                episode["text"],
                episode["voice"],
                feed_dir / episode["file"],
                warn,
            )
            for episode in recipe["episodes"]
        ]
    )
    artwork = recipe.get("artwork")
    if artwork is not None:
        top, bottom = (cast(tuple[int, int, int], tuple(c)) for c in artwork["colors"])
        write_cover(tools, feed_dir / artwork["path"], top, bottom, artwork["words"], warn)
    feed = PodcastFeed(
        id=recipe["id"],
        title=recipe["title"],
        description=recipe["description"],
        language=recipe["language"],
        author=recipe["author"],
        artwork=artwork["path"] if artwork is not None else None,
    )
    for episode, speech in zip(recipe["episodes"], speeches, strict=True):
        facts = describe(speech.path)
        feed.episodes.append(
            PodcastEpisode(
                guid=episode["guid"],
                title=episode["title"],
                language=episode.get("language", recipe["language"]),
                description=episode["text"],
                file=speech.path.name,
                size=facts.size,
                sha256=facts.sha256,
                content_type=facts.content_type,
                duration_seconds=speech.duration_seconds,
                published_at=_when(episode["published_at"]),
                transcript=episode["text"],  # the very text espeak-ng spoke
                chapters=[
                    {
                        "startTime": int(chapter["at"] * speech.duration_seconds),
                        "title": chapter["title"],
                    }
                    for chapter in episode.get("chapters", [])
                ],
            )
        )
    session.add(feed)


def _mine(changes: ChangeBuffer, user_id: int, post_id: str, kind: str) -> None:
    """Tell the author a seeded post is theirs, as posting in the app does (so the demo
    learner's own thread reads as theirs, and they can edit it)."""
    changes.put(user_scope(user_id), "forum_mine", post_id, {"id": post_id, "kind": kind})


def _user_id(session: Session, username: str) -> int:
    user = find_user(session, username)
    if user is None:
        raise ValueError(f"demo recipe names unknown user {username!r}")
    return user.id


def seed_demo(database: Database, config: ServerConfig, password: str, warn: Warn) -> SeedReport:
    """Add whatever part of the demo academy is missing; each course commits on its own."""
    recipe = load_recipe()
    report = SeedReport()
    tools: MediaTools | None = None

    def media_tools() -> MediaTools:
        nonlocal tools
        if tools is None:
            tools = MediaTools.detect(warn)  # only warn about tools when media is needed
        return tools

    with database.session() as session:
        for user in recipe["users"]:
            if find_user(session, user["username"]) is None:
                create_user(
                    session,
                    user["username"],
                    password,
                    parse_role(user["role"]),
                    user["display_name"],
                )
                report.count("users")
        session.commit()

        for course in recipe["courses"]:
            if session.get(Course, course["id"]) is None:
                _seed_course(session, course, config, media_tools(), warn)
                session.commit()
                report.count("courses")

        for feed in recipe["podcasts"]:
            if session.get(PodcastFeed, feed["id"]) is None:
                _seed_feed(session, feed, config, media_tools(), warn)
                session.commit()
                report.count("podcast feeds")

        changes = ChangeBuffer()
        for poll in recipe["polls"]:
            if session.get(Poll, poll["id"]) is None:
                lesson = poll["lesson"]
                created = Poll(
                    id=poll["id"],
                    course_id=poll["course"],
                    lesson_id=_lesson_id(poll["course"], lesson) if lesson else None,
                    statement=poll["statement"],
                    opens_at=_when(poll["opens_at"]),
                    closes_at=_when(poll["closes_at"]) if poll["closes_at"] else None,
                    options=[
                        PollOption(id=f"{poll['id']}-{n}", position=n, text=text)
                        for n, text in enumerate(poll["options"], start=1)
                    ],
                )
                session.add(created)
                session.flush()
                emit_poll(session, changes, created, utc_now())  # so a first pull shows the poll
                report.count("polls")

        for thread in recipe["forum"]:
            if session.get(ForumThread, thread["id"]) is None:
                lesson = thread["lesson"]
                session.add(
                    ForumThread(
                        id=thread["id"],
                        course_id=thread["course"],
                        lesson_id=_lesson_id(thread["course"], lesson) if lesson else None,
                        author_id=_user_id(session, thread["author"]),
                        title=thread["title"],
                        body=thread["body"],
                        created_at=_when(thread["created_at"]),
                        replies=len(thread["replies"]),
                        posts=[
                            ForumPost(
                                id=reply["id"],
                                author_id=_user_id(session, reply["author"]),
                                body=reply["body"],
                                created_at=_when(reply["created_at"]),
                            )
                            for reply in thread["replies"]
                        ],
                    )
                )
                session.flush()
                emit_thread(session, changes, thread["id"])  # so a first pull shows it
                _mine(changes, _user_id(session, thread["author"]), thread["id"], "thread")
                for reply in thread["replies"]:
                    emit_post(session, changes, reply["id"])
                    _mine(changes, _user_id(session, reply["author"]), reply["id"], "post")
                report.count("forum threads")
        write_changes(session, changes.changes(), utc_now())
        session.commit()
    return report

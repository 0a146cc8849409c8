"""A push workload on a real academy database, in-process: the academy (a course with a
lesson, an exercise, a poll and another learner's thread of any length), learners with an
installation, batches of each mutation kind a learner queues, and a count of the statements a
push sends. Used by tests/server/test_push_statements.py and bench/push_cost.py, on the
caller's thread."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event, func, insert, select, update

from server.auth.models import Role, User
from server.content.models import Course, Exercise, ExerciseKind, Lesson
from server.db import Database, table_of
from server.migrator import upgrade_to_head
from server.social.models import ForumPost, ForumThread, Poll, PollOption
from server.sync.models import SyncClient
from server.sync.push import ChunkLimits, chunk_limits, process_push
from server.sync.registry import REGISTRY
from server.sync.schemas import MutationIn

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OTHER = 2  # the author of the thread learners reply to
THREAD = "thread-of-other"
COURSE = "c"


def build_academy(database: Database, posts_in_thread: int) -> None:
    """Migrate an empty database and give it the course, its poll, exercise and thread."""
    upgrade_to_head(database.engine)
    with database.session() as session:
        session.add(
            User(
                id=OTHER,
                username="other",
                display_name="Other",
                role=Role.LEARNER,
                password_hash="-",
            )
        )
        course = Course(id=COURSE, title="C", language="en", summary="")
        lesson = Lesson(id="c-1", position=1, title="L", body_markdown="")
        lesson.exercises.append(
            Exercise(
                id="c-1-e1",
                position=1,
                kind=ExerciseKind.MULTIPLE_CHOICE,
                prompt="?",
                options=[
                    {"id": "a", "text": "A", "correct": True, "feedback": ""},
                    {"id": "b", "text": "B", "correct": False, "feedback": ""},
                ],
            )
        )
        course.lessons.append(lesson)
        session.add(course)
        session.add(
            Poll(
                id="p",
                course_id=COURSE,
                statement="?",
                opens_at=NOW - timedelta(days=1),
                options=[PollOption(id=f"p-{n}", position=n, text=str(n)) for n in (1, 2)],
            )
        )
        session.flush()
        long_ago = NOW - timedelta(days=2)
        threads = table_of(ForumThread)
        session.execute(
            insert(threads).values(
                id=THREAD,
                course_id=COURSE,
                author_id=OTHER,
                title="T",
                body="B",
                created_at=long_ago,
            )
        )
        if posts_in_thread:
            session.execute(
                insert(table_of(ForumPost)),
                [
                    {
                        "id": f"old-post-{n:05d}",
                        "thread_id": THREAD,
                        "author_id": OTHER,
                        "body": "An earlier reply.",
                        "created_at": long_ago,
                    }
                    for n in range(posts_in_thread)
                ],
            )
        if "replies" in threads.c:  # the academy keeps the count (issue 17; not before it)
            session.execute(
                update(threads).where(threads.c.id == THREAD).values(replies=posts_in_thread)
            )
        session.commit()


@contextmanager
def workload_database(url: str, posts_in_thread: int = 0) -> Iterator[Database]:
    """The workload's academy (:func:`build_academy`) in the empty database at ``url``,
    disposed of after the block."""
    database = Database(url)
    try:
        build_academy(database, posts_in_thread)
        yield database
    finally:
        database.dispose()


def add_learner(database: Database, user_id: int) -> str:
    """A learner with one installation; returns its client_id."""
    client_id = f"client-{user_id}"
    with database.session() as session:
        session.add(
            User(
                id=user_id,
                username=f"learner{user_id}",
                display_name=f"Learner {user_id}",
                role=Role.LEARNER,
                password_hash="-",
            )
        )
        session.flush()
        session.add(SyncClient(client_id=client_id, user_id=user_id))
        session.commit()
    return client_id


def item(seq: int, name: str, args: dict[str, Any]) -> MutationIn:
    return MutationIn.model_validate(
        {
            "seq": seq,
            "mutation_id": str(uuid.uuid4()),
            "name": name,
            "args": args,
            "created_at": NOW.isoformat(),
        }
    )


def reply(seq: int, thread_id: str = THREAD) -> MutationIn:
    args = {"post_id": f"reply-{uuid.uuid4().hex[:12]}", "thread_id": thread_id, "body": "Yes."}
    return item(seq, "forum.reply", args)


def new_thread(seq: int) -> MutationIn:
    args = {"thread_id": f"thread-{uuid.uuid4().hex[:12]}", "course_id": COURSE}
    return item(seq, "forum.new_thread", {**args, "title": "Q", "body": "?"})


def progress(seq: int) -> MutationIn:
    args = {"course_id": COURSE, "lesson_id": "c-1", "position_ms": seq, "completed": False}
    return item(seq, "progress.update", args)


def playback(seq: int) -> MutationIn:
    args = {"media_key": f"course:{COURSE}/audio-{seq % 3}.mp3", "duration_ms": 600_000}
    return item(seq, "playback.position", {**args, "position_ms": seq, "played": False})


def answer(seq: int) -> MutationIn:
    return item(seq, "exercise.answer", {"exercise_id": "c-1-e1", "option_id": "ab"[seq % 2]})


def vote(seq: int) -> MutationIn:
    return item(seq, "poll.vote", {"poll_id": "p", "option_id": f"p-{seq % 2 + 1}"})


KINDS: dict[str, Callable[[int], MutationIn]] = {
    "progress.update": progress,
    "playback.position": playback,
    "exercise.answer": answer,
    "poll.vote": vote,
    "forum.reply": reply,
    "forum.new_thread": new_thread,
}


def mixed(count: int) -> list[MutationIn]:
    """A learner's day offline, as the outside load test queued it: every kind, interleaved,
    with no more forum posts than the 30 an hour the forum takes (1 in 8)."""
    order = ("progress.update", "playback.position", "exercise.answer", "poll.vote")
    items = []
    for seq in range(1, count + 1):
        if seq % 16 == 0:
            items.append(new_thread(seq))
        elif seq % 16 == 8:
            items.append(reply(seq))
        else:
            items.append(KINDS[order[seq % 4]](seq))
    return items


@dataclass
class Cost:
    """What a push sent to the database: its statements (an executemany counts once: it is
    one call, and on PostgreSQL one pipeline), its transactions and the longest of them, in
    seconds from its first statement to its commit (on SQLite: how long it held the
    academy's one write lock)."""

    statements: list[str] = field(default_factory=list)
    transactions: int = 0
    longest: float = 0.0
    _began: float | None = None


@contextmanager
def counted(engine: Engine) -> Iterator[Cost]:
    cost = Cost()

    def statement(*args: Any) -> None:
        cost.statements.append(str(args[2]))
        if cost._began is None:
            cost._began = time.perf_counter()

    def commit(*args: Any) -> None:
        if cost._began is not None:
            cost.longest = max(cost.longest, time.perf_counter() - cost._began)
            cost.transactions += 1
        cost._began = None

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield cost
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


def push(
    database: Database,
    user_id: int,
    client_id: str,
    items: list[MutationIn],
    limits: ChunkLimits | None = None,
) -> tuple[dict[str, Any], Cost]:
    """Push ``items`` as the academy's push route does (without HTTP): the reply and what it
    cost. Chunks by the database's limits, by default without SQLite's time limit, so that
    the statements counted do not depend on how busy the machine is."""
    if limits is None:
        limits = replace(chunk_limits(database.engine.dialect.name), seconds=None)
    with counted(database.engine) as cost, database.session() as session:
        pushed = process_push(session, REGISTRY, user_id, client_id, items, NOW, limits=limits)
    return pushed, cost


def replies_of(database: Database) -> int:
    """The visible replies of the thread learners reply to, counted."""
    posts = table_of(ForumPost)
    with database.session() as session:
        return int(
            session.execute(
                select(func.count()).where(
                    posts.c.thread_id == THREAD,
                    posts.c.hidden.is_(False),
                    posts.c.deleted.is_(False),
                )
            ).scalar_one()
        )

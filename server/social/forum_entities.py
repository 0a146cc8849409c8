"""What pullers see of the forum, built inside the writer's transaction: a push's (worker
thread), the seeder's or the course importer's (main thread).

Learners (scope ``course:<id>``) get ``forum_thread`` and ``forum_post`` entities signed with
the author's pseudonym for that course (or their name, when the course says so); a hidden or
deleted post is a tombstone. Moderators (``moderation:<course id>``) also get hidden threads and
replies (``forum_hidden_thread``, ``forum_hidden_post``: the same data), which leave that scope
(a delete) when unhidden or deleted.

A thread's reply count is its ``replies`` column (kept by the forum's writes), never a count of
its posts, and the names posts are signed with are read once per batch (:class:`Signatures`):
so what one reply costs does not grow with its thread or with the batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.auth.models import Role, User
from server.content.models import Course
from server.db import table_of
from server.social.models import ForumPost, ForumThread
from server.social.pseudonyms import forum_pseudonym
from server.sync.changes import ChangeBuffer, course_scope, iso

MODERATORS = (Role.MODERATOR, Role.ADMIN)


def moderation_scope(course_id: str) -> str:
    return f"moderation:{course_id}"


@dataclass(frozen=True)
class CourseFacts:
    """What the forum needs of a course: whether posts show names, and its language."""

    forum_names: str
    language: str | None


class Signatures:
    """The names posts are signed with, each read once for as long as this lives (a push
    batch, one seeding, one import): users' names and roles, courses' choice of names, and
    pseudonyms (made on first use). :meth:`checkpoint` gives what forgets the names learnt
    after it, for work that is rolled back (a pseudonym it made is gone with it)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._users: dict[int, tuple[str, Role]] = {}
        self._courses: dict[str, CourseFacts | None] = {}
        self._labels: dict[tuple[str, int], str] = {}
        self._learnt: list[tuple[str, int]] = []

    def course(self, course_id: str) -> CourseFacts | None:
        if course_id not in self._courses:
            row = self._session.execute(
                select(Course.forum_names, Course.language).where(Course.id == course_id)
            ).one_or_none()
            self._courses[course_id] = (
                None if row is None else CourseFacts(str(row.forum_names), row.language)
            )
        return self._courses[course_id]

    def user(self, user_id: int) -> tuple[str, Role]:
        if user_id not in self._users:
            row = self._session.execute(
                select(User.display_name, User.role).where(User.id == user_id)
            ).one()
            self._users[user_id] = (str(row.display_name), Role(row.role))
        return self._users[user_id]

    def label(self, course_id: str, user_id: int) -> str:
        """The name a post is signed with: the course's pseudonym for the learner (made on
        first use), their display name where the course shows names, moderators always by
        name."""
        key = (course_id, user_id)
        if key not in self._labels:
            name, role = self.user(user_id)
            course = self.course(course_id)
            if role in MODERATORS:
                self._labels[key] = f"{name} (moderator)"
            elif course is not None and course.forum_names == "names":
                self._labels[key] = name
            else:
                language = None if course is None else course.language
                self._labels[key] = forum_pseudonym(self._session, course_id, user_id, language)
            self._learnt.append(key)
        return self._labels[key]

    def checkpoint(self) -> Callable[[], None]:
        """What forgets every name learnt from now on."""
        mark = len(self._learnt)

        def forget() -> None:
            for key in self._learnt[mark:]:
                self._labels.pop(key, None)
            del self._learnt[mark:]

        return forget


def thread_data(thread: Any, author: str) -> dict[str, Any]:
    return {
        "thread_id": thread.id,
        "course_id": thread.course_id,
        "lesson_id": thread.lesson_id,
        "title": thread.title,
        "body": thread.body,
        "author": author,
        "created_at": iso(thread.created_at),
        "edited_at": iso(thread.edited_at),
        "version": thread.version,
        "pinned": thread.pinned,
        "locked": thread.locked,
        "is_question": thread.is_question,
        "answer_post_id": thread.answer_post_id,
        "replies": int(thread.replies),
    }


def post_data(post: Any, course_id: str, author: str) -> dict[str, Any]:
    return {
        "post_id": post.id,
        "thread_id": post.thread_id,
        "course_id": course_id,
        "body": post.body,
        "author": author,
        "created_at": iso(post.created_at),
        "edited_at": iso(post.edited_at),
        "version": post.version,
    }


def _emit_hidden(
    changes: ChangeBuffer,
    course_id: str,
    entity: str,
    entity_id: str,
    data: dict[str, Any] | None,
    *,
    listed: bool,
) -> None:
    """Keep a hidden item in the moderators' view: ``data`` while it is hidden (and not
    deleted), a delete once it is not but ``listed`` says it may have been there."""
    scope = moderation_scope(course_id)
    if data is not None:
        changes.put(scope, entity, entity_id, data)
    elif listed:
        changes.delete(scope, entity, entity_id)


def emit_reply(
    signatures: Signatures,
    changes: ChangeBuffer,
    post: Any,
    thread: Any,
    *,
    unhidden: bool = False,
) -> None:
    """A reply (a row of forum_posts) for learners (its state, or a tombstone when it or its
    thread is hidden or deleted) and, while it is hidden itself, for moderators."""
    course_id = thread.course_id
    scope = course_scope(course_id)
    live = not (post.hidden or post.deleted or thread.hidden or thread.deleted)
    in_moderation = post.hidden and not (post.deleted or thread.deleted)
    data = None
    if live or in_moderation:
        data = post_data(post, course_id, signatures.label(course_id, post.author_id))
    if live and data is not None:
        changes.put(scope, "forum_post", post.id, data)
    else:
        changes.delete(scope, "forum_post", post.id)
    _emit_hidden(
        changes,
        course_id,
        "forum_hidden_post",
        post.id,
        data if in_moderation else None,
        listed=post.hidden or unhidden,
    )


def emit_thread_row(
    signatures: Signatures, changes: ChangeBuffer, thread: Any, *, unhidden: bool = False
) -> None:
    """A thread (a row of forum_threads, as current) in its course's scope, or a tombstone;
    a hidden thread goes to the moderators' scope, ``unhidden`` says it just left it."""
    scope = course_scope(thread.course_id)
    gone = thread.hidden or thread.deleted
    in_moderation = thread.hidden and not thread.deleted
    data = None
    if not gone or in_moderation:
        data = thread_data(thread, signatures.label(thread.course_id, thread.author_id))
    if not gone and data is not None:
        changes.put(scope, "forum_thread", thread.id, data)
    else:
        changes.delete(scope, "forum_thread", thread.id)
    _emit_hidden(
        changes,
        thread.course_id,
        "forum_hidden_thread",
        thread.id,
        data if in_moderation else None,
        listed=thread.hidden or unhidden,
    )


def emit_thread(
    session: Session,
    changes: ChangeBuffer,
    thread_id: str,
    *,
    with_replies: bool = False,
    unhidden: bool = False,
    signatures: Signatures | None = None,
) -> None:
    """Put the thread's current state (or a tombstone) in its course's scope; with_replies
    also its replies (a hidden or deleted thread takes them out of sight, unhiding brings
    them back)."""
    signatures = signatures or Signatures(session)
    connection = session.connection()
    table, posts = table_of(ForumThread), table_of(ForumPost)
    thread = connection.execute(select(table).where(table.c.id == thread_id)).one()
    if with_replies:
        for post in connection.execute(select(posts).where(posts.c.thread_id == thread_id)):
            emit_reply(signatures, changes, post, thread)
    emit_thread_row(signatures, changes, thread, unhidden=unhidden)


def emit_course(session: Session, changes: ChangeBuffer, course_id: str) -> None:
    """Every thread and reply of a course again, hidden ones for the moderators too (e.g.
    after the course switched names/pseudonyms)."""
    signatures = Signatures(session)
    table = table_of(ForumThread)
    for thread_id in (
        session.connection()
        .execute(select(table.c.id).where(table.c.course_id == course_id))
        .scalars()
    ):
        emit_thread(session, changes, thread_id, with_replies=True, signatures=signatures)


def emit_post(
    session: Session,
    changes: ChangeBuffer,
    post_id: str,
    *,
    unhidden: bool = False,
    signatures: Signatures | None = None,
) -> None:
    """Put the reply's current state (or a tombstone), and its thread's (its reply count)."""
    signatures = signatures or Signatures(session)
    connection = session.connection()
    posts, threads = table_of(ForumPost), table_of(ForumThread)
    post = connection.execute(select(posts).where(posts.c.id == post_id)).one()
    thread = connection.execute(select(threads).where(threads.c.id == post.thread_id)).one()
    emit_reply(signatures, changes, post, thread, unhidden=unhidden)
    emit_thread_row(signatures, changes, thread)

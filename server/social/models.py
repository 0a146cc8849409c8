"""Tables for polls, poll votes and forum threads, scoped to a course or one of its lessons.

Ids are strings so a desktop client can create rows offline with its mutation UUID.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from server.db import Base, UtcDateTime, utc_now


class Poll(Base):
    __tablename__ = "polls"
    # The pull's sweep asks for closed polls whose final results are not published yet.
    __table_args__ = (Index("ix_polls_results_published", "results_published", "closes_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    lesson_id: Mapped[str | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), default=None
    )
    statement: Mapped[str] = mapped_column(Text)
    opens_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    # Final results went to the course scope once the poll closed (before: voters only).
    results_published: Mapped[bool] = mapped_column(default=False)

    options: Mapped[list[PollOption]] = relationship(
        back_populates="poll", order_by="PollOption.position", cascade="all, delete-orphan"
    )


class PollOption(Base):
    __tablename__ = "poll_options"
    __table_args__ = (UniqueConstraint("poll_id", "position"),)

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    poll_id: Mapped[str] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(String(300))

    poll: Mapped[Poll] = relationship(back_populates="options")


class ForumThread(Base):
    __tablename__ = "forum_threads"
    # The hour's rate limit reads an author's recent threads (and the index finds all of theirs).
    __table_args__ = (Index("ix_forum_threads_author_created", "author_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    lesson_id: Mapped[str | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), default=None
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    locked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    pinned: Mapped[bool] = mapped_column(default=False)
    hidden: Mapped[bool] = mapped_column(default=False)  # by a moderator
    deleted: Mapped[bool] = mapped_column(default=False)  # by its author
    is_question: Mapped[bool] = mapped_column(default=False)  # a moderator's discussion question
    answer_post_id: Mapped[str | None] = mapped_column(String(64), default=None)
    version: Mapped[int] = mapped_column(default=1)  # of the opening post; edits carry it
    edited_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    # Its visible replies (neither hidden nor deleted), kept by the forum's writes so that a
    # reply does not count the whole thread.
    replies: Mapped[int] = mapped_column(default=0, server_default="0")

    posts: Mapped[list[ForumPost]] = relationship(
        back_populates="thread", order_by="ForumPost.created_at", cascade="all, delete-orphan"
    )


class ForumPost(Base):
    """A reply in a thread; the thread's own text is its opening post."""

    __tablename__ = "forum_posts"
    # The hour's rate limit reads an author's recent replies (and the index finds all of theirs).
    __table_args__ = (Index("ix_forum_posts_author_created", "author_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Indexed: a thread's replies are read with it (hiding, deleting, renaming a course).
    thread_id: Mapped[str] = mapped_column(
        ForeignKey("forum_threads.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    hidden: Mapped[bool] = mapped_column(default=False)
    deleted: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)
    edited_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)

    thread: Mapped[ForumThread] = relationship(back_populates="posts")


class ForumReport(Base):
    """A learner's report of a post (or a thread's opening post), for the moderators."""

    __tablename__ = "forum_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    target_id: Mapped[str] = mapped_column(String(64))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    __table_args__ = (UniqueConstraint("target_id", "reporter_id"),)


class _Pseudonyms(Base):
    """One stable random name per learner per course; the two kinds below never share one."""

    __abstract__ = True

    course_id: Mapped[str] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(64))

    @declared_attr.directive
    def __table_args__(cls) -> tuple[UniqueConstraint]:  # noqa: N805 - SQLAlchemy's protocol
        return (UniqueConstraint("course_id", "name"),)  # one per table, never shared


class CoursePseudonym(_Pseudonyms):
    """The name a learner goes by in one course's forum (another in each course)."""

    __tablename__ = "course_pseudonyms"


class PeerPseudonym(_Pseudonyms):
    """The name a learner goes by in one course's peer feedback: another than in its forum,
    so peer work cannot be tied to forum posts (nor, where the forum shows names, to a
    name)."""

    __tablename__ = "peer_pseudonyms"


class PollVote(Base):
    """A learner's current vote; tallies are published without user ids."""

    __tablename__ = "poll_votes"

    poll_id: Mapped[str] = mapped_column(
        ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    option_id: Mapped[str] = mapped_column(ForeignKey("poll_options.id", ondelete="CASCADE"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

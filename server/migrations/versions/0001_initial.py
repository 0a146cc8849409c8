"""Initial schema: users, tokens, sync clients, courses, media, podcasts, polls, forum.

Revision ID: 0001
Revises:
Create Date: 2025-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "learner", "moderator", "admin", name="user_role", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "auth_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey(
                "users.id", ondelete="CASCADE", name=op.f("fk_auth_tokens_user_id_users")
            ),
            nullable=False,
        ),
        sa.Column("client_id", sa.String(36), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_auth_tokens_token_sha256")),
    )
    op.create_index(op.f("ix_auth_tokens_user_id"), "auth_tokens", ["user_id"])
    op.create_table(
        "sync_client",
        sa.Column("client_id", sa.String(36), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey(
                "users.id", ondelete="CASCADE", name=op.f("fk_sync_client_user_id_users")
            ),
            nullable=False,
        ),
        sa.Column("last_seq", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index(op.f("ix_sync_client_user_id"), "sync_client", ["user_id"])

    op.create_table(
        "courses",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
    )
    op.create_table(
        "lessons",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column(
            "course_id",
            sa.String(64),
            sa.ForeignKey(
                "courses.id", ondelete="CASCADE", name=op.f("fk_lessons_course_id_courses")
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.UniqueConstraint("course_id", "position", name=op.f("uq_lessons_course_id")),
    )
    op.create_table(
        "exercises",
        sa.Column("id", sa.String(120), primary_key=True),
        sa.Column(
            "lesson_id",
            sa.String(100),
            sa.ForeignKey(
                "lessons.id", ondelete="CASCADE", name=op.f("fk_exercises_lesson_id_lessons")
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "open",
                "multiple_choice",
                "reflection",
                name="exercise_kind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("peer_review", sa.Boolean(), nullable=False),
        sa.Column("supporter_allowed", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "media_files",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "course_id",
            sa.String(64),
            sa.ForeignKey(
                "courses.id", ondelete="CASCADE", name=op.f("fk_media_files_course_id_courses")
            ),
            nullable=False,
        ),
        sa.Column("path", sa.String(255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.UniqueConstraint("course_id", "path", name=op.f("uq_media_files_course_id")),
    )
    op.create_table(
        "lesson_media",
        sa.Column(
            "lesson_id",
            sa.String(100),
            sa.ForeignKey(
                "lessons.id", ondelete="CASCADE", name=op.f("fk_lesson_media_lesson_id_lessons")
            ),
            primary_key=True,
        ),
        sa.Column(
            "media_file_id",
            sa.Integer(),
            sa.ForeignKey(
                "media_files.id",
                ondelete="CASCADE",
                name=op.f("fk_lesson_media_media_file_id_media_files"),
            ),
            primary_key=True,
        ),
    )

    op.create_table(
        "podcast_feeds",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
    )
    op.create_table(
        "podcast_episodes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "feed_id",
            sa.String(64),
            sa.ForeignKey(
                "podcast_feeds.id",
                ondelete="CASCADE",
                name=op.f("fk_podcast_episodes_feed_id_podcast_feeds"),
            ),
            nullable=False,
        ),
        sa.Column("guid", sa.String(200), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("file", sa.String(200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("published_at", TS, nullable=False),
        sa.UniqueConstraint("guid", name=op.f("uq_podcast_episodes_guid")),
        sa.UniqueConstraint("feed_id", "file", name=op.f("uq_podcast_episodes_feed_id")),
    )

    op.create_table(
        "polls",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "course_id",
            sa.String(64),
            sa.ForeignKey(
                "courses.id", ondelete="CASCADE", name=op.f("fk_polls_course_id_courses")
            ),
            nullable=False,
        ),
        sa.Column(
            "lesson_id",
            sa.String(100),
            sa.ForeignKey(
                "lessons.id", ondelete="CASCADE", name=op.f("fk_polls_lesson_id_lessons")
            ),
            nullable=True,
        ),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("opens_at", TS, nullable=False),
        sa.Column("closes_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "poll_options",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column(
            "poll_id",
            sa.String(64),
            sa.ForeignKey(
                "polls.id", ondelete="CASCADE", name=op.f("fk_poll_options_poll_id_polls")
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(300), nullable=False),
        sa.UniqueConstraint("poll_id", "position", name=op.f("uq_poll_options_poll_id")),
    )
    op.create_table(
        "forum_threads",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "course_id",
            sa.String(64),
            sa.ForeignKey(
                "courses.id", ondelete="CASCADE", name=op.f("fk_forum_threads_course_id_courses")
            ),
            nullable=False,
        ),
        sa.Column(
            "lesson_id",
            sa.String(100),
            sa.ForeignKey(
                "lessons.id", ondelete="CASCADE", name=op.f("fk_forum_threads_lesson_id_lessons")
            ),
            nullable=True,
        ),
        sa.Column(
            "author_id",
            sa.Integer(),
            sa.ForeignKey("users.id", name=op.f("fk_forum_threads_author_id_users")),
            nullable=False,
        ),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "forum_posts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "thread_id",
            sa.String(64),
            sa.ForeignKey(
                "forum_threads.id",
                ondelete="CASCADE",
                name=op.f("fk_forum_posts_thread_id_forum_threads"),
            ),
            nullable=False,
        ),
        sa.Column(
            "author_id",
            sa.Integer(),
            sa.ForeignKey("users.id", name=op.f("fk_forum_posts_author_id_users")),
            nullable=False,
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "forum_posts",
        "forum_threads",
        "poll_options",
        "polls",
        "podcast_episodes",
        "podcast_feeds",
        "lesson_media",
        "media_files",
        "exercises",
        "lessons",
        "courses",
        "sync_client",
        "auth_tokens",
        "users",
    ):
        op.drop_table(table)

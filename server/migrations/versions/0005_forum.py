"""Forum moderation and editing: pins, hiding, deletion, questions and answers, versions for
edits, reports, per-course pseudonyms and the course's naming setting.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
FALSE = sa.false()


def upgrade() -> None:
    with op.batch_alter_table("courses") as batch:
        batch.add_column(
            sa.Column("forum_names", sa.String(12), nullable=False, server_default="pseudonyms")
        )
    with op.batch_alter_table("forum_threads") as batch:
        for name in ("pinned", "hidden", "deleted", "is_question"):
            batch.add_column(sa.Column(name, sa.Boolean(), nullable=False, server_default=FALSE))
        batch.add_column(sa.Column("answer_post_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("edited_at", TS, nullable=True))
    with op.batch_alter_table("forum_posts") as batch:
        for name in ("hidden", "deleted"):
            batch.add_column(sa.Column(name, sa.Boolean(), nullable=False, server_default=FALSE))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("edited_at", TS, nullable=True))
    op.create_table(
        "forum_reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "course_id",
            sa.String(64),
            sa.ForeignKey(
                "courses.id", ondelete="CASCADE", name=op.f("fk_forum_reports_course_id_courses")
            ),
            nullable=False,
        ),
        sa.Column("target_id", sa.String(64), nullable=False),
        sa.Column(
            "reporter_id",
            sa.Integer(),
            sa.ForeignKey(
                "users.id", ondelete="CASCADE", name=op.f("fk_forum_reports_reporter_id_users")
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("target_id", "reporter_id", name=op.f("uq_forum_reports_target_id")),
    )
    op.create_table(
        "course_pseudonyms",
        sa.Column(
            "course_id",
            sa.String(64),
            sa.ForeignKey(
                "courses.id",
                ondelete="CASCADE",
                name=op.f("fk_course_pseudonyms_course_id_courses"),
            ),
            primary_key=True,
        ),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey(
                "users.id", ondelete="CASCADE", name=op.f("fk_course_pseudonyms_user_id_users")
            ),
            primary_key=True,
        ),
        sa.Column("name", sa.String(64), nullable=False),
        sa.UniqueConstraint("course_id", "name", name=op.f("uq_course_pseudonyms_course_id")),
    )


def downgrade() -> None:
    op.drop_table("course_pseudonyms")
    op.drop_table("forum_reports")
    with op.batch_alter_table("forum_posts") as batch:
        for name in ("edited_at", "version", "deleted", "hidden"):
            batch.drop_column(name)
    with op.batch_alter_table("forum_threads") as batch:
        for name in ("edited_at", "version", "answer_post_id", "is_question", "deleted",
                     "hidden", "pinned"):  # fmt: skip
            batch.drop_column(name)
    with op.batch_alter_table("courses") as batch:
        batch.drop_column("forum_names")

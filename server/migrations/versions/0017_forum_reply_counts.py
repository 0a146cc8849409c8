"""Forum reply counts and rate-limit indexes (issue 17): a thread keeps the number of its
visible replies (backfilled here) so a reply no longer counts the whole thread, and the hour's
rate limit reads an author's recent posts through (author_id, created_at), which also serves
what the author_id indexes of 0016 did.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AUTHOR_INDEXES = (
    ("ix_forum_posts_author_id", "ix_forum_posts_author_created", "forum_posts"),
    ("ix_forum_threads_author_id", "ix_forum_threads_author_created", "forum_threads"),
)


def upgrade() -> None:
    with op.batch_alter_table("forum_threads") as batch:
        batch.add_column(sa.Column("replies", sa.Integer(), nullable=False, server_default="0"))
    threads = sa.table("forum_threads", sa.column("id"), sa.column("replies"))
    posts = sa.table(
        "forum_posts",
        sa.column("thread_id"),
        sa.column("hidden", sa.Boolean()),
        sa.column("deleted", sa.Boolean()),
    )
    visible = (
        sa.select(sa.func.count())
        .where(
            posts.c.thread_id == threads.c.id,
            posts.c.hidden.is_(False),
            posts.c.deleted.is_(False),
        )
        .scalar_subquery()
    )
    op.execute(threads.update().values(replies=visible))
    for single, composite, table in _AUTHOR_INDEXES:
        op.create_index(composite, table, ["author_id", "created_at"])
        op.drop_index(single, table_name=table)


def downgrade() -> None:
    for single, composite, table in _AUTHOR_INDEXES:
        op.create_index(single, table, ["author_id"])
        op.drop_index(composite, table_name=table)
    with op.batch_alter_table("forum_threads") as batch:
        batch.drop_column("replies")

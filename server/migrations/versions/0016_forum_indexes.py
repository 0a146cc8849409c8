"""Forum indexes (issue 17): a reply reads its thread's posts and the rate limits count an
author's posts and threads; without these, each write scanned the whole forum.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ("ix_forum_posts_thread_id", "forum_posts", "thread_id"),
    ("ix_forum_posts_author_id", "forum_posts", "author_id"),
    ("ix_forum_threads_author_id", "forum_threads", "author_id"),
)


def upgrade() -> None:
    for name, table, column in _INDEXES:
        op.create_index(name, table, [column])


def downgrade() -> None:
    for name, table, _column in _INDEXES:
        op.drop_index(name, table_name=table)

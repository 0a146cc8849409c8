"""Courses get an optional cover image (the media path of one of their files); podcast feeds
an optional artwork file and episodes their chapters (Podcasting 2.0 JSON chapters).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("courses") as batch:
        batch.add_column(sa.Column("cover", sa.String(255), nullable=True))
    with op.batch_alter_table("podcast_feeds") as batch:
        batch.add_column(sa.Column("artwork", sa.String(200), nullable=True))
    with op.batch_alter_table("podcast_episodes") as batch:
        batch.add_column(sa.Column("chapters", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("podcast_episodes") as batch:
        batch.drop_column("chapters")
    with op.batch_alter_table("podcast_feeds") as batch:
        batch.drop_column("artwork")
    with op.batch_alter_table("courses") as batch:
        batch.drop_column("cover")

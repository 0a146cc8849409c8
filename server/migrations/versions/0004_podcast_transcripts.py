"""Podcast episodes carry a plain-text transcript (published as podcast:transcript).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("podcast_episodes") as batch:
        batch.add_column(sa.Column("transcript", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("podcast_episodes") as batch:
        batch.drop_column("transcript")

"""Content language (issue 16): every lesson and podcast episode carries its own language,
filled from its course's or feed's for rows made before.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
# Written beside 0014 (supporter languages and rejection params, branch i18n-server); merged,
# it follows it.
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lessons") as batch:
        batch.add_column(sa.Column("language", sa.String(2), nullable=True))
    with op.batch_alter_table("podcast_episodes") as batch:
        batch.add_column(sa.Column("language", sa.String(2), nullable=True))
    op.execute(
        "UPDATE lessons SET language = "
        "(SELECT courses.language FROM courses WHERE courses.id = lessons.course_id)"
    )
    op.execute(
        "UPDATE podcast_episodes SET language = (SELECT podcast_feeds.language "
        "FROM podcast_feeds WHERE podcast_feeds.id = podcast_episodes.feed_id)"
    )
    with op.batch_alter_table("lessons") as batch:
        batch.alter_column("language", existing_type=sa.String(2), nullable=False)
    with op.batch_alter_table("podcast_episodes") as batch:
        batch.alter_column("language", existing_type=sa.String(2), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("podcast_episodes") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("lessons") as batch:
        batch.drop_column("language")

"""Peer feedback gets pseudonyms of its own, so peer work cannot be tied to forum posts.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "peer_pseudonyms",
        sa.Column(
            "course_id",
            sa.String(64),
            sa.ForeignKey(
                "courses.id", ondelete="CASCADE", name=op.f("fk_peer_pseudonyms_course_id_courses")
            ),
            primary_key=True,
        ),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey(
                "users.id", ondelete="CASCADE", name=op.f("fk_peer_pseudonyms_user_id_users")
            ),
            primary_key=True,
        ),
        sa.Column("name", sa.String(64), nullable=False),
        sa.UniqueConstraint("course_id", "name", name=op.f("uq_peer_pseudonyms_course_id")),
    )


def downgrade() -> None:
    op.drop_table("peer_pseudonyms")

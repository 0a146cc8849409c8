"""Closed courses and enrolments: who takes part in a course's forum and polls.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("courses") as batch:
        batch.add_column(
            sa.Column("enrolment", sa.String(8), nullable=False, server_default="open")
        )
    op.create_table(
        "enrolments",
        sa.Column(
            "course_id",
            sa.String(64),
            sa.ForeignKey(
                "courses.id", ondelete="CASCADE", name=op.f("fk_enrolments_course_id_courses")
            ),
            primary_key=True,
        ),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE", name=op.f("fk_enrolments_user_id_users")),
            primary_key=True,
        ),
    )


def downgrade() -> None:
    op.drop_table("enrolments")
    with op.batch_alter_table("courses") as batch:
        batch.drop_column("enrolment")

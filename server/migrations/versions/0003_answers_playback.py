"""Exercise answers and playback positions (exercise.answer, playback.position).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def _user_column(table: str) -> sa.Column[int]:
    return sa.Column(
        "user_id",
        sa.Integer(),
        sa.ForeignKey("users.id", ondelete="CASCADE", name=op.f(f"fk_{table}_user_id_users")),
        primary_key=True,
    )


def upgrade() -> None:
    op.create_table(
        "answers",
        _user_column("answers"),
        sa.Column(
            "exercise_id",
            sa.String(120),
            sa.ForeignKey(
                "exercises.id", ondelete="CASCADE", name=op.f("fk_answers_exercise_id_exercises")
            ),
            primary_key=True,
        ),
        sa.Column(
            "lesson_id",
            sa.String(100),
            sa.ForeignKey(
                "lessons.id", ondelete="CASCADE", name=op.f("fk_answers_lesson_id_lessons")
            ),
            nullable=False,
        ),
        sa.Column("option_id", sa.String(64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("answered_at", TS, nullable=False),
    )
    op.create_table(
        "playback",
        _user_column("playback"),
        sa.Column("media_key", sa.String(300), primary_key=True),
        sa.Column("position_ms", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("played", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("playback")
    op.drop_table("answers")

"""Peer feedback: guiding questions on exercises, submissions and reviewer assignments.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKey:
    referred = target.split(".")[0]
    return sa.ForeignKey(target, ondelete=ondelete, name=op.f(f"fk_{table}_{column}_{referred}"))


def upgrade() -> None:
    with op.batch_alter_table("exercises") as batch:
        # Existing exercises have no questions of their own: the default ones apply.
        batch.add_column(
            sa.Column("peer_questions", sa.JSON(), nullable=False, server_default="[]")
        )
    op.create_table(
        "peer_submissions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column(
            "user_id", sa.Integer(), _fk("peer_submissions", "user_id", "users.id"), nullable=False
        ),
        sa.Column(
            "course_id",
            sa.String(64),
            _fk("peer_submissions", "course_id", "courses.id"),
            nullable=False,
        ),
        sa.Column(
            "exercise_id",
            sa.String(120),
            _fk("peer_submissions", "exercise_id", "exercises.id"),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "upload_id",
            sa.String(36),
            _fk("peer_submissions", "upload_id", "uploads.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("submitted_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_submissions")),
        sa.UniqueConstraint("user_id", "exercise_id", name=op.f("uq_peer_submissions_user_id")),
    )
    op.create_index(
        "ix_peer_submissions_exercise_created", "peer_submissions", ["exercise_id", "created_at"]
    )
    op.create_table(
        "peer_assignments",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column(
            "submission_id",
            sa.String(36),
            _fk("peer_assignments", "submission_id", "peer_submissions.id"),
            nullable=False,
        ),
        sa.Column(
            "reviewer_id",
            sa.Integer(),
            _fk("peer_assignments", "reviewer_id", "users.id"),
            nullable=False,
        ),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("assigned_at", TS, nullable=False),
        sa.Column("answers", sa.JSON(), nullable=True),
        sa.Column("given_at", TS, nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=True),
        sa.Column("rated_at", TS, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_assignments")),
        sa.UniqueConstraint(
            "submission_id",
            "reviewer_id",
            name=op.f("uq_peer_assignments_submission_id"),
        ),
    )
    op.create_index(op.f("ix_peer_assignments_reviewer_id"), "peer_assignments", ["reviewer_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_peer_assignments_reviewer_id"), table_name="peer_assignments")
    op.drop_table("peer_assignments")
    op.drop_index("ix_peer_submissions_exercise_created", table_name="peer_submissions")
    op.drop_table("peer_submissions")
    with op.batch_alter_table("exercises") as batch:
        batch.drop_column("peer_questions")

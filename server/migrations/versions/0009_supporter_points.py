"""The supporter tool (requests with their answers, e-mails to send) and the points ledger;
lessons completed before this earn their points once.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from server.db import UtcDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)

ledger = sa.table(
    "points_ledger",
    sa.column("user_id", sa.Integer()),
    sa.column("course_id", sa.String()),
    sa.column("amount", sa.Integer()),
)
change_log = sa.table(
    "change_log",
    sa.column("id", sa.Integer()),
    sa.column("scope", sa.String()),
    sa.column("entity", sa.String()),
    sa.column("entity_id", sa.String()),
    sa.column("op", sa.String()),
    sa.column("version", sa.Integer()),
    sa.column("data", sa.JSON()),
    sa.column("created_at", UtcDateTime()),
)
change_counter = sa.table(
    "change_counter", sa.column("id", sa.Integer()), sa.column("value", sa.Integer())
)


def _fk(table: str, column: str, target: str) -> sa.ForeignKey:
    referred = target.split(".")[0]
    return sa.ForeignKey(target, ondelete="CASCADE", name=op.f(f"fk_{table}_{column}_{referred}"))


def upgrade() -> None:
    op.create_table(
        "points_ledger",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id", sa.Integer(), _fk("points_ledger", "user_id", "users.id"), nullable=False
        ),
        sa.Column(
            "course_id",
            sa.String(64),
            _fk("points_ledger", "course_id", "courses.id"),
            nullable=False,
        ),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("source", name=op.f("uq_points_ledger_source")),
    )
    op.create_index(
        "ix_points_ledger_user_reason_time",
        "points_ledger",
        ["user_id", "reason", "occurred_at"],
    )
    op.create_table(
        "supporter_requests",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            _fk("supporter_requests", "user_id", "users.id"),
            nullable=False,
        ),
        sa.Column(
            "course_id",
            sa.String(64),
            _fk("supporter_requests", "course_id", "courses.id"),
            nullable=False,
        ),
        sa.Column(
            "exercise_id",
            sa.String(120),
            _fk("supporter_requests", "exercise_id", "exercises.id"),
            nullable=False,
        ),
        sa.Column("supporter_name", sa.String(100), nullable=False),
        sa.Column("supporter_email", sa.String(254), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("asked_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("mail_state", sa.String(16), nullable=False),
        sa.Column("mail_error", sa.Text(), nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("answered_at", TS, nullable=True),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("token_hash", name=op.f("uq_supporter_requests_token_hash")),
    )
    op.create_index(
        "ix_supporter_requests_user_asked", "supporter_requests", ["user_id", "asked_at"]
    )
    op.create_index(
        "ix_supporter_requests_email_created",
        "supporter_requests",
        ["supporter_email", "created_at"],
    )
    op.create_table(
        "outgoing_mail",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "request_id",
            sa.String(36),
            _fk("outgoing_mail", "request_id", "supporter_requests.id"),
            nullable=False,
        ),
        sa.Column("to_name", sa.String(100), nullable=False),
        sa.Column("to_address", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("failed", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    op.create_index(
        "ix_outgoing_mail_due", "outgoing_mail", ["sent_at", "failed", "next_attempt_at"]
    )
    # Lessons completed before the ledger existed earn their points once, at completion time.
    op.execute(
        """INSERT INTO points_ledger
               (user_id, course_id, reason, source, amount, occurred_at, created_at)
           SELECT user_id, course_id, 'lesson_completed',
                  'lesson:' || CAST(user_id AS VARCHAR(20)) || ':' || lesson_id,
                  10, updated_at, updated_at
           FROM progress WHERE completed"""
    )
    _publish_credited_points()


def _publish_credited_points() -> None:
    """The learners credited above see their points at their next pull, not only after
    their next award: one `points` change per (learner, course), as the ledger writes it."""
    bind = op.get_bind()
    totals = bind.execute(
        sa.select(ledger.c.user_id, ledger.c.course_id, sa.func.sum(ledger.c.amount))
        .group_by(ledger.c.user_id, ledger.c.course_id)
        .order_by(ledger.c.user_id, ledger.c.course_id)
    ).all()
    if not totals:
        return
    top = bind.execute(sa.select(change_counter.c.value).where(change_counter.c.id == 1)).scalar()
    first = int(top or 0) + 1
    now = datetime.now(UTC)
    rows = [
        {
            "id": first + number,
            "scope": f"user:{user_id}",
            "entity": "points",
            "entity_id": course_id,
            "op": "put",
            "version": 1,
            "data": {
                "course_id": course_id,
                "total": int(total),
                "by_reason": {"lesson_completed": int(total)},
                "recent": [],
            },
            "created_at": now,
        }
        for number, (user_id, course_id, total) in enumerate(totals)
    ]
    op.bulk_insert(change_log, rows)
    bind.execute(
        sa.update(change_counter)
        .where(change_counter.c.id == 1)
        .values(value=first + len(rows) - 1)
    )


def downgrade() -> None:
    op.drop_table("outgoing_mail")
    op.drop_table("supporter_requests")
    op.drop_table("points_ledger")

"""Sync: progress, poll votes, mutation log, change log and its counter; initial poll changes.

Existing polls get their first changes (``poll`` and empty ``poll_results`` in scope
course:<id>) so a first pull returns them.

Revision ID: 0002
Revises: 0001
Create Date: 2025-12-01
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from server.db import UtcDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def upgrade() -> None:
    op.create_table(
        "progress",
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE", name=op.f("fk_progress_user_id_users")),
            primary_key=True,
        ),
        sa.Column(
            "lesson_id",
            sa.String(100),
            sa.ForeignKey(
                "lessons.id", ondelete="CASCADE", name=op.f("fk_progress_lesson_id_lessons")
            ),
            primary_key=True,
        ),
        sa.Column(
            "course_id",
            sa.String(64),
            sa.ForeignKey(
                "courses.id", ondelete="CASCADE", name=op.f("fk_progress_course_id_courses")
            ),
            nullable=False,
        ),
        sa.Column("position_ms", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "poll_votes",
        sa.Column(
            "poll_id",
            sa.String(64),
            sa.ForeignKey("polls.id", ondelete="CASCADE", name=op.f("fk_poll_votes_poll_id_polls")),
            primary_key=True,
        ),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE", name=op.f("fk_poll_votes_user_id_users")),
            primary_key=True,
        ),
        sa.Column(
            "option_id",
            sa.String(80),
            sa.ForeignKey(
                "poll_options.id",
                ondelete="CASCADE",
                name=op.f("fk_poll_votes_option_id_poll_options"),
            ),
            nullable=False,
        ),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "mutation_log",
        sa.Column(
            "client_id",
            sa.String(36),
            sa.ForeignKey(
                "sync_client.client_id",
                ondelete="CASCADE",
                name=op.f("fk_mutation_log_client_id_sync_client"),
            ),
            primary_key=True,
        ),
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("mutation_id", sa.String(36), nullable=True),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("code", sa.String(64), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("mutation_id", name=op.f("uq_mutation_log_mutation_id")),
    )
    change_log = op.create_table(
        "change_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("scope", sa.String(120), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(120), nullable=False),
        sa.Column("op", sa.String(8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index(
        "ix_change_log_entity", "change_log", ["scope", "entity", "entity_id", "version"]
    )
    change_counter = op.create_table(
        "change_counter",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("value", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("floor", sa.Integer(), nullable=False, server_default="0"),
    )
    rows = _initial_poll_changes()
    now = datetime.now(UTC)
    for number, row in enumerate(rows, start=1):
        row.update(id=number, op="put", version=1, created_at=now)
    if rows:
        op.bulk_insert(change_log, rows)
    op.bulk_insert(change_counter, [{"id": 1, "value": len(rows), "floor": 0}])


def _initial_poll_changes() -> list[dict[str, Any]]:
    """A ``poll`` and an empty ``poll_results`` change per existing poll."""
    polls = sa.table(
        "polls",
        sa.column("id", sa.String()),
        sa.column("course_id", sa.String()),
        sa.column("lesson_id", sa.String()),
        sa.column("statement", sa.Text()),
        sa.column("opens_at", UtcDateTime()),
        sa.column("closes_at", UtcDateTime()),
    )
    options = sa.table(
        "poll_options",
        sa.column("id", sa.String()),
        sa.column("poll_id", sa.String()),
        sa.column("position", sa.Integer()),
        sa.column("text", sa.String()),
    )
    bind = op.get_bind()
    by_poll: dict[str, list[dict[str, str]]] = {}
    for option in bind.execute(sa.select(options).order_by(options.c.poll_id, options.c.position)):
        by_poll.setdefault(option.poll_id, []).append({"id": option.id, "text": option.text})
    rows: list[dict[str, Any]] = []
    for poll in bind.execute(sa.select(polls).order_by(polls.c.id)):
        scope = f"course:{poll.course_id}"
        poll_options = by_poll.get(poll.id, [])
        data = {
            "poll_id": poll.id,
            "course_id": poll.course_id,
            "lesson_id": poll.lesson_id,
            "statement": poll.statement,
            "options": poll_options,
            "opens_at": _iso(poll.opens_at),
            "closes_at": _iso(poll.closes_at),
        }
        results = {
            "poll_id": poll.id,
            "counts": {option["id"]: 0 for option in poll_options},
            "total": 0,
        }
        rows.append({"scope": scope, "entity": "poll", "entity_id": poll.id, "data": data})
        rows.append(
            {"scope": scope, "entity": "poll_results", "entity_id": poll.id, "data": results}
        )
    return rows


def downgrade() -> None:
    for table in ("change_counter", "change_log", "mutation_log", "poll_votes", "progress"):
        op.drop_table(table)

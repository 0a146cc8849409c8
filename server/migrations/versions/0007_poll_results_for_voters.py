"""Poll results for voters only until the poll closes; final results for everyone afterwards.

Adds ``polls.results_published`` (indexed with ``closes_at`` for the pull's sweep, which then
publishes the final results of every poll that has closed). Running results used to go to the
course scope, where every participant pulled them before voting: those ``poll_results`` rows
are replaced by one tombstone each, which also clears them from devices that pulled them and
keeps the entity's versions rising (clients ignore a put older than what they hold, and the
final results later get the next version). Every poll that has votes gets its current results
in ``poll:<id>``, so its voters see them on a fresh device too.

The downgrade drops the column; the change log stays as it is.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from server.db import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FALSE = sa.false()

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
poll_options = sa.table(
    "poll_options",
    sa.column("id", sa.String()),
    sa.column("poll_id", sa.String()),
    sa.column("position", sa.Integer()),
)
poll_votes = sa.table(
    "poll_votes", sa.column("poll_id", sa.String()), sa.column("option_id", sa.String())
)


def upgrade() -> None:
    # Plain ALTER TABLE, no batch: SQLite's batch mode would copy and drop `polls`, and with
    # foreign keys on, dropping it cascades to every option and vote.
    op.add_column(
        "polls", sa.Column("results_published", sa.Boolean(), nullable=False, server_default=FALSE)
    )
    op.create_index("ix_polls_results_published", "polls", ["results_published", "closes_at"])
    rows = _tombstones_for_leaked_results() + _results_for_voters()
    if not rows:
        return
    bind = op.get_bind()
    top = bind.execute(sa.select(change_counter.c.value).where(change_counter.c.id == 1)).scalar()
    first = int(top or 0) + 1
    now = datetime.now(UTC)
    for number, row in enumerate(rows, start=first):
        row.update(id=number, created_at=now)
    op.bulk_insert(change_log, rows)
    bind.execute(
        sa.update(change_counter)
        .where(change_counter.c.id == 1)
        .values(value=first + len(rows) - 1)
    )


def _tombstones_for_leaked_results() -> list[dict[str, Any]]:
    """Delete the course-scope poll_results rows; one tombstone per entity in their place."""
    bind = op.get_bind()
    leaked = sa.and_(change_log.c.entity == "poll_results", change_log.c.scope.like("course:%"))
    newest = bind.execute(
        sa.select(change_log.c.scope, change_log.c.entity_id, sa.func.max(change_log.c.version))
        .where(leaked)
        .group_by(change_log.c.scope, change_log.c.entity_id)
        .order_by(change_log.c.scope, change_log.c.entity_id)
    ).all()
    bind.execute(sa.delete(change_log).where(leaked))
    return [
        {
            "scope": scope,
            "entity": "poll_results",
            "entity_id": poll_id,
            "op": "delete",
            "version": int(version) + 1,
            "data": None,
        }
        for scope, poll_id, version in newest
    ]


def _results_for_voters() -> list[dict[str, Any]]:
    """The current results of every poll with votes, in the scope its voters pull."""
    bind = op.get_bind()
    counted: dict[str, dict[str, int]] = {}
    for poll_id, option_id, count in bind.execute(
        sa.select(poll_votes.c.poll_id, poll_votes.c.option_id, sa.func.count())
        .group_by(poll_votes.c.poll_id, poll_votes.c.option_id)
        .order_by(poll_votes.c.poll_id, poll_votes.c.option_id)
    ):
        counted.setdefault(poll_id, {})[option_id] = int(count)
    options: dict[str, list[str]] = {}
    for option in bind.execute(
        sa.select(poll_options).order_by(poll_options.c.poll_id, poll_options.c.position)
    ):
        options.setdefault(option.poll_id, []).append(option.id)
    # Versions already there only after a downgrade and a second upgrade.
    versions = dict(
        bind.execute(
            sa.select(change_log.c.entity_id, sa.func.max(change_log.c.version))
            .where(change_log.c.entity == "poll_results", change_log.c.scope.like("poll:%"))
            .group_by(change_log.c.entity_id)
        ).all()
    )
    rows: list[dict[str, Any]] = []
    for poll_id, votes in counted.items():
        counts = {option_id: votes.get(option_id, 0) for option_id in options.get(poll_id, [])}
        data = {"poll_id": poll_id, "counts": counts, "total": sum(counts.values())}
        rows.append(
            {
                "scope": f"poll:{poll_id}",
                "entity": "poll_results",
                "entity_id": poll_id,
                "op": "put",
                "version": int(versions.get(poll_id) or 0) + 1,
                "data": data,
            }
        )
    return rows


def downgrade() -> None:
    op.drop_index("ix_polls_results_published", table_name="polls")
    op.drop_column("polls", "results_published")  # ALTER TABLE (SQLite >= 3.35), no copy

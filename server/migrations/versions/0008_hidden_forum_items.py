"""Hidden forum items for the moderators: threads and replies hidden before this version get
their ``forum_hidden_thread`` / ``forum_hidden_post`` in ``moderation:<course id>``, so
moderators can find them to unhide.

The data is the entity's last ``put`` in the course scope (the state learners saw just before
it was hidden, the same shape); an item that never had one is left out. Later hides are
written by the forum code itself. Data only: the downgrade leaves the change log as it is.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from server.db import UtcDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

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
threads = sa.table(
    "forum_threads",
    sa.column("id", sa.String()),
    sa.column("course_id", sa.String()),
    sa.column("hidden", sa.Boolean()),
    sa.column("deleted", sa.Boolean()),
)
posts = sa.table(
    "forum_posts",
    sa.column("id", sa.String()),
    sa.column("thread_id", sa.String()),
    sa.column("hidden", sa.Boolean()),
    sa.column("deleted", sa.Boolean()),
)


def upgrade() -> None:
    bind = op.get_bind()
    hidden_threads = bind.execute(
        sa.select(threads.c.id, threads.c.course_id)
        .where(threads.c.hidden.is_(True), threads.c.deleted.is_(False))
        .order_by(threads.c.id)
    ).all()
    hidden_posts = bind.execute(
        sa.select(posts.c.id, threads.c.course_id)
        .join(threads, threads.c.id == posts.c.thread_id)
        .where(posts.c.hidden.is_(True), posts.c.deleted.is_(False), threads.c.deleted.is_(False))
        .order_by(posts.c.id)
    ).all()
    rows = [
        row
        for items, seen, hidden in (
            (hidden_threads, "forum_thread", "forum_hidden_thread"),
            (hidden_posts, "forum_post", "forum_hidden_post"),
        )
        for item_id, course_id in items
        if (row := _hidden_row(bind, course_id, seen, hidden, item_id)) is not None
    ]
    if not rows:
        return
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


def _hidden_row(
    bind: sa.Connection, course_id: str, seen: str, hidden: str, item_id: str
) -> dict[str, Any] | None:
    """The moderation-scope row for one hidden item, from its last put for learners."""
    scope = f"moderation:{course_id}"
    listed = bind.execute(
        sa.select(sa.func.count()).where(
            change_log.c.scope == scope,
            change_log.c.entity == hidden,
            change_log.c.entity_id == item_id,
        )
    ).scalar_one()
    if listed:
        return None  # written by the forum code already (an upgrade after a downgrade)
    data = bind.execute(
        sa.select(change_log.c.data)
        .where(
            change_log.c.scope == f"course:{course_id}",
            change_log.c.entity == seen,
            change_log.c.entity_id == item_id,
            change_log.c.op == "put",
        )
        .order_by(change_log.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if data is None:
        return None
    return {
        "scope": scope,
        "entity": hidden,
        "entity_id": item_id,
        "op": "put",
        "version": 1,
        "data": data,
    }


def downgrade() -> None:
    pass

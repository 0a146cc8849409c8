"""Awarding points inside a push (worker thread) and publishing each course's total.

Each reason has its points and, for things a learner could repeat for points alone, a cap per
day of the event's own time. An event over the cap is still written, with 0 points, so its
source is spent and the outcome does not depend on the order in which a backlog arrives.
After the batch, the learner's `points` entity (user scope, id = course id) is rewritten once
per course that changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from server.db import table_of
from server.points.models import PointsEntry
from server.sync.changes import ChangeBuffer, iso, user_scope
from server.sync.mutations import MutationContext

RECENT = 10  # entries listed with the total


@dataclass(frozen=True)
class Rule:
    points: int
    daily_cap: int | None  # events per day that earn points; None: every one
    label: str


RULES: dict[str, Rule] = {
    "lesson_completed": Rule(10, None, "Lesson completed"),
    "supporter_asked": Rule(5, 3, "Asked a supporter for feedback"),
    "peer_feedback_given": Rule(10, 5, "Gave feedback to a peer"),
    "feedback_helpful": Rule(5, None, "Your feedback helped a peer"),
}


@cache
def _insert(dialect: str) -> ReturningInsert[tuple[int]]:
    table = table_of(PointsEntry)
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return insert.on_conflict_do_nothing(index_elements=[table.c.source]).returning(table.c.id)


def award(
    ctx: MutationContext,
    *,
    user_id: int,
    course_id: str,
    reason: str,
    source: str,
    occurred_at: datetime,
) -> int:
    """Write the event once; returns the points it earned now (0 if capped or seen before)."""
    rule = RULES[reason]
    table = table_of(PointsEntry)
    connection = ctx.connection
    # No row lock on the earner: a batch can award two learners (a rating pays the reviewer,
    # a lesson pays the rater), and locks taken in both orders would deadlock on PostgreSQL.
    # The cost: two devices of one learner racing at a cap may pass it by one event there.
    amount = rule.points
    if rule.daily_cap is not None:
        day = occurred_at.replace(hour=0, minute=0, second=0, microsecond=0)
        earned = connection.execute(
            select(func.count()).where(
                table.c.user_id == user_id,
                table.c.reason == reason,
                table.c.amount > 0,
                table.c.occurred_at >= day,
                table.c.occurred_at < day + timedelta(days=1),
            )
        ).scalar_one()
        if earned >= rule.daily_cap:
            amount = 0
    inserted = connection.execute(
        _insert(connection.dialect.name),
        {
            "user_id": user_id,
            "course_id": course_id,
            "reason": reason,
            "source": source,
            "amount": amount,
            "occurred_at": occurred_at,
            "created_at": ctx.now,
        },
    ).one_or_none()
    if inserted is None:
        return 0
    ctx.defer(
        ("points", f"{user_id}:{course_id}"),
        lambda batch: emit_points(batch.session, batch.changes, user_id, course_id),
    )
    return amount


def points_data(session: Session, user_id: int, course_id: str) -> dict[str, Any]:
    """The `points` entity: the course total, per reason, and the latest entries."""
    table = table_of(PointsEntry)
    connection = session.connection()
    mine = (table.c.user_id == user_id) & (table.c.course_id == course_id)
    by_reason = {
        str(reason): int(total)
        for reason, total in connection.execute(
            select(table.c.reason, func.sum(table.c.amount)).where(mine).group_by(table.c.reason)
        )
    }
    recent = [
        {
            "reason": row.reason,
            "label": RULES[row.reason].label if row.reason in RULES else row.reason,
            "amount": int(row.amount),
            "occurred_at": iso(row.occurred_at),
        }
        for row in connection.execute(
            select(table.c.reason, table.c.amount, table.c.occurred_at)
            .where(mine)
            .order_by(table.c.occurred_at.desc(), table.c.id.desc())
            .limit(RECENT)
        )
    ]
    return {
        "course_id": course_id,
        "total": sum(by_reason.values()),
        "by_reason": by_reason,
        "recent": recent,
    }


def emit_points(session: Session, changes: ChangeBuffer, user_id: int, course_id: str) -> None:
    changes.put(user_scope(user_id), "points", course_id, points_data(session, user_id, course_id))

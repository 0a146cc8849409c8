"""The points ledger: one row per thing that earned (or, over a daily cap, did not earn) points.

`source` names the event (e.g. ``lesson:<user>:<lesson>``) and is unique, so an event replayed
from a backlog, or pushed again after a lost reply, is never counted twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UtcDateTime, utc_now


class PointsEntry(Base):
    __tablename__ = "points_ledger"
    __table_args__ = (
        Index("ix_points_ledger_user_reason_time", "user_id", "reason", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(200), unique=True)
    amount: Mapped[int]
    # The event's own time (the action's, as the learner's device recorded it, within bounds);
    # daily caps count by it, so a week of offline work earns what it would have live.
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

"""Tables of peer feedback: one submission per learner per exercise, and the assignments that
ask a fellow learner to review it (with their answers and the author's rating). Written by the
peer.* mutations on push worker threads; read by the recording route."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UtcDateTime, utc_now


class PeerSubmission(Base):
    __tablename__ = "peer_submissions"
    __table_args__ = (
        UniqueConstraint("user_id", "exercise_id"),
        Index("ix_peer_submissions_exercise_created", "exercise_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the learner's action id
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    exercise_id: Mapped[str] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    upload_id: Mapped[str | None] = mapped_column(
        ForeignKey("uploads.id", ondelete="SET NULL"), default=None
    )
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)  # the action's own time
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)  # arrival
    version: Mapped[int] = mapped_column(default=1)


class PeerAssignment(Base):
    """A reviewer asked to give feedback on one submission. The questions are copied when it
    is made, so a later course import cannot change what the answers must match."""

    __tablename__ = "peer_assignments"
    __table_args__ = (UniqueConstraint("submission_id", "reviewer_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("peer_submissions.id", ondelete="CASCADE")
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    questions: Mapped[list[str]] = mapped_column(JSON)
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    answers: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    given_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)  # own time
    helpful: Mapped[bool | None] = mapped_column(default=None)
    rated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    version: Mapped[int] = mapped_column(default=1)

"""Tables of the supporter tool: the requests (with the supporter's answer) and the e-mails
waiting to go out. Only a hash of each link's token is stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UtcDateTime, utc_now


class SupporterRequest(Base):
    __tablename__ = "supporter_requests"
    __table_args__ = (
        Index("ix_supporter_requests_user_asked", "user_id", "asked_at"),
        Index("ix_supporter_requests_email_created", "supporter_email", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the learner's action id
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    exercise_id: Mapped[str] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"))
    supporter_name: Mapped[str] = mapped_column(String(100))
    supporter_email: Mapped[str] = mapped_column(String(254))
    message: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)  # the learner's answer as shared, at asking time
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime)  # the action's own time
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)  # arrival
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    mail_state: Mapped[str] = mapped_column(String(16), default="queued")  # queued|sent|failed
    mail_error: Mapped[str | None] = mapped_column(Text, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    feedback: Mapped[str | None] = mapped_column(Text, default=None)
    version: Mapped[int] = mapped_column(default=1)
    # The language the supporter reads (the e-mail and the page), as the learner chose it.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    # The learner's own language (their push's Accept-Language): their message's, and the
    # one a delivery failure is told to them in.
    learner_language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")


class OutgoingMail(Base):
    """An e-mail to send, written in the transaction that decided it (so it goes exactly once
    per request); the body, which holds the link, is cleared once sent."""

    __tablename__ = "outgoing_mail"
    __table_args__ = (Index("ix_outgoing_mail_due", "sent_at", "failed", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("supporter_requests.id", ondelete="CASCADE"))
    to_name: Mapped[str] = mapped_column(String(100))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    failed: Mapped[bool] = mapped_column(default=False)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    # The language the e-mail is written in (its Content-Language header).
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")

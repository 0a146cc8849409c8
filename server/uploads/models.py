"""The uploads table: one row per tus upload. Written by the upload routes on uvicorn's worker
threads and by the expiry sweep; read by mutation handlers through :mod:`server.uploads.readiness`.

``received`` is the durable offset: bytes past it in the ``.part`` file were never confirmed
(a crash between write and commit) and are cut off before the next PATCH appends.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UtcDateTime, utc_now


class UploadState(enum.StrEnum):
    RECEIVING = "receiving"  # bytes may still come (includes an upload that has none yet)
    COMPLETE = "complete"  # every byte arrived and the sha256 matched
    FAILED = "failed"  # the sha256 did not match; the bytes were deleted (a PATCH at 0 revives)
    EXPIRED = "expired"  # not finished in time; the bytes were deleted


class Upload(Base):
    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # client-chosen UUID
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    length: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(16), default=UploadState.RECEIVING.value)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class UploadLease(Base):
    """Which PATCH (in any server process) is writing an upload's bytes, until when: renewed
    while bytes flow, so a crashed process holds an upload no longer than one lease."""

    __tablename__ = "upload_leases"

    upload_id: Mapped[str] = mapped_column(
        ForeignKey("uploads.id", ondelete="CASCADE"), primary_key=True
    )
    owner: Mapped[str] = mapped_column(String(32))  # one PATCH (or DELETE): a random token
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Which process holds it: a lease of a dead process on the same machine is taken over at
    # once (a restarted academy resumes its uploads without waiting for the lease to run out).
    machine: Mapped[str] = mapped_column(String(64))
    pid: Mapped[int]

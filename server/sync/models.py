"""Tables of sync-protocol.md: sync_client, mutation_log, change_log and change_counter.

Written by login and by a push on uvicorn's worker threads (one transaction per push batch), read
by pull; the demo seeder and migration 0002 also write change_log on the CLI's main thread.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UtcDateTime, utc_now


class SyncClient(Base):
    """One desktop installation, bound to the user who first logged in with it."""

    __tablename__ = "sync_client"

    client_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    last_seq: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class MutationLog(Base):
    """The stored outcome of every processed (client_id, seq), replayed as ``duplicate``.

    ``mutation_id`` is NULL only for a mutation rejected because its id was already used.
    """

    __tablename__ = "mutation_log"

    client_id: Mapped[str] = mapped_column(
        ForeignKey("sync_client.client_id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    mutation_id: Mapped[str | None] = mapped_column(String(36), unique=True, default=None)
    body_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # applied | rejected
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    code: Mapped[str | None] = mapped_column(String(64), default=None)
    message: Mapped[str | None] = mapped_column(Text, default=None)
    # The values a rejection's message names (MutationResult.params), for the client's words.
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class ChangeLog(Base):
    """Every change a pull can return; ``id`` is the commit order (from change_counter)."""

    __tablename__ = "change_log"
    __table_args__ = (
        Index("ix_change_log_entity", "scope", "entity", "entity_id", "version"),
        # A pull page: its scopes from the cursor on, in id order (migration 0019).
        Index("ix_change_log_scope_id", "scope", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    scope: Mapped[str] = mapped_column(String(120))  # course:<id> | user:<id>
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(120))
    op: Mapped[str] = mapped_column(String(8))  # put | delete
    version: Mapped[int]
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class ChangeCounter(Base):
    """A single row (id 1): ``value`` is the newest change id handed out, ``floor`` the oldest
    cursor still served (changes at or below it may have been compacted away).

    Writers take ids by ``UPDATE ... SET value = value + n RETURNING value``; on PostgreSQL that
    row lock, held until commit, keeps commit order equal to id order.
    """

    __tablename__ = "change_counter"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(default=0, server_default="0")
    floor: Mapped[int] = mapped_column(default=0, server_default="0")


class SyncRateWindow(Base):
    """One login's sync requests in its current one-minute window: the rate limit every server
    process shares on PostgreSQL (server/sync/rate.py), one UPSERT per request."""

    __tablename__ = "sync_rate_windows"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    window_start: Mapped[float] = mapped_column(
        Float
    )  # seconds since the epoch, when the window's first request came
    hits: Mapped[int]

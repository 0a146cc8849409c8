"""One PATCH (or DELETE) at a time per upload, across every server process: a lease row in
``upload_leases`` (owner token, expiry), so two connections never interleave bytes in one file
even when they reach different processes. A second PATCH gets 423 at once instead of waiting.

No database connection is held while bytes flow: the lease is one short write to take, one to
renew while bytes keep coming (:meth:`UploadLeases.keep`), one to give back. A process that
dies mid-upload holds it until the lease runs out (twice the idle timeout plus a minute), then
the client's retry takes it over. Called from uvicorn's worker threads (never the event loop:
every method touches the database).
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from server.db import Database, table_of, utc_now
from server.uploads.models import UploadLease


class UploadLeases:
    def __init__(self, database: Database, idle_timeout_s: float) -> None:
        self._database = database
        # Longer than a PATCH can go without a renewal (one idle timeout, then the checksum).
        self.ttl = timedelta(seconds=2 * idle_timeout_s + 60)

    def try_acquire(self, upload_id: str) -> str | None:
        """The lease's owner token, or None when another PATCH holds an unexpired lease."""
        table = table_of(UploadLease)
        owner, now = uuid.uuid4().hex, utc_now()
        dialect = self._database.engine.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(table)
            .values(upload_id=upload_id, owner=owner, expires_at=now + self.ttl)
            .on_conflict_do_update(
                index_elements=[table.c.upload_id],
                set_={"owner": owner, "expires_at": now + self.ttl},
                where=table.c.expires_at <= now,
            )
            .returning(table.c.owner)
        )
        with self._database.engine.begin() as connection:
            taken = connection.execute(statement).scalar_one_or_none()
        return owner if taken == owner else None

    def keep(self, upload_id: str, owner: str) -> bool:
        """Renew the lease; False if it ran out and another PATCH took it meanwhile."""
        table = table_of(UploadLease)
        with self._database.engine.begin() as connection:
            renewed = connection.execute(
                update(table)
                .where(table.c.upload_id == upload_id, table.c.owner == owner)
                .values(expires_at=utc_now() + self.ttl)
            ).rowcount
        return bool(renewed)

    def release(self, upload_id: str, owner: str) -> None:
        table = table_of(UploadLease)
        with self._database.engine.begin() as connection:
            connection.execute(
                delete(table).where(table.c.upload_id == upload_id, table.c.owner == owner)
            )

    def snapshot(self) -> set[str]:
        """The uploads receiving bytes right now, in any process (the expiry sweep spares them)."""
        table = table_of(UploadLease)
        with self._database.engine.connect() as connection:
            rows = connection.execute(
                select(table.c.upload_id).where(table.c.expires_at > utc_now())
            )
            return {row.upload_id for row in rows}


class LeaseKeeper:
    """Renews one PATCH's lease at most every quarter lease while its bytes arrive."""

    def __init__(self, leases: UploadLeases, upload_id: str, owner: str) -> None:
        self._leases = leases
        self._upload_id = upload_id
        self._owner = owner
        self._every = leases.ttl.total_seconds() / 4
        self._last = time.monotonic()

    def due(self) -> bool:
        return time.monotonic() - self._last >= self._every

    def renew(self) -> bool:
        """Renew now; False if the lease was lost (the bytes must stop)."""
        self._last = time.monotonic()
        return self._leases.keep(self._upload_id, self._owner)

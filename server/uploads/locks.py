"""One PATCH (or DELETE) at a time per upload, across every server process: a lease row in
``upload_leases`` (owner token, expiry), so two connections never interleave bytes in one file
even when they reach different processes. A second PATCH gets 423 at once instead of waiting.

No database connection is held while bytes flow: the lease is one short write to take, one to
renew while bytes keep coming (:meth:`UploadLeases.keep`), one to give back. A process that
dies mid-upload: on the same machine its lease is taken over at once (its pid is gone), from
another machine once the lease runs out (twice the idle timeout plus a minute). Called from
uvicorn's worker threads (never the event loop: every method touches the database).
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from server.db import Database, table_of, utc_now
from server.uploads.models import UploadLease


def _this_machine() -> str:
    """Names this machine and pid namespace, so a pid is only ever checked where it means the
    same process (two containers may share a host name but not their boot and pid namespace)."""
    parts = [socket.gethostname()]
    try:
        parts.append(Path("/proc/sys/kernel/random/boot_id").read_text())
        parts.append(str(Path("/proc/self/ns/pid").readlink()))
    except OSError:
        parts.append("-")  # not Linux: the host name alone
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # exists, under another account
    return False


class UploadLeases:
    def __init__(self, database: Database, idle_timeout_s: float) -> None:
        self._database = database
        # Longer than a PATCH can go without a renewal (one idle timeout, then the checksum).
        self.ttl = timedelta(seconds=2 * idle_timeout_s + 60)
        self._machine = _this_machine()

    def try_acquire(self, upload_id: str) -> str | None:
        """The lease's owner token, or None when another PATCH holds an unexpired lease."""
        table = table_of(UploadLease)
        owner, now = uuid.uuid4().hex, utc_now()
        mine = {"owner": owner, "expires_at": now + self.ttl, "machine": self._machine,
                "pid": os.getpid()}  # fmt: skip
        dialect = self._database.engine.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(table)
            .values(upload_id=upload_id, **mine)
            .on_conflict_do_update(
                index_elements=[table.c.upload_id], set_=mine, where=table.c.expires_at <= now
            )
            .returning(table.c.owner)
        )
        with self._database.engine.begin() as connection:
            if connection.execute(statement).scalar_one_or_none() == owner:
                return owner
            held = connection.execute(
                select(table.c.owner, table.c.machine, table.c.pid).where(
                    table.c.upload_id == upload_id
                )
            ).one_or_none()
            if held is None or held.machine != self._machine or held.pid == os.getpid():
                return None
            if not _gone(held.pid):
                return None
            # Its process died on this machine: take the lease over, unless someone just did.
            taken = connection.execute(
                update(table)
                .where(table.c.upload_id == upload_id, table.c.owner == held.owner)
                .values(**mine)
            ).rowcount
        return owner if taken else None

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

"""The expiry sweep: removes the bytes of unfinished uploads past their expiry. Triggered by
upload requests on uvicorn's worker threads, at most once per interval (a minute, or the expiry
itself when that is shorter); a sweep already running elsewhere is not waited for.

Every server process sweeps; they cannot trip over each other or over a PATCH in another
process, because the sweep first takes the lease of each upload it means to expire
(server/uploads/locks.py) and leaves alone any upload whose lease it cannot take.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import select

from server.config import ServerConfig
from server.db import Database, utc_now
from server.uploads.locks import UploadLeases
from server.uploads.models import Upload, UploadState
from server.uploads.records import expire_due

log = logging.getLogger(__name__)

MAX_INTERVAL_S = 60.0


class ExpirySweeper:
    def __init__(
        self,
        config: ServerConfig,
        database: Database,
        locks: UploadLeases,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._database = database
        self._locks = locks
        self._clock = clock
        self._interval = min(MAX_INTERVAL_S, float(config.upload_expiry_s))
        self._running = threading.Lock()
        self._last: float | None = None

    def maybe_sweep(self) -> int:
        """Sweep if the interval has passed since the last sweep; returns uploads expired."""
        now = self._clock()
        if self._last is not None and now - self._last < self._interval:
            return 0
        if not self._running.acquire(blocking=False):
            return 0
        try:
            self._last = now
            expired = self._sweep()
        finally:
            self._running.release()
        if expired:
            log.info("expired %d unfinished upload(s)", expired)
        return expired

    def _sweep(self) -> int:
        now = utc_now()
        with self._database.session() as session:
            due = set(
                session.scalars(
                    select(Upload.id).where(
                        Upload.state.in_([UploadState.RECEIVING.value, UploadState.FAILED.value]),
                        Upload.expires_at <= now,
                    )
                )
            )
        if not due:
            return 0
        held: dict[str, str] = {}
        try:
            for upload_id in due:
                owner = self._locks.try_acquire(upload_id)
                if owner is not None:
                    held[upload_id] = owner
            with self._database.session() as session:
                # Read again under the leases: a PATCH may have renewed an upload meanwhile.
                busy = (self._locks.snapshot() | due) - held.keys()
                expired = expire_due(session, self._config, utc_now(), busy)
                session.commit()
        finally:
            for upload_id, owner in held.items():
                self._locks.release(upload_id, owner)
        return expired

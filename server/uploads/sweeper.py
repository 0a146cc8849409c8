"""The expiry sweep: removes the bytes of unfinished uploads past their expiry. Triggered by
upload requests on uvicorn's worker threads, at most once per interval (a minute, or the expiry
itself when that is shorter); a sweep already running elsewhere is not waited for.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from server.config import ServerConfig
from server.db import Database, utc_now
from server.uploads.locks import UploadLocks
from server.uploads.records import expire_due

log = logging.getLogger(__name__)

MAX_INTERVAL_S = 60.0


class ExpirySweeper:
    def __init__(
        self,
        config: ServerConfig,
        database: Database,
        locks: UploadLocks,
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
            with self._database.session() as session:
                expired = expire_due(session, self._config, utc_now(), self._locks.snapshot())
                session.commit()
        finally:
            self._running.release()
        if expired:
            log.info("expired %d unfinished upload(s)", expired)
        return expired

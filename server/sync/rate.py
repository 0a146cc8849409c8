"""Per-login rate limit on sync requests (push and pull), on uvicorn's worker threads.

A login over its limit gets 429 with Retry-After saying when its window ends, so a well-behaved
client (the desktop app honours Retry-After as a minimum) never hits it twice in a row. Two
implementations with one ``check``:

- :class:`RateLimiter`, a sliding one-minute window in process memory (a lock guards it), used
  on SQLite: there the academy is one process (SQLite has one writer, so `--workers` is refused),
  and a write per request would queue every sync behind the database's single write lock.
- :class:`DatabaseRateLimiter`, used on PostgreSQL, where several processes serve one academy
  and each counting alone would allow N times the limit: a window per token hash in
  ``sync_rate_windows``, one UPSERT per request. The window starts at the login's first request
  and lasts a minute (not aligned to the clock, so a burst cannot straddle two fresh windows).
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable

from sqlalchemy import case, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import InterfaceError, OperationalError

from server.db import Database, table_of
from server.sync.models import SyncRateWindow

log = logging.getLogger(__name__)

WINDOW_S = 60.0
# Every this many checks a process forgets windows idle for an hour (bounded table).
_PRUNE_EVERY = 1000


class RateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._lock = threading.Lock()
        self._hits: dict[str, deque[float]] = {}

    def check(self, key: str) -> float | None:
        """Count a request; None if allowed, else seconds to wait. 0 per minute: no limit."""
        if self.per_minute <= 0:
            return None
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= WINDOW_S:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return max(1.0, math.ceil(WINDOW_S - (now - hits[0])))
            hits.append(now)
            if len(self._hits) > 10_000:
                # Forget idle clients so memory stays bounded on a long-running server.
                for idle in [k for k, v in self._hits.items() if not v or now - v[-1] >= WINDOW_S]:
                    del self._hits[idle]
            return None


class DatabaseRateLimiter:
    """The same limit shared by every process on the database (wall-clock seconds, since the
    processes may run on different machines)."""

    def __init__(
        self, database: Database, per_minute: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.per_minute = per_minute
        self._database = database
        self._clock = clock
        self._checks = 0

    def check(self, key: str) -> float | None:
        """Count a request; None if allowed, else seconds to wait. 0 per minute: no limit."""
        if self.per_minute <= 0:
            return None
        now = self._clock()
        table = table_of(SyncRateWindow)
        over = table.c.window_start <= now - WINDOW_S  # the stored window has ended: a new one
        dialect = self._database.engine.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(table)
            .values(key_hash=hashlib.sha256(key.encode()).hexdigest(), window_start=now, hits=1)
            .on_conflict_do_update(
                index_elements=[table.c.key_hash],
                set_={
                    "window_start": case((over, now), else_=table.c.window_start),
                    # Refused requests stop counting at limit + 1: the window still ends on time.
                    "hits": case(
                        (over, 1),
                        (table.c.hits > self.per_minute, table.c.hits),
                        else_=table.c.hits + 1,
                    ),
                },
            )
            .returning(table.c.window_start, table.c.hits)
        )
        try:
            with self._database.engine.begin() as connection:
                started, hits = connection.execute(statement).one()
                self._checks += 1  # unguarded: an occasional missed or doubled prune is harmless
                if self._checks % _PRUNE_EVERY == 0:
                    connection.execute(delete(table).where(table.c.window_start < now - 3600))
        except (OperationalError, InterfaceError) as exc:
            # Let it through: the request meets the same database and answers its own 503.
            log.warning("the sync rate limit could not be counted: %s", exc)
            return None
        if hits <= self.per_minute:
            return None
        return max(1.0, math.ceil(WINDOW_S - (now - float(started))))

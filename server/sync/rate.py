"""Per-client rate limit on sync requests: a sliding one-minute window, in process memory.

Shared by uvicorn's worker threads (a lock guards it). A client over its limit gets 429 with
Retry-After saying when its oldest request in the window expires, so a well-behaved client (the
desktop app honours Retry-After as a minimum) never hits it twice in a row.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW_S = 60.0


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

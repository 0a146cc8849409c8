"""Retry delays with full jitter (AWS architecture blog): random(0, min(cap, base * 2^n)).
Any thread; one instance per sync service, not shared between threads without its owner's lock.

Retry-After from the server is a minimum, never shortened by jitter, and gets jitter of its own
on top (up to half of it again): a class turned away by a busy academy in the same second must not
come back in the same second. Progress resets the count.
"""

from __future__ import annotations

import random
from collections.abc import Callable


class Backoff:
    def __init__(
        self,
        *,
        base: float = 1.0,
        cap: float = 300.0,
        rand: Callable[[float, float], float] = random.uniform,
    ) -> None:
        self.base = base
        self.cap = cap
        self._rand = rand
        self.failures = 0

    def next_delay(self, retry_after: float | None = None) -> float:
        ceiling = min(self.cap, self.base * 2**self.failures)
        self.failures += 1
        delay = self._rand(0.0, ceiling)
        if retry_after is not None:
            delay = max(delay, retry_after + self._rand(0.0, retry_after / 2))
        return delay

    def reset(self) -> None:
        self.failures = 0

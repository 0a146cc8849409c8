"""What a course download reports and obeys while it runs: one cancel token for the queue's own
pause/cancel and the caller's, and per-file byte counts turned into throttled course-level
progress. Any thread: made and used on the worker that runs the download; `is_set` may be read
from any thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from desktop.domain.transfer import RateMeter, TransferProgress, eta_seconds
from desktop.sync.transfer import CancelToken

OnProgress = Callable[[TransferProgress], None]


class EitherToken:
    """Set when the service's own event (pause/cancel) or the caller's token is set."""

    def __init__(self, own: threading.Event, caller: CancelToken | None) -> None:
        self._own = own
        self._caller = caller

    def is_set(self) -> bool:
        return self._own.is_set() or (self._caller is not None and self._caller.is_set())

    def wait(self, timeout: float | None = None) -> bool:
        # Wakes at once on the service's event; the caller's token is seen when the time is up.
        self._own.wait(timeout)
        return self.is_set()


class ProgressTracker:
    """Turns per-file byte counts into throttled course-level TransferProgress events."""

    def __init__(
        self,
        course_id: str,
        total: int,
        done: int,
        callback: OnProgress | None,
        clock: Callable[[], float],
        interval_s: float,
    ) -> None:
        self.course_id = course_id
        self.total = total
        self.done_before = done  # bytes of files finished before the current one
        self._callback = callback
        self._clock = clock
        self._interval = interval_s
        self._meter = RateMeter()
        self._last_emit = float("-inf")

    def for_file(self, path: str) -> Callable[[int, int], None]:
        last: list[int | None] = [None]

        def on_progress(done: int, size: int) -> None:
            now = self._clock()
            previous = last[0]
            if previous is not None and done > previous:
                self._meter.add(now, done - previous)
            last[0] = done
            if self._callback is None:
                return
            if done < size and now - self._last_emit < self._interval:
                return
            self._last_emit = now
            course_done = self.done_before + done
            rate = self._meter.rate(now)
            self._callback(
                TransferProgress(
                    course_id=self.course_id,
                    path=path,
                    done_bytes=course_done,
                    total_bytes=self.total,
                    bytes_per_s=rate,
                    eta_s=eta_seconds(self.total - course_done, rate),
                )
            )

        return on_progress

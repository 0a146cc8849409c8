"""One PATCH at a time per upload: a non-blocking in-process lock set (one instance in
``app.state``, shared by the event loop and the worker threads), so two connections never
interleave bytes in one file. A second PATCH gets 423 at once instead of waiting.
"""

from __future__ import annotations

import threading


class UploadLocks:
    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held: set[str] = set()

    def try_acquire(self, upload_id: str) -> bool:
        with self._guard:
            if upload_id in self._held:
                return False
            self._held.add(upload_id)
            return True

    def release(self, upload_id: str) -> None:
        with self._guard:
            self._held.discard(upload_id)

    def held(self, upload_id: str) -> bool:
        with self._guard:
            return upload_id in self._held

    def snapshot(self) -> set[str]:
        """The uploads receiving bytes right now (for the expiry sweep to leave alone)."""
        with self._guard:
            return set(self._held)

"""Python's cyclic garbage collector, run only on the UI thread. UI thread.

The collector normally runs in whichever thread happens to allocate when a threshold is crossed,
which includes the worker pool. If that collection frees a widget or another QObject, Qt objects
get destroyed on a worker thread and the app crashes at random. So automatic collection is turned
off and this object collects on a UI-thread timer instead, generation by generation, as often as
the thresholds would have (Anki and qutebrowser handle the same hazard the same way).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class MainThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, *, interval_ms: int = 1000) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return

    def close(self) -> None:
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()

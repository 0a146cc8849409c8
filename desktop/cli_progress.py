"""A text progress bar for the `samen` command (downloads, pack import). Main thread.

On a terminal it redraws one line (bytes, speed, time left); when output goes to a file or a
pipe it prints nothing until the end, so logs stay readable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    def __init__(self, label: str, stream: TextIO | None = None, width: int = 28) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.monotonic()
        self._last_draw = 0.0
        self._drawn = False

    def update(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.stream.isatty() or (now - self._last_draw < 0.1 and done < total):
            return
        self._last_draw = now
        fraction = done / total if total else 1.0
        filled = int(self.width * fraction)
        elapsed = max(now - self.started, 1e-6)
        speed = done / elapsed
        left = (total - done) / speed if speed > 0 else 0.0
        self.stream.write(
            f"\\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] "
            f"{done / 1e6:7.1f}/{total / 1e6:.1f} MB  {speed / 1e6:5.1f} MB/s  "
            f"{int(left // 60):02d}:{int(left % 60):02d} left"
        )
        self.stream.flush()
        self._drawn = True

    def finish(self) -> None:
        if self._drawn:
            self.stream.write("\\n")
            self.stream.flush()

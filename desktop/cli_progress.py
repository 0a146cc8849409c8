"""A text progress bar for the `samen` command (downloads, pack import). Main thread.

On a terminal it redraws one line (sizes, speed, time left, in the learner's locale); when
output goes to a file or a pipe it prints nothing until the end, so logs stay readable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from desktop.language.catalogue import _
from desktop.language.formats import length, size


class ProgressBar:
    def __init__(self, label: str, stream: TextIO | None = None, width: int = 28) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.monotonic()
        self._last_draw = 0.0
        self._drawn = False
        self._last_width = 0

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
        # Translators: a download's progress line: "Importing [####....] 12.3 MB of 40.1 MB,
        # 2.1 MB/s, 13 sec left".
        line = _("{label} [{bar}] {done} of {total}, {speed}/s, {left} left").format(
            label=self.label,
            bar="#" * filled + "." * (self.width - filled),
            done=size(done),
            total=size(total),
            speed=size(int(speed)),
            left=length(int(left * 1000)) or length(1000),
        )
        # Back to the line's start, and blanks over the end of a longer line drawn before.
        self.stream.write("\r" + line.ljust(self._last_width))
        self._last_width = len(line)
        self.stream.flush()
        self._drawn = True

    def finish(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()

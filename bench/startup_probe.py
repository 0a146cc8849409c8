"""Child process of bench/startup.py: start Samen (or a bare window) and say when it is shown.
Main (UI) thread of the child.

Usage: python -m bench.startup_probe samen DATA_DIR [--idle SECONDS]
       python -m bench.startup_probe bare [--idle SECONDS]

An event filter on the QApplication catches the first Paint event delivered to a QMainWindow
and prints `SHOWN <pid> <CLOCK_MONOTONIC seconds>` on stdout (the parent started its clock
on the same clock just before spawning this process). Samen's window is first painted as a
shell; the probe then prints `USABLE <pid> <seconds>` when its Home lists the learner's
courses (the window's `home_usable`; a window without one, from before the Home page, is usable
when its first refresh has filled its lists), `ATTACHED <pid> <seconds>` when its pages are
built and `REFRESHED <pid> <seconds> logged_in=…` when its first refresh is done. Without
--idle the window is closed then; with it, the probe waits SECONDS more, prints `IDLE <pid>`
(the parent reads /proc/<pid>/status then) and closes the window a little later.

`samen` runs the product's real entry point, `desktop.cli.main(["--data-dir", DIR, "gui"])`;
the probe only creates the QApplication first (through `desktop.app.application()`, which the
entry point then reuses) so that its filter sees the first paint. No bench-only flags in the
product.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

GRACE_MS = 3000  # time the parent has to read /proc after IDLE before the window closes
POLL_MS = 10  # how soon a step is seen (the USABLE time is at most this late)


class FirstPaint(QObject):
    """Watches every event of the application until a QMainWindow gets its first Paint."""

    def __init__(self, app: QApplication, idle_s: float | None) -> None:
        super().__init__(app)
        self._app = app
        self._idle_s = idle_s
        self._window: QMainWindow | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._check_refreshed)
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint and isinstance(watched, QMainWindow):
            print(f"SHOWN {os.getpid()} {time.monotonic():.6f}", flush=True)
            self._app.removeEventFilter(self)
            self._window = watched
            if hasattr(watched, "attached"):  # Samen: wait for its pages and first refresh
                self._poll.start()
            elif self._idle_s is None:  # the bare window: nothing more to wait for
                QTimer.singleShot(0, watched.close)
            else:
                QTimer.singleShot(int(self._idle_s * 1000), self._idle_done)
        return False

    def _check_refreshed(self) -> None:
        # Samen's window says when its first refresh is done; a bare window has none to wait for.
        window = self._window
        assert window is not None
        if not window.property("usable_said") and getattr(window, "home_usable", False):
            window.setProperty("usable_said", True)
            print(f"USABLE {os.getpid()} {time.monotonic():.6f}", flush=True)
        if not window.property("attached_said") and getattr(window, "attached", False):
            window.setProperty("attached_said", True)
            print(f"ATTACHED {os.getpid()} {time.monotonic():.6f}", flush=True)
        if not getattr(window, "attached", False) or getattr(window, "refreshing", False):
            return
        if hasattr(window, "overview") and window.overview is None:
            return
        self._poll.stop()
        if not window.property("usable_said"):
            print(f"USABLE {os.getpid()} {time.monotonic():.6f}", flush=True)
        overview = getattr(window, "overview", None)
        logged_in = overview.status.logged_in if overview is not None else None
        print(f"REFRESHED {os.getpid()} {time.monotonic():.6f} logged_in={logged_in}", flush=True)
        if self._idle_s is None:
            window.close()
        else:
            QTimer.singleShot(int(self._idle_s * 1000), self._idle_done)

    def _idle_done(self) -> None:
        print(f"IDLE {os.getpid()}", flush=True)
        window = self._window
        assert window is not None
        QTimer.singleShot(GRACE_MS, window.close)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("kind", choices=("samen", "bare"))
    parser.add_argument("data_dir", nargs="?")
    parser.add_argument("--idle", type=float, default=None, metavar="SECONDS")
    args = parser.parse_args()
    if args.kind == "bare":
        app = QApplication(sys.argv[:1])
        FirstPaint(app, args.idle)
        window = QMainWindow()
        window.show()
        return int(app.exec())

    from desktop.app import application
    from desktop.cli import main as samen

    FirstPaint(application(sys.argv[:1]), args.idle)
    return samen(["--data-dir", args.data_dir, "gui"])


if __name__ == "__main__":
    raise SystemExit(main())

"""Unix signals (SIGINT, SIGTERM) while Qt's event loop runs. UI thread.

Python runs signal handlers only when the interpreter gets control, which a blocked Qt event loop
never gives it. A wake-up socket, watched by a QSocketNotifier, hands the signal to Qt, so Ctrl+C
or `kill` closes the app cleanly (and the demo server with it) instead of leaving it hanging.
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable

from PySide6.QtCore import QObject, QSocketNotifier


class SignalBridge(QObject):
    def __init__(self, on_signal: Callable[[], object], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        self._on_signal = on_signal
        for signum in (signal.SIGINT, signal.SIGTERM):
            # The Python-level handler only has to exist; the work happens in _drain.
            signal.signal(signum, lambda *_: None)

    def _drain(self) -> None:
        try:
            self._reader.recv(64)
        except BlockingIOError:
            return
        self._on_signal()

    def close(self) -> None:
        signal.set_wakeup_fd(self._previous_fd)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        self._notifier.setEnabled(False)
        self._reader.close()
        self._writer.close()

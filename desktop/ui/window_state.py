"""What the window looked like when the learner left it: its geometry, its splitters and the
last place (a page and ids, as a string the window makes), kept across restarts. UI thread;
the file is written on the task runner's worker pool.

The state is a small JSON file (window.json in the config folder, next to settings.json). It
is read once, in the constructor, before the window is shown and before the event loop runs,
so no paint waits on it. A damaged or missing file means a first start: the window gets a
size that fits the screen, centred.

A window always fits its screen: on a first start, or when the saved geometry does not fit
the screen's available area now (another monitor, a larger scale factor: QT_SCALE_FACTOR=2 on
a 1366x768 screen leaves 683x384 device-independent pixels), it is sized to at most
FIT_SHARE of that area and centred.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, QSize
from PySide6.QtWidgets import QSplitter, QWidget

from desktop.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

FIT_SHARE = 0.85
STATE_FILE = "window.json"


def _encode(data: QByteArray) -> str:
    return base64.b64encode(bytes(data.data())).decode("ascii")


def _decode(text: object) -> QByteArray | None:
    if not isinstance(text, str):
        return None
    try:
        return QByteArray(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        return None


def _pair(value: object) -> tuple[int, int] | None:
    """Two non-negative whole numbers from the file, or None."""
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(type(n) is int and 0 <= n < 100_000 for n in value)
    ):
        return (value[0], value[1])
    return None


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        log.warning("window state in %s is unreadable; starting with a fresh window", path)
        return {}
    return raw if isinstance(raw, dict) else {}


def fitted(wanted: QSize, available: QRect) -> QRect:
    """A rectangle of at most `wanted`, no larger than FIT_SHARE of `available`, centred in it."""
    width = min(wanted.width(), int(available.width() * FIT_SHARE))
    height = min(wanted.height(), int(available.height() * FIT_SHARE))
    rect = QRect(0, 0, max(1, width), max(1, height))
    rect.moveCenter(available.center())
    return rect


class WindowState:
    def __init__(self, path: Path, runner: TaskRunner) -> None:
        self._path = path
        self._runner = runner
        self._lock = threading.Lock()  # between writers on the pool: the newest state wins
        state = _read(path)
        self._geometry = _decode(state.get("geometry"))
        splitters = state.get("splitters")
        self._splitters: dict[str, str] = {
            str(name): value
            for name, value in (splitters.items() if isinstance(splitters, dict) else ())
            if isinstance(value, str)
        }
        self._size = _pair(state.get("size"))
        self._frame = _pair(state.get("frame")) or (0, 0)
        place = state.get("last_place")
        self._last_place = place if isinstance(place, str) else ""
        self._live: dict[str, QSplitter] = {}
        self._written = 0  # the newest snapshot on disk, so an older one never overwrites it
        self._taken = 0

    # -- the window ---------------------------------------------------------------------------

    def restore(self, window: QWidget) -> None:
        """Give `window` its saved geometry if that fits the screen, else a size that does,
        centred. Call before `show()`."""
        available = window.screen().availableGeometry()
        if self._geometry is None or not window.restoreGeometry(self._geometry):
            window.setGeometry(fitted(window.size(), available))
            return
        if window.isMaximized():
            return  # the OS keeps a maximised window on the screen
        # Qt squeezes a restored window onto the screen, to the edges and under its frame;
        # whether it fitted is told by the size it had, with its frame.
        saved = QSize(*self._size) if self._size else window.size()
        too_wide = saved.width() + self._frame[0] > available.width()
        too_tall = saved.height() + self._frame[1] > available.height()
        if too_wide or too_tall or not available.contains(window.geometry()):
            window.setGeometry(fitted(saved, available))

    def save(self, window: QWidget) -> None:
        """Remember the window's geometry and every splitter's position; written on a worker."""
        self._geometry = window.saveGeometry()
        normal = window.normalGeometry() if window.isMaximized() else window.geometry()
        self._size = (normal.width(), normal.height())
        if window.isVisible():
            frame = window.frameGeometry()
            self._frame = (
                max(0, frame.width() - window.width()),
                max(0, frame.height() - window.height()),
            )
        for name, splitter in list(self._live.items()):
            if shiboken6.isValid(splitter):
                self._remember(name, splitter)
        self._write_soon()

    def save_on_close(self, window: QWidget) -> None:
        """Save when `window` is closed, while it is still on screen (so its frame is known)."""
        _SaveOnClose(window, self)

    # -- splitters ----------------------------------------------------------------------------

    def restore_splitter(self, name: str, splitter: QSplitter) -> None:
        """Put `splitter` where the learner left it and follow it from now on. `name` is the
        splitter's place in the window (e.g. "lesson"), the same at every start."""
        saved = _decode(self._splitters.get(name))
        if saved is not None:
            splitter.restoreState(saved)
        self._live[name] = splitter
        splitter.splitterMoved.connect(lambda _pos, _index: self._remember(name, splitter))
        splitter.destroyed.connect(lambda _obj=None: self._live.pop(name, None))

    def _remember(self, name: str, splitter: QSplitter) -> None:
        self._splitters[name] = _encode(splitter.saveState())

    # -- the last place -----------------------------------------------------------------------

    def last_place(self) -> str:
        """Where the learner was when Samen closed ("" on a first start)."""
        return self._last_place

    def set_last_place(self, place: str) -> None:
        if place != self._last_place:
            self._last_place = place
            self._write_soon()

    # -- the file -----------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        state: dict[str, Any] = {"splitters": dict(self._splitters), "last_place": self._last_place}
        if self._geometry is not None:
            state["geometry"] = _encode(self._geometry)
        if self._size:
            state["size"] = list(self._size)
        state["frame"] = list(self._frame)
        return state

    def _write_soon(self) -> None:
        state = self.snapshot()  # taken on the UI thread; the worker only writes it
        self._taken += 1
        number = self._taken
        self._runner.submit(lambda: self._write(number, state), on_error=self._write_failed)

    def _write(self, number: int, state: dict[str, Any]) -> None:
        with self._lock:
            if number < self._written:
                return  # a newer snapshot is on disk already
            self._written = number
            self._path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self._path.parent, prefix=".window-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(state, handle, indent=2, sort_keys=True)
                Path(tmp).replace(self._path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise

    def _write_failed(self, exc: BaseException) -> None:
        # Not worth a sentence to the learner: the window opens fitted to the screen next time.
        log.warning("could not remember the window's state: %s", exc)


class _SaveOnClose(QObject):
    def __init__(self, window: QWidget, state: WindowState) -> None:
        super().__init__(window)
        self._state = state
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Close and isinstance(watched, QWidget):
            self._state.save(watched)
        return False

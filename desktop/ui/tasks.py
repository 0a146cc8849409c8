"""The task runner: moves blocking service calls to a worker pool, results come back by signal.

Lives on the UI thread. `submit` returns at once; the callable runs on a QThreadPool thread and
its result (or exception) is delivered to the callbacks on the UI thread through a queued signal
to this object, so callbacks may touch widgets freely.

A failure that means the disk is full reaches the callbacks as a DiskFullError (whatever layer
met it) and is also announced by `disk_full`, so the window can say it whichever action failed.
"""

from __future__ import annotations

import itertools
import logging
import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from desktop.disk_space import disk_full
from desktop.domain.errors import DiskFullError

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class _Job(QRunnable):
    def __init__(self, runner: TaskRunner, task_id: int, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._runner = runner
        self._task_id = task_id
        self._fn = fn

    def run(self) -> None:  # worker thread
        try:
            result = self._fn()
        except BaseException as exc:  # delivered to the UI, never lost in a worker thread
            # No folder is known here; the store's own DiskFullError (which names it) passes.
            self._runner.job_failed.emit(self._task_id, disk_full(exc, None) or exc)
        else:
            self._runner.job_done.emit(self._task_id, result)


class TaskRunner(QObject):
    """One per application. Tracks running tasks so the UI can show busy state and shut down."""

    job_done = Signal(int, object)
    job_failed = Signal(int, object)
    busy_changed = Signal(bool)
    disk_full = Signal(object)  # a DiskFullError, after any task failed for want of space

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 4) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Done | None, Failed | None]] = {}
        self.job_done.connect(self._on_done)
        self.job_failed.connect(self._on_failed)

    @property
    def running(self) -> int:
        return len(self._callbacks)

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Done | None = None,
        on_error: Failed | None = None,
    ) -> int:
        task_id = next(self._ids)
        was_idle = not self._callbacks
        self._callbacks[task_id] = (on_done, on_error)
        self._pool.start(_Job(self, task_id, fn))
        if was_idle:
            self.busy_changed.emit(True)
        return task_id

    def wait_idle(self, msecs: int = 30_000) -> bool:
        """Block until workers finish (shutdown and tests only)."""
        return bool(self._pool.waitForDone(msecs))

    @Slot(int, object)
    def _on_done(self, task_id: int, result: object) -> None:
        on_done, _ = self._finish(task_id)
        if on_done is not None and _alive(on_done):
            on_done(result)

    @Slot(int, object)
    def _on_failed(self, task_id: int, exc: object) -> None:
        _, on_error = self._finish(task_id)
        assert isinstance(exc, BaseException)
        if isinstance(exc, DiskFullError):
            self.disk_full.emit(exc)
        if on_error is not None:
            if _alive(on_error):
                on_error(exc)
        else:
            log.error(
                "background task failed: %s",
                "".join(traceback.format_exception(exc)).strip(),
            )

    def _finish(self, task_id: int) -> tuple[Done | None, Failed | None]:
        callbacks = self._callbacks.pop(task_id, (None, None))
        if not self._callbacks:
            self.busy_changed.emit(False)
        return callbacks


def _alive(callback: Callable[..., None]) -> bool:
    """False when the callback is a method of a widget that was closed and deleted meanwhile
    (the learner closed a dialog while its work was still running): drop the result quietly."""
    owner = getattr(callback, "__self__", None)
    return not isinstance(owner, QObject) or shiboken6.isValid(owner)

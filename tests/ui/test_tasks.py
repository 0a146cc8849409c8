"""The task runner runs work off the UI thread and brings results back on it."""

from __future__ import annotations

import errno
import threading
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from desktop.domain.errors import DiskFullError
from desktop.ui.tasks import TaskRunner


def test_result_arrives_on_the_ui_thread(qtbot: QtBot) -> None:
    runner = TaskRunner()
    ui_thread = QThread.currentThread()
    seen: dict[str, object] = {}

    def work() -> int:
        seen["worker_is_ui"] = QThread.currentThread() == ui_thread
        return 42

    def done(value: object) -> None:
        seen["value"] = value
        seen["callback_is_ui"] = QThread.currentThread() == ui_thread

    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: busy is False):
        runner.submit(work, done)
    assert seen == {"worker_is_ui": False, "value": 42, "callback_is_ui": True}
    assert runner.running == 0


def test_errors_reach_the_error_callback(qtbot: QtBot) -> None:
    runner = TaskRunner()
    errors: list[BaseException] = []

    def boom() -> None:
        raise ValueError("disk full")

    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: busy is False):
        runner.submit(boom, on_error=errors.append)
    assert [str(e) for e in errors] == ["disk full"]


def test_ui_stays_responsive_while_a_task_blocks(qtbot: QtBot) -> None:
    runner = TaskRunner()
    release = threading.Event()
    finished: list[object] = []
    runner.submit(lambda: release.wait(10), finished.append)
    # The event loop keeps turning: a timer fires while the worker is still blocked.
    ticks: list[int] = []
    from PySide6.QtCore import QTimer

    QTimer.singleShot(10, lambda: ticks.append(1))
    qtbot.waitUntil(lambda: ticks == [1], timeout=2000)
    assert finished == []
    release.set()
    qtbot.waitUntil(lambda: finished == [True], timeout=5000)


@pytest.mark.allow_error_logs
def test_an_unhandled_task_error_is_logged_not_lost(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    runner = TaskRunner()

    def boom() -> None:
        raise OSError("No space left on device")

    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: busy is False):
        runner.submit(boom)
    assert any("No space left on device" in r.getMessage() for r in caplog.records)


def test_a_result_for_a_deleted_widget_is_dropped(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QLabel

    runner = TaskRunner()
    label = QLabel("waiting")
    release = threading.Event()
    runner.submit(lambda: release.wait(10) and "done", label.setText)
    label.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(label), timeout=2000)
    release.set()
    # No "Internal C++ object already deleted" error: the callback is skipped.
    qtbot.waitUntil(lambda: runner.running == 0, timeout=5000)


def test_a_full_disk_met_anywhere_reaches_the_window_as_one_error(
    qtbot: QtBot, tmp_path: Path
) -> None:
    runner = TaskRunner()
    errors: list[BaseException] = []

    def write_settings() -> None:  # what the system says, not yet in Samen's words
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "settings.json"))

    with qtbot.waitSignal(runner.disk_full) as announced:
        runner.submit(write_settings, on_error=errors.append)
    (error,) = errors
    assert isinstance(error, DiskFullError) and announced.args == [error]
    assert error.path == tmp_path
    assert f"Free at least 50 MB on the disk that holds {tmp_path}" in error.message

"""Opening the real main window over a core, for UI tests. Test helper."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop.app import create_window
from desktop.core import Core
from desktop.ui.main_window import MainWindow
from desktop.ui.tasks import TaskRunner


def open_window(qtbot: QtBot, core: Core) -> tuple[MainWindow, TaskRunner]:
    """The window (shown, closed by qtbot at the end of the test) and its task runner."""
    runner = TaskRunner()
    window = create_window(core, runner)
    qtbot.addWidget(window)
    window.show()
    return window, runner


def stray_windows(window: MainWindow) -> list[QWidget]:
    """Visible top-level widgets other than the main window, and the window that took the
    keyboard if it is not the main window: a widget shown before it had a parent opens as a
    window of its own for a moment and takes activation (and shortcuts) with it."""
    stray = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not window]
    active = QApplication.activeWindow()
    return stray if active is window else [*stray, active or QWidget()]

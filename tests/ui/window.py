"""Opening the real main window over a core, for UI tests. Test helper."""

from __future__ import annotations

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

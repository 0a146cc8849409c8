"""Opening the real main window over a core, for UI tests. Test helper."""

from __future__ import annotations

from collections.abc import Callable

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


def main_screens(window: MainWindow, course_id: str) -> list[tuple[str, Callable[[], object]]]:
    """Each main screen of the window, by name, and how to show it: Home, Courses, the five
    sections of `course_id`, its first lesson, Podcasts, and Sync & storage's three sections."""
    pages = window.pages
    assert pages is not None

    def sync(section: str) -> Callable[[], None]:
        def show() -> None:
            window.go("sync")
            pages.sync_page().show_section(section)

        return show

    return [
        ("home", lambda: window.go("home")),
        ("courses", lambda: window.go("courses")),
        *(
            (f"course {name}", lambda name=name: window.open_course(course_id, name))
            for name in ("lessons", "discussion", "polls", "peer", "supporters")
        ),
        ("lesson", lambda: window.open_lesson(course_id, "")),
        ("podcasts", lambda: window.go("podcasts")),
        *((f"sync {name}", sync(name)) for name in ("waiting", "downloads", "storage")),
    ]

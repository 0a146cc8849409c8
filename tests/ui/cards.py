"""Reaching courses in the window as a learner does, for UI tests: their cards on the Courses
page, their rows among the downloads in Sync & storage. Test helper."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QTableWidgetItem
from pytestqt.qtbot import QtBot

from desktop.ui.main_window import MainWindow
from desktop.ui.pages.courses import CoursesPage
from desktop.ui.pages.downloads import DownloadsPage
from desktop.ui.widgets.course_card import CourseCard


def courses_page(qtbot: QtBot, window: MainWindow) -> CoursesPage:
    """Courses in front, by its shortcut (Ctrl+2), as a learner goes there."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.current_name == "courses"
    assert window.pages is not None
    return window.pages.courses_page()


def card_ids(page: CoursesPage) -> set[str]:
    return {card.course_id for card in page.visible_cards()}


# A popup menu under the offscreen platform: it cannot raise itself or grab the keyboard.
MENU_LOG = ("This plugin does not support raise", "does not support grabbing")


def choose_from_menu(qtbot: QtBot, card: CourseCard, action: QAction) -> None:
    """Open the card's "⋯" menu with the mouse and click one of its entries (mark the test
    `@pytest.mark.qt_log_ignore(*MENU_LOG)`)."""
    qtbot.mouseClick(card.more, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(card.menu.isVisible)
    assert action.isVisible() and action.isEnabled(), action.text()
    spot = card.menu.actionGeometry(action).center()
    qtbot.mouseClick(card.menu, Qt.MouseButton.LeftButton, pos=spot)


def download_row(page: DownloadsPage, course_id: str) -> int:
    """The course's row in the downloads list (which also lists podcast episodes)."""

    def course_of(item: QTableWidgetItem | None) -> object:
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    rows = range(page.table.rowCount())
    return next(r for r in rows if course_of(page.table.item(r, 0)) == course_id)

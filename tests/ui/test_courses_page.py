"""The Courses page against the real demo academy: covers show before a download (fetched in
the background, a placeholder until then and offline), the primary action follows the course
(Download -> Open -> Continue), the menu and the keyboard reach every action, and the grid
wraps at the window widths learners have."""

from __future__ import annotations

import stat
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.domain.course import CourseCover, CourseSummary, LibraryEntry
from desktop.domain.learning import Standing
from desktop.ui.course_removal_actions import CourseRemovalActions
from desktop.ui.pages.courses import CoursesPage
from desktop.ui.tasks import TaskRunner
from tests.server_process import DEMO_PASSWORD, LiveServer

COURSE = "learning-together"


def _page(qtbot: QtBot, core: Core, width: int = 1366, height: int = 768) -> CoursesPage:
    runner = TaskRunner()
    page = CoursesPage(runner, core.covers)
    runner.setParent(page)
    qtbot.addWidget(page)
    page.resize(width, height)
    page.show()
    return page


@pytest.mark.timeout(120)
# A popup menu under the offscreen platform: it cannot raise itself or grab the keyboard.
@pytest.mark.qt_log_ignore("This plugin does not support raise", "does not support grabbing")
def test_the_cover_shows_before_download_and_the_card_follows_the_course(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    core.session.login(academy.url, "demo", DEMO_PASSWORD)
    entries = core.catalogue.refresh()
    entry = next(e for e in entries if e.course.id == COURSE)
    assert entry.course.cover is not None and not entry.downloaded
    assert "study group" in entry.course.summary

    page = _page(qtbot, core)
    page.set_entries(entries)
    card = page.card(COURSE)
    assert card is not None
    assert not card.cover.has_cover()  # the placeholder, until the worker brings the picture
    qtbot.waitUntil(card.cover.has_cover, timeout=20_000)
    pixmap = card.cover.pixmap()
    assert pixmap is not None and not pixmap.isNull() and pixmap.width() > 100
    cached = core.paths.cover_dir / f"{COURSE}-{entry.course.cover.sha256[:16]}.png"
    assert cached.is_file()
    assert stat.S_IMODE(cached.stat().st_mode) == 0o600
    assert not (core.paths.media_dir / COURSE).exists()  # only the cover, not the course

    assert card.title.text() == "Learning together: study groups that work"
    assert card.facts.text().startswith("English · ")
    assert card.facts.text().endswith(("\u00a0kB", "\u00a0MB"))  # Babel's units, kept together
    assert card.summary.full_text() == entry.course.summary
    assert card.summary.text().count("\n") <= 2  # at most three lines
    assert card.state.text() == "Not downloaded"
    assert card.primary.text() == "Download"
    assert card.progress_text.text() == "3 lessons, none done yet"
    assert not card.export_action.isEnabled()

    # Tab reaches the card; Enter is its primary action.
    card.setFocus()
    with qtbot.waitSignal(page.download_requested, timeout=5_000) as asked:
        qtbot.keyClick(card, Qt.Key.Key_Return)
    assert asked.args == [COURSE]

    page.show_download(COURSE, "Downloading… 45%")
    assert card.state.text() == "Downloading… 45%"
    assert not card.primary.isEnabled()
    core.downloads.download_course(COURSE)
    page.show_download(COURSE, None)
    page.set_entries(core.catalogue.library())
    assert card.state.text() == "On this device"
    assert card.primary.text() == "Open"
    assert card.export_action.isEnabled()
    with qtbot.waitSignal(page.open_requested, timeout=5_000) as opened:
        qtbot.keyClick(card, Qt.Key.Key_Enter)
    assert opened.args == [COURSE]

    page.set_standings({COURSE: Standing(done=1, points=4)})
    assert card.primary.text() == "Continue"
    assert card.progress_text.text() == "1 of 3 lessons done"
    assert (card.progress.value(), card.progress.maximum()) == (1, 3)
    with qtbot.waitSignal(page.continue_requested, timeout=5_000) as continued:
        card.primary.click()
    assert continued.args == [COURSE]
    page.set_standings({COURSE: Standing(done=3, points=9)})
    assert (card.primary.text(), card.progress_text.text()) == ("Open", "All 3 lessons done")

    # Shift+F10 opens the menu; each of its actions asks the page's owner.
    qtbot.keyClick(card, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(card.menu.isVisible, timeout=5_000)
    assert [a.text() for a in card.menu.actions() if a.isVisible() and a.text()] == [
        "Export course pack…",
        "Free space (remove media, keep progress)",
        "Remove from this device",
    ]
    card.menu.hide()
    for action, signal in (
        (card.export_action, page.export_requested),
        (card.free_action, page.free_space_requested),
        (card.remove_action, page.remove_requested),
    ):
        with qtbot.waitSignal(signal, timeout=5_000) as blocker:
            action.trigger()
        assert blocker.args == [COURSE]

    # On this device: the filter shows only downloaded courses.
    page.show_device.click()
    assert [c.course_id for c in page.visible_cards()] == [COURSE]
    assert page.show_device.text() == "On this &device (1)"
    page.show_all.click()

    # Wired to the removal actions, the menu frees the space, then removes the course.
    actions = CourseRemovalActions(core.removal, TaskRunner(page), page)
    questions: list[str] = []

    def agree(_parent: object, _title: str, text: str) -> bool:
        questions.append(text)
        return True

    actions.confirm = agree
    title = entry.course.title
    page.free_space_requested.connect(lambda cid: actions.free_space(cid, title))
    page.remove_requested.connect(lambda cid: actions.remove(cid, title))
    actions.changed.connect(lambda: page.set_entries(core.catalogue.library()))
    with qtbot.waitSignal(actions.finished, timeout=20_000) as freed:
        card.free_action.trigger()
    assert freed.args == [
        f"Freed the space of “{title}”; its lesson texts and your progress are kept."
    ]
    assert "your progress and your work stay" in questions[0]
    assert not any(p.is_file() for p in (core.paths.media_dir / COURSE).rglob("*"))
    with qtbot.waitSignal(actions.finished, timeout=20_000) as removed:
        card.remove_action.trigger()
    assert removed.args == [f"Removed “{title}” from this computer; your progress is kept."]
    qtbot.waitUntil(lambda: card.primary.text() == "Download", timeout=10_000)
    assert card.state.text() == "Not downloaded"
    assert card.cover.has_cover()  # the cached cover stays


def _entries(count: int) -> list[LibraryEntry]:
    return [
        LibraryEntry(
            CourseSummary(
                f"course-{n}", 1, f"Course number {n}", "nl", "A few words. " * 30, 4, 12_500_000,
                cover=CourseCover("images/cover.png", 1000, "ab" * 32),
            ),
            downloaded=False,
            local_version=None,
        )
        for n in range(count)
    ]  # fmt: skip


def test_offline_cards_keep_their_placeholder_and_the_grid_wraps(
    qtbot: QtBot, make_core: Callable[..., Core]
) -> None:
    core = make_core()  # never logged in: no cover can be fetched
    page = _page(qtbot, core, 1366, 768)
    page.set_entries(_entries(7))
    qtbot.waitUntil(lambda: page.columns == 4, timeout=5_000)
    card = page.card("course-0")
    assert card is not None
    assert card.facts.text() == "Dutch · 12.5\u00a0MB"
    assert card.cover.pixmap() is None  # initials on a palette colour instead

    # Tab walks from the filter to the cards, in reading order.
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow, timeout=5_000)
    page.show_all.setFocus()
    qtbot.keyClick(page.show_all, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is page.card("course-0")
    qtbot.keyClick(card, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is page.card("course-1")

    page.resize(1024, 700)
    qtbot.waitUntil(lambda: page.columns == 3, timeout=5_000)
    rows: set[int] = set()
    for shown in page.visible_cards():
        position = page.grid.getItemPosition(page.grid.indexOf(shown))
        assert isinstance(position, tuple)
        rows.add(int(position[0]))
    assert rows == {0, 1, 2}
    assert page.scroller.verticalScrollBar().maximum() > 0  # the rest is a scroll away

    page.show_device.click()
    assert page.stack.currentWidget() is page.empty
    assert "Download" in page.empty.text()
    page.set_entries([])
    page.show_all.click()
    assert page.stack.currentWidget() is page.empty
    assert "import a course pack" in page.empty.text()

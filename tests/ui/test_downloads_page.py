"""Downloads in Sync & storage over a slow link: live progress (bytes, speed, time left) there
and on the course's card, pause and resume continue where they stopped, and freeing space
removes the files but not progress."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QTableWidgetItem
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.domain.account import record_owner
from desktop.domain.transfer import JobStatus
from desktop.store.progress import ProgressRepo
from desktop.ui.widgets.course_card import CardText
from tests.faults.proxy import Fault, FaultProxy
from tests.server_process import DEMO_PASSWORD, LiveServer
from tests.ui.cards import card_ids, courses_page, download_row
from tests.ui.window import open_window

COURSE = "learning-together"


def _text(item: QTableWidgetItem | None) -> str:
    return "" if item is None else item.text()


@pytest.fixture
def slow_proxy(academy: LiveServer) -> Iterator[FaultProxy]:
    with FaultProxy("127.0.0.1", academy.port) as proxy:
        yield proxy


@pytest.mark.timeout(120)
def test_progress_pause_resume_and_free_space(
    qtbot: QtBot, make_core: Callable[..., Core], slow_proxy: FaultProxy
) -> None:
    core = make_core()
    core.session.login(slow_proxy.url, "demo", DEMO_PASSWORD)
    window, runner = open_window(qtbot, core)
    window.refresh()  # the Courses page lists the course, and will show its download state
    courses = courses_page(qtbot, window)
    qtbot.waitUntil(lambda: COURSE in card_ids(courses), timeout=20_000)
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)
    card = courses.card(COURSE)
    assert card is not None
    slow_proxy.set(Fault.SLOW, rate=20_000, path="/media/")  # ~120 KB course: several seconds

    qtbot.mouseClick(card.primary, Qt.MouseButton.LeftButton)  # Download
    # The status line says where every download is listed; Ctrl+4 goes there.
    assert "Sync & storage (Ctrl+4)" in window.statusBar().currentMessage()
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.current_name == "sync"
    assert window.pages is not None
    sync = window.pages.sync_page()
    sync.show_section("downloads")
    page = sync.downloads
    assert page.isVisible()
    qtbot.waitUntil(
        lambda: COURSE in page.last_progress and page.last_progress[COURSE].done_bytes > 0,
        timeout=20_000,
    )
    # The list also holds the podcast episodes the sync fetched on its own.
    row = download_row(page, COURSE)
    assert "/s" in _text(page.table.item(row, 3))
    assert "of" in page.bar(COURSE).format()
    assert card.state.text().startswith("Downloading")
    assert not card.primary.isEnabled()  # not twice, and not opened before it is here

    page.table.selectRow(row)
    page.pause_button.click()
    qtbot.waitUntil(
        lambda: core.downloads.states()[COURSE].status is JobStatus.PAUSED, timeout=20_000
    )
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)
    paused_at = page.last_progress[COURSE].done_bytes
    assert 0 < paused_at < page.last_progress[COURSE].total_bytes
    assert card.state.text().startswith("Paused at")

    slow_proxy.set(Fault.PASS)
    with qtbot.waitSignal(page.finished, timeout=60_000):
        page.resume_button.click()
    assert core.downloads.states()[COURSE].status is JobStatus.DONE
    assert page.bar(COURSE).value() == 1000
    assert core.downloads.storage_used()[COURSE] == page.last_progress[COURSE].total_bytes
    qtbot.waitUntil(lambda: card.primary.text() == CardText.OPEN, timeout=20_000)
    assert card.state.text() == CardText.ON_DEVICE

    def confirm() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        box.button(QMessageBox.StandardButton.Yes).click()

    core.actions.record_progress(COURSE, f"{COURSE}-1", 5_000, False)
    QTimer.singleShot(100, confirm)
    page.remove_button.click()
    qtbot.waitUntil(lambda: core.downloads.storage_used().get(COURSE, 0) == 0, timeout=20_000)
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)
    assert not [p for p in (core.paths.media_dir / COURSE).rglob("*") if p.is_file()]
    # The learner's progress is untouched (sent or still waiting, it is not lost).
    owner = record_owner(core.session.account())
    assert ProgressRepo(core.store).get(owner, f"{COURSE}-1") == (5_000, False)


def test_a_download_from_before_the_window_is_named_by_its_title(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    """A course downloaded before this window existed (or resumed after a restart) has no
    title of its own in the queue: the list says the catalogue's title, never the id, and
    keeps the episodes' space for the Podcasts page."""
    core = make_core()
    core.session.login(academy.url, "demo", DEMO_PASSWORD)
    core.downloads.download_course(COURSE)
    window, runner = open_window(qtbot, core)
    window.refresh()
    qtbot.waitUntil(lambda: not window.refreshing and runner.running == 0, timeout=60_000)
    assert window.pages is not None
    downloads = window.pages.sync_page().downloads
    downloads.reload()
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)
    names = [_text(downloads.table.item(r, 0)) for r in range(downloads.table.rowCount())]
    assert "Learning together: study groups that work" in names
    assert COURSE not in names
    row = download_row(downloads, COURSE)
    assert _text(downloads.table.item(row, 5)).endswith("kB")

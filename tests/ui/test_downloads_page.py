"""The Downloads tab over a slow link: live progress (bytes, speed, time left), pause and
resume continue where they stopped, and freeing space removes the files but not progress."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QTableWidgetItem
from pytestqt.qtbot import QtBot

from desktop.app import create_window
from desktop.core import Core
from desktop.domain.account import record_owner
from desktop.domain.transfer import JobStatus
from desktop.store.progress import ProgressRepo
from desktop.ui.main_window import MainWindow
from desktop.ui.tasks import TaskRunner
from tests.faults.proxy import Fault, FaultProxy
from tests.server_process import DEMO_PASSWORD, LiveServer

COURSE = "learning-together"


def _catalogue_state(window: MainWindow) -> str:
    model = window.catalogue_page.model
    row = next(r for r in range(model.rowCount()) if model.entry(r).course.id == COURSE)
    return str(model.data(model.index(row, len(model.HEADERS) - 1)))


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
    runner = TaskRunner()
    window = create_window(core, runner)
    qtbot.addWidget(window)
    window.show()
    page = window.downloads_page
    window.refresh()  # the catalogue lists the course, and will show its download state
    qtbot.waitUntil(lambda: window.catalogue_page.model.rowCount() == 2, timeout=20_000)
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)
    slow_proxy.set(Fault.SLOW, rate=20_000, path="/media/")  # ~120 KB course: several seconds

    page.enqueue(COURSE, "Learning together")
    qtbot.waitUntil(
        lambda: COURSE in page.last_progress and page.last_progress[COURSE].done_bytes > 0,
        timeout=20_000,
    )
    assert "/s" in _text(page.table.item(0, 3))
    assert "of" in page.bar(COURSE).format()
    assert _catalogue_state(window).startswith("Downloading")

    page.table.selectRow(0)
    page.pause_button.click()
    qtbot.waitUntil(
        lambda: core.downloads.states()[COURSE].status is JobStatus.PAUSED, timeout=20_000
    )
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)
    paused_at = page.last_progress[COURSE].done_bytes
    assert 0 < paused_at < page.last_progress[COURSE].total_bytes
    assert _catalogue_state(window).startswith("Paused at")

    slow_proxy.set(Fault.PASS)
    with qtbot.waitSignal(page.finished, timeout=60_000):
        page.resume_button.click()
    assert core.downloads.states()[COURSE].status is JobStatus.DONE
    assert page.bar(COURSE).value() == 1000
    assert core.downloads.storage_used()[COURSE] == page.last_progress[COURSE].total_bytes

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

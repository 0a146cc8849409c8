"""Sync & storage, standalone over a real core and the real academy: what waits is listed in
words, downloads and storage are sections of the same page, Sync now asks the window to sync."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.ui.pages.sync_storage import SyncStoragePage
from desktop.ui.tasks import TaskRunner
from tests.server.sync_api import add_learner
from tests.server_process import DEMO_PASSWORD, LiveServer

COURSE = "learning-together"
POLL = "learning-together-poll-1"

pytestmark = pytest.mark.timeout(90)


def test_one_page_for_the_queue_downloads_and_storage(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    core.session.login(academy.url, add_learner(academy), DEMO_PASSWORD)
    core.downloads.download_course(COURSE)
    assert core.sync.run_window().ok  # the polls arrive
    core.polls.vote(POLL, f"{POLL}-1")
    runner = TaskRunner()
    page = SyncStoragePage(core.queue, core.downloads, core.storage, runner)
    qtbot.addWidget(page)
    page.show()

    with qtbot.waitSignal(page.outbox.model.modelReset, timeout=20_000):
        page.reload()
    assert page.section() == "waiting"
    assert page.outbox.model.data(page.outbox.model.index(0, 1)) == (
        "Your vote in ‘Explaining a topic to others helps me understand it better.’: Agree"
    )
    assert page.outbox.heading.isHidden() and page.downloads.heading.isHidden()

    page.show_section("downloads")
    assert page.sections.currentWidget() is page.downloads
    page.show_section("storage")
    storage = page.storage
    qtbot.waitUntil(lambda: storage.report is not None, timeout=20_000)
    assert storage.report is not None and storage.report.courses > 0
    assert storage.courses.text().endswith("(1 course)")
    assert storage.folder.text() == str(core.paths.data_dir)
    assert storage.free.text() != "Unknown" and storage.open_button.isEnabled()
    with pytest.raises(ValueError):
        page.show_section("elsewhere")

    with qtbot.waitSignal(page.sync_wanted, timeout=5_000):
        qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)
    runner.wait_idle()

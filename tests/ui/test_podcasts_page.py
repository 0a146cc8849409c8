"""The Podcasts page (built when first shown: Ctrl+3) with a real podcast host on loopback and
the real academy: subscribe, download with progress, play with resume, chapters and transcript,
pin, delete, and the background update after a sync (academy feed subscribed and downloaded by
itself, even while the Podcasts page was never opened)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.domain.podcast import EpisodeFile
from desktop.ui.main_window import MainWindow
from desktop.ui.pages.podcasts import PodcastsPage
from desktop.ui.tasks import TaskRunner
from tests import media_factory
from tests.integration.test_podcasts import _publish
from tests.server.sync_api import add_learner
from tests.server_process import DEMO_PASSWORD, LiveServer
from tests.ui.window import open_window
from tests.web_host import WebHost

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def host() -> Iterator[WebHost]:
    with WebHost() as web:
        yield web


@pytest.fixture(scope="module")
def audio(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return media_factory.audio(tmp_path_factory.mktemp("ep"), "m4a", seconds=30).read_bytes()


def _cell(page: PodcastsPage, row: int, column: int) -> str:
    item = page.table.item(row, column)
    return "" if item is None else item.text()


def _idle(qtbot: QtBot, runner: TaskRunner) -> None:
    qtbot.waitUntil(lambda: runner.running == 0, timeout=30_000)


def _podcasts(qtbot: QtBot, window: MainWindow) -> PodcastsPage:
    """Ctrl+3, as a learner opens Podcasts from anywhere."""
    window.activateWindow()  # shortcuts go to the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.current_name == "podcasts"
    assert window.pages is not None
    page = window.pages.podcasts_page()
    assert page.isVisible()
    return page


def _type_address(url: str) -> None:
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, QInputDialog)
    dialog.setTextValue(url)
    dialog.accept()


def test_subscribe_download_play_and_read_along(
    qtbot: QtBot, make_core: Callable[..., Core], host: WebHost, audio: bytes
) -> None:
    core = make_core()
    url = _publish(host, audio, count=2)
    window, _runner = open_window(qtbot, core)
    page = _podcasts(qtbot, window)
    QTimer.singleShot(100, lambda: _type_address(url))
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)  # "Add podcast…"
    qtbot.waitUntil(lambda: page.table.rowCount() == 2, timeout=20_000)
    assert page.feed_list.count() == 2  # "All episodes" and the podcast
    assert _cell(page, 0, 0) == "Aflevering 2"
    assert "not downloaded" in _cell(page, 0, 4)

    page.table.selectRow(0)
    assert page.download_button.isEnabled() and not page.play_button.isEnabled()
    qtbot.mouseClick(page.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "on this computer" in _cell(page, 0, 4), timeout=20_000)
    # It went through the download queue: Sync & storage's Downloads lists it by its title.
    qtbot.mouseClick(window.indicator, Qt.MouseButton.LeftButton)
    assert window.stack.current_name == "sync"
    assert window.pages is not None
    sync = window.pages.sync_page()
    sync.show_section("downloads")
    downloads = sync.downloads
    qtbot.waitUntil(lambda: downloads.table.rowCount() == 1, timeout=10_000)
    title, status = downloads.table.item(0, 0), downloads.table.item(0, 1)
    assert title is not None and status is not None and title.text() == "Aflevering 2"
    qtbot.waitUntil(lambda: status.text() == "On this computer", timeout=10_000)
    downloads.table.selectRow(0)
    assert not downloads.remove_button.isEnabled()  # its file is deleted on the Podcasts page
    window.menus.back.trigger()  # View > Back (Alt+Left)
    assert window.stack.current_name == "podcasts"
    # The chapters and the transcript came along and are shown.
    qtbot.waitUntil(lambda: page.chapters.count() == 2, timeout=20_000)
    assert page.chapters.item(1).text().endswith("Kern")
    assert "Hallo" in page.transcript.toPlainText()

    page.table.selectRow(0)
    assert page.play_button.isEnabled()
    with qtbot.waitSignal(window.player.loaded, timeout=20_000):
        qtbot.mouseClick(page.play_button, Qt.MouseButton.LeftButton)
    assert window.player_bar.title.text() == "Aflevering 2"
    page.chapters.itemActivated.emit(page.chapters.item(1))  # jump to "Kern" at 0:05
    qtbot.waitUntil(lambda: abs(window.player.position() - 5_000) < 500, timeout=5_000)
    window.player.pause()
    key = page.selected_key()
    assert key is not None

    def saved_near_chapter() -> bool:
        saved = core.learning.position(str(key))
        return saved is not None and abs(saved.position_ms - 5_000) < 1_000

    qtbot.waitUntil(saved_near_chapter, timeout=10_000)  # on the window's record thread
    page.reload()
    qtbot.waitUntil(lambda: "heard" in _cell(page, 0, 4), timeout=10_000)

    # Pinning and deleting the file.
    page.table.selectRow(0)
    qtbot.mouseClick(page.pin_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "pinned" in _cell(page, 0, 4), timeout=10_000)
    page.table.selectRow(0)
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not downloaded" in _cell(page, 0, 4), timeout=10_000)
    assert window.player.media_key == ""  # it was playing: unloaded first
    episode = core.podcasts.episode(key)
    assert episode.file is EpisodeFile.REMOTE and not core.podcasts.path(episode).exists()


def test_a_bad_address_is_explained_and_changes_nothing(
    qtbot: QtBot, make_core: Callable[..., Core], host: WebHost
) -> None:
    core = make_core()
    window, runner = open_window(qtbot, core)
    page = _podcasts(qtbot, window)
    host.put("/page.html", b"<!doctype html><html>Welcome</html>", "text/html")
    page.subscribe(host.url("/page.html"))
    qtbot.waitUntil(lambda: "web page" in page.problem.text(), timeout=20_000)
    _idle(qtbot, runner)
    assert core.podcasts.feeds() == []
    assert page.table.rowCount() == 0


def test_after_a_sync_the_academy_podcast_arrives_by_itself(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer, tmp_path: Path
) -> None:
    core = make_core()
    core.session.login(academy.url, add_learner(academy), DEMO_PASSWORD)
    window, runner = open_window(qtbot, core)
    assert window.pages is not None
    window.sync_action.trigger()  # the Podcasts page is not open, nor built
    qtbot.waitUntil(
        lambda: (
            len(core.podcasts.episodes()) == 3
            and all(e.file is EpisodeFile.AVAILABLE for e in core.podcasts.episodes())
        ),
        timeout=60_000,
    )
    (feed,) = core.podcasts.feeds()
    assert feed.is_academy and feed.keep_latest == 3
    _idle(qtbot, runner)
    page = _podcasts(qtbot, window)  # opened now: the episodes are there
    qtbot.waitUntil(lambda: page.table.rowCount() == 3, timeout=20_000)
    assert all("on this computer" in _cell(page, r, 4) for r in range(3))
    # With the page open, the next sync updates through it and says how it went.
    with qtbot.waitSignal(page.updated, timeout=60_000):
        window.sync_action.trigger()
    assert page.last_report is not None and page.last_report.problems == {}
    qtbot.waitUntil(lambda: page.table.rowCount() == 3, timeout=20_000)
    assert all("on this computer" in _cell(page, r, 4) for r in range(3))
    _idle(qtbot, runner)

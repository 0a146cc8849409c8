"""The Podcasts page (built when first shown: Ctrl+3) with a real podcast host on loopback and
the real academy: subscribe, download with progress, play with resume, chapters and transcript,
keep (pin), delete, the background update after a sync (academy feed subscribed and downloaded
by itself, even while the Podcasts page was never opened), and the academy podcast's artwork
(fetched once, its initials offline)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QInputDialog
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.domain.podcast import EpisodeFile
from desktop.ui.main_window import MainWindow
from desktop.ui.pages.podcasts import PodcastsPage
from desktop.ui.tasks import TaskRunner
from desktop.ui.widgets.list_entry import SUBTITLE_ROLE
from tests import media_factory
from tests.faults.proxy import Fault, FaultProxy
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


def _facts(page: PodcastsPage, row: int) -> str:
    """The episode row's second line as the learner reads it ("6 January · New · Downloaded")."""
    item = page.episode_list.item(row)
    return "" if item is None else str(item.data(SUBTITLE_ROLE))


def _title(page: PodcastsPage, row: int) -> str:
    item = page.episode_list.item(row)
    return "" if item is None else item.text()


def _choose(qtbot: QtBot, page: PodcastsPage, menu_item: QAction) -> None:
    """Open More by keyboard (Space on the focused button) and choose `menu_item` with Enter."""
    menu = page.details.menu

    def pick() -> None:
        if not menu.isVisible():
            QTimer.singleShot(50, pick)  # the menu opens in its own event loop
            return
        menu.setActiveAction(menu_item)
        qtbot.keyClick(menu, Qt.Key.Key_Return)

    QTimer.singleShot(50, pick)
    page.more_button.setFocus()
    qtbot.keyClick(page.more_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not menu.isVisible(), timeout=5_000)


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


# The More menu pops up: the offscreen platform cannot raise it or grab the keyboard.
@pytest.mark.qt_log_ignore("This plugin does not support raise", "does not support grabbing")
def test_subscribe_download_play_and_read_along(
    qtbot: QtBot, make_core: Callable[..., Core], host: WebHost, audio: bytes
) -> None:
    core = make_core()
    url = _publish(host, audio, count=2)
    window, _runner = open_window(qtbot, core)
    page = _podcasts(qtbot, window)
    QTimer.singleShot(100, lambda: _type_address(url))
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)  # "Add podcast…"
    qtbot.waitUntil(lambda: page.episode_list.count() == 2, timeout=20_000)
    assert page.feed_list.count() == 2  # "All episodes" and the podcast
    assert _title(page, 0) == "Aflevering 2"
    assert "New" in _facts(page, 0) and "Downloaded" not in _facts(page, 0)
    # The newest episode is chosen already: its notes show and its one action is Download.
    assert page.selected_key() is not None and page.details.showing_episode()
    assert page.play_button.text() == "&Download" and page.play_button.isEnabled()
    assert not page.delete_action.isEnabled()
    page.episode_list.setFocus()  # Enter on the episode runs its one action
    qtbot.keyClick(page.episode_list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Downloaded" in _facts(page, 0), timeout=20_000)
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

    page.episode_list.setCurrentRow(0)
    assert page.play_button.text() == "&Play" and page.play_button.isEnabled()
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
    qtbot.waitUntil(lambda: "left" in _facts(page, 0), timeout=10_000)  # "25 sec left"
    assert page.play_button.text().startswith("&Resume at 0:0")

    # Keeping (pinning) and deleting the download, from the More menu.
    _choose(qtbot, page, page.pin_action)
    qtbot.waitUntil(lambda: "Downloaded, kept" in _facts(page, 0), timeout=10_000)
    assert page.pin_action.isChecked()
    _choose(qtbot, page, page.delete_action)
    qtbot.waitUntil(lambda: "Downloaded" not in _facts(page, 0), timeout=10_000)
    assert page.play_button.text() == "&Download"
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
    assert page.episode_list.count() == 0
    # Nothing to list: the page says what to do rather than show blank panes.
    assert page.episode_stack.currentWidget() is page.no_episodes
    assert page.no_episodes.isVisible() and "Add podcast" in page.no_episodes.text()
    assert not page.details.isVisible()


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
    qtbot.waitUntil(lambda: page.episode_list.count() == 3, timeout=20_000)
    assert all("Downloaded" in _facts(page, r) for r in range(3))
    # The academy's podcast: a plain name with where it comes from, and its own artwork,
    # fetched once into the data folder (owner-only).
    qtbot.waitUntil(lambda: page.artwork(feed.url) is not None, timeout=20_000)
    picture = page.artwork(feed.url)
    assert picture is not None and not picture.isNull()
    assert page.feed_list.item(1).text() == feed.title == "Samen Academy podcast"
    assert page.feed_list.item(1).data(SUBTITLE_ROLE) == "From your academy"
    page.feed_list.setCurrentRow(1)
    assert page.header.title.text() == feed.title and page.header.artwork.has_artwork()
    (stored,) = (core.paths.cover_dir / "podcasts").iterdir()
    assert stored.stat().st_mode & 0o077 == 0
    # With the page open, the next sync updates through it and says how it went.
    with qtbot.waitSignal(page.updated, timeout=60_000):
        window.sync_action.trigger()
    assert page.last_report is not None and page.last_report.problems == {}
    qtbot.waitUntil(lambda: page.episode_list.count() == 3, timeout=20_000)
    assert all("Downloaded" in _facts(page, r) for r in range(3))
    _idle(qtbot, runner)


def test_the_academy_artwork_shows_initials_offline_then_arrives(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer, proxy: FaultProxy
) -> None:
    core = make_core()
    core.session.login(proxy.url, add_learner(academy), DEMO_PASSWORD)
    (feed,) = core.podcasts.subscribe_academy()
    assert feed.image_url.endswith("/artwork")
    proxy.set(Fault.RESET_AFTER_REQUEST, path="/artwork")  # the artwork cannot be reached
    window, runner = open_window(qtbot, core)
    page = _podcasts(qtbot, window)
    qtbot.waitUntil(lambda: page.feed_list.count() == 2, timeout=20_000)
    _idle(qtbot, runner)
    assert page.artwork(feed.url) is None
    page.feed_list.setCurrentRow(1)
    assert not page.header.artwork.has_artwork() and page.header.artwork.isVisible()
    thumbnail = page.feed_list.item(1).icon()  # its initials on a palette colour meanwhile
    assert not thumbnail.isNull() and not thumbnail.pixmap(40, 40).isNull()
    assert not (core.paths.cover_dir / "podcasts").exists()

    proxy.set(Fault.PASS)  # back online: the next look fetches it, once
    page.reload()
    qtbot.waitUntil(lambda: page.header.artwork.has_artwork(), timeout=20_000)
    (stored,) = (core.paths.cover_dir / "podcasts").iterdir()
    written = stored.stat().st_mtime_ns
    assert core.podcasts.fetch_artwork([feed]) == {feed.url: stored}  # read from here, once
    assert stored.stat().st_mtime_ns == written

"""The main window: catalogue, courses on this device, and the sync status. UI thread.

All service calls go through the TaskRunner; this class only arranges widgets and reacts to
results. A failed refresh never empties the window: what the device already knows stays shown.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget, QVBoxLayout, QWidget

from desktop import __version__
from desktop.domain.status import Connectivity
from desktop.settings import Settings
from desktop.ui.tasks import TaskRunner
from desktop.ui.widgets.warning_banner import WarningBanner

if TYPE_CHECKING:
    from desktop.services.catalogue import CatalogueService
    from desktop.services.downloads import DownloadService
    from desktop.services.forum import ForumService
    from desktop.services.learning import LearningService
    from desktop.services.lessons import LessonService
    from desktop.services.overview import Overview, OverviewService
    from desktop.services.packs import PackService
    from desktop.services.peer import PeerService
    from desktop.services.podcasts import PodcastService
    from desktop.services.polls import PollService
    from desktop.services.queue import QueueService
    from desktop.services.session import SessionService
    from desktop.services.standing import StandingService
    from desktop.services.supporters import SupporterService

# What attach() builds from: the pages, the player (QtMultimedia) and the services they use.
# The shell imports none of it, so it is painted before they load; app.py imports them on a
# worker thread meanwhile (preload()).
WINDOW_MODULES = (
    "desktop.media.player",
    "desktop.services.overview",
    "desktop.services.session",
    "desktop.ui.login_dialog",
    "desktop.ui.network_hint",
    "desktop.ui.pack_actions",
    "desktop.ui.pages.course_list",
    "desktop.ui.pages.downloads",
    "desktop.ui.pages.forum",
    "desktop.ui.pages.lesson_view",
    "desktop.ui.pages.outbox",
    "desktop.ui.pages.peer",
    "desktop.ui.pages.podcasts",
    "desktop.ui.pages.polls",
    "desktop.ui.widgets.player_bar",
    "desktop.ui.widgets.sync_indicator",
)


def preload() -> None:
    """Import what attach() needs. Any thread; Python's import lock makes a second caller wait."""
    for name in WINDOW_MODULES:
        importlib.import_module(name)


PEER_TAB = "Peer f&eedback"


class MainWindow(QMainWindow):
    """Made in two steps so it is on screen at once: the constructor builds the shell (title,
    size, an "Opening…" note), attach() the pages once the services exist."""

    def __init__(self, runner: TaskRunner) -> None:
        super().__init__()
        self.setWindowTitle("Samen")
        self.resize(960, 640)
        self._runner = runner
        self.overview: Overview | None = None
        self.refreshing = False
        self.sync_again = False  # Sync pressed while one runs: another follows at once
        self.attached = False
        opening = QLabel("Opening your courses…")
        opening.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCentralWidget(opening)
        # Above the tabs once attached: a full disk stops every action, so it is said once,
        # in view, whichever action met it (and in the status bar).
        self._space_banner = WarningBanner()
        self.space_notice = self._space_banner.label  # visible only while the banner is
        runner.disk_full.connect(self.show_disk_full)

    def attach(
        self,
        session: SessionService,
        catalogue: CatalogueService,
        overview: OverviewService,
        queue: QueueService,
        packs: PackService,
        downloads: DownloadService,
        lessons: LessonService,
        learning: LearningService,
        podcasts: PodcastService,
        polls: PollService,
        forum: ForumService,
        supporters: SupporterService,
        standing: StandingService,
        peer: PeerService,
        media_root: Path,
        settings: Settings,
        *,
        default_server: str = "",
        data_dir: Path | None = None,
    ) -> None:
        """Build the pages, menus and timers around the services. UI thread, once."""
        from desktop.media.player import Player
        from desktop.ui.network_hint import NetworkHint
        from desktop.ui.pack_actions import PackActions
        from desktop.ui.pages.course_list import CourseListPage
        from desktop.ui.pages.downloads import DownloadsPage
        from desktop.ui.pages.forum import ForumPage
        from desktop.ui.pages.lesson_view import LessonView
        from desktop.ui.pages.outbox import OutboxPage
        from desktop.ui.pages.peer import PeerPage
        from desktop.ui.pages.podcasts import PodcastsPage
        from desktop.ui.pages.polls import PollsPage
        from desktop.ui.widgets.player_bar import PlayerBar
        from desktop.ui.widgets.sync_indicator import SyncIndicator

        runner = self._runner
        self._settings = settings
        self._data_dir = data_dir if data_dir is not None else media_root.parent
        self._default_server = default_server
        self._session = session
        self._catalogue = catalogue
        self._overview = overview
        self._queue = queue
        self._standing = standing

        self.catalogue_page = CourseListPage(
            "Catalogue",
            "No courses to show yet. When you are online, the academy's courses appear here.",
            action_label="&Download for offline use",
        )
        self.library_page = CourseListPage(
            "On this device",
            "Nothing downloaded yet. Download a course from the catalogue to study it offline, "
            "or import a course pack (Ctrl+I).",
            action_label="&Export course pack…",
        )
        self.pack_actions = PackActions(packs, runner, self)
        self.pack_actions.imported.connect(lambda _course: self.refresh())
        self.library_page.action_requested.connect(self.pack_actions.export_course)
        self.outbox_page = OutboxPage(queue, runner)
        self.downloads_page = DownloadsPage(downloads, runner)
        self._learning = learning
        # One thread, first in first out: where the learner was is saved before a logout
        # that follows it, and never mixed up with the next learner's record.
        self._record_runner = TaskRunner(self, max_threads=1)
        self._record_runner.disk_full.connect(self.show_disk_full)
        self.player = Player(self)
        self.player.save_due.connect(self._save_position)
        self.player_bar = PlayerBar(self.player)
        self.lesson_view = LessonView(
            lessons, learning, supporters, peer, self.player, runner, media_root
        )
        self.peer_page = PeerPage(peer, self.player, runner)
        self.peer_page.changed.connect(self.outbox_page.reload)
        self.peer_page.unseen_changed.connect(self._show_unseen)
        self.lesson_view.queued.connect(self.outbox_page.reload)
        self.podcasts_page = PodcastsPage(podcasts, self.player, runner)
        self.polls_page = PollsPage(polls, runner)
        self.polls_page.voted.connect(self.outbox_page.reload)
        self.lesson_view.polls_wanted.connect(self.show_polls)
        self._forum = forum
        self.forum_page = ForumPage(forum, runner)
        self.forum_page.changed.connect(self.outbox_page.reload)
        self.lesson_view.forum_wanted.connect(self.show_forum)
        self.downloads_page.finished.connect(self.refresh)
        self.podcasts_page.downloads_changed.connect(self.downloads_page.reload)
        self.downloads_page.course_label.connect(self._show_download)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.catalogue_page, "&Catalogue")
        self.tabs.addTab(self.library_page, "On this &device")
        self.tabs.addTab(self.downloads_page, "Do&wnloads")
        self.tabs.addTab(self.lesson_view, "&Lessons")
        self.tabs.addTab(self.podcasts_page, "&Podcasts")
        self.tabs.addTab(self.polls_page, "P&olls")
        self.tabs.addTab(self.forum_page, "&Forum")
        self.tabs.addTab(self.peer_page, PEER_TAB)
        self.tabs.currentChanged.connect(lambda _index: self.peer_page.seen_if_shown())
        self.tabs.addTab(self.outbox_page, "&Waiting to send")
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self._space_banner)
        column.addWidget(self.tabs, 1)
        column.addWidget(self.player_bar)
        self.setCentralWidget(central)

        self.indicator = SyncIndicator(queue, runner)
        self.statusBar().addPermanentWidget(self.indicator)
        self.indicator.clicked.connect(lambda: self.tabs.setCurrentWidget(self.outbox_page))
        # The pending count is the outbox's after every local write (any task of either
        # runner) and every sync.
        self.indicator.watch(self._record_runner)

        self._build_actions()
        self.catalogue_page.action_requested.connect(self.download_course)
        self.catalogue_page.opened.connect(self.download_course)
        self.library_page.opened.connect(self.open_course)

        self.sync_timer = QTimer(self)
        self.sync_timer.setSingleShot(True)
        self.sync_timer.timeout.connect(self.refresh)
        self.network = NetworkHint(self)
        self.network.back_online.connect(self._on_network_back)
        # Read on a worker thread: a plain attribute the hint keeps current on this thread.
        downloads.is_metered = lambda: self.network.metered
        self.outbox_page.changed.connect(self.refresh)
        self.podcasts_page.reload()
        self.polls_page.reload()
        self.forum_page.clear()
        self.attached = True

    def _build_actions(self) -> None:
        menu = self.menuBar().addMenu("&Samen")
        self.sync_action = QAction("&Sync now", self)
        self.sync_action.setShortcuts(
            [QKeySequence("Ctrl+R"), QKeySequence(QKeySequence.StandardKey.Refresh)]
        )
        self.sync_action.triggered.connect(self.refresh)
        self.login_action = QAction("&Log in…", self)
        self.login_action.triggered.connect(self.ask_login)
        self.logout_action = QAction("Log &out", self)
        self.logout_action.triggered.connect(self.logout)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        quit_action.triggered.connect(self.close)
        for action in (self.sync_action, self.login_action, self.logout_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.pack_actions.import_action)
        menu.addAction(self.pack_actions.import_folder_action)
        self.unmetered_action = QAction("Download only on &unmetered connections", self)
        self.unmetered_action.setCheckable(True)
        self.unmetered_action.setChecked(bool(self._settings.get("download_unmetered_only")))
        self.unmetered_action.toggled.connect(self._toggle_unmetered)
        menu.addAction(self.unmetered_action)
        # "Se&ttings…": Alt+S is "&Sync now" in this menu.
        self.settings_action = QAction("Se&ttings…", self)
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(self.show_settings)
        menu.addAction(self.settings_action)
        menu.addSeparator()
        menu.addAction(quit_action)
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.addAction(self.sync_action)
        playback = self.menuBar().addMenu("&Playback")
        for action in self.player_bar.actions_for_window:
            playback.addAction(action)
            self.addAction(action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About Samen", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    # -- refresh -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Check connectivity and refresh the catalogue in the background."""
        if not self.attached:
            return
        if self.refreshing:
            # Never greyed out: a frozen academy holds a sync only up to the short probe
            # timeout, and pressing again asks for a fresh try right after this one.
            self.sync_again = True
            self.statusBar().showMessage(
                "Still connecting to the academy; Samen tries again as soon as this attempt ends."
            )
            return
        self.refreshing = True
        self.indicator.show_connecting()  # at once, not after the probe answers
        self.statusBar().showMessage("Connecting to the academy…")
        self._runner.submit(self._overview.refresh, self._on_refreshed, self._on_refresh_failed)

    def _on_refreshed(self, result: object) -> None:
        from desktop.services.overview import Overview
        from desktop.ui.action_text import sent_sentence

        assert isinstance(result, Overview)
        self.refreshing = False
        self.overview = result
        self.indicator.show_status(result.status)
        self.indicator.recount()
        self.catalogue_page.set_entries(result.library)
        self.library_page.set_entries([e for e in result.library if e.downloaded])
        course_ids = [entry.course.id for entry in result.library]
        self._runner.submit(lambda: self._standing.standings(course_ids), self._show_standings)
        self.logout_action.setEnabled(result.status.logged_in)
        report = result.report
        sent = sent_sentence(report.acked, report.acked_by_kind, report.rejected) if report else ""
        said = " ".join(part for part in (sent, result.message or "") if part)
        self.statusBar().showMessage(said or "Up to date.", 0 if result.message else 8000)
        if result.message is None:
            self._space_banner.hide()  # the sync wrote to the database again: there is room
        self.outbox_page.reload()
        self.polls_page.reload()  # results and refusals may have changed
        self.forum_page.reload()
        self.lesson_view.refresh_social()  # points, supporters' answers, peers
        self.peer_page.reload()  # work to review, feedback received
        if result.status.connectivity is Connectivity.ONLINE:
            self.podcasts_page.background_update()
        self._schedule_sync(result.next_sync_s)
        self._sync_again_if_asked()

    def _sync_again_if_asked(self) -> None:
        if self.sync_again:
            self.sync_again = False
            self.refresh()

    def _show_unseen(self, count: int) -> None:
        """The Peer feedback tab counts feedback not looked at yet; new feedback is also
        announced in the status bar."""
        index = self.tabs.indexOf(self.peer_page)
        before = self.tabs.tabText(index)
        self.tabs.setTabText(index, f"{PEER_TAB} ({count} new)" if count else PEER_TAB)
        if count and before == PEER_TAB:
            word = "feedback" if count == 1 else "pieces of feedback"
            self.statusBar().showMessage(f"New peer feedback on your work: {count} {word}.")

    def _show_standings(self, standings: object) -> None:
        assert isinstance(standings, dict)
        self.catalogue_page.model.set_standings(standings)
        self.library_page.model.set_standings(standings)

    def _on_refresh_failed(self, exc: BaseException) -> None:
        self.refreshing = False
        self.indicator.show_status(self.overview.status if self.overview else None)
        self.indicator.recount()
        self.statusBar().showMessage(f"Could not refresh: {exc}")
        self._schedule_sync(self._overview.interval_s)
        self._sync_again_if_asked()

    def show_disk_full(self, exc: object) -> None:
        """Say that the disk is full, how much to free and where (the error's own sentence)."""
        message = getattr(exc, "message", str(exc))
        self._space_banner.say(message)
        self.statusBar().showMessage(message)

    def _on_network_back(self) -> None:
        # The OS says the network is back: open a window soon instead of waiting out the
        # backoff (a short delay lets DHCP and DNS settle).
        self._schedule_sync(2.0)

    def _schedule_sync(self, seconds: float) -> None:
        # Background sync: a single-shot timer re-armed after each window (never a sleeping
        # thread); offline it follows the backoff, online the configured interval.
        self.sync_timer.start(int(min(max(seconds, 1.0), 3600.0) * 1000))

    # -- actions -------------------------------------------------------------------------------

    def download_course(self, course_id: str) -> None:
        entry = next(
            (e for e in self.catalogue_page.model.entries if e.course.id == course_id), None
        )
        self.downloads_page.enqueue(course_id, entry.course.title if entry else course_id)
        self.statusBar().showMessage("Downloading; see the Downloads tab for progress.", 5000)

    def open_course(self, course_id: str) -> None:
        entry = next((e for e in self.library_page.model.entries if e.course.id == course_id), None)
        self.lesson_view.open_course(course_id, entry.course.title if entry else course_id)
        self.tabs.setCurrentWidget(self.lesson_view)

    def _show_download(self, course_id: str, label: str) -> None:
        self.catalogue_page.model.show_download(course_id, label or None)

    def show_settings(self) -> None:
        from desktop.ui.settings_dialog import SettingsDialog

        shown = self.findChild(SettingsDialog)
        if shown is not None and shown.isVisible():
            shown.raise_()
            shown.activateWindow()
            return
        dialog = SettingsDialog(self._settings, self._runner, self._data_dir, self)
        dialog.settings_changed.connect(
            lambda: self.unmetered_action.setChecked(
                bool(self._settings.get("download_unmetered_only"))
            )
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _toggle_unmetered(self, only_unmetered: bool) -> None:
        self._settings.set("download_unmetered_only", only_unmetered)
        self._runner.submit(self._settings.save)

    def ask_login(self) -> bool:
        from desktop.ui.login_dialog import LoginDialog

        account = self._session.account()
        dialog = LoginDialog(
            self._session,
            self._runner,
            server_url=account.server_url if account else self._default_server,
            parent=self,
        )
        accepted = dialog.exec() == LoginDialog.DialogCode.Accepted
        if accepted:
            self._forget_learner()  # perhaps another learner on this computer
            self.refresh()
        return accepted

    def logout(self) -> None:
        """Ask first, saying how much work waits (counted fresh, on the worker pool)."""
        self._runner.submit(self._queue.waiting_count, self._confirm_logout)

    def _confirm_logout(self, pending: object) -> None:
        assert isinstance(pending, int)
        waiting = (
            f"\n\n{pending} actions have not been sent yet. They stay on this device and are "
            "sent after you log in again with this account."
            if pending
            else ""
        )
        answer = QMessageBox.question(
            self, "Log out", "Log out of the academy? Courses on this device stay." + waiting
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.player.unload()  # saved for this learner, before the logout below
            self._record_runner.submit(self._session.logout, self._after_logout)

    def _after_logout(self, result: object) -> None:
        from desktop.services.session import LogoutResult

        assert isinstance(result, LogoutResult)
        kept = f" {result.pending_kept} actions are kept for later." if result.pending_kept else ""
        self.statusBar().showMessage("Logged out." + kept)
        self._forget_learner()
        self.refresh()

    def show_forum(self, course_id: str, title: str, lesson_id: str = "") -> None:
        same = course_id == self.lesson_view.course_id
        lessons = self.lesson_view.lesson_titles() if same else []
        self.forum_page.show_course(course_id, title, lesson_id or None, lessons)
        self.tabs.setCurrentWidget(self.forum_page)
        self._runner.submit(self._forum.is_moderator, self._set_moderator)

    def _set_moderator(self, moderator: object) -> None:
        self.forum_page.set_moderator(bool(moderator))

    def show_polls(self, course_id: str, title: str, lesson_id: str = "") -> None:
        same = course_id == self.lesson_view.course_id
        lessons = self.lesson_view.lesson_titles() if same else []
        self.polls_page.show_course(course_id, title, lesson_id or None, lessons)
        self.tabs.setCurrentWidget(self.polls_page)

    def _forget_learner(self) -> None:
        """Nothing of one learner's record stays on screen for the next one."""
        self.player.unload()
        self.lesson_view.close_course()
        self.podcasts_page.reload()
        self._show_standings({})  # progress and points are the learner's own
        self.peer_page.clear()

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About Samen",
            f"<b>Samen {__version__}</b><p>Waarom moeilijk doen als het ook samen kan.</p>"
            "<p>Learn at your own pace, offline, and still together.</p>",
        )

    def _save_position(self, media_key: str, position_ms: int, duration_ms: int) -> None:
        self._record_runner.submit(
            lambda: self._learning.save_position(media_key, position_ms, duration_ms)
        )

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self.attached:  # closed while still opening: nothing to save or stop yet
            super().closeEvent(event)
            return
        self.sync_timer.stop()
        self.podcasts_page.stop_all()
        self.player.unload()  # saves where the learner was
        # Quitting waits for that one small write, and for downloads to stop between two
        # chunks, so nothing runs against a closed database.
        self._record_runner.wait_idle(10_000)
        self.podcasts_page.wait_idle(20_000)
        super().closeEvent(event)

"""The main window: a navigation rail (Home, Courses, Podcasts, Sync & storage), the page in
front, the player bar and the status line. UI thread.

All service calls go through the TaskRunner; this class arranges pages, moves between them and
reacts to syncs. Pages are built when first shown (desktop/ui/page_stack.py) and wired in
desktop/ui/window_pages.py. A failed refresh never empties the window: what the device already
knows stays shown.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop import __version__
from desktop.domain.status import Connectivity
from desktop.language.catalogue import N_, _, counted
from desktop.ui.icons import Icons
from desktop.ui.nav_rail import NavRail
from desktop.ui.page_stack import PageStack
from desktop.ui.pages.home import HomePage
from desktop.ui.tasks import TaskRunner
from desktop.ui.widgets.warning_banner import WarningBanner

if TYPE_CHECKING:
    from desktop.media.player import Player
    from desktop.services.overview import Overview
    from desktop.ui.window_pages import WindowPages
    from desktop.ui.window_services import WindowServices
    from desktop.ui.window_state import WindowState

# What attach() builds from. The shell imports none of it, so it is painted before they load;
# app.py imports them on a worker thread meanwhile (preload()). Pages a learner may never open
# (podcasts, the player) are imported when first shown.
WINDOW_MODULES = (
    "desktop.services.overview",
    "desktop.services.session",
    "desktop.ui.login_dialog",
    "desktop.ui.network_hint",
    "desktop.ui.pack_actions",
    "desktop.ui.window_menus",
    "desktop.ui.window_pages",
    "desktop.ui.pages.courses",
    "desktop.ui.widgets.sync_indicator",
)

PLACES = (  # rail place, words (translated where shown), shortcut
    ("home", N_("Home"), "Ctrl+1"),
    ("courses", N_("Courses"), "Ctrl+2"),
    ("podcasts", N_("Podcasts"), "Ctrl+3"),
)
SYNC_PLACE = ("sync", N_("Sync & storage"), "Ctrl+4")


def preload() -> None:
    """Import what attach() needs. Any thread; Python's import lock makes a second caller wait."""
    for name in WINDOW_MODULES:
        importlib.import_module(name)


class MainWindow(QMainWindow):
    """Made in two steps so it is on screen at once: the constructor builds the shell (title,
    rail, an "Opening…" Home), attach() the pages once the services exist."""

    def __init__(self, runner: TaskRunner) -> None:
        super().__init__()
        self.setWindowTitle("Samen")
        self.resize(1100, 720)
        self._runner = runner
        self.overview: Overview | None = None
        self.refreshing = False
        self.sync_again = False  # Sync pressed while one runs: another follows at once
        self.attached = False
        self.pages: WindowPages | None = None
        self._player: Player | None = None
        self.last_place = ""
        self._front = ""  # the page in front, to notice leaving a lesson
        self.window_state: WindowState | None = None  # set by run_gui: size, splitters, place
        self.titles: dict[str, str] = {}  # course id -> title, for pages opened by id

        self.rail = NavRail()
        for name, words, shortcut in PLACES:
            self.rail.add_place(name, _(words), shortcut)
        sync_name, sync_words, sync_key = SYNC_PLACE
        self.rail.add_place(sync_name, _(sync_words), sync_key, bottom=True)
        for name in self.rail.buttons:
            self.rail.set_icon(name, Icons.icon(name))
        self.rail.place_requested.connect(self.go)
        self.stack = PageStack()
        self.stack.shown.connect(self._page_shown)
        self.stack.built_page.connect(self._page_built)
        # Home is part of the shell: it lists the courses on this computer (read cheaply,
        # show_first_look) before the services and the other pages are loaded.
        self.home_page = HomePage(None, runner)
        self.home_usable = False  # the learner's courses are listed (the bench waits on it)
        self.home_page.shown.connect(self._home_filled)
        self.stack.add("home", self.home_page)
        self.stack.show_page("home", remember=False)
        # Above the pages: a full disk stops every action, so it is said once, in view,
        # whichever action met it (and in the status bar).
        self._space_banner = WarningBanner()
        self.space_notice = self._space_banner.label  # visible only while the banner is
        runner.disk_full.connect(self.show_disk_full)

        right = QWidget()
        self._column = QVBoxLayout(right)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._column.setSpacing(0)
        self._column.addWidget(self._space_banner)
        self._column.addWidget(self.stack, 1)
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.rail)
        row.addWidget(right, 1)
        self.setCentralWidget(central)
        self.rail.light("home")

    # -- building ------------------------------------------------------------------------------

    def show_first_look(self, courses: object) -> None:
        """The courses on this computer, read before the services exist (start-up)."""
        assert isinstance(courses, list)
        self.titles.update({course.course_id: course.title for course in courses})
        if not self.home_usable:  # the full Home may have come first
            self.home_page.set_courses(courses)
            self.home_usable = True

    def _home_filled(self) -> None:
        self.home_usable = True

    def attach(self, services: WindowServices) -> None:
        """Build the pages, menus and timers around the services. UI thread, once."""
        from desktop.ui.network_hint import NetworkHint
        from desktop.ui.pack_actions import PackActions
        from desktop.ui.widgets.sync_indicator import SyncIndicator
        from desktop.ui.window_menus import build_menus
        from desktop.ui.window_pages import WindowPages

        self.services = services
        self._settings = services.settings
        # One thread, first in first out: where the learner was is saved before a logout
        # that follows it, and never mixed up with the next learner's record.
        self._record_runner = TaskRunner(self, max_threads=1)
        self._record_runner.disk_full.connect(self.show_disk_full)
        self.pack_actions = PackActions(services.packs, self._runner, self)
        self.pack_actions.imported.connect(lambda _course: self.refresh())

        self.indicator = SyncIndicator(services.queue, self._runner)
        self.statusBar().addPermanentWidget(self.indicator)
        self.indicator.clicked.connect(lambda: self.go("sync"))
        # The pending count is the outbox's after every local write (any task of either
        # runner) and every sync.
        self.indicator.watch(self._record_runner)
        self.menus = build_menus(self)
        self.sync_action = self.menus.sync  # tests and the bench press it as a learner would
        self.settings_action = self.menus.settings
        self.pages = WindowPages(self, services, self._runner)
        self.pages.register_all(self.stack)

        self.sync_timer = QTimer(self)
        self.sync_timer.setSingleShot(True)
        self.sync_timer.timeout.connect(self.refresh)
        self.network = NetworkHint(self)
        self.network.back_online.connect(self._on_network_back)
        # Read on a worker thread: a plain attribute the hint keeps current on this thread.
        services.downloads.is_metered = lambda: self.network.metered
        self.pages.wire_home(self.home_page)
        self.attached = True
        self.reopen(self.window_state.last_place() if self.window_state else "")

    @property
    def player(self) -> Player:
        """The one player for lessons and podcasts, made when first needed: QtMultimedia and
        its codecs cost memory a learner who only reads never needs."""
        if self._player is None:
            from desktop.media.player import Player
            from desktop.ui.widgets.player_bar import PlayerBar

            self._player = Player(self)
            self._player.save_due.connect(self._save_position)
            self.player_bar = PlayerBar(self._player)
            # Shown once something is loaded, as in podcast apps: an empty bar says nothing.
            self.player_bar.hide()
            self._player.loaded.connect(lambda _key: self.player_bar.show())
            self._column.addWidget(self.player_bar)
            for action in self.player_bar.actions_for_window:
                self.menus.playback.addAction(action)
                self.addAction(action)
        return self._player

    # -- moving around -------------------------------------------------------------------------

    def go(self, name: str) -> None:
        """Show a rail place (home, courses, podcasts, sync) or any registered page."""
        if not self.attached:
            self.rail.light("home")
            return
        self.stack.show_page(name)

    def remember_place(self, place: str) -> None:
        """The page and ids to reopen at the next start (kept by the window state):
        "home", "courses", "podcasts", "sync", "course:<id>" or "lesson:<course>:<lesson>"."""
        self.last_place = place
        if self.window_state is not None:
            self.window_state.set_last_place(place)

    def reopen(self, place: str) -> None:
        """Go back to where the learner was when Samen closed (Home when unknown)."""
        kind, _sep, rest = place.partition(":")
        if kind == "lesson" and rest.count(":") == 1:
            course_id, lesson_id = rest.split(":")
            self.open_course(course_id)  # behind the lesson, for Back
            self.open_lesson(course_id, lesson_id)
        elif kind == "course" and rest:
            self.open_course(rest)
        elif kind in ("courses", "podcasts", "sync"):
            self.go(kind)
        else:
            self.go("home")

    def back(self) -> None:
        self.stack.back()

    def _page_shown(self, name: str, _page: QWidget) -> None:
        if self._front == "lesson" and name != "lesson" and self.pages is not None:
            self.pages.note_lesson_left(self._record_runner)  # how far they read, for Home
        self._front = name
        self.rail.light(self.stack.place_of(name))
        if name in ("home", "courses", "podcasts", "sync"):
            self.remember_place(name)
        if self.pages is not None:
            self.pages.shown(name)

    def _page_built(self, name: str, page: QWidget) -> None:
        """A page's splitters open where the learner left them."""
        if self.window_state is None:
            return
        for index, splitter in enumerate(page.findChildren(QSplitter)):
            self.window_state.restore_splitter(f"{name}/{splitter.objectName() or index}", splitter)

    def open_course(self, course_id: str, section: str = "", item_id: str = "") -> None:
        """A course's page, at `section` and there at the item (a thread, feedback...) if given."""
        self._open_course(course_id, section, item_id=item_id)

    def _open_course(
        self, course_id: str, section: str, *, item_id: str = "", lesson_id: str = ""
    ) -> None:
        assert self.pages is not None
        page = self.pages.course_page()
        page.show_course(course_id, self.titles.get(course_id, ""))
        if section:
            page.show_section(section, lesson_id or None, item_id=item_id or None)
        self.stack.show_page("course")
        self.remember_place(f"course:{course_id}")

    def open_lesson(self, course_id: str, lesson_id: str, scroll: float | None = None) -> None:
        """A lesson; `scroll` (0..1) shows it as far down as the learner had read."""
        assert self.pages is not None
        title = self.titles.get(course_id, "")
        self.pages.lesson_page().open_lesson(course_id, title, lesson_id, scroll=scroll)
        self.stack.show_page("lesson")

    def show_forum(self, course_id: str, _title: str = "", lesson_id: str = "") -> None:
        self._open_course(course_id, "discussion", lesson_id=lesson_id)

    def show_polls(self, course_id: str, _title: str = "", lesson_id: str = "") -> None:
        self._open_course(course_id, "polls", lesson_id=lesson_id)

    def play_episode(self, key: str, position_ms: int = 0) -> None:
        assert self.pages is not None
        self.stack.show_page("podcasts")
        self.pages.podcasts_page().play_key(key, position_ms)

    def download_course(self, course_id: str) -> None:
        assert self.pages is not None
        self.pages.sync_page().downloads.enqueue(course_id, self.titles.get(course_id, ""))
        self.statusBar().showMessage(
            _(
                "Downloading. The course card shows how far it is; Sync & storage (Ctrl+4) "
                "lists every download."
            ),
            5000,
        )

    # -- refresh -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Check connectivity, send what waits and fetch what is new, in the background."""
        if not self.attached:
            return
        if self.refreshing:
            # Never greyed out: a frozen academy holds a sync only up to the short probe
            # timeout, and pressing again asks for a fresh try right after this one.
            self.sync_again = True
            self.statusBar().showMessage(
                _(
                    "Still connecting to the academy; Samen tries again as soon as this "
                    "attempt ends."
                )
            )
            return
        self.refreshing = True
        self.indicator.show_connecting()  # at once, not after the probe answers
        self.statusBar().showMessage(_("Connecting to the academy…"))
        self._runner.submit(
            self.services.overview.refresh, self._on_refreshed, self._on_refresh_failed
        )

    def _on_refreshed(self, result: object) -> None:
        from desktop.services.overview import Overview
        from desktop.ui.action_text import sent_sentence

        assert isinstance(result, Overview)
        assert self.pages is not None
        self.refreshing = False
        self.overview = result
        self.titles.update({entry.course.id: entry.course.title for entry in result.library})
        self.indicator.show_status(result.status)
        self.indicator.recount()
        self.menus.logout.setEnabled(result.status.logged_in)
        report = result.report
        sent = sent_sentence(report.acked, report.acked_by_kind, report.rejected) if report else ""
        # Two whole sentences side by side (what was sent, then what the sync met).
        said = " ".join(part for part in (sent, result.message or "") if part)
        self.statusBar().showMessage(said or _("Up to date."), 0 if result.message else 8000)
        if result.message is None:
            self._space_banner.hide()  # the sync wrote to the database again: there is room
        self.pages.after_sync(result)
        if result.status.connectivity is Connectivity.ONLINE:
            self.pages.update_podcasts()
        self._schedule_sync(result.next_sync_s)
        self._sync_again_if_asked()

    def _sync_again_if_asked(self) -> None:
        if self.sync_again:
            self.sync_again = False
            self.refresh()

    def _on_refresh_failed(self, exc: BaseException) -> None:
        self.refreshing = False
        self.indicator.show_status(self.overview.status if self.overview else None)
        self.indicator.recount()
        self.statusBar().showMessage(
            _("Could not sync: {reason}").format(reason=getattr(exc, "message", exc))
        )
        self._schedule_sync(self.services.overview.interval_s)
        self._sync_again_if_asked()

    def recount(self) -> None:
        """After a local write: the count shown is the outbox's own (the indicator re-reads
        it after every task anyway), and the queue's list is re-read if it is on a page."""
        if self.attached:
            self.indicator.recount()
            if self.pages is not None:
                self.pages.queue_changed()

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

    # -- the account ---------------------------------------------------------------------------

    def ask_login(self) -> bool:
        from desktop.ui.login_dialog import LoginDialog

        account = self.services.session.account()
        dialog = LoginDialog(
            self.services.session,
            self._runner,
            server_url=account.server_url if account else self.services.default_server,
            parent=self,
        )
        accepted = dialog.exec() == LoginDialog.DialogCode.Accepted
        if accepted:
            self._forget_learner()  # perhaps another learner on this computer
            self.refresh()
        return accepted

    def logout(self) -> None:
        """Ask first, saying how much work waits (counted fresh, on the worker pool)."""
        self._runner.submit(self.services.queue.waiting_count, self._confirm_logout)

    def _confirm_logout(self, pending: object) -> None:
        assert isinstance(pending, int)
        question = _("Log out of the academy? Courses on this device stay.")
        if pending:
            waiting = counted(
                "{n} of your actions has not been sent yet. It stays on this device and is "
                "sent after you log in again with this account.",
                "{n} of your actions have not been sent yet. They stay on this device and are "
                "sent after you log in again with this account.",
                pending,
            )
            question = f"{question}\n\n{waiting}"
        answer = QMessageBox.question(self, _("Log out"), question)
        if answer == QMessageBox.StandardButton.Yes:
            if self._player is not None:
                self._player.unload()  # saved for this learner, before the logout below
            self._record_runner.submit(self.services.session.logout, self._after_logout)

    def _after_logout(self, result: object) -> None:
        from desktop.services.session import LogoutResult

        assert isinstance(result, LogoutResult)
        said = _("Logged out.")
        if result.pending_kept:
            kept = counted(
                "{n} of your actions is kept for later.",
                "{n} of your actions are kept for later.",
                result.pending_kept,
            )
            said = f"{said} {kept}"
        self.statusBar().showMessage(said)
        self._forget_learner()
        self.refresh()

    def _forget_learner(self) -> None:
        """Nothing of one learner's record stays on screen for the next one."""
        if self._player is not None:
            self._player.unload()
        if self.pages is not None:
            self.pages.forget_learner()
        self.go("home")

    def show_settings(self) -> None:
        """The Settings window (one at a time; its theme applies as it is chosen)."""
        from desktop.ui.settings_dialog import SettingsDialog

        shown = self.findChild(SettingsDialog)
        if shown is not None and shown.isVisible():
            shown.raise_()
            shown.activateWindow()
            return
        dialog = SettingsDialog(self._settings, self._runner, self.services.data_dir, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def about(self) -> None:
        QMessageBox.about(
            self,
            _("About Samen"),
            # The motto stays Dutch in every language: it is the academy's own.
            f"<b>Samen {__version__}</b><p>Waarom moeilijk doen als het ook samen kan.</p>"
            "<p>" + _("Learn at your own pace, offline, and still together.") + "</p>",
        )

    def _save_position(self, media_key: str, position_ms: int, duration_ms: int) -> None:
        learning = self.services.learning
        self._record_runner.submit(
            lambda: learning.save_position(media_key, position_ms, duration_ms)
        )

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self.attached:  # closed while still opening: nothing to save or stop yet
            super().closeEvent(event)
            return
        self.sync_timer.stop()
        assert self.pages is not None
        if self._front == "lesson":
            self.pages.note_lesson_left(self._record_runner)
        self.pages.before_close()
        if self._player is not None:
            self._player.unload()  # saves where the learner was
        # Quitting waits for that one small write, and for downloads to stop between two
        # chunks, so nothing runs against a closed database.
        self._record_runner.wait_idle(10_000)
        self.pages.wait_idle(20_000)
        super().closeEvent(event)

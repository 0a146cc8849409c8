"""The Podcasts page: subscriptions, episodes, downloads, chapters and transcript. UI thread;
every service call runs on the worker pool, download progress comes back by signal.

Episodes play in the window's one player (the now-playing bar). After each sync window the
main window calls `background_update`: feeds are refreshed, played episodes cleaned up and the
newest unplayed ones downloaded within the storage budget, one run at a time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import SamenError
from desktop.domain.podcast import Chapter, Episode, EpisodeFile, Feed, Transcript
from desktop.media.player import Player
from desktop.services.podcasts import PodcastService, RefreshReport
from desktop.ui import formatting
from desktop.ui.tasks import TaskRunner

COLUMNS = ("Episode", "Podcast", "Published", "Length", "State")
ALL_FEEDS = ""


NO_CHAPTERS = "This episode has no chapters."
READING_CHAPTERS = "Reading the chapters…"
NO_TRANSCRIPT = "This episode has no transcript."


class KeepSpinBox(QSpinBox):
    """How many of a podcast's newest unplayed episodes to keep downloaded, in words:
    "Download only when I ask" (0), "Keep the newest episode" (1), "Keep the newest 3
    episodes". Changed with the arrow keys or the wheel (typing a sentence makes no sense)."""

    def __init__(self) -> None:
        super().__init__()
        self.setRange(0, 50)
        self.lineEdit().setReadOnly(True)

    def textFromValue(self, value: int) -> str:  # noqa: N802
        if value == 0:
            return "Download only when I ask"
        if value == 1:
            return "Keep the newest episode"
        return f"Keep the newest {value} episodes"

    def valueFromText(self, text: str) -> int:  # noqa: N802
        digits = "".join(ch for ch in text if ch.isdigit())
        if digits:
            return int(digits)
        return 1 if "episode" in text else 0


@dataclass(frozen=True, slots=True)
class _Extras:
    key: str
    chapters: tuple[Chapter, ...]
    transcript: Transcript | None
    problem: str


def episode_state(episode: Episode, downloading: dict[str, int]) -> str:
    if episode.key in downloading:
        return f"Downloading {downloading[episode.key]}%"
    if episode.played:
        heard = "Played"
    elif episode.in_progress:
        heard = f"{formatting.clock_time(episode.position_ms)} heard"
    else:
        heard = "New"
    if episode.file is EpisodeFile.AVAILABLE:
        where = "on this computer" + (", pinned" if episode.pinned else "")
    elif not episode.enclosure_url:
        where = "no audio in the feed"
    elif episode.file is EpisodeFile.FAILED or episode.error:
        where = "download failed"
    elif episode.file is EpisodeFile.PARTIAL:
        where = "partly downloaded"
    else:
        where = "not downloaded"
    return f"{heard} · {where}"


class PodcastsPage(QWidget):
    updated = Signal()  # a background update finished (tests, status)
    downloads_changed = Signal()  # an episode download ended: the Downloads tab re-reads
    _progress = Signal(str, int)  # episode key, percent; emitted on a worker thread

    def __init__(self, podcasts: PodcastService, player: Player, runner: TaskRunner) -> None:
        super().__init__()
        self._podcasts = podcasts
        self._player = player
        self._runner = runner
        # Downloads get threads of their own: a long one never holds up the page or a sync.
        self._transfers = TaskRunner(self, max_threads=2)
        self._update_cancel = threading.Event()
        self._episodes: list[Episode] = []
        self._feeds: list[Feed] = []
        self._downloading: dict[str, int] = {}
        self._cancels: dict[str, threading.Event] = {}
        self._updating = False
        self._requests = 0  # the newest library read; older answers are dropped
        self.last_report: RefreshReport | None = None
        self._progress.connect(self._show_progress)

        self.feed_list = QListWidget()
        self.feed_list.setAccessibleName("Podcasts")
        self.feed_list.setMaximumWidth(260)
        self.feed_list.currentItemChanged.connect(lambda *_: self._show_episodes())
        self.add_button = QPushButton("&Add podcast…")
        self.add_button.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.add_button.setToolTip("Subscribe to a podcast by its feed address (Ctrl+Shift+A)")
        self.add_button.clicked.connect(self.ask_subscribe)
        self.refresh_button = QPushButton("Check for &new episodes")
        self.refresh_button.clicked.connect(self.background_update)
        self.remove_button = QPushButton("&Unsubscribe…")
        self.remove_button.clicked.connect(self._unsubscribe)
        self.keep = KeepSpinBox()
        self.keep.setToolTip("How many of the newest unplayed episodes to download by itself")
        self.keep.valueChanged.connect(self._keep_changed)
        self.feed_note = QLabel()  # about the selected podcast
        self.feed_note.setWordWrap(True)
        self.problem = QLabel()  # what went wrong with the learner's last request
        self.problem.setWordWrap(True)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Episodes")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selected)
        self.table.itemActivated.connect(lambda _item: self.play_selected())
        self.play_button = QPushButton("&Play")
        self.play_button.clicked.connect(self.play_selected)
        self.download_button = QPushButton("Down&load")
        self.download_button.clicked.connect(self.download_selected)
        self.stop_button = QPushButton("S&top download")
        self.stop_button.clicked.connect(self._stop_selected)
        self.delete_button = QPushButton("&Delete file")
        self.delete_button.setToolTip("Free the space; the episode stays in the list")
        self.delete_button.clicked.connect(self._delete_selected)
        self.pin_button = QPushButton("P&in")
        self.pin_button.setCheckable(True)
        self.pin_button.setToolTip("A pinned episode is never deleted by itself")
        self.pin_button.clicked.connect(self._pin_selected)

        self.notes = QTextBrowser()
        self.notes.setOpenLinks(False)  # show notes are text here, nothing is fetched
        self.chapters = QListWidget()
        self.chapters.setAccessibleName("Chapters")
        self.chapters.itemActivated.connect(self._seek_chapter)
        self.chapters_note = QLabel(NO_CHAPTERS)
        self.chapters_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.chapters_note.setWordWrap(True)
        self.chapters_stack = QStackedWidget()
        self.chapters_stack.addWidget(self.chapters_note)
        self.chapters_stack.addWidget(self.chapters)
        self.transcript = QTextBrowser()
        self.transcript.setOpenLinks(False)
        self.details = QTabWidget()
        self.details.addTab(self.notes, "Show notes")
        self.details.addTab(self.chapters_stack, "Chapters")
        self.details.addTab(self.transcript, "Transcript")

        left = QVBoxLayout()
        left.addWidget(self.feed_list, 1)
        left.addWidget(self.feed_note)
        left.addWidget(self.problem)
        left.addWidget(self.keep)
        for button in (self.add_button, self.refresh_button, self.remove_button):
            left.addWidget(button)
        buttons = QHBoxLayout()
        for button in (
            self.play_button,
            self.download_button,
            self.stop_button,
            self.delete_button,
            self.pin_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.table, 1)
        top_layout.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.details)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addWidget(splitter, 1)
        self._update_buttons()

    # -- loading ---------------------------------------------------------------------------

    def reload(self) -> None:
        """Read feeds and episodes again (a worker reads the database)."""
        self._requests += 1
        request = self._requests
        self._runner.submit(
            lambda: (request, *self._podcasts.library()),
            self._show_library,
        )

    def _show_library(self, result: object) -> None:
        assert isinstance(result, tuple)
        request, feeds, episodes = result
        if request != self._requests:
            return  # an older read, perhaps from before a change: a newer one is coming
        selected = self.current_feed()
        self._feeds, self._episodes = feeds, episodes
        self.feed_list.blockSignals(True)
        self.feed_list.clear()
        everything = QListWidgetItem("All episodes")
        everything.setData(Qt.ItemDataRole.UserRole, ALL_FEEDS)
        self.feed_list.addItem(everything)
        for feed in feeds:
            label = feed.title + (" (academy)" if feed.is_academy else "")
            item = QListWidgetItem(("⚠ " if feed.error else "") + label)
            item.setData(Qt.ItemDataRole.UserRole, feed.url)
            item.setToolTip(feed.error or feed.description or feed.url)
            self.feed_list.addItem(item)
            if feed.url == selected:
                self.feed_list.setCurrentItem(item)
        if self.feed_list.currentItem() is None:
            self.feed_list.setCurrentRow(0)
        self.feed_list.blockSignals(False)
        self._show_episodes()

    def current_feed(self) -> str:
        item = self.feed_list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ALL_FEEDS

    def _feed(self, url: str) -> Feed | None:
        return next((f for f in self._feeds if f.url == url), None)

    def _show_episodes(self) -> None:
        url = self.current_feed()
        feed = self._feed(url)
        self.keep.blockSignals(True)
        self.keep.setEnabled(feed is not None)
        self.keep.setVisible(feed is not None)  # a setting of one podcast, not of them all
        self.keep.setValue(feed.keep_latest if feed else 0)
        self.keep.blockSignals(False)
        if feed is None and not self._feeds:
            self.feed_note.setText(
                "No podcasts yet. Add one with its feed address; the academy's own podcast "
                "appears here after your first sync."
            )
        elif feed is not None and feed.error:
            self.feed_note.setText(f"Last check: {feed.error}")
        else:
            checked = formatting.local_time(feed.checked_at) if feed else ""
            self.feed_note.setText(f"Checked {checked}." if feed else "")
        shown = [e for e in self._episodes if url in (ALL_FEEDS, e.feed_url)]
        key = self.selected_key()
        self.table.setRowCount(len(shown))
        for row, episode in enumerate(shown):
            length = formatting.clock_time(episode.duration_ms) if episode.duration_ms else ""
            published = (episode.published_at or "")[:10]
            cells = (episode.title, episode.feed_title, published, length,
                     episode_state(episode, self._downloading))  # fmt: skip
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, episode.key)
                if column == 4 and episode.error:
                    item.setToolTip(episode.error)
                self.table.setItem(row, column, item)
            if episode.key == key:
                self.table.selectRow(row)
        self._update_buttons()

    # -- selection -------------------------------------------------------------------------

    def selected_key(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def selected(self) -> Episode | None:
        key = self.selected_key()
        return next((e for e in self._episodes if e.key == key), None)

    def select(self, key: str) -> None:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == key:
                self.table.selectRow(row)
                return

    def _update_buttons(self) -> None:
        episode = self.selected()
        available = episode is not None and episode.file is EpisodeFile.AVAILABLE
        downloading = episode is not None and episode.key in self._downloading
        self.play_button.setEnabled(available)
        self.download_button.setEnabled(
            episode is not None and bool(episode.enclosure_url) and not available
            and not downloading
        )  # fmt: skip
        self.stop_button.setEnabled(downloading)
        self.delete_button.setEnabled(available and not downloading)
        self.pin_button.setEnabled(episode is not None)
        self.pin_button.setChecked(episode is not None and episode.pinned)
        self.remove_button.setEnabled(self._feed(self.current_feed()) is not None)

    def _selected(self) -> None:
        self._update_buttons()
        episode = self.selected()
        if episode is None:
            return
        notes = "".join(f"<p>{escape(line)}</p>" for line in episode.summary.splitlines())
        self.notes.setHtml(f"<h3>{escape(episode.title)}</h3>{notes}")
        self.chapters.clear()
        self.transcript.clear()
        self._chapters_say(READING_CHAPTERS if episode.chapters is not None else NO_CHAPTERS)
        if not episode.transcripts:
            self.transcript.setPlainText(NO_TRANSCRIPT)
        if episode.chapters is None and not episode.transcripts:
            return
        key = episode.key

        def extras() -> _Extras:
            problem = ""
            chapters: tuple[Chapter, ...] = ()
            transcript = None
            try:
                chapters = self._podcasts.chapters(key)
            except SamenError as exc:
                problem = exc.message
            try:
                transcript = self._podcasts.transcript(key)
            except SamenError as exc:
                problem = problem or exc.message
            return _Extras(key, chapters, transcript, problem)

        self._runner.submit(extras, self._show_extras)

    def _show_extras(self, result: object) -> None:
        assert isinstance(result, _Extras)
        if result.key != self.selected_key():
            return
        self.chapters.clear()
        for chapter in result.chapters:
            item = QListWidgetItem(f"{formatting.clock_time(chapter.start_ms)}  {chapter.title}")
            item.setData(Qt.ItemDataRole.UserRole, chapter.start_ms)
            self.chapters.addItem(item)
        if result.chapters:
            self.chapters_stack.setCurrentWidget(self.chapters)
        else:
            self._chapters_say(result.problem or NO_CHAPTERS)
        if result.transcript is not None:
            lines = [
                (f"[{formatting.clock_time(start)}] " if start is not None else "") + text
                for start, text in result.transcript.lines
            ]
            self.transcript.setPlainText("\n".join(lines))
        elif result.problem:
            self.transcript.setPlainText(result.problem)
        else:
            self.transcript.setPlainText(NO_TRANSCRIPT)

    def _chapters_say(self, note: str) -> None:
        self.chapters_note.setText(note)
        self.chapters_stack.setCurrentWidget(self.chapters_note)

    # -- actions ---------------------------------------------------------------------------

    def ask_subscribe(self) -> None:
        url, ok = QInputDialog.getText(
            self, "Add podcast", "Feed address (it usually ends in .xml or /feed):"
        )
        if ok and url.strip():
            self.subscribe(url.strip())

    def subscribe(self, url: str) -> None:
        self.problem.setText("Reading the feed…")
        self._runner.submit(
            lambda: self._podcasts.subscribe(url),
            self._subscribed,
            lambda exc: self.problem.setText(getattr(exc, "message", str(exc))),
        )

    def _subscribed(self, _feed: object) -> None:
        self.problem.clear()
        self.reload()

    def _unsubscribe(self) -> None:
        feed = self._feed(self.current_feed())
        if feed is None:
            return
        answer = QMessageBox.question(
            self,
            "Unsubscribe",
            f"Unsubscribe from “{feed.title}” and delete its downloaded episodes?",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self._runner.submit(
                lambda: self._podcasts.unsubscribe(feed.url), lambda _r: self.reload()
            )

    def _keep_changed(self, count: int) -> None:
        url = self.current_feed()
        if url:
            self._runner.submit(lambda: self._podcasts.set_keep_latest(url, count))

    def play_selected(self, then_seek: int | None = None) -> None:
        """Play the selected episode from where the learner is now (read fresh: the list may
        be older than the last save)."""
        episode = self.selected()
        if episode is None or episode.file is not EpisodeFile.AVAILABLE:
            return
        self._runner.submit(
            lambda: self._podcasts.episode(episode.key),
            lambda fresh: self._start(fresh, then_seek),
        )

    def _start(self, episode: object, then_seek: int | None) -> None:
        assert isinstance(episode, Episode)
        resume = 0 if episode.played else episode.position_ms
        self._player.load(
            self._podcasts.path(episode),
            episode.key,
            title=episode.title,
            resume_ms=then_seek if then_seek is not None else resume,
        )
        self._player.play()

    def play_key(self, key: str, position_ms: int = 0) -> None:
        """Play one episode from `position_ms` (Home's Continue and New for you): at once when
        it is on this computer, else it is selected and downloaded for the learner to play."""
        self.select(key)
        podcasts = self._podcasts
        self._runner.submit(
            lambda: podcasts.episode(key), lambda episode: self._play_found(episode, position_ms)
        )

    def _play_found(self, episode: object, position_ms: int) -> None:
        assert isinstance(episode, Episode)
        if episode.file is EpisodeFile.AVAILABLE:
            self._start(episode, position_ms or None)
        else:
            self.download(episode.key)

    def download_selected(self) -> None:
        episode = self.selected()
        if episode is not None:
            self.download(episode.key)

    def download(self, key: str) -> None:
        if key in self._downloading:
            return
        cancel = threading.Event()
        self._cancels[key] = cancel
        self._downloading[key] = 0

        def progress(done: int, total: int) -> None:
            if total:
                self._progress.emit(key, int(done * 100 / total))

        self._transfers.submit(
            lambda: self._podcasts.download(key, cancel=cancel, on_progress=progress),
            lambda _e: self._download_ended(key, ""),
            lambda exc: self._download_ended(key, getattr(exc, "message", str(exc))),
        )
        self._show_episodes()

    def _show_progress(self, key: str, percent: int) -> None:
        if key in self._downloading and percent != self._downloading[key]:
            self._downloading[key] = percent
            for row in range(self.table.rowCount()):
                item = self.table.item(row, 4)
                if item is not None and item.data(Qt.ItemDataRole.UserRole) == key:
                    item.setText(f"Downloading {percent}%")

    def _download_ended(self, key: str, problem: str) -> None:
        self._downloading.pop(key, None)
        self._cancels.pop(key, None)
        self.problem.setText(problem)
        self.reload()
        self.downloads_changed.emit()

    def _stop_selected(self) -> None:
        key = self.selected_key()
        if key in self._cancels:
            self._cancels[key].set()

    def _delete_selected(self) -> None:
        episode = self.selected()
        if episode is None:
            return
        if self._player.media_key == episode.key:
            self._player.unload()
        self._runner.submit(
            lambda: self._podcasts.delete_file(episode.key), lambda _r: self.reload()
        )

    def _pin_selected(self, pinned: bool) -> None:
        key = self.selected_key()
        if key is not None:
            self._runner.submit(
                lambda: self._podcasts.set_pinned(key, pinned), lambda _r: self.reload()
            )

    def _seek_chapter(self, item: QListWidgetItem) -> None:
        episode = self.selected()
        if episode is None or episode.file is not EpisodeFile.AVAILABLE:
            return
        start = int(item.data(Qt.ItemDataRole.UserRole))
        if self._player.media_key != episode.key:
            self.play_selected(then_seek=start)
        else:
            self._player.seek(start)

    # -- background ------------------------------------------------------------------------

    def background_update(self) -> None:
        """Refresh feeds, clean up, download what the budget allows; one run at a time."""
        if self._updating:
            return
        self._updating = True
        self.refresh_button.setEnabled(False)
        cancel = self._update_cancel = threading.Event()
        self._transfers.submit(
            lambda: self._podcasts.update(cancel=cancel), self._update_done, self._update_failed
        )

    def stop_all(self) -> None:
        """Stop the update and every download between two chunks (parts are kept)."""
        self._update_cancel.set()
        for cancel in self._cancels.values():
            cancel.set()

    def wait_idle(self, msecs: int) -> bool:
        return self._transfers.wait_idle(msecs)

    def _update_done(self, report: object) -> None:
        assert isinstance(report, RefreshReport)
        self.last_report = report
        self._updating = False
        self.refresh_button.setEnabled(True)
        self.reload()
        self.downloads_changed.emit()
        self.updated.emit()

    def _update_failed(self, exc: BaseException) -> None:
        self._updating = False
        self.refresh_button.setEnabled(True)
        self.problem.setText(getattr(exc, "message", str(exc)))
        self.updated.emit()

"""The Podcasts page: the podcasts the learner follows (with their artwork), the chosen
podcast's title and description, its episodes as a list a person reads (title, date, length,
state, first line of the notes) and the selected episode's notes, chapters and transcript, with
one primary action (Play, Resume at 3:20, Download) and a More menu. UI thread; every service
call runs on the worker pool, download progress comes back by signal.

Episodes play in the window's one player (the now-playing bar). After each sync window the
main window calls `background_update`: feeds are refreshed, played episodes cleaned up and the
newest unplayed ones downloaded within the storage budget, one run at a time.

Public: PodcastsPage(podcasts, player, runner); reload(), background_update(), stop_all(),
wait_idle(ms), play_key(key, position_ms), select(key), selected_key(), play_selected(),
download(key), subscribe(url), ask_subscribe(); signals updated (a background update ended)
and downloads_changed (an episode download ended).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from html import escape

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QIcon, QKeySequence, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import SamenError
from desktop.domain.podcast import Chapter, Episode, EpisodeFile, Feed, Transcript
from desktop.language.catalogue import _
from desktop.media.player import Player
from desktop.services.podcasts import PodcastService, RefreshReport
from desktop.ui import cover_images
from desktop.ui.icons import Icons
from desktop.ui.tasks import TaskRunner
from desktop.ui.widgets import episode_words as words
from desktop.ui.widgets.episode_details import EpisodeDetails, empty_note
from desktop.ui.widgets.list_entry import DETAIL_ROLE, SUBTITLE_ROLE, ListEntryDelegate
from desktop.ui.widgets.podcast_artwork import artwork_pixmap
from desktop.ui.widgets.podcast_header import KeepSpinBox, PodcastHeader

__all__ = ["NO_CHAPTERS", "NO_TRANSCRIPT", "KeepSpinBox", "PodcastsPage"]

ALL_FEEDS = ""
NO_CHAPTERS = words.NO_CHAPTERS
READING_CHAPTERS = words.READING_CHAPTERS
NO_TRANSCRIPT = words.NO_TRANSCRIPT
KEY_ROLE = Qt.ItemDataRole.UserRole
THUMB = 40  # the feed list's artwork, in logical pixels


@dataclass(frozen=True, slots=True)
class _Extras:
    key: str
    chapters: tuple[Chapter, ...]
    transcript: Transcript | None
    problem: str


class PodcastsPage(QWidget):
    updated = Signal()  # a background update finished (tests, status)
    downloads_changed = Signal()  # an episode download ended: Sync & storage re-reads
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
        self._artwork: dict[str, QPixmap] = {}  # feed url -> its artwork, once decoded
        self._fetching_artwork = False
        self._updating = False
        self._requests = 0  # the newest library read; older answers are dropped
        self.last_report: RefreshReport | None = None
        self._progress.connect(self._show_progress)

        self.feed_list = QListWidget()
        self.feed_list.setAccessibleName(_("Podcasts"))
        self.feed_list.setItemDelegate(ListEntryDelegate(THUMB, bold_title=False))
        self.feed_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.feed_list.currentItemChanged.connect(lambda *_: self._show_episodes())
        self.add_button = QPushButton(Icons.icon("add"), _("&Add podcast…"))
        self.add_button.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.add_button.setToolTip(_("Subscribe to a podcast by its feed address (Ctrl+Shift+A)"))
        self.add_button.clicked.connect(self.ask_subscribe)

        self.header = PodcastHeader()
        self.keep = self.header.keep
        self.keep.valueChanged.connect(self._keep_changed)
        self.refresh_button = self.header.refresh_button
        self.refresh_button.clicked.connect(self.background_update)
        self.remove_button = self.header.remove_button
        self.remove_button.clicked.connect(self._unsubscribe)
        self.problem = QLabel()  # what went wrong with the learner's last request
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)

        self.episode_list = QListWidget()
        self.episode_list.setAccessibleName(_("Episodes"))
        self._episode_rows = ListEntryDelegate(0)
        self.episode_list.setItemDelegate(self._episode_rows)
        self.episode_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.episode_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.episode_list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.episode_list.itemSelectionChanged.connect(self._selected)
        self.episode_list.itemActivated.connect(lambda _item: self._primary())
        self.episode_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.episode_list.customContextMenuRequested.connect(self._episode_menu)
        self.no_episodes = empty_note(_(words.NO_PODCASTS))
        self.episode_stack = QStackedWidget()
        self.episode_stack.addWidget(self.episode_list)
        self.episode_stack.addWidget(self.no_episodes)

        self.details = EpisodeDetails()
        self.notes = self.details.notes
        self.chapters = self.details.chapters
        self.chapters.itemActivated.connect(self._seek_chapter)
        self.chapters_note = self.details.chapters_note
        self.chapters_stack = self.details.chapters_stack
        self.transcript = self.details.transcript
        self.play_button = self.details.primary
        self.play_button.clicked.connect(self._primary)
        self.more_button = self.details.more
        self.stop_action = self.details.stop_action
        self.stop_action.triggered.connect(self._stop_selected)
        self.delete_action = self.details.delete_action
        self.delete_action.triggered.connect(self._delete_selected)
        self.pin_action = self.details.keep_action
        self.pin_action.triggered.connect(self._pin_selected)

        left_box = QWidget()
        left = QVBoxLayout(left_box)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.feed_list, 1)
        left.addWidget(self.add_button)
        self._left = left_box
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.episode_stack)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        right = QVBoxLayout()
        right.addWidget(self.header)
        right.addWidget(self.problem)
        right.addWidget(self.splitter, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(left_box)
        layout.addLayout(right, 1)
        self._show_header()
        self._update_buttons()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        # The podcasts' column gives room to the episodes in a small window.
        self._left.setFixedWidth(max(200, min(260, self.width() // 5)))
        super().resizeEvent(event)

    # -- loading ---------------------------------------------------------------------------

    def reload(self) -> None:
        """Read feeds and episodes again (a worker reads the database)."""
        self._requests += 1
        request = self._requests
        self._runner.submit(lambda: (request, *self._podcasts.library()), self._show_library)

    def _show_library(self, result: object) -> None:
        assert isinstance(result, tuple)
        request, feeds, episodes = result
        if request != self._requests:
            return  # an older read, perhaps from before a change: a newer one is coming
        selected = self.current_feed()
        self._feeds, self._episodes = feeds, episodes
        self.feed_list.blockSignals(True)
        self.feed_list.clear()
        everything = QListWidgetItem(_(words.ALL_PODCASTS))
        everything.setData(KEY_ROLE, ALL_FEEDS)
        self.feed_list.addItem(everything)
        for feed in feeds:
            item = QListWidgetItem(feed.title)
            item.setData(KEY_ROLE, feed.url)
            item.setData(SUBTITLE_ROLE, words.feed_line(feed))
            item.setToolTip(feed.error or feed.description or feed.title)
            self.feed_list.addItem(item)
            if feed.url == selected:
                self.feed_list.setCurrentItem(item)
        self._paint_thumbnails()
        if self.feed_list.currentItem() is None:
            self.feed_list.setCurrentRow(0)
        self.feed_list.blockSignals(False)
        self._show_episodes()
        self._fetch_artwork()

    def _fetch_artwork(self) -> None:
        """Artwork not shown yet is read from this computer or fetched once, then decoded."""
        wanted = [f for f in self._feeds if f.image_url and f.url not in self._artwork]
        if not wanted or self._fetching_artwork:
            return
        self._fetching_artwork = True
        podcasts = self._podcasts
        self._runner.submit(
            lambda: cover_images.decode_all(podcasts.fetch_artwork(wanted)),
            self._artwork_arrived,
            lambda _exc: setattr(self, "_fetching_artwork", False),
        )

    def _artwork_arrived(self, images: object) -> None:
        assert isinstance(images, dict)
        self._fetching_artwork = False
        for url, image in images.items():
            self._artwork[url] = QPixmap.fromImage(image)
        if images:
            self._paint_thumbnails()
            self._show_episodes()  # the header and, for all podcasts, the rows' pictures

    def artwork(self, feed_url: str) -> QPixmap | None:
        """The podcast's artwork as shown, or None while its initials stand in."""
        return self._artwork.get(feed_url)

    def _icon(self, url: str, title: str) -> QIcon:
        """The podcast's artwork as a thumbnail (all podcasts: the podcasts icon)."""
        glyph = Icons.icon("podcasts") if url == ALL_FEEDS else None
        picture = self._artwork.get(url)
        ratio = self.devicePixelRatioF()
        return QIcon(artwork_pixmap(url, title, THUMB, self.palette(), picture, ratio, glyph))

    def _paint_thumbnails(self) -> None:
        for row in range(self.feed_list.count()):
            item = self.feed_list.item(row)
            item.setIcon(self._icon(str(item.data(KEY_ROLE)), item.text()))

    def current_feed(self) -> str:
        item = self.feed_list.currentItem()
        return str(item.data(KEY_ROLE)) if item is not None else ALL_FEEDS

    def _feed(self, url: str) -> Feed | None:
        return next((f for f in self._feeds if f.url == url), None)

    def _show_header(self) -> None:
        feed = self._feed(self.current_feed())
        if feed is None:
            about = words.all_about(self._feeds, len(self._episodes)) if self._feeds else ""
            self.header.show_podcast(
                ALL_FEEDS, _(words.ALL_PODCASTS), about, "", None, Icons.icon("podcasts")
            )
        else:
            self.header.show_podcast(
                feed.url,
                feed.title,
                words.feed_about(feed),
                feed.description,
                self._artwork.get(feed.url),
            )
        self.keep.blockSignals(True)
        self.keep.setVisible(feed is not None)  # a setting of one podcast, not of them all
        self.keep.setValue(feed.keep_latest if feed else 0)
        self.keep.blockSignals(False)
        self.remove_button.setVisible(feed is not None)

    def _show_episodes(self) -> None:
        url = self.current_feed()
        self._show_header()
        shown = [e for e in self._episodes if url in (ALL_FEEDS, e.feed_url)]
        everything = url == ALL_FEEDS
        self._episode_rows.picture = THUMB if everything else 0
        key = self.selected_key()
        icons: dict[str, QIcon] = {}
        self.episode_list.blockSignals(True)
        self.episode_list.clear()
        for episode in shown:
            item = QListWidgetItem(episode.title)
            item.setData(KEY_ROLE, episode.key)
            self._describe(item, episode)
            if everything:
                if episode.feed_url not in icons:
                    icons[episode.feed_url] = self._icon(episode.feed_url, episode.feed_title)
                item.setIcon(icons[episode.feed_url])
            self.episode_list.addItem(item)
            if episode.key == key:
                self.episode_list.setCurrentItem(item)
        if shown and self.episode_list.currentItem() is None:
            self.episode_list.setCurrentRow(0)  # the notes pane is never empty
        self.episode_list.blockSignals(False)
        if not self._feeds:
            self.no_episodes.setText(_(words.NO_PODCASTS))
        elif not shown:
            self.no_episodes.setText(_(words.NO_EPISODES))
        self.episode_stack.setCurrentWidget(self.episode_list if shown else self.no_episodes)
        self.details.setVisible(bool(shown))  # one sentence says what to do, not two
        self._selected()

    def _describe(self, item: QListWidgetItem, episode: Episode) -> None:
        facts = words.facts(episode, self._downloading)  # the row's picture names the podcast
        detail = words.first_line(episode.summary)
        item.setData(SUBTITLE_ROLE, facts)
        item.setData(DETAIL_ROLE, detail)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{episode.title}. {facts}. {detail}")
        item.setToolTip(episode.error or "")

    # -- selection -------------------------------------------------------------------------

    def selected_key(self) -> str | None:
        items = self.episode_list.selectedItems()
        return str(items[0].data(KEY_ROLE)) if items else None

    def selected(self) -> Episode | None:
        key = self.selected_key()
        return next((e for e in self._episodes if e.key == key), None)

    def select(self, key: str) -> None:
        """Select the episode `key`, showing all episodes if the podcast shown lacks it."""
        for attempt in range(2):
            for row in range(self.episode_list.count()):
                if self.episode_list.item(row).data(KEY_ROLE) == key:
                    self.episode_list.setCurrentRow(row)
                    return
            if attempt == 0 and self.current_feed() != ALL_FEEDS:
                self.feed_list.setCurrentRow(0)

    def _update_buttons(self) -> None:
        episode = self.selected()
        downloading = episode is not None and episode.key in self._downloading
        available = episode is not None and episode.file is EpisodeFile.AVAILABLE
        if episode is not None:
            self.details.set_primary(*words.primary(episode, self._downloading))
        self.stop_action.setEnabled(downloading)
        self.stop_action.setVisible(downloading)
        self.delete_action.setEnabled(available and not downloading)
        self.pin_action.setEnabled(episode is not None)
        self.pin_action.setChecked(episode is not None and episode.pinned)

    def _selected(self) -> None:
        self._update_buttons()
        episode = self.selected()
        if episode is None:
            self.details.say(_(words.CHOOSE_EPISODE))  # e.g. Ctrl+click took the selection away
            return
        paragraphs = [line for line in episode.summary.splitlines() if line.strip()]
        notes = "".join(f"<p>{escape(line)}</p>" for line in paragraphs)
        self.details.show_episode(
            episode.title,
            words.facts(episode, self._downloading, with_podcast=True),
            notes or f"<p>{escape(_(words.NO_NOTES))}</p>",
        )
        self.details.set_language(episode.language)
        self.chapters.clear()
        self.transcript.clear()
        self._chapters_say(_(READING_CHAPTERS) if episode.chapters is not None else _(NO_CHAPTERS))
        if not episode.transcripts:
            self.transcript.setPlainText(_(NO_TRANSCRIPT))
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

    def _episode_menu(self, pos: QPoint) -> None:
        if self.selected() is not None:
            self.details.menu.exec(self.episode_list.viewport().mapToGlobal(pos))

    def _show_extras(self, result: object) -> None:
        assert isinstance(result, _Extras)
        if result.key == self.selected_key():
            self.details.show_extras(result.chapters, result.transcript, result.problem)

    def _chapters_say(self, note: str) -> None:
        self.details.chapters_say(note)

    # -- actions ---------------------------------------------------------------------------

    def ask_subscribe(self) -> None:
        url, ok = QInputDialog.getText(
            self, _("Add podcast"), _("Feed address (it usually ends in .xml or /feed):")
        )
        if ok and url.strip():
            self.subscribe(url.strip())

    def subscribe(self, url: str) -> None:
        self.problem.setText(_("Reading the feed…"))
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
            _("Unsubscribe"),
            _("Unsubscribe from “{title}” and delete its downloaded episodes?").format(
                title=feed.title
            ),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self._runner.submit(
                lambda: self._podcasts.unsubscribe(feed.url), lambda _r: self.reload()
            )

    def _keep_changed(self, count: int) -> None:
        url = self.current_feed()
        if url:
            self._runner.submit(lambda: self._podcasts.set_keep_latest(url, count))

    def _primary(self) -> None:
        """The selected episode's one action: play (or resume) it, else download it."""
        episode = self.selected()
        if episode is None:
            return
        if episode.file is EpisodeFile.AVAILABLE:
            self.play_selected()
        elif episode.key not in self._downloading and episode.enclosure_url:
            self.download(episode.key)

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
            for row in range(self.episode_list.count()):
                item = self.episode_list.item(row)
                episode = next((e for e in self._episodes if e.key == key), None)
                if item.data(KEY_ROLE) == key and episode is not None:
                    self._describe(item, episode)
            if key == self.selected_key():
                self._update_buttons()

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

"""The Courses page: every course as a card in a grid that wraps to the window's width. UI thread.

`CoursesPage(runner, covers)` shows what `set_entries` gives it (the library: catalogue plus what
this device holds), the learner's progress from `set_standings`, and live download states from
`show_download`. Covers come in the background: first those already on this computer, then
those the academy sends (CoverService on the runner's workers, decoded there too); a card shows
its placeholder until then, and for good when offline.

The page does no course work itself. It asks for it through signals carrying the course id:
download_requested, open_requested (the course page), continue_requested (where the learner
stopped), export_requested, free_space_requested, remove_requested.
"""

from __future__ import annotations

from html import escape

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.course import LibraryEntry
from desktop.domain.learning import Standing
from desktop.language import formats
from desktop.language.catalogue import N_, _
from desktop.services.covers import CoverService
from desktop.ui.cover_images import decode_all
from desktop.ui.tasks import TaskRunner
from desktop.ui.widgets.course_card import CourseCard

MIN_CARD_WIDTH = 250
MAX_CARD_WIDTH = 420
GAP = 16


class PageText:
    """Every learner-visible sentence of the page, in one place: marked for the catalogue
    (`N_`) and translated where shown (the language is installed after imports)."""

    HEADING = N_("Courses")
    NO_COURSES = N_(
        "No courses yet. When you are online, the academy's courses appear here. "
        "You can also import a course pack from a USB stick or a shared folder (Ctrl+I)."
    )
    NONE_ON_DEVICE = N_(
        "No course is on this device yet. Choose Download on a course under All to study it "
        "offline."
    )

    @staticmethod
    def all(count: int) -> str:
        # Translators: the filter that shows every course, with how many there are.
        return _("&All ({n})").format(n=formats.number(count))

    @staticmethod
    def on_device(count: int) -> str:
        # Translators: the filter that shows the courses downloaded to this computer.
        return _("On this &device ({n})").format(n=formats.number(count))


class CoursesPage(QWidget):
    download_requested = Signal(str)
    open_requested = Signal(str)
    continue_requested = Signal(str)
    export_requested = Signal(str)
    free_space_requested = Signal(str)
    remove_requested = Signal(str)

    def __init__(
        self, runner: TaskRunner, covers: CoverService, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._covers = covers
        self._entries: list[LibraryEntry] = []
        self._cards: dict[str, CourseCard] = {}
        self._standings: dict[str, Standing] = {}
        self._downloads: dict[str, str] = {}
        self._shown_covers: dict[str, str] = {}  # course id -> sha256 of the cover shown
        self._asked_covers: set[tuple[str, str]] = set()  # (course id, sha256) being fetched
        self._columns = 0

        heading = QLabel(f"<h2>{escape(_(PageText.HEADING))}</h2>")
        self.show_all = QRadioButton(PageText.all(0))
        self.show_device = QRadioButton(PageText.on_device(0))
        self.show_all.setChecked(True)
        self._filter = QButtonGroup(self)
        self._filter.addButton(self.show_all)
        self._filter.addButton(self.show_device)
        self._filter.buttonToggled.connect(self._on_filter)
        filters = QHBoxLayout()
        filters.addWidget(heading)
        filters.addSpacing(24)
        filters.addWidget(self.show_all)
        filters.addWidget(self.show_device)
        filters.addStretch(1)

        self.empty = QLabel(_(PageText.NO_COURSES))
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.grid_host = QWidget()
        self.grid = QGridLayout()
        self.grid.setSpacing(GAP)
        self.grid.setContentsMargins(0, 0, 0, 0)
        host_column = QVBoxLayout(self.grid_host)
        host_column.setContentsMargins(GAP, 0, GAP, GAP)
        host_column.addLayout(self.grid)
        host_column.addStretch(1)
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroller.setWidget(self.grid_host)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller.installEventFilter(self)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.scroller)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.stack, 1)
        self._update_counts()

    # -- public API ---------------------------------------------------------------------------

    def set_entries(self, entries: list[LibraryEntry]) -> None:
        self._entries = list(entries)
        wanted = {entry.course.id for entry in entries}
        for course_id in [c for c in self._cards if c not in wanted]:
            gone = self._cards.pop(course_id)
            self.grid.removeWidget(gone)
            gone.deleteLater()
            self._shown_covers.pop(course_id, None)
        for entry in entries:
            existing = self._cards.get(entry.course.id)
            if existing is None:
                self._new_card(entry)
            else:
                existing.set_entry(entry)
        self._update_counts()
        self._relayout(force=True)
        self._load_covers()

    def set_standings(self, standings: dict[str, Standing]) -> None:
        self._standings = dict(standings)
        for course_id, card in self._cards.items():
            card.set_standing(self._standings.get(course_id))

    def show_download(self, course_id: str, label: str | None) -> None:
        """A download's state in words on the course's card; None (or "") clears it."""
        if label:
            self._downloads[course_id] = label
        else:
            self._downloads.pop(course_id, None)
        card = self._cards.get(course_id)
        if card is not None:
            card.set_download(label or None)

    def card(self, course_id: str) -> CourseCard | None:
        return self._cards.get(course_id)

    def visible_cards(self) -> list[CourseCard]:
        """The cards shown under the current filter, in grid order."""
        only_here = self.show_device.isChecked()
        return [
            self._cards[e.course.id]
            for e in self._entries
            if e.course.id in self._cards and (e.downloaded or not only_here)
        ]

    @property
    def columns(self) -> int:
        return self._columns

    # -- cards ---------------------------------------------------------------------------------

    def _new_card(self, entry: LibraryEntry) -> CourseCard:
        card = CourseCard(entry, self.grid_host)
        card.set_standing(self._standings.get(entry.course.id))
        card.set_download(self._downloads.get(entry.course.id))
        card.download_requested.connect(self.download_requested)
        card.open_requested.connect(self.open_requested)
        card.continue_requested.connect(self.continue_requested)
        card.export_requested.connect(self.export_requested)
        card.free_space_requested.connect(self.free_space_requested)
        card.remove_requested.connect(self.remove_requested)
        card.setMinimumWidth(MIN_CARD_WIDTH)
        card.setMaximumWidth(MAX_CARD_WIDTH)
        self._cards[entry.course.id] = card
        return card

    def _update_counts(self) -> None:
        here = sum(1 for e in self._entries if e.downloaded)
        self.show_all.setText(PageText.all(len(self._entries)))
        self.show_device.setText(PageText.on_device(here))

    def _on_filter(self, _button: object, checked: bool) -> None:
        if checked:
            self._relayout(force=True)

    def _columns_for(self, width: int) -> int:
        usable = width - 2 * GAP
        return max(1, (usable + GAP) // (MIN_CARD_WIDTH + GAP))

    def _relayout(self, *, force: bool = False) -> None:
        # The scroll bar's room is always set aside: its coming and going must not change the
        # number of columns (which could make it come and go again).
        bar = self.scroller.verticalScrollBar().sizeHint().width()
        columns = self._columns_for(self.scroller.width() - bar)
        if columns == self._columns and not force:
            return
        self._columns = columns
        for card in self._cards.values():
            self.grid.removeWidget(card)
            card.hide()
        shown = self.visible_cards()
        for index, card in enumerate(shown):
            self.grid.addWidget(card, index // columns, index % columns, Qt.AlignmentFlag.AlignTop)
            card.show()
        for column in range(max(self.grid.columnCount(), columns)):
            self.grid.setColumnStretch(column, 1 if column < columns else 0)
        previous: QWidget = self.show_device
        for card in shown:
            QWidget.setTabOrder(previous, card)
            previous = card
        if not self._entries:
            self.empty.setText(_(PageText.NO_COURSES))
        elif not shown:
            self.empty.setText(_(PageText.NONE_ON_DEVICE))
        self.stack.setCurrentWidget(self.scroller if shown else self.empty)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.scroller and event.type() == QEvent.Type.Resize:
            self._relayout()
        return super().eventFilter(watched, event)

    # -- covers --------------------------------------------------------------------------------

    def _load_covers(self) -> None:
        wanted = [
            e.course
            for e in self._entries
            if e.course.cover is not None
            and self._shown_covers.get(e.course.id) != e.course.cover.sha256
            and (e.course.id, e.course.cover.sha256) not in self._asked_covers
        ]
        if not wanted:
            return
        keys = {(c.id, c.cover.sha256) for c in wanted if c.cover is not None}
        self._asked_covers |= keys
        covers = self._covers
        # Those on this computer at once, then the academy's (which may wait on the network).
        self._runner.submit(lambda: decode_all(covers.local_all(wanted)), self._show_covers)
        self._runner.submit(
            lambda: decode_all(covers.fetch_all(wanted)),
            lambda images: self._fetched(keys, images),
            lambda _exc: self._fetched(keys, {}),
        )

    def _fetched(self, keys: set[tuple[str, str]], images: object) -> None:
        self._asked_covers -= keys
        self._show_covers(images)

    def _show_covers(self, images: object) -> None:
        assert isinstance(images, dict)
        if not shiboken6.isValid(self):
            return  # the window closed while the academy was sending them
        for course_id, image in images.items():
            card = self._cards.get(course_id)
            if card is None or not isinstance(image, QImage):
                continue
            cover = card.entry.course.cover
            if cover is None or self._shown_covers.get(course_id) == cover.sha256:
                continue
            card.set_cover(QPixmap.fromImage(image))
            self._shown_covers[course_id] = cover.sha256

"""One course as a card: cover, title, description, language, size, progress, download state,
one primary button and a "⋯" menu. UI thread.

The card is one keyboard stop (Tab): Enter or Return runs the primary action, the menu key or
Shift+F10 opens the menu; its buttons are for the mouse, so Tab does not visit them. Every
sentence the card shows is made here (`CardText`), from codes and numbers, never from ids.

Signals (course id): download_requested (Download, or Download the update), open_requested
(Open), continue_requested (Continue), export_requested, free_space_requested, remove_requested.
"""

from __future__ import annotations

import zlib

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QContextMenuEvent,
    QFont,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.course import LibraryEntry
from desktop.domain.learning import Standing
from desktop.language import formats
from desktop.language.catalogue import N_, _, counted
from desktop.ui.widgets.elided_label import ElidedLabel

# Placeholder colours: the palette's highlight turned round the colour wheel by these degrees,
# keeping its saturation and brightness, so every theme gets tones that suit it and white
# initials stay readable on each.
_PLACEHOLDER_TURNS = (0, 35, 150, 200, 260, 320)


class CardText:
    """Every learner-visible sentence of a card, in one place: the constants are marked for the
    catalogue (`N_`) and translated where they are shown, so the language installed at
    start-up is the one a card speaks."""

    DOWNLOAD = N_("Download")
    OPEN = N_("Open")
    CONTINUE = N_("Continue")
    MENU = N_("More actions")
    UPDATE = N_("Download the update")
    EXPORT = N_("Export course pack…")
    FREE_SPACE = N_("Free space (remove media, keep progress)")
    REMOVE = N_("Remove from this device")
    NOT_DOWNLOADED = N_("Not downloaded")
    ON_DEVICE = N_("On this device")
    UPDATE_AVAILABLE = N_("Update available")

    @staticmethod
    def language(code: str) -> str:
        """The course's language by name, in the learner's language (CLDR's names)."""
        return formats.language_name(code)

    @staticmethod
    def size(num_bytes: int) -> str:
        """ "12.0 MB", "800.0 kB" ("120,8 kB" in Dutch)."""
        return formats.size(num_bytes)

    @staticmethod
    def facts(code: str, num_bytes: int) -> str:
        # Translators: a course card's facts: its language and the size of its files.
        return _("{language} · {size}").format(
            language=CardText.language(code), size=CardText.size(num_bytes)
        )

    @staticmethod
    def progress(done: int, total: int) -> str:
        if total and done >= total:
            return counted("{n} lesson done", "All {n} lessons done", total)
        if done == 0:
            return counted("{n} lesson, none done yet", "{n} lessons, none done yet", total)
        return counted(
            "{done} of {n} lesson done",
            "{done} of {n} lessons done",
            total,
            done=formats.number(done),
        )

    @staticmethod
    def description(state: str, progress: str, action: str) -> str:
        """What a screen reader says after the card's title."""
        # Translators: a course card for screen readers: its state, progress and primary action.
        return _("{state}. {progress}. {action}.").format(
            state=state, progress=progress, action=action
        )


def placeholder_color(palette: QPalette, key: str) -> QColor:
    """A placeholder's colour for `key` (the same every time), from the palette's highlight:
    muted and mid-dark whatever the theme's highlight is, so white initials read on it."""
    base = palette.color(QPalette.ColorRole.Highlight)
    turn = _PLACEHOLDER_TURNS[zlib.crc32(key.encode()) % len(_PLACEHOLDER_TURNS)]
    hue = (max(base.hsvHue(), 0) + turn) % 360
    return QColor.fromHsv(hue, min(max(base.hsvSaturation(), 90), 140), 165)


def initials(title: str) -> str:
    words = [w for w in title.split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "?"


class CoverView(QWidget):
    """The cover at 16:9, cropped to fill; until there is one, the course's initials on a
    palette colour picked from its id (the same colour every time)."""

    def __init__(self, course_id: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixmap: QPixmap | None = None
        self._course_id = course_id
        self._initials = initials(title)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(120)

    def placeholder_color(self) -> QColor:
        return placeholder_color(self.palette(), self._course_id)

    def set_title(self, title: str) -> None:
        self._initials = initials(title)
        self.update()

    def set_pixmap(self, pixmap: QPixmap | None) -> None:
        self._pixmap = pixmap if pixmap is not None and not pixmap.isNull() else None
        self.update()

    def pixmap(self) -> QPixmap | None:
        return self._pixmap

    def has_cover(self) -> bool:
        return self._pixmap is not None

    def resizeEvent(self, event: object) -> None:  # noqa: N802
        height = max(120, self.width() * 9 // 16)
        if self.height() != height:
            self.setFixedHeight(height)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(320, 180)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        area = self.rect()
        if self._pixmap is not None:
            scaled = self._pixmap.scaled(
                area.size(),
                Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                Qt.TransformationMode.SmoothTransformation,
            )
            x = (scaled.width() - area.width()) // 2
            y = (scaled.height() - area.height()) // 2
            painter.drawPixmap(area, scaled, QRect(x, y, area.width(), area.height()))
            return
        palette = self.palette()
        painter.fillRect(area, self.placeholder_color())
        font = QFont(self.font())
        font.setPixelSize(max(18, area.height() // 3))
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(palette.color(QPalette.ColorRole.HighlightedText))
        painter.drawText(area, Qt.AlignmentFlag.AlignCenter, self._initials)


class CourseCard(QFrame):
    download_requested = Signal(str)
    open_requested = Signal(str)
    continue_requested = Signal(str)
    export_requested = Signal(str)
    free_space_requested = Signal(str)
    remove_requested = Signal(str)

    def __init__(self, entry: LibraryEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry = entry
        self.course_id = entry.course.id
        self._standing: Standing | None = None
        self._download: str | None = None
        self.setObjectName("courseCard")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.setStyleSheet(
            "QFrame#courseCard { border: 1px solid palette(mid); border-radius: 8px;"
            " background: palette(base); }"
            "QFrame#courseCard:focus { border: 2px solid palette(highlight); }"
        )

        self.cover = CoverView(entry.course.id, entry.course.title, self)
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        title_font = QFont(self.title.font())
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.15)
        self.title.setFont(title_font)
        self.facts = QLabel(self)  # language and size
        self.facts.setTextFormat(Qt.TextFormat.PlainText)
        self.facts.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.summary = ElidedLabel(3, self)
        self.progress_text = QLabel(self)
        self.progress_text.setTextFormat(Qt.TextFormat.PlainText)
        self.progress = QProgressBar(self)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(6)
        self.state = QLabel(self)
        self.state.setTextFormat(Qt.TextFormat.PlainText)

        self.primary = QPushButton(self)
        self.primary.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the card itself is the Tab stop
        self.primary.clicked.connect(self.run_primary)
        primary_font = QFont(self.primary.font())
        primary_font.setBold(True)
        self.primary.setFont(primary_font)
        self.menu = QMenu(self)
        self.update_action = QAction(_(CardText.UPDATE), self)
        self.update_action.triggered.connect(lambda: self.download_requested.emit(self.course_id))
        self.export_action = QAction(_(CardText.EXPORT), self)
        self.export_action.triggered.connect(lambda: self.export_requested.emit(self.course_id))
        self.free_action = QAction(_(CardText.FREE_SPACE), self)
        self.free_action.triggered.connect(lambda: self.free_space_requested.emit(self.course_id))
        self.remove_action = QAction(_(CardText.REMOVE), self)
        self.remove_action.triggered.connect(lambda: self.remove_requested.emit(self.course_id))
        for action in (self.update_action, self.export_action, self.free_action):
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.menu.addAction(self.remove_action)
        self.more = QToolButton(self)
        self.more.setText("⋯")
        self.more.setToolTip(_(CardText.MENU))
        self.more.setAccessibleName(_(CardText.MENU))
        self.more.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.more.clicked.connect(self.show_menu)

        text = QVBoxLayout()
        text.setContentsMargins(12, 8, 12, 12)
        text.setSpacing(4)
        text.addWidget(self.title)
        text.addWidget(self.facts)
        text.addWidget(self.summary)
        text.addSpacing(4)
        text.addWidget(self.progress_text)
        text.addWidget(self.progress)
        text.addWidget(self.state)
        buttons = QHBoxLayout()
        buttons.addWidget(self.primary, 1)
        buttons.addWidget(self.more)
        text.addLayout(buttons)
        column = QVBoxLayout(self)
        column.setContentsMargins(1, 1, 1, 1)
        column.setSpacing(0)
        column.addWidget(self.cover)
        column.addLayout(text)
        column.addStretch(1)
        self.set_entry(entry)

    # -- what the card shows -----------------------------------------------------------------

    def set_entry(self, entry: LibraryEntry) -> None:
        self.entry = entry
        course = entry.course
        self.title.setText(course.title)
        self.cover.set_title(course.title)
        self.facts.setText(CardText.facts(course.language, course.media_bytes))
        self.summary.set_full_text(course.summary)
        self._render()

    def set_standing(self, standing: Standing | None) -> None:
        self._standing = standing
        self._render()

    def set_download(self, label: str | None) -> None:
        """A download's state in words ("Downloading… 45%"); None: not downloading."""
        self._download = label or None
        self._render()

    def set_cover(self, pixmap: QPixmap | None) -> None:
        self.cover.set_pixmap(pixmap)

    @property
    def downloading(self) -> bool:
        return self._download is not None

    @property
    def update_available(self) -> bool:
        entry = self.entry
        return (
            entry.downloaded
            and entry.local_version is not None
            and entry.local_version < entry.course.version
        )

    def primary_action(self) -> str:
        """'download', 'open' or 'continue'."""
        if not self.entry.downloaded:
            return "download"
        done = self._standing.done if self._standing is not None else 0
        if 0 < done < self.entry.course.lesson_count:
            return "continue"
        return "open"

    def state_text(self) -> str:
        if self._download is not None:
            return self._download
        if not self.entry.downloaded:
            return _(CardText.NOT_DOWNLOADED)
        if self.update_available:
            return _(CardText.UPDATE_AVAILABLE)
        return _(CardText.ON_DEVICE)

    def _render(self) -> None:
        course = self.entry.course
        done = self._standing.done if self._standing is not None else 0
        done = min(done, course.lesson_count)
        self.progress_text.setText(CardText.progress(done, course.lesson_count))
        self.progress.setRange(0, max(1, course.lesson_count))
        self.progress.setValue(done)
        self.state.setText(self.state_text())
        action = self.primary_action()
        words = {
            "download": CardText.DOWNLOAD,
            "open": CardText.OPEN,
            "continue": CardText.CONTINUE,
        }
        self.primary.setText(_(words[action]))
        # Downloading: the course cannot be downloaded twice nor opened before it is here.
        self.primary.setEnabled(not (self.downloading and not self.entry.downloaded))
        self.primary.setDefault(True)
        here = self.entry.downloaded and not self.downloading
        self.update_action.setVisible(self.update_available)
        self.update_action.setEnabled(here)
        for menu_action in (self.export_action, self.free_action, self.remove_action):
            menu_action.setEnabled(here)
        self.setAccessibleName(course.title)
        self.setAccessibleDescription(
            CardText.description(self.state_text(), self.progress_text.text(), self.primary.text())
        )

    # -- acting ------------------------------------------------------------------------------

    def run_primary(self) -> None:
        if not self.primary.isEnabled():
            return
        signal = {
            "download": self.download_requested,
            "open": self.open_requested,
            "continue": self.continue_requested,
        }[self.primary_action()]
        signal.emit(self.course_id)

    def show_menu(self) -> None:
        self.menu.popup(self.more.mapToGlobal(QPoint(0, self.more.height())))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        shift_f10 = key == Qt.Key.Key_F10 and event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers() & ~(
            Qt.KeyboardModifier.KeypadModifier
        ):
            self.run_primary()
            event.accept()
        elif key == Qt.Key.Key_Menu or shift_f10:
            self.show_menu()
            event.accept()
        else:
            super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802
        self.menu.popup(event.globalPos())
        event.accept()

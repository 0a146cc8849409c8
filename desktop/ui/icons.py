"""The window's icons, by name, from Font Awesome 6 Free (solid) as QtAwesome ships it. UI thread
(`preload` may run on any thread).

QtAwesome (a maintained package, MIT; Font Awesome's font is under the SIL OFL 1.1, its icons
CC BY 4.0) is the one icon set. Only its font file and name map are used: importing its Python
module would pull in QtPy, whose star imports build every Qt class and load QtOpenGL and
QtDataVisualization (measured: about 110 ms and 20-26 MB more, for the one font we need). So an
icon here is the font's glyph, drawn by a small QIconEngine at paint time.

Icons take their colour from the palette when they are painted (the text colour; the disabled
text colour when disabled; the highlighted text colour when selected), so a theme change
re-colours every button and action at its next paint with nothing re-made by hand; a QLabel
showing a pixmap is re-made by `show_on`, which follows theme changes.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QIcon,
    QIconEngine,
    QPainter,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import QLabel

from desktop.ui import theme

# Samen's names -> Font Awesome 6 Free solid names.
NAMES: dict[str, str] = {
    "home": "house",
    "courses": "book-open",
    "podcasts": "podcast",
    "sync": "arrows-rotate",
    "storage": "hard-drive",
    "settings": "gear",
    "done": "circle-check",
    "right": "check",
    "wrong": "xmark",
    "play": "play",
    "pause": "pause",
    "download": "download",
    "menu": "ellipsis",
    "back": "arrow-left",
    "next": "chevron-right",
    "previous": "chevron-left",
    "discussion": "comments",
    "poll": "square-poll-vertical",
    "peer": "user-group",
    "supporter": "hand-holding-heart",
    "warning": "triangle-exclamation",
    "offline": "plug-circle-xmark",
    "online": "plug-circle-check",
    "connecting": "plug-circle-bolt",
    "add": "plus",
    "pin": "thumbtack",
    "stop": "stop",
    "delete": "trash-can",
}
_FONT_GLOB = "fontawesome6-solid-webfont-*.ttf"
# The glyph fills this much of the icon's square, as icon fonts are drawn (room for the bevel).
_SCALE = 0.875


class IconFontMissingError(RuntimeError):
    """QtAwesome's font is not installed (a broken install): icons are left blank."""


def _font_dir() -> Path:
    """QtAwesome's fonts folder, found without importing QtAwesome (see the module doc)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:  # installers/samen.spec puts the font there
        return Path(bundle) / "qtawesome" / "fonts"
    spec = importlib.util.find_spec("qtawesome")
    if spec is None or not spec.submodule_search_locations:
        raise IconFontMissingError("QtAwesome is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "fonts"


@dataclass(frozen=True, slots=True)
class _Font:
    data: bytes
    codes: dict[str, str]  # Font Awesome name -> the glyph's character


def font_files() -> tuple[Path, Path]:
    """The font file and its name map (the newest version QtAwesome ships)."""
    folder = _font_dir()
    fonts = sorted(folder.glob(_FONT_GLOB))
    if not fonts:
        raise IconFontMissingError(f"no Font Awesome font in {folder}")
    ttf = fonts[-1]
    charmap = ttf.with_name(ttf.name.replace("-webfont-", "-webfont-charmap-")).with_suffix(".json")
    return ttf, charmap


def _read_font() -> _Font:
    ttf, charmap = font_files()
    hex_codes = json.loads(charmap.read_text(encoding="utf-8"))
    wanted = set(NAMES.values())
    codes = {name: chr(int(code, 16)) for name, code in hex_codes.items() if name in wanted}
    return _Font(ttf.read_bytes(), codes)


class _Loader:
    """Reads the font once (`preload` on a worker, or at the first icon), and adds it to the
    font database once, on the UI thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._font: _Font | None = None
        self.family: str | None = None
        self.codes: dict[str, str] = {}

    def read(self) -> _Font:
        with self._lock:
            if self._font is None:
                self._font = _read_font()
            return self._font

    def ensure(self) -> str:
        if self.family is None:
            font = self.read()
            font_id = QFontDatabase.addApplicationFontFromData(font.data)
            families = QFontDatabase.applicationFontFamilies(font_id)
            if not families:
                raise IconFontMissingError("the Font Awesome font could not be loaded")
            self.codes = font.codes
            self.family = families[0]
        return self.family


# One per process, like the font database it fills: the font is loaded once however many
# widgets ask for icons.
_LOADER = _Loader()


def preload() -> None:
    """Read the font file and name map (disk work), so the first icon on the UI thread does not.
    Any thread."""
    _LOADER.read()


def _colour(mode: QIcon.Mode, tone: theme.Kind | None) -> QColor:
    palette = QGuiApplication.palette()
    if mode == QIcon.Mode.Disabled:
        return palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    if mode == QIcon.Mode.Selected:
        return palette.color(QPalette.ColorRole.HighlightedText)
    if tone is not None:
        return theme.derived(tone, palette)
    return palette.color(QPalette.ColorRole.Text)


class _GlyphEngine(QIconEngine):
    """Draws one glyph in the palette's colour of the moment."""

    def __init__(self, name: str, tone: theme.Kind | None) -> None:
        super().__init__()
        self._name = name
        self._tone = tone

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        try:
            family = _LOADER.ensure()
        except (IconFontMissingError, OSError, ValueError):
            return  # a broken install: a blank icon, the button's text still says what it does
        glyph = _LOADER.codes.get(NAMES[self._name], "")
        font = QFont(family)
        font.setPixelSize(max(1, round(min(rect.width(), rect.height()) * _SCALE)))
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.setFont(font)
        painter.setPen(_colour(mode, self._tone))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, glyph)
        painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(  # noqa: N802
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        pixmap = QPixmap(size * scale)
        pixmap.setDevicePixelRatio(scale)
        pixmap.fill(Qt.GlobalColor.transparent)  # no colour: the glyph is drawn on nothing
        painter = QPainter(pixmap)
        self.paint(painter, QRect(QPoint(0, 0), size), mode, state)
        painter.end()
        return pixmap

    def clone(self) -> QIconEngine:
        return _GlyphEngine(self._name, self._tone)

    def key(self) -> str:
        return "samenGlyph"


class _LabelIcon(QObject):
    """Draws a label's icon pixmap when the label is shown and again when the application's
    palette changes. Not before it is shown: a hidden banner's icon must not make the window's
    constructor read the font on the UI thread."""

    def __init__(self, label: QLabel, name: str, size: int, tone: theme.Kind | None) -> None:
        super().__init__(label)
        self.setObjectName("samenLabelIcon")
        self.spec = (name, size, tone)
        if label.isVisible():
            self.draw(label)
        label.installEventFilter(self)

    def draw(self, label: QLabel) -> None:
        name, size, tone = self.spec
        label.setPixmap(Icons.icon(name, tone).pixmap(QSize(size, size)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind in (QEvent.Type.Show, QEvent.Type.ApplicationPaletteChange) and isinstance(
            watched, QLabel
        ):
            self.draw(watched)
        return False


class Icons:
    """Named icons (see NAMES). `tone` colours an icon with a theme colour (for instance
    "success" for a right answer's mark) instead of the text colour."""

    names = tuple(NAMES)

    @staticmethod
    def icon(name: str, tone: theme.Kind | None = None) -> QIcon:
        if name not in NAMES:
            raise KeyError(f"no icon named {name!r}")
        return QIcon(_GlyphEngine(name, tone))

    @staticmethod
    def pixmap(name: str, size: int, tone: theme.Kind | None = None) -> QPixmap:
        return Icons.icon(name, tone).pixmap(QSize(size, size))

    @staticmethod
    def show_on(label: QLabel, name: str, size: int = 16, tone: theme.Kind | None = None) -> None:
        """Show the icon on `label` (drawn when it is shown), re-drawn in the new colours
        after a theme change."""
        existing = label.findChild(_LabelIcon, "samenLabelIcon")
        if existing is not None:
            existing.spec = (name, size, tone)
            if label.isVisible():
                existing.draw(label)
        else:
            _LabelIcon(label, name, size, tone)

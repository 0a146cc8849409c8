"""Light and dark colours for the whole window, and the few colours derived from them. UI thread.

Every colour the window shows comes from the application's QPalette, which `Theme.apply` sets
(with the Fusion style, which draws everything from the palette on every platform). "Follow
the system" reads the OS colour scheme (QStyleHints.colorScheme) and follows it live; where the
platform does not say (Unknown: many Linux desktops, the offscreen platform), it is light.

What a palette has no role for (an error sentence, a right or wrong mark, the status dot) is
derived here, in this one place, from the palette a widget has: `error_text(palette)` and
friends pick a shade that reads on that palette's window colour. `tint(widget, kind)` keeps a
widget's text in such a colour and follows theme changes.
"""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

Scheme = Literal["light", "dark"]
Kind = Literal["error", "success", "warning", "muted"]
CHOICES = ("system", "light", "dark")

_Role = QPalette.ColorRole
_Group = QPalette.ColorGroup

# Role -> (light, dark). Chosen so text on its background has at least WCAG AA contrast
# (tests/ui/test_theme.py measures it).
_PALETTES: dict[_Role, tuple[str, str]] = {
    _Role.Window: ("#f4f4f5", "#232427"),
    _Role.WindowText: ("#1c1c1e", "#e8e8ea"),
    _Role.Base: ("#ffffff", "#1a1b1e"),
    _Role.AlternateBase: ("#f0f0f2", "#26272b"),
    _Role.ToolTipBase: ("#fff7d6", "#3b3526"),
    _Role.ToolTipText: ("#1c1c1e", "#f1ead2"),
    _Role.PlaceholderText: ("#6b6b70", "#9d9da3"),
    _Role.Text: ("#1c1c1e", "#e8e8ea"),
    _Role.Button: ("#e9e9ec", "#34363b"),
    _Role.ButtonText: ("#1c1c1e", "#e8e8ea"),
    _Role.BrightText: ("#ffffff", "#ffffff"),
    _Role.Light: ("#ffffff", "#4a4c52"),
    _Role.Midlight: ("#f2f2f4", "#3d3f44"),
    _Role.Mid: ("#b9b9bf", "#2a2b2f"),
    _Role.Dark: ("#9d9da3", "#18191b"),
    _Role.Shadow: ("#6b6b70", "#0c0c0d"),
    _Role.Highlight: ("#2b62c4", "#3a6fd0"),
    _Role.Accent: ("#2b62c4", "#3a6fd0"),
    _Role.HighlightedText: ("#ffffff", "#ffffff"),
    _Role.Link: ("#1f57b8", "#8ab4f8"),
    _Role.LinkVisited: ("#6b3fb0", "#c9a6f5"),
}
_DISABLED: dict[_Role, tuple[str, str]] = {
    _Role.WindowText: ("#8e8e93", "#75767b"),
    _Role.Text: ("#8e8e93", "#75767b"),
    _Role.ButtonText: ("#8e8e93", "#75767b"),
    _Role.Highlight: ("#a9a9b0", "#4a4c52"),
    _Role.HighlightedText: ("#f4f4f5", "#b9b9bf"),
}
# Kind -> (on a light window, on a dark window).
_DERIVED: dict[Kind, tuple[str, str]] = {
    "error": ("#b3261e", "#ff8f87"),
    "success": ("#1d6b2a", "#7fd48f"),
    "warning": ("#8a4b00", "#f5c16c"),
    "muted": ("#5f5f65", "#a8a8ae"),
}


def palette_for(scheme: Scheme) -> QPalette:
    """The whole palette of one scheme (every group: active, inactive, disabled)."""
    column = 0 if scheme == "light" else 1
    palette = QPalette()
    for role, colours in _PALETTES.items():
        palette.setColor(role, QColor(colours[column]))
    for role, colours in _DISABLED.items():
        palette.setColor(_Group.Disabled, role, QColor(colours[column]))
    return palette


def is_dark(palette: QPalette) -> bool:
    return palette.color(_Role.Window).lightness() < 128


def derived(kind: Kind, palette: QPalette | None = None) -> QColor:
    """The colour for `kind` on `palette` (the application's when None)."""
    palette = palette if palette is not None else QGuiApplication.palette()
    return QColor(_DERIVED[kind][1 if is_dark(palette) else 0])


def error_text(palette: QPalette | None = None) -> QColor:
    return derived("error", palette)


def success_text(palette: QPalette | None = None) -> QColor:
    return derived("success", palette)


def warning_text(palette: QPalette | None = None) -> QColor:
    return derived("warning", palette)


def muted_text(palette: QPalette | None = None) -> QColor:
    return derived("muted", palette)


class _Tint(QObject):
    """Keeps one widget's text in a derived colour, re-derived when the theme changes."""

    def __init__(self, widget: QWidget, kind: Kind) -> None:
        super().__init__(widget)
        self.setObjectName("samenTint")
        self.kind = kind
        self._paint(widget)
        widget.installEventFilter(self)

    def _paint(self, widget: QWidget) -> None:
        palette = QPalette(widget.palette())
        colour = derived(self.kind, QGuiApplication.palette())
        for role in (_Role.WindowText, _Role.Text):
            palette.setColor(role, colour)
        widget.setPalette(palette)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        # Application-wide only: the PaletteChange our own setPalette causes must not loop.
        if event.type() == QEvent.Type.ApplicationPaletteChange and isinstance(watched, QWidget):
            self._paint(watched)
        return False


def tint(widget: QWidget, kind: Kind) -> None:
    """Show `widget`'s text in the `kind` colour, now and after every theme change."""
    existing = widget.findChild(_Tint, "samenTint")
    if existing is not None:
        existing.kind = kind
        existing._paint(widget)
    else:
        _Tint(widget, kind)


class Theme(QObject):
    """The application's one theme (a child of the QApplication). `changed` says the scheme
    now shown ("light" or "dark") after every change, so icons can be re-made."""

    changed = Signal(str)

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.setObjectName("samenTheme")
        self._app = app
        self.choice = "system"
        self.scheme: Scheme = "light"
        app.styleHints().colorSchemeChanged.connect(self._on_system_scheme)

    @classmethod
    def of(cls, app: QApplication) -> Theme:
        """The application's theme object (made, not yet applied, on first use)."""
        existing = app.findChild(cls, "samenTheme")
        return existing if existing is not None else cls(app)

    @classmethod
    def apply(cls, app: QApplication, choice: str) -> Theme:
        """Show `choice` ("system", "light" or "dark"; anything else follows the system)."""
        theme = cls.of(app)
        theme.choose(choice)
        return theme

    def choose(self, choice: str) -> None:
        self.choice = choice if choice in CHOICES else "system"
        if self._app.style().name().lower() != "fusion":
            self._app.setStyle("Fusion")
        # Tell the platform too (Qt 6.8+), so what it draws itself (the title bar on Windows
        # and macOS) matches; colorSchemeChanged then comes back and is ignored unless the
        # choice is to follow the system.
        hints = self._app.styleHints()
        if self.choice == "system":
            hints.unsetColorScheme()
        else:
            hints.setColorScheme(
                Qt.ColorScheme.Dark if self.choice == "dark" else Qt.ColorScheme.Light
            )
        self._show(self._wanted())

    def _wanted(self, system: Qt.ColorScheme | None = None) -> Scheme:
        if self.choice in ("light", "dark"):
            return "light" if self.choice == "light" else "dark"
        system = system if system is not None else self._app.styleHints().colorScheme()
        return "dark" if system == Qt.ColorScheme.Dark else "light"

    def _show(self, scheme: Scheme) -> None:
        palette = palette_for(scheme)
        if self.scheme == scheme and self._app.palette() == palette:
            return
        self.scheme = scheme
        self._app.setPalette(palette)
        self.changed.emit(scheme)

    def _on_system_scheme(self, scheme: Qt.ColorScheme) -> None:
        if self.choice == "system":
            self._show(self._wanted(scheme))

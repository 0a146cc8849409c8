"""Light and dark themes: every colour from the palette, readable text, following the OS colour
scheme live when asked to, and no colour written into a page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from desktop.ui import theme
from desktop.ui.theme import Theme

UI = Path(__file__).resolve().parents[2] / "desktop" / "ui"
Role = QPalette.ColorRole


@pytest.fixture
def app(qapp: QApplication) -> Iterator[QApplication]:
    """The test session's application, given back with its own style and palette."""
    style, palette = qapp.style().name(), QPalette(qapp.palette())
    yield qapp
    Theme.apply(qapp, "system")
    qapp.setStyle(style)
    qapp.setPalette(palette)


def _luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def contrast(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio (1 to 21)."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_reads_on_its_background_in_both_schemes(scheme: theme.Scheme) -> None:
    palette = theme.palette_for(scheme)
    pairs = [
        (Role.WindowText, Role.Window),
        (Role.Text, Role.Base),
        (Role.Text, Role.AlternateBase),
        (Role.ButtonText, Role.Button),
        (Role.ToolTipText, Role.ToolTipBase),
        (Role.HighlightedText, Role.Highlight),
        (Role.Link, Role.Base),
    ]
    for text, background in pairs:
        ratio = contrast(palette.color(text), palette.color(background))
        assert ratio >= 4.5, f"{scheme}: {text.name} on {background.name} is {ratio:.1f}:1"
    assert contrast(palette.color(Role.PlaceholderText), palette.color(Role.Base)) >= 4.5
    for kind in ("error", "success", "warning", "muted"):
        for background in (Role.Window, Role.Base):
            colour = theme.derived(kind, palette)
            ratio = contrast(colour, palette.color(background))
            assert ratio >= 4.5, f"{scheme}: {kind} on {background.name} is {ratio:.1f}:1"


def test_light_and_dark_are_applied_to_the_whole_application(app: QApplication) -> None:
    Theme.apply(app, "dark")
    assert app.style().name().lower() == "fusion"
    assert theme.is_dark(app.palette())
    assert app.palette().color(Role.Window) == theme.palette_for("dark").color(Role.Window)
    Theme.apply(app, "light")
    assert not theme.is_dark(app.palette())
    assert Theme.of(app).scheme == "light"
    assert Theme.of(app) is Theme.apply(app, "light")  # one theme per application


def test_following_the_system_is_light_when_it_does_not_say_and_follows_it_live(
    app: QApplication, qtbot: QtBot
) -> None:
    hints = app.styleHints()
    assert hints.colorScheme() == Qt.ColorScheme.Unknown  # offscreen says nothing
    themed = Theme.apply(app, "system")
    assert themed.scheme == "light"
    with qtbot.waitSignal(themed.changed, timeout=5000) as changed:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # what the OS sends
    assert changed.args == ["dark"]
    assert theme.is_dark(app.palette())
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert not theme.is_dark(app.palette())
    # A learner who chose a theme keeps it whatever the OS does.
    Theme.apply(app, "light")
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert not theme.is_dark(app.palette())


def test_an_unknown_choice_follows_the_system(app: QApplication) -> None:
    assert Theme.apply(app, "purple").choice == "system"


def test_a_tinted_label_gets_the_new_shade_after_a_theme_change(
    app: QApplication, qtbot: QtBot
) -> None:
    Theme.apply(app, "light")
    label = QLabel("That address does not look right.")
    qtbot.addWidget(label)
    theme.tint(label, "error")
    light = label.palette().color(Role.WindowText)
    assert light == theme.error_text(theme.palette_for("light"))
    Theme.apply(app, "dark")
    qtbot.waitUntil(
        lambda: (
            label.palette().color(Role.WindowText) == theme.error_text(theme.palette_for("dark"))
        ),
        timeout=5000,
    )
    # The label's other colours still follow the theme (only the text is tinted).
    assert label.palette().color(Role.Window) == theme.palette_for("dark").color(Role.Window)


# What a hard-coded colour looks like in a widget's code.
_COLOUR = re.compile(
    r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?\b|QColor\(|Qt\.GlobalColor\.(?!transparent)"
    r"|setStyleSheet\([^)]*colou?r|\"(?:red|green|orange|gray|grey|black|white)\""
)


def test_no_page_or_widget_writes_a_colour_of_its_own() -> None:
    offenders = []
    for path in sorted(UI.rglob("*.py")):
        if path.name == "theme.py":  # the one place colours are defined
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("  #", 1)[0]
            if _COLOUR.search(code):
                offenders.append(f"{path.relative_to(UI)}:{number}: {line.strip()}")
    assert offenders == []

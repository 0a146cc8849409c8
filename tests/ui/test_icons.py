"""The icon set: every named icon is a real glyph of QtAwesome's Font Awesome font, in the
palette's text colour, re-coloured by a theme change, and loading it pulls in neither QtPy nor
any other Qt binding."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QIcon, QImage, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QToolButton
from pytestqt.qtbot import QtBot

from desktop.domain.course import Lesson
from desktop.ui import icons, theme
from desktop.ui.icons import Icons
from desktop.ui.pages.course_lessons import LessonsSection
from desktop.ui.theme import Theme

ROOT = Path(__file__).resolve().parents[2]
Role = QPalette.ColorRole

# What the pages ask for (tests/ui pages and the lead's window use these names).
WANTED = {
    *("home", "courses", "podcasts", "sync", "storage", "settings", "done", "right", "wrong"),
    *("play", "pause", "download", "menu", "back", "next", "previous", "discussion", "poll"),
    *("peer", "supporter", "warning", "offline", "online", "connecting"),
}


@pytest.fixture
def app(qapp: QApplication) -> Iterator[QApplication]:
    style, palette = qapp.style().name(), QPalette(qapp.palette())
    yield qapp
    Theme.apply(qapp, "system")
    qapp.setStyle(style)
    qapp.setPalette(palette)


def _ink(image: QImage) -> list[str]:
    """The colours (#rrggbb) of the glyph's solid pixels."""
    return [
        image.pixelColor(x, y).name()
        for x in range(image.width())
        for y in range(image.height())
        if image.pixelColor(x, y).alpha() == 255
    ]


def test_every_name_a_page_needs_is_a_glyph_of_the_font(app: QApplication) -> None:
    assert not WANTED - set(Icons.names)
    icons.preload()
    drawn = {}
    for name in Icons.names:
        ink = _ink(Icons.pixmap(name, 32).toImage())
        assert len(ink) > 30, f"{name} draws nothing"  # a missing glyph is blank
        drawn[name] = Icons.pixmap(name, 32).toImage()
    # Distinct glyphs, not one fallback box repeated.
    assert len({bytes(image.constBits()) for image in drawn.values()}) == len(drawn)
    with pytest.raises(KeyError):
        Icons.icon("rocket")


def test_icons_take_the_palettes_text_colour_and_follow_the_theme(
    app: QApplication, qtbot: QtBot
) -> None:
    Theme.apply(app, "light")
    button = QToolButton()
    qtbot.addWidget(button)
    button.setIcon(Icons.icon("sync"))
    light_text = theme.palette_for("light").color(Role.Text)
    assert set(_ink(button.icon().pixmap(32, 32).toImage())) == {light_text.name()}
    Theme.apply(app, "dark")
    dark_text = theme.palette_for("dark").color(Role.Text)
    # The same icon object, drawn again after the change, in the new colour.
    assert set(_ink(button.icon().pixmap(32, 32).toImage())) == {dark_text.name()}
    disabled = theme.palette_for("dark").color(QPalette.ColorGroup.Disabled, Role.Text)
    greyed = button.icon().pixmap(32, 32, QIcon.Mode.Disabled)
    assert set(_ink(greyed.toImage())) == {disabled.name()}
    wrong = Icons.pixmap("wrong", 32, tone="error")
    assert set(_ink(wrong.toImage())) == {theme.error_text().name()}


def test_a_label_showing_an_icon_is_redrawn_after_a_theme_change(
    app: QApplication, qtbot: QtBot
) -> None:
    Theme.apply(app, "light")
    label = QLabel()
    qtbot.addWidget(label)
    Icons.show_on(label, "warning", 24)
    assert label.pixmap().isNull()  # drawn when shown, not while the window is being built
    label.show()
    light_text = theme.palette_for("light").color(Role.Text)
    assert set(_ink(label.pixmap().toImage())) == {light_text.name()}
    Theme.apply(app, "dark")
    dark_text = theme.palette_for("dark").color(Role.Text)
    qtbot.waitUntil(lambda: set(_ink(label.pixmap().toImage())) == {dark_text.name()}, timeout=5000)


def test_the_font_is_one_file_from_qtawesome() -> None:
    ttf, charmap = icons.font_files()
    assert ttf.parent.parent.name == "qtawesome"
    assert ttf.name.startswith("fontawesome6-solid") and charmap.is_file()


def test_icons_load_without_qtpy_qtawesome_or_another_qt_binding() -> None:
    # A fresh interpreter: what drawing an icon imports, and nothing else.
    script = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from desktop.ui.icons import Icons\n"
        "assert not Icons.pixmap('home', 24).isNull()\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('qtpy', 'qtawesome', 'PyQt5', 'PyQt6', 'PySide2')]\n"
        "print(bad)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_course_pages_done_mark_is_the_icon_sets_and_follows_the_theme(
    app: QApplication, qtbot: QtBot
) -> None:
    Theme.apply(app, "light")
    section = LessonsSection()
    qtbot.addWidget(section)
    lessons = [Lesson(f"l{n}", n, f"Lesson {n}", "") for n in (1, 2)]
    section.show_lessons(lessons, {"l1"})
    done = section.list.item(0).icon()
    assert bytes(done.pixmap(32, 32).toImage().constBits()) == bytes(
        Icons.pixmap("done", 32).toImage().constBits()
    )
    Theme.apply(app, "dark")
    dark_text = theme.palette_for("dark").color(Role.Text)
    assert set(_ink(section.list.item(0).icon().pixmap(32, 32).toImage())) == {dark_text.name()}

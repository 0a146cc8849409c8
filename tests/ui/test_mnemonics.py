"""The mnemonic checker (tests/ui/mnemonics.py) finds Alt+letter clashes among what is visible
together, and only there."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from tests.ui.mnemonics import clashes, menu_clashes, missing, mnemonic


def test_the_letter_after_a_single_ampersand() -> None:
    assert mnemonic("&Save") == "s"
    assert mnemonic("P&layback") == "l"
    assert mnemonic("Tom && Jerry") is None
    assert mnemonic("Tom && &Jerry") == "j"
    assert mnemonic("Ends with &") is None
    assert mnemonic("") is None


def test_clashes_among_menus_buttons_labels_and_tabs_are_found(qtbot: QtBot) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.menuBar().addMenu("&Samen")
    window.menuBar().addMenu("&Playback")
    page = QWidget()
    column = QVBoxLayout(page)
    column.addWidget(QPushButton("&Sync now"))
    column.addWidget(QCheckBox("&Unmetered only"))
    field = QLineEdit()
    label = QLabel("&Username")
    label.setBuddy(field)
    column.addWidget(label)
    column.addWidget(field)
    column.addWidget(QLabel("&Not a buddy, no shortcut"))
    tabs = QTabWidget()
    tabs.addTab(QWidget(), "&Podcasts")
    tabs.addTab(QWidget(), "&Forum")
    column.addWidget(tabs)
    column.addWidget(QPushButton("Plain"))
    window.setCentralWidget(page)
    window.show()
    assert clashes(window) == {
        "p": ["menu '&Playback'", "tab '&Podcasts'"],
        "s": ["menu '&Samen'", "QPushButton '&Sync now'"],
        "u": ["QCheckBox '&Unmetered only'", "label '&Username'"],
    }
    assert missing(window) == ["QPushButton 'Plain'"]


def test_hidden_pages_do_not_count(qtbot: QtBot) -> None:
    root = QWidget()
    qtbot.addWidget(root)
    stack = QStackedWidget()
    QVBoxLayout(root).addWidget(stack)
    shown, hidden = QWidget(), QWidget()
    QVBoxLayout(shown).addWidget(QPushButton("&Open"))
    QVBoxLayout(hidden).addWidget(QPushButton("&Open course"))
    stack.addWidget(shown)
    stack.addWidget(hidden)
    assert clashes(root) == {}  # judged before it is shown, too
    root.show()
    assert clashes(root) == {}
    stack.setCurrentWidget(hidden)
    assert clashes(root) == {}


def test_menu_items_are_checked_within_their_menu(qtbot: QtBot) -> None:
    menu = QMenu()
    menu.addAction("&Sync now")
    menu.addAction("&Settings…")
    menu.addAction("&Quit")
    hidden = menu.addAction("&Quietly")
    hidden.setVisible(False)
    assert menu_clashes(menu) == {"s": ["item '&Sync now'", "item '&Settings…'"]}

"""The main window's menus and the actions behind them. UI thread.

Mnemonics are unique across the menu bar (&Samen, &View, P&layback, &Help; in Dutch &Samen,
&Beeld, &Afspelen, &Help) and inside each menu, in each language; the places have Ctrl+1…Ctrl+4
so they work from any page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from desktop.language.catalogue import N_, _

if TYPE_CHECKING:
    from desktop.ui.main_window import MainWindow

VIEW_PLACES = (  # page, menu text (translated where shown), shortcut
    ("home", N_("&Home"), "Ctrl+1"),
    ("courses", N_("&Courses"), "Ctrl+2"),
    ("podcasts", N_("&Podcasts"), "Ctrl+3"),
    ("sync", N_("&Sync && storage"), "Ctrl+4"),
)


@dataclass(frozen=True, slots=True)
class Menus:
    sync: QAction
    login: QAction
    logout: QAction
    settings: QAction
    back: QAction
    playback: QMenu


def _action(
    window: MainWindow, text: str, *keys: QKeySequence | QKeySequence.StandardKey | str
) -> QAction:
    action = QAction(text, window)
    # A standard key the platform lacks is empty and would hide the next one from the menu;
    # the same key twice would make the shortcut ambiguous (it then never fires).
    sequences: list[QKeySequence] = []
    for key in keys:
        sequence = QKeySequence(key)
        if not sequence.isEmpty() and sequence not in sequences:
            sequences.append(sequence)
    if sequences:
        action.setShortcuts(sequences)
    return action


def build_menus(window: MainWindow) -> Menus:
    bar = window.menuBar()
    # Translators: the application menu, named after the app ("&Samen" in every language).
    samen = bar.addMenu(_("&Samen"))
    sync = _action(window, _("S&ync now"), "Ctrl+R", QKeySequence.StandardKey.Refresh)
    sync.triggered.connect(window.refresh)
    settings = _action(window, _("Se&ttings…"), QKeySequence.StandardKey.Preferences, "Ctrl+,")
    settings.setMenuRole(QAction.MenuRole.PreferencesRole)
    settings.triggered.connect(window.show_settings)
    login = _action(window, _("&Log in…"))
    login.triggered.connect(window.ask_login)
    logout = _action(window, _("Log &out"))
    logout.triggered.connect(window.logout)
    quit_action = _action(window, _("&Quit"), QKeySequence.StandardKey.Quit)
    quit_action.triggered.connect(window.close)
    for action in (sync, settings):
        samen.addAction(action)
    samen.addSeparator()
    samen.addAction(window.pack_actions.import_action)
    samen.addAction(window.pack_actions.import_folder_action)
    samen.addSeparator()
    samen.addAction(login)
    samen.addAction(logout)
    samen.addSeparator()
    samen.addAction(quit_action)

    view = bar.addMenu(_("&View"))
    for name, text, key in VIEW_PLACES:
        place = _action(window, _(text), key)
        place.triggered.connect(lambda _checked=False, n=name: window.go(n))
        view.addAction(place)
        window.addAction(place)
    view.addSeparator()
    back = _action(window, _("&Back"), QKeySequence.StandardKey.Back, "Alt+Left")
    back.triggered.connect(window.back)
    view.addAction(back)
    window.addAction(back)

    playback = bar.addMenu(_("P&layback"))
    # Filled when the player is first made (window.player): until then nothing plays.
    playback.aboutToShow.connect(lambda: window.player)

    help_menu = bar.addMenu(_("&Help"))
    about = _action(window, _("&About Samen"))
    about.triggered.connect(window.about)
    help_menu.addAction(about)
    return Menus(sync, login, logout, settings, back, playback)

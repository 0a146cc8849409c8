"""With Samen in Dutch, no screen and no dialog shows English: every main screen of the window,
its menus, and each dialog a learner opens are read as a learner reads them, and any text that
is an English source sentence (one the catalogue translates, or a literal never marked for
translation) fails the test, as does an ISO date."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QMenu, QWidget
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.ui.edit_action_dialog import EditActionDialog
from desktop.ui.login_dialog import LoginDialog
from desktop.ui.new_topic_dialog import NewTopicDialog
from desktop.ui.peer_share_dialog import PeerShareDialog
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.supporter_dialog import SupporterDialog
from tests.i18n.english_sources import english_in
from tests.server.sync_api import add_learner
from tests.server_process import DEMO_PASSWORD, LiveServer
from tests.ui.window import main_screens, open_window

DUTCH_COURSE = "samen-leren"
ENGLISH_COURSE = "learning-together"

pytestmark = pytest.mark.timeout(180)


@pytest.mark.usefixtures("dutch_window")
def test_no_english_on_any_screen_or_dialog_in_dutch(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    core.session.login(academy.url, add_learner(academy), DEMO_PASSWORD)
    for course in (DUTCH_COURSE, ENGLISH_COURSE):
        core.downloads.download_course(course)
    window, runner = open_window(qtbot, core)
    window.resize(1366, 768)
    window.refresh()
    qtbot.waitUntil(lambda: not window.refreshing and runner.running == 0, timeout=60_000)
    # Something waiting to be sent, for the Sync & storage page and the edit dialog.
    core.forum.new_thread(DUTCH_COURSE, "Een vraag over feedback", "Hoe begin ik?")
    screens = main_screens(window, DUTCH_COURSE)
    found: dict[str, list[str]] = {}
    seen: set[str] = set()  # the menu bar and rail are on every screen: reported once
    for name, show in screens:
        show()
        qtbot.wait(200)  # the page's first read arrives and is laid out
        qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)
        if english := english_in(window, seen):
            found[name] = english
    # An episode playing: the player bar and the Playback menu's actions are about it.
    episode = next(e for e in core.podcasts.episodes() if e.file_name)
    with qtbot.waitSignal(window.player.loaded, timeout=20_000):
        window.play_episode(episode.key)
    window.player.pause()
    assert window.player_bar.isVisible()
    if english := english_in(window, seen):
        found["playing"] = english
    for menu in window.menuBar().findChildren(QMenu):
        if english := english_in(menu, seen):
            found[f"menu {menu.title()}"] = english

    waiting = core.queue.items()[0]
    dialogs: list[tuple[str, QWidget]] = [
        ("settings", SettingsDialog(core.settings, runner, core.paths.data_dir, window)),
        ("login", LoginDialog(core.session, runner, academy.url, window)),
        ("new topic", NewTopicDialog([("l1", "1. Wat is goede feedback?")], None, False, window)),
        ("supporter", SupporterDialog("Geef feedback", "Mijn antwoord", window)),
        ("peer share", PeerShareDialog("Geef feedback", "Mijn antwoord", window)),
        ("edit", EditActionDialog(waiting, "Een vraag over feedback", window)),
    ]
    for name, dialog in dialogs:
        dialog.show()
        qtbot.waitUntil(dialog.isVisible, timeout=10_000)
        qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)
        if english := english_in(dialog):
            found[f"dialog {name}"] = english
        dialog.close()
    assert found == {}, "\n".join(f"{k}:\n  " + "\n  ".join(v) for k, v in found.items())


def test_the_check_itself_finds_english(qtbot: QtBot) -> None:
    """An English sentence of the code among Dutch ones is found, and so is an ISO date;
    Dutch words, names and times are not."""
    from PySide6.QtWidgets import QLabel, QVBoxLayout

    top = QWidget()
    qtbot.addWidget(top)
    layout = QVBoxLayout(top)
    for text in ("Samen cannot start", "Samen", "Ga verder waar je was", "12:05", "op 2025-01-09"):
        layout.addWidget(QLabel(text))
    top.show()
    found = english_in(top)
    assert len(found) == 2, found
    assert "'Samen cannot start'" in found[0]
    assert "ISO" in found[1]

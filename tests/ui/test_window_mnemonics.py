"""Alt+letter is unambiguous on every main screen of the window (the menu bar and what is on
screen with it), and in every menu: Home, Courses, each section of a course, a lesson, Podcasts,
each section of Sync & storage."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from desktop.core import Core
from tests.server.sync_api import add_learner
from tests.server_process import DEMO_PASSWORD, LiveServer
from tests.ui.mnemonics import clashes, menu_clashes
from tests.ui.window import main_screens, open_window

COURSE = "learning-together"

pytestmark = pytest.mark.timeout(120)


def test_no_screen_and_no_menu_has_two_things_on_one_alt_letter(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    core.session.login(academy.url, add_learner(academy), DEMO_PASSWORD)
    core.downloads.download_course(COURSE)
    window, runner = open_window(qtbot, core)
    window.resize(1366, 768)
    window.refresh()
    qtbot.waitUntil(lambda: not window.refreshing and runner.running == 0, timeout=60_000)
    screens = main_screens(window, COURSE)
    found = {}
    for name, show in screens:
        show()
        qtbot.wait(200)  # the page's first read arrives and is laid out
        qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)
        if clash := clashes(window):
            found[name] = clash
    for menu in window.menuBar().findChildren(QMenu):
        if clash := menu_clashes(menu):
            found[f"menu {menu.title()}"] = clash
    assert found == {}

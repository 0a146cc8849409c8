"""The window's shell speaks Dutch once Dutch is installed: the menu bar and its menus, the
navigation rail, the Settings window and every section of Sync & storage, with Alt letters that
stay unique in Dutch and no English source sentence left on screen."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import (
    QMenu,
)
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.ui.settings_dialog import SettingsDialog
from tests.i18n.english_sources import english_in
from tests.server.sync_api import add_learner
from tests.server_process import DEMO_PASSWORD, LiveServer
from tests.ui.mnemonics import clashes, menu_clashes
from tests.ui.window import open_window

COURSE = "learning-together"

pytestmark = pytest.mark.timeout(120)


def test_menus_rail_settings_and_sync_storage_read_dutch(
    qtbot: QtBot,
    make_core: Callable[..., Core],
    academy: LiveServer,
    dutch_window: None,
) -> None:
    core = make_core()
    core.session.login(academy.url, add_learner(academy), DEMO_PASSWORD)
    core.downloads.download_course(COURSE)
    window, runner = open_window(qtbot, core)
    window.resize(1366, 768)
    window.refresh()
    qtbot.waitUntil(lambda: not window.refreshing and runner.running == 0, timeout=60_000)

    bar = [action.text() for action in window.menuBar().actions()]
    assert bar == ["&Samen", "&Beeld", "&Afspelen", "&Help"]
    menus = {menu.title(): menu for menu in window.menuBar().findChildren(QMenu)}
    view = [a.text() for a in menus["&Beeld"].actions() if not a.isSeparator()]
    assert view == ["&Start", "&Cursussen", "&Podcasts", "Synchronisatie en &opslag", "&Terug"]
    samen = [a.text() for a in menus["&Samen"].actions()]
    assert {"Nu s&ynchroniseren", "Ins&tellingen…", "&Uitloggen", "&Afsluiten"} <= set(samen)
    assert [a.text() for a in menus["&Help"].actions()] == ["&Over Samen"]
    assert {title: clash for title, m in menus.items() if (clash := menu_clashes(m))} == {}

    rail = {name: button.text() for name, button in window.rail.buttons.items()}
    assert rail == {
        "home": "Start",
        "courses": "Cursussen",
        "podcasts": "Podcasts",
        "sync": "Synchronisatie en opslag",
    }
    assert window.rail.buttons["courses"].toolTip() == "Cursussen (Ctrl+2)"

    assert window.pages is not None
    sync = window.pages.sync_page()
    found: dict[str, object] = {}
    for section in ("waiting", "downloads", "storage"):
        window.go("sync")
        sync.show_section(section)
        qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)
        if clash := clashes(window):
            found[f"clash in {section}"] = clash
        if english := english_in(window):
            found[f"English in {section}"] = english
    assert found == {}
    tabs = [sync.sections.tabText(i) for i in range(sync.sections.count())]
    assert tabs == ["&Nog te versturen", "&Downloads", "&Opslag"]
    assert sync.sync_button.text() == "Nu s&ynchroniseren"
    # The course's size in Dutch digits and units, with its count in words.
    assert sync.storage.courses.text().endswith("kB (1 cursus)"), sync.storage.courses.text()
    assert "," in sync.storage.courses.text()
    assert "laatst gesynchroniseerd" in window.indicator.text_plain

    window.show_settings()
    dialog = window.findChild(SettingsDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.windowTitle() == "Instellingen"
    languages = [dialog.language.itemText(i) for i in range(dialog.language.count())]
    assert languages == ["Systeeminstelling volgen", "English", "Nederlands"]
    themes = [dialog.theme.itemText(i) for i in range(dialog.theme.count())]
    assert themes == ["Systeeminstelling volgen", "Licht", "Donker"]
    assert (dialog.save_button.text(), dialog.cancel_button.text()) == ("&Opslaan", "&Annuleren")
    assert dialog.budget.text() == "1,95"  # 2000 MB in gigabytes, with the Dutch decimal comma
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    assert dialog.language_note.text() == "Samen toont de nieuwe taal na een herstart."
    assert clashes(dialog) == {}
    assert english_in(dialog) == []
    dialog.reject()

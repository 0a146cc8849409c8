"""Starting the app as `samen` does (desktop.app.run_gui): the window is on screen before the
core opens, Home first, listing the courses on this computer from a cheap read; the other
pages come once the core is open, and a core that cannot open is a clear message and
exit code 1, not a hang or a traceback."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import cast

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.app import run_gui
from desktop.core import Core
from desktop.domain.errors import SamenError
from desktop.services.home import courses_now
from desktop.ui.main_window import MainWindow
from desktop.ui.pages.home import TEXT as HOME_TEXT
from tests.server_process import DEMO_PASSWORD, LiveServer

pytestmark = pytest.mark.timeout(60)

COURSE = "learning-together"


def _main_window() -> MainWindow | None:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
    return next((w for w in found if w.isVisible()), None)


def _every(ms: int, check: Callable[[], bool]) -> QTimer:
    """Run `check` on the event loop every `ms` until it returns True."""
    timer = QTimer()
    timer.setInterval(ms)

    def tick() -> None:
        if check():
            timer.stop()

    timer.timeout.connect(tick)
    timer.start()
    return timer


def test_the_shell_is_shown_first_and_the_pages_come_when_the_core_is_open(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    core.session.login(academy.url, "demo", DEMO_PASSWORD)
    core.downloads.download_course(COURSE)
    opening = threading.Event()
    may_open = threading.Event()
    seen: dict[str, object] = {}

    def first_look() -> object:  # a worker thread, before the core, as in the app
        return courses_now(core.paths.database)

    def open_core() -> Core:  # a worker thread, as in the app
        opening.set()
        may_open.wait(20)
        return core

    def while_opening() -> bool:
        window = _main_window()
        if window is None or not opening.is_set():
            return False
        home = window.home_page
        seen["shell"] = (
            window.attached,
            window.stack.current_name,
            home.isVisible(),
            home.no_place.text(),  # where to continue is not known yet: it says so
            window.statusBar().currentMessage(),
        )
        # Home lists the courses on this computer already, from the cheap read.
        seen["first look"] = (window.home_usable, [c.course_id for c, _row in home.course_rows])
        window.go("courses")  # nothing to go to yet: Home stays
        seen["went"] = window.stack.current_name
        may_open.set()
        return True

    def once_open() -> bool:
        window = _main_window()
        if window is None or not window.attached or window.overview is None:
            return False
        seen["logged in"] = window.overview.status.logged_in
        window.go("courses")
        seen["courses"] = window.stack.current_name
        page = window.pages.courses_page() if window.pages else None
        seen["cards"] = [c.course_id for c in page.visible_cards()] if page else []
        window.close()
        return True

    timers = [_every(20, while_opening), _every(50, once_open)]
    assert run_gui(open_core, first_look=first_look) == 0
    assert seen["shell"] == (False, "home", True, HOME_TEXT["loading"], "Opening Samen…")
    assert seen["first look"] == (True, [COURSE])
    assert seen["went"] == "home"
    assert seen["logged in"] is True
    assert seen["courses"] == "courses"
    assert COURSE in cast(list[str], seen["cards"])
    del timers


def test_a_core_that_cannot_open_is_said_and_exits_with_1(
    qtbot: QtBot, capsys: pytest.CaptureFixture[str]
) -> None:
    said: list[str] = []

    def open_core() -> Core:
        raise SamenError("The database is locked by another Samen.")

    def answer() -> bool:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            return False
        said.append(f"{box.windowTitle()}: {box.text()}")
        box.accept()
        return True

    timer = _every(20, answer)
    assert run_gui(open_core) == 1
    assert said == [
        "Samen cannot start: Samen could not open your data.\n\n"
        "The database is locked by another Samen."
    ]
    assert "samen: The database is locked by another Samen." in capsys.readouterr().err
    del timer


def test_closing_while_opening_quits_without_building_the_pages(
    qtbot: QtBot, make_core: Callable[..., Core]
) -> None:
    core = make_core()
    closed = threading.Event()
    shells: list[MainWindow] = []

    def open_core() -> Core:
        closed.wait(20)  # still opening when the learner closes the window
        return core

    def close_it() -> bool:
        window = _main_window()
        if window is None:
            return False
        shells.append(window)
        window.close()
        closed.set()
        return True

    timer = _every(20, close_it)
    assert run_gui(open_core) == 0
    assert len(shells) == 1 and not shells[0].attached
    del timer


def test_pages_that_cannot_be_built_are_said_and_exit_with_1(
    qtbot: QtBot, make_core: Callable[..., Core], monkeypatch: pytest.MonkeyPatch
) -> None:
    core = make_core()

    def broken_attach(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a page could not be built")

    monkeypatch.setattr(MainWindow, "attach", broken_attach)
    said: list[str] = []

    def answer() -> bool:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            return False
        said.append(box.text())
        box.accept()
        return True

    timer = _every(20, answer)
    assert run_gui(lambda: core) == 1
    assert said and said[0].endswith("a page could not be built")
    del timer

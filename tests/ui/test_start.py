"""Starting the app as `samen` does (desktop.app.run_gui): the window is on screen before the
core opens, gets its pages once it has, and a core that cannot open is a clear message and
exit code 1, not a hang or a traceback."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QTabWidget
from pytestqt.qtbot import QtBot

from desktop.app import run_gui
from desktop.core import Core
from desktop.domain.errors import SamenError
from desktop.ui.main_window import MainWindow
from tests.server_process import DEMO_PASSWORD, LiveServer

pytestmark = pytest.mark.timeout(60)


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
    opening = threading.Event()
    may_open = threading.Event()
    seen: dict[str, object] = {}

    def open_core() -> Core:  # a worker thread, as in the app
        opening.set()
        may_open.wait(20)
        return core

    def while_opening() -> bool:
        window = _main_window()
        if window is None or not opening.is_set():
            return False
        central = window.centralWidget()
        seen["shell"] = (
            window.attached,
            central.text() if isinstance(central, QLabel) else None,
            window.statusBar().currentMessage(),
        )
        may_open.set()
        return True

    def once_open() -> bool:
        window = _main_window()
        if window is None or not window.attached or window.overview is None:
            return False
        seen["tabs"] = window.findChild(QTabWidget) is not None
        seen["logged in"] = window.overview.status.logged_in
        window.close()
        return True

    timers = [_every(20, while_opening), _every(50, once_open)]
    assert run_gui(open_core) == 0
    assert seen["shell"] == (False, "Opening your courses…", "Opening Samen…")
    assert seen["tabs"] is True and seen["logged in"] is True
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

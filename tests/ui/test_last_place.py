"""The window reopens where the learner was: the lesson they were in when Samen closed (its
course behind it for Back), or the place on the rail; the first start opens on Home."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.app import attach
from desktop.core import Core
from desktop.ui.main_window import MainWindow
from desktop.ui.tasks import TaskRunner
from desktop.ui.window_state import STATE_FILE, WindowState
from tests.server.sync_api import add_learner
from tests.server_process import DEMO_PASSWORD, LiveServer

COURSE = "learning-together"

pytestmark = pytest.mark.timeout(120)


def _window(qtbot: QtBot, core: Core, state_file: Path) -> tuple[MainWindow, TaskRunner]:
    runner = TaskRunner()
    window = MainWindow(runner)
    window.window_state = WindowState(state_file, runner)  # as run_gui gives it
    qtbot.addWidget(window)
    window.show()
    attach(window, core)
    return window, runner


def test_the_window_reopens_in_the_lesson_the_learner_was_in(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer, tmp_path: Path
) -> None:
    core = make_core()
    core.session.login(academy.url, add_learner(academy), DEMO_PASSWORD)
    core.downloads.download_course(COURSE)
    state_file = tmp_path / STATE_FILE

    first, runner = _window(qtbot, core, state_file)
    assert first.stack.current_name == "home"  # a first start
    first.open_course(COURSE)
    first.open_lesson(COURSE, "learning-together-2")
    lesson = first.pages.lesson_page() if first.pages else None
    assert lesson is not None
    qtbot.waitUntil(lambda: lesson.title.text() == "Sharing the work", timeout=20_000)
    first.close()
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)
    assert state_file.is_file()

    again, _runner = _window(qtbot, core, state_file)
    assert again.stack.current_name == "lesson"
    reopened = again.pages.lesson_page() if again.pages else None
    assert reopened is not None
    qtbot.waitUntil(lambda: reopened.title.text() == "Sharing the work", timeout=20_000)
    assert again.rail.current() == "courses"
    again.back()
    assert again.stack.current_name == "course"

    again.go("podcasts")  # a place on the rail is remembered too
    again.close()
    qtbot.waitUntil(lambda: _runner.running == 0, timeout=20_000)
    third, _ = _window(qtbot, core, state_file)
    assert third.stack.current_name == "podcasts"


def test_continue_on_home_opens_the_lesson_as_far_down_as_it_was_read(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer, tmp_path: Path
) -> None:
    core = make_core()
    core.session.login(academy.url, add_learner(academy), DEMO_PASSWORD)
    core.downloads.download_course(COURSE)
    window, runner = _window(qtbot, core, tmp_path / STATE_FILE)
    window.resize(1024, 700)
    window.open_lesson(COURSE, "learning-together-1")
    lesson = window.pages.lesson_page() if window.pages else None
    assert lesson is not None
    qtbot.waitUntil(lambda: lesson.title.text() == "Forming a study group", timeout=20_000)
    bar = lesson.scroll_area.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 200, timeout=20_000)  # longer than the window
    bar.setValue(round(0.6 * bar.maximum()))

    window.go("home")  # leaving the lesson: how far down is remembered
    home = window.home_page
    qtbot.waitUntil(lambda: "60% read" in home.place_detail.text(), timeout=20_000)
    assert home.place_title.text() == "Forming a study group"
    home.continue_button.click()
    assert window.stack.current_name == "lesson"
    qtbot.waitUntil(lambda: abs(lesson.scroll_fraction() - 0.6) < 0.02, timeout=20_000)
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)

"""The status indicator tells the truth: its count is the outbox's after every local write
(Ctrl+D, a vote, a new topic) and every sync, online and offline, and equals what "Waiting to
send" lists; a sync says what it sent; a frozen academy shows Connecting… at once and never
greys out Sync."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.domain.status import Connectivity
from desktop.ui.main_window import MainWindow
from desktop.ui.pages.course_page import CoursePage
from desktop.ui.tasks import TaskRunner
from tests.faults.proxy import Fault, FaultProxy
from tests.server.sync_api import add_learner
from tests.server_process import DEMO_PASSWORD, LiveServer
from tests.ui.window import open_window

COURSE = "learning-together"
POLL = "learning-together-poll-1"

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def core(
    make_core: Callable[..., Core], tmp_path: Path, academy: LiveServer, proxy: FaultProxy
) -> Core:
    data = tmp_path / "samen"
    (data / "config").mkdir(parents=True)
    # Short timeouts so a frozen academy ends each attempt within the test.
    (data / "config" / "settings.json").write_text(
        json.dumps({"request_timeout_s": 2, "sync_interval_s": 600})
    )
    built = make_core(data)
    built.session.login(proxy.url, add_learner(academy), DEMO_PASSWORD)
    built.downloads.download_course(COURSE)
    return built


def _sync(qtbot: QtBot, window: MainWindow, runner: TaskRunner) -> None:
    window.sync_action.trigger()
    qtbot.waitUntil(lambda: not window.refreshing and runner.running == 0, timeout=60_000)


def _listed_waiting(window: MainWindow) -> int:
    """What Sync & storage lists as waiting (kept current by the window: never reloaded here)."""
    assert window.pages is not None
    page = window.pages.sync_page().outbox
    return sum(1 for item in page.model.items if item.state.value != "rejected")


def _agrees(qtbot: QtBot, window: MainWindow, core: Core, expected: int) -> None:
    """The indicator shows `expected` waiting, which is what the queue holds and lists."""
    qtbot.waitUntil(lambda: window.indicator.waiting == expected, timeout=20_000)
    assert core.queue.counts().waiting == expected
    qtbot.waitUntil(lambda: _listed_waiting(window) == expected, timeout=20_000)
    if expected:
        word = "item" if expected == 1 else "items"
        assert f"{expected} {word} waiting to send" in window.indicator.text_plain
    else:
        assert "All sent" in window.indicator.text_plain


def _course_page(window: MainWindow) -> CoursePage:
    assert window.pages is not None
    return window.pages.course_page()


def _vote(qtbot: QtBot, window: MainWindow, option: int) -> None:
    window.open_course(COURSE, "polls")
    page = _course_page(window).polls
    qtbot.waitUntil(lambda: page.card(POLL) is not None, timeout=20_000)
    card = page.card(POLL)
    assert card is not None
    card.choices.buttons()[option].setChecked(True)
    with qtbot.waitSignal(page.voted, timeout=20_000):
        qtbot.mouseClick(card.vote_button, Qt.MouseButton.LeftButton)


def _mark_done(qtbot: QtBot, window: MainWindow) -> None:
    assert window.pages is not None
    lesson = window.pages.lesson_page()
    with qtbot.waitSignal(lesson.shown, timeout=20_000):
        window.open_lesson(COURSE, "")  # its first lesson
    assert window.stack.current_name == "lesson"
    qtbot.waitUntil(lesson.done_button.isEnabled, timeout=20_000)
    qtbot.mouseClick(lesson.done_button, Qt.MouseButton.LeftButton)  # what Ctrl+D presses


def test_the_count_is_the_outbox_after_every_write_and_sync(
    qtbot: QtBot, core: Core, proxy: FaultProxy
) -> None:
    window, runner = open_window(qtbot, core)
    assert window.pages is not None
    window.pages.sync_page()  # built, not shown: the window keeps its list current all the same
    _sync(qtbot, window, runner)
    _agrees(qtbot, window, core, 0)

    _mark_done(qtbot, window)
    _agrees(qtbot, window, core, 1)
    _vote(qtbot, window, 0)
    _agrees(qtbot, window, core, 2)

    _sync(qtbot, window, runner)
    _agrees(qtbot, window, core, 0)
    message = window.statusBar().currentMessage()
    assert message.startswith("Sent 2 items to the academy"), message
    assert "vote" in message and "lesson" in message

    # Offline: what is done waits, and the count says so after the failed sync too.
    proxy.set(Fault.RESET_ON_CONNECT)
    _vote(qtbot, window, 1)
    _agrees(qtbot, window, core, 1)
    window.open_course(COURSE, "discussion")
    forum = _course_page(window).discussion
    qtbot.waitUntil(lambda: forum.course_id == COURSE, timeout=20_000)
    with qtbot.waitSignal(forum.changed, timeout=20_000):
        forum.new_thread("Meeting on Tuesday?", "Who is in?")
    _agrees(qtbot, window, core, 2)
    _sync(qtbot, window, runner)
    assert window.indicator.status is not None
    assert window.indicator.status.connectivity is Connectivity.OFFLINE
    _agrees(qtbot, window, core, 2)

    proxy.set(Fault.PASS)
    _sync(qtbot, window, runner)
    _agrees(qtbot, window, core, 0)
    assert window.statusBar().currentMessage().startswith("Sent 2 items to the academy")


def test_a_frozen_academy_shows_connecting_and_sync_stays_usable(
    qtbot: QtBot, core: Core, proxy: FaultProxy
) -> None:
    window, runner = open_window(qtbot, core)
    _sync(qtbot, window, runner)
    assert window.indicator.text_plain.startswith("Online")

    proxy.set(Fault.STALL)  # it accepts connections and never answers
    window.sync_action.trigger()
    # At once, before any probe has answered: no stale "Online".
    assert window.indicator.text_plain.startswith("Connecting…")
    assert window.sync_action.isEnabled()
    window.sync_action.trigger()  # pressed again while it hangs: a fresh try follows
    assert window.sync_action.isEnabled() and window.sync_again
    assert "tries again" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: not window.sync_again and not window.refreshing, timeout=60_000)
    assert window.indicator.status is not None
    assert window.indicator.status.connectivity is Connectivity.OFFLINE
    assert window.indicator.text_plain.startswith("Offline")

    proxy.set(Fault.PASS)
    _sync(qtbot, window, runner)
    assert window.indicator.text_plain.startswith("Online")

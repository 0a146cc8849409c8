"""The course page's Polls in the window against the real academy: reached from a lesson (its
"Vote in the course's polls"), results hidden until the learner votes, "Your vote: … ·
Waiting to send", then "· Sent" after a sync."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.domain.poll import VoteState
from tests.server.sync_api import add_learner
from tests.server_process import DEMO_PASSWORD, LiveServer
from tests.ui.window import open_window, stray_windows

COURSE = "learning-together"
POLL = "learning-together-poll-1"

pytestmark = pytest.mark.timeout(90)


def test_vote_from_the_course_and_see_the_community(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    core.session.login(academy.url, add_learner(academy), DEMO_PASSWORD)
    core.downloads.download_course(COURSE)
    window, runner = open_window(qtbot, core)
    window.refresh()  # the first sync brings the polls
    qtbot.waitUntil(lambda: not window.refreshing, timeout=30_000)
    assert window.pages is not None
    course = window.pages.course_page()
    with qtbot.waitSignal(course.shown, timeout=20_000):
        window.open_course(COURSE)
    lesson_page = window.pages.lesson_page()
    with qtbot.waitSignal(lesson_page.shown, timeout=20_000):
        qtbot.mouseClick(course.header.continue_button, Qt.MouseButton.LeftButton)
    assert window.stack.current_name == "lesson"

    page = course.polls
    qtbot.mouseClick(lesson_page.polls_button, Qt.MouseButton.LeftButton)
    assert window.stack.current_name == "course" and course.section() == "polls"
    qtbot.waitUntil(lambda: page.card(POLL) is not None, timeout=20_000)
    card = page.card(POLL)
    assert card is not None and card.bars == {} and not card.hint.isHidden()
    assert card.about.text().startswith("About lesson 2. ")  # the demo's poll is about lesson 2
    assert stray_windows(window) == []
    assert not card.vote_button.isEnabled()

    card.choices.buttons()[0].setChecked(True)
    with qtbot.waitSignal(course.queued, timeout=20_000):  # the window re-reads the count
        qtbot.mouseClick(card.vote_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (c := page.card(POLL)) is not None and c.poll.vote_state is VoteState.WAITING,
        timeout=20_000,
    )
    card = page.card(POLL)
    assert card is not None
    chosen = card.choices.buttons()[0].text()
    assert card.state.text() == f"Your vote: {chosen} · Waiting to send"
    # The academy sends results to voters only: none yet on this computer, and it says so.
    assert card.bars == {} and "once your vote has reached the academy" in card.hint.text()

    window.refresh()
    qtbot.waitUntil(lambda: not window.refreshing, timeout=30_000)
    qtbot.waitUntil(
        lambda: (c := page.card(POLL)) is not None and c.poll.vote_state is VoteState.COUNTED,
        timeout=20_000,
    )
    counted = page.card(POLL)
    assert counted is not None and counted.state.text() == f"Your vote: {chosen} · Sent"
    mine = counted.bars[str(counted.poll.my_vote)]
    assert mine.value() >= 1
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)

"""Peer feedback in the window against the real academy: sharing an answer needs explicit
consent, the work of a peer arrives to review offline under a pseudonym, feedback written in
the tab is sent by the next sync, and feedback received is announced (tab badge, status bar)
and rated."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.domain.peer import ActionState, AssignmentState
from desktop.ui.main_window import PEER_TAB, MainWindow
from tests.server.sync_api import add_learner
from tests.server_process import DEMO_PASSWORD, LiveServer
from tests.ui.window import open_window

COURSE, LESSON, EXERCISE = "learning-together", "learning-together-2", "learning-together-2-e1"

pytestmark = pytest.mark.timeout(120)


def _sync(qtbot: QtBot, window: MainWindow) -> None:
    window.refresh()
    qtbot.waitUntil(lambda: not window.refreshing, timeout=30_000)


def test_share_review_and_rate_in_the_window(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer, tmp_path: Path
) -> None:
    ben = make_core(tmp_path / "ben")
    ben.session.login(academy.url, add_learner(academy), DEMO_PASSWORD)
    ben.peer.submit(LESSON, EXERCISE, consent=True, text="Teaching shows what you missed.")
    assert ben.sync.run_window().ok

    anna = make_core()
    anna.session.login(academy.url, add_learner(academy), DEMO_PASSWORD)
    anna.catalogue.fetch_course(COURSE)
    window, runner = open_window(qtbot, anna)
    window.library_page.set_entries(anna.catalogue.library())
    view = window.lesson_view
    with qtbot.waitSignal(view.shown, timeout=20_000):
        window.open_course(COURSE)
    with qtbot.waitSignal(view.shown, timeout=20_000, check_params_cb=lambda i: i == LESSON):
        view.list.setCurrentRow(1)
    card = view.cards[0]
    assert card.exercise.id == EXERCISE and not card.peers_button.isHidden()
    assert card.editor is not None
    card.editor.setPlainText("Explaining makes me order my thoughts.")
    qtbot.mouseClick(card.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "next sync" in card.status.text(), timeout=10_000)

    consent_needed: list[bool] = []

    def agree() -> None:
        dialog = view.peer_dialog
        if dialog is None:
            QTimer.singleShot(20, agree)
            return
        consent_needed.append(not dialog.ok.isEnabled())  # nothing is shared without consent
        dialog.consent.setChecked(True)
        dialog.ok.click()

    QTimer.singleShot(0, agree)
    qtbot.mouseClick(card.peers_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "at the next sync" in card.peers.text(), timeout=10_000)
    assert consent_needed == [True]

    page = window.peer_page
    _sync(qtbot, window)  # anna's answer goes out; ben's work comes back to review
    qtbot.waitUntil(lambda: page.to_review.count() == 1, timeout=20_000)
    qtbot.waitUntil(lambda: "Shared with peers: 1 reviewing" in card.peers.text(), timeout=10_000)
    window.tabs.setCurrentWidget(page)
    page.to_review.setCurrentRow(0)
    assignment = page.assignment
    assert assignment is not None and assignment.author.startswith("Peer ")
    assert "Teaching shows what you missed." in page.work.toPlainText()
    assert len(page.answers) == len(assignment.questions) >= 1
    page.answers[0].setPlainText("The example made it clear.")
    with qtbot.waitSignal(page.shown, timeout=20_000):
        page.reload()  # as after a background sync: the list is rebuilt
    assert page.answers[0].toPlainText() == "The example made it clear."  # the draft stays
    qtbot.mouseClick(page.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "next sync" in page.review_notice.text(), timeout=10_000)
    _sync(qtbot, window)
    qtbot.waitUntil(
        lambda: (
            (a := page.current_assignment()) is not None
            and a.state is AssignmentState.DONE
            and a.feedback_state is ActionState.SYNCED
        ),
        timeout=20_000,
    )

    # Ben reviews Anna's work; her next sync announces it.
    assert ben.sync.run_window().ok
    (for_ben,) = ben.peer.assignments()
    ben.peer.give_feedback(for_ben.id, ["Clear and short."] + [""] * (len(for_ben.questions) - 1))
    assert ben.sync.run_window().ok
    index = window.tabs.indexOf(page)
    window.tabs.setCurrentWidget(window.lesson_view)  # Anna is studying meanwhile
    page.tabs.setCurrentIndex(1)
    _sync(qtbot, window)
    qtbot.waitUntil(lambda: window.tabs.tabText(index) == f"{PEER_TAB} (1 new)", timeout=20_000)
    assert "New peer feedback" in window.statusBar().currentMessage()  # not seen: not shown
    window.tabs.setCurrentWidget(page)  # looking at it counts as seen
    qtbot.waitUntil(lambda: window.tabs.tabText(index) == PEER_TAB, timeout=10_000)
    page.received.setCurrentRow(0)
    assert "Clear and short." in page.feedback_view.toPlainText()
    qtbot.mouseClick(page.helpful_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: [i.name for i in anna.queue.items()] == ["peer.rate"], timeout=10_000)
    _sync(qtbot, window)
    assert ben.sync.run_window().ok
    assert ben.supporters.points(COURSE).by_reason == {
        "peer_feedback_given": 10, "feedback_helpful": 5,
    }  # fmt: skip
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)

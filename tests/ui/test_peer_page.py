"""Peer feedback in the window against the real academy: sharing an answer from a lesson needs
explicit consent, the work of a peer arrives to review offline under a pseudonym (the course's
"Peer work" title counts it), feedback written there is sent by the next sync, and feedback
received is announced on Home's New for you until it is seen, then rated."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.domain.home import NewsKind
from desktop.domain.peer import ActionState, AssignmentState
from desktop.ui.main_window import MainWindow
from desktop.ui.pages.course_page import CoursePage
from desktop.ui.pages.home import HomePage
from desktop.ui.pages.lesson_page import LessonPage
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
    assert window.pages is not None
    course = window.pages.course_page()
    with qtbot.waitSignal(course.shown, timeout=20_000):
        window.open_course(COURSE)
    view = window.pages.lesson_page()
    _open_lesson(qtbot, course, view, 1)
    card = view.cards[0]
    assert card.exercise.id == EXERCISE and not card.peers_button.isHidden()
    assert card.editor is not None
    card.editor.setPlainText("Explaining makes me order my thoughts.")
    qtbot.mouseClick(card.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "next sync" in card.status.text(), timeout=10_000)

    consent_needed: list[bool] = []

    def agree() -> None:
        dialog = view.exercises.peer_dialog
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

    page = course.peer
    peer_tab = course.sections.indexOf(page)
    _sync(qtbot, window)  # anna's answer goes out; ben's work comes back to review
    qtbot.waitUntil(lambda: page.to_review.count() == 1, timeout=20_000)
    qtbot.waitUntil(lambda: "Shared with peers: 1 reviewing" in card.peers.text(), timeout=10_000)
    # The course's Peer work says what waits there.
    qtbot.waitUntil(
        lambda: course.sections.tabText(peer_tab) == "Peer &work (1 to review)", timeout=20_000
    )
    qtbot.mouseClick(view.course_button, Qt.MouseButton.LeftButton)  # back to the course
    assert window.stack.current_name == "course"
    _turn_to(qtbot, course, page)
    assert course.section() == "peer"
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
    qtbot.waitUntil(lambda: course.sections.tabText(peer_tab) == "Peer &work", timeout=20_000)
    _sync(qtbot, window)
    qtbot.waitUntil(
        lambda: (
            (a := page.current_assignment()) is not None
            and a.state is AssignmentState.DONE
            and a.feedback_state is ActionState.SYNCED
        ),
        timeout=20_000,
    )

    # Ben reviews Anna's work; her next sync brings it, and Home lists it as new for her.
    assert ben.sync.run_window().ok
    (for_ben,) = ben.peer.assignments()
    ben.peer.give_feedback(for_ben.id, ["Clear and short."] + [""] * (len(for_ben.questions) - 1))
    assert ben.sync.run_window().ok
    _turn_to(qtbot, course, course.lessons_section)
    _open_lesson(qtbot, course, view, 1)  # Anna is studying meanwhile
    _sync(qtbot, window)
    assert anna.peer.unseen_count() == 1  # not on screen: not seen
    home = window.home_page
    qtbot.mouseClick(window.rail.buttons["home"], Qt.MouseButton.LeftButton)
    assert window.stack.current_name == "home"
    qtbot.waitUntil(lambda: _feedback_rows(home) != [], timeout=20_000)
    (row,) = _feedback_rows(home)
    assert "gave feedback on your work" in row.accessibleName()
    # Opening it leads to the course's Peer work, at the feedback; seen, Home lists it no more.
    qtbot.mouseClick(row, Qt.MouseButton.LeftButton)
    assert window.stack.current_name == "course" and course.section() == "peer"
    qtbot.waitUntil(
        lambda: page.received.currentItem() is not None and page.tabs.currentIndex() == 1,
        timeout=20_000,
    )
    assert "Clear and short." in page.feedback_view.toPlainText()
    assert course.discussion.new_topic_lesson() is None  # the feedback's id is no lesson
    qtbot.waitUntil(lambda: anna.peer.unseen_count() == 0, timeout=10_000)
    qtbot.mouseClick(window.rail.buttons["home"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: home.home is not None and _feedback_rows(home) == [], timeout=20_000)
    window.menus.back.trigger()  # View > Back
    assert window.stack.current_name == "course"
    qtbot.mouseClick(page.helpful_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: [i.name for i in anna.queue.items()] == ["peer.rate"], timeout=10_000)
    _sync(qtbot, window)
    assert ben.sync.run_window().ok
    assert ben.supporters.points(COURSE).by_reason == {
        "peer_feedback_given": 10, "feedback_helpful": 5,
    }  # fmt: skip
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)


def _open_lesson(qtbot: QtBot, course: CoursePage, view: LessonPage, row: int) -> None:
    """Open the lesson at `row` from the course's Lessons, as a learner does."""
    course.lessons_section.list.setCurrentRow(row)
    lesson_id = course.lessons_section.current_lesson_id()
    with qtbot.waitSignal(view.shown, timeout=20_000, check_params_cb=lambda i: i == lesson_id):
        qtbot.mouseClick(course.lessons_section.open_button, Qt.MouseButton.LeftButton)


def _turn_to(qtbot: QtBot, course: CoursePage, section: QWidget) -> None:
    """Click a section's title on the course page."""
    bar = course.sections.tabBar()
    where = bar.tabRect(course.sections.indexOf(section)).center()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=where)
    assert course.sections.currentWidget() is section


def _feedback_rows(home: HomePage) -> list[QWidget]:
    return [row for item, row in home.news_rows if item.kind is NewsKind.FEEDBACK]

"""Studying a downloaded demo course in the window: from the course page to its lessons, play
their audio and video (resumed where the learner left off), answer their exercises, mark a
lesson done (the course page follows), and sync it all; logging out leaves nothing of the
learner on screen."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.domain.learning import course_media_key
from desktop.ui.main_window import MainWindow
from desktop.ui.pages.course_lessons import MARK_ROLE
from desktop.ui.pages.course_page import CoursePage
from desktop.ui.pages.lesson_page import LessonPage
from desktop.ui.widgets.exercise_card import SENT, WAITING
from tests.server.sync_api import add_learner
from tests.server_process import DEMO_PASSWORD, LiveServer
from tests.ui.window import open_window, stray_windows

COURSE = "learning-together"
FIRST, SECOND = "learning-together-1", "learning-together-2"
AUDIO = course_media_key(COURSE, "audio/lesson-1.mp3")
VIDEO = course_media_key(COURSE, "video/welcome.mp4")

pytestmark = pytest.mark.timeout(90)


def _first_lesson(qtbot: QtBot, window: MainWindow) -> tuple[CoursePage, LessonPage]:
    """Open the course, then its first lesson with the course's Begin button."""
    assert window.pages is not None
    course = window.pages.course_page()
    with qtbot.waitSignal(course.shown, timeout=20_000):
        window.open_course(COURSE)
    assert window.stack.current_name == "course"
    view = window.pages.lesson_page()
    with qtbot.waitSignal(view.shown, timeout=20_000, check_params_cb=lambda i: i == FIRST):
        qtbot.mouseClick(course.header.continue_button, Qt.MouseButton.LeftButton)
    assert window.stack.current_name == "lesson"
    return course, view


def _step(qtbot: QtBot, view: LessonPage, button: QPushButton, lesson_id: str) -> None:
    """Previous or next lesson, by its button."""
    with qtbot.waitSignal(view.shown, timeout=20_000, check_params_cb=lambda i: i == lesson_id):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _button(view: LessonPage, text: str) -> QPushButton:
    return next(b for b in view.media.buttons if text in b.text().replace("&", ""))


def _played(core: Core, key: str) -> bool:
    saved = core.learning.position(key)
    return saved is not None and saved.played


@pytest.fixture
def learner_core(make_core: Callable[..., Core], academy: LiveServer) -> Core:
    core = make_core()
    core.session.login(academy.url, add_learner(academy), DEMO_PASSWORD)
    core.downloads.download_course(COURSE)
    return core


def test_play_answer_complete_and_sync(qtbot: QtBot, learner_core: Core) -> None:
    core = learner_core
    core.learning.save_position(AUDIO, 1_500, 4_000)  # heard a bit of it last time
    window, runner = open_window(qtbot, core)
    course, view = _first_lesson(qtbot, window)
    assert [b.text().replace("&", "") for b in view.media.buttons] == [
        "▶ Listen to the lesson",
        "▶ Watch the video",
    ]
    video = view.media.video

    # The audio resumes where the learner left it.
    with qtbot.waitSignal(window.player.loaded, timeout=20_000):
        qtbot.mouseClick(_button(view, "Listen"), Qt.MouseButton.LeftButton)
    assert abs(window.player.position() - 1_500) < 400
    assert window.player_bar.title.text() == "Forming a study group (audio)"
    assert video.isVisible() and not video.showing_video()  # the poster

    # The video plays in the page to its end (fast) and counts as played.
    with qtbot.waitSignal(window.player.loaded, timeout=20_000):
        qtbot.mouseClick(_button(view, "Watch"), Qt.MouseButton.LeftButton)
    assert video.showing_video()
    window.player_bar.speed.setCurrentIndex(window.player_bar.speed.count() - 1)  # 3x
    qtbot.waitSignal(window.player.finished, timeout=20_000).wait()
    # Its end leaves its last frame and a way to watch it again, never a black panel.
    assert not video.showing_video() and not video.poster.frame.isNull()
    assert "again" in _button(view, "Watch").text()
    # Saves run on the window's own record thread: wait for them to land.
    qtbot.waitUntil(lambda: _played(core, VIDEO), timeout=10_000)
    audio = core.learning.position(AUDIO)  # saved when the video replaced it
    assert audio is not None and audio.position_ms >= 1_400

    # A quiz with the option's own feedback, at once and offline.
    quiz = view.cards[0]
    right = next(b for b in quiz.options.buttons() if b.accessibleName() == "Three to five")
    right.setChecked(True)
    qtbot.mouseClick(quiz.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(quiz.feedback.isVisible, timeout=10_000)
    said = QTextDocumentFragment.fromHtml(quiz.feedback.text()).toPlainText()
    assert said == "✓ Correct. Everyone gets a turn and ideas still vary."
    assert quiz.status.text() == WAITING

    # A written answer on lesson 2, then lesson 2 marked done with Ctrl+D.
    _step(qtbot, view, view.next_button, SECOND)
    card = view.cards[0]
    assert card.editor is not None
    assert not card.ask_button.isHidden() and stray_windows(window) == []
    card.editor.setPlainText("Explaining it to Sam showed me what I had missed.")
    qtbot.mouseClick(card.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: card.status.text() == WAITING, timeout=10_000)
    view.done_button.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.done_button.isChecked(), timeout=10_000)
    rows = course.lessons_section.list  # the course page follows at once
    qtbot.waitUntil(lambda: rows.item(1).data(MARK_ROLE) == "✓", timeout=10_000)
    assert course.header.progress_label.text() == "1 of 3 lessons done"

    names = sorted(item.name for item in core.queue.items())
    assert names == [
        "exercise.answer",
        "exercise.answer",
        "playback.position",
        "playback.position",
        "progress.update",
    ]
    window.refresh()  # sync now
    qtbot.waitUntil(lambda: runner.running == 0 and not window.refreshing, timeout=20_000)
    assert core.queue.items() == []
    qtbot.waitUntil(  # lesson 2 done: its points come back with the sync
        lambda: course.header.points.text() == "★ 10 points", timeout=10_000
    )
    _step(qtbot, view, view.previous_button, FIRST)
    assert view.cards[0].status.text() == SENT

    # Quitting saves where the learner is.
    with qtbot.waitSignal(window.player.loaded, timeout=20_000):
        qtbot.mouseClick(_button(view, "Listen"), Qt.MouseButton.LeftButton)
    window.player.seek(2_000)
    qtbot.waitUntil(lambda: abs(window.player.position() - 2_000) < 300, timeout=5_000)
    window.close()
    runner.wait_idle()
    audio = core.learning.position(AUDIO)
    assert audio is not None and abs(audio.position_ms - 2_000) < 300


def test_logging_out_leaves_nothing_of_the_learner_on_screen(
    qtbot: QtBot, learner_core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = learner_core
    window, runner = open_window(qtbot, core)
    course, view = _first_lesson(qtbot, window)
    quiz = view.cards[0]
    quiz.options.buttons()[1].setChecked(True)
    qtbot.mouseClick(quiz.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(quiz.feedback.isVisible, timeout=10_000)
    with qtbot.waitSignal(window.player.loaded, timeout=20_000):
        qtbot.mouseClick(_button(view, "Listen"), Qt.MouseButton.LeftButton)
    window.player.seek(1_000)
    qtbot.waitUntil(lambda: abs(window.player.position() - 1_000) < 300, timeout=5_000)
    owner_before = core.session.account()
    assert owner_before is not None

    monkeypatch.setattr(
        "desktop.ui.main_window.QMessageBox.question",
        lambda *_args: QMessageBox.StandardButton.Yes,
    )
    window.logout()
    qtbot.waitUntil(lambda: core.session.account() is None, timeout=20_000)
    qtbot.waitUntil(lambda: view.course_id is None, timeout=10_000)
    assert view.cards == [] and view.media.buttons == [] and view.lesson is None
    assert course.course_id is None and course.lessons_section.list.count() == 0
    assert window.stack.current_name == "home"
    assert window.player.media_key == ""
    # The position was saved for the learner who listened, before the logout.
    core.session.login(owner_before.server_url, owner_before.user.username, DEMO_PASSWORD)
    saved = core.learning.position(AUDIO)
    assert saved is not None and abs(saved.position_ms - 1_000) < 400
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)

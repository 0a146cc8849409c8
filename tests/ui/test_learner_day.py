"""A learner's day, by keyboard alone, against the real academy on loopback: from Home open a
course, study a lesson, answer its quiz, mark it done, vote, reply in the course's discussion,
ask a supporter, sync; the academy stops, the learner goes on, the academy comes back, sync.
What the learner sees is checked at each step, and at every step the count the status line
shows equals what the outbox holds and what Sync & storage lists."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QAbstractButton, QApplication, QListWidget, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.domain.sync import OutboxState
from desktop.ui.main_window import MainWindow
from desktop.ui.supporter_dialog import SupporterDialog
from desktop.ui.tasks import TaskRunner
from tests.server.sync_api import add_learner
from tests.server_process import DEMO_PASSWORD, LiveServer, start_server
from tests.ui.window import open_window

COURSE = "learning-together"
COURSE_TITLE = "Learning together: study groups that work"
THREAD = "Looking for a study group (evenings)"

pytestmark = pytest.mark.timeout(300)

Key = Qt.Key
Mod = Qt.KeyboardModifier


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """An academy of this module's own: the test stops it and starts it again."""
    server = start_server(tmp_path_factory.mktemp("learner-day"), seed_demo=True)
    yield server
    server.stop()


@pytest.fixture
def core(make_core: Callable[..., Core], tmp_path: Path, school: LiveServer) -> Core:
    data = tmp_path / "samen"
    (data / "config").mkdir(parents=True)
    # A stopped academy is noticed at once (connection refused); no background sync meanwhile.
    (data / "config" / "settings.json").write_text(
        json.dumps({"request_timeout_s": 5, "sync_interval_s": 3600})
    )
    built = make_core(data)
    built.session.login(school.url, add_learner(school), DEMO_PASSWORD)
    built.downloads.download_course(COURSE)  # field staff download before they go
    return built


class Learner:
    """Presses keys where the keyboard focus is, as a person at the keyboard would."""

    def __init__(self, qtbot: QtBot, window: MainWindow, runner: TaskRunner, core: Core) -> None:
        self.qtbot, self.window, self.runner, self.core = qtbot, window, runner, core

    def focused(self) -> QWidget:
        # After a dialog closes, the window is the active one again (on a desktop the window
        # manager does this; offscreen, the test does).
        if QApplication.activeModalWidget() is None and QApplication.activeWindow() is None:
            self.window.activateWindow()
            self.qtbot.waitUntil(lambda: QApplication.activeWindow() is self.window)
        return QApplication.focusWidget() or self.window

    def press(self, key: Key, modifier: Mod = Mod.NoModifier) -> None:
        self.qtbot.keyClick(self.focused(), key, modifier)

    def type(self, text: str) -> None:
        self.qtbot.keyClicks(self.focused(), text)

    def tab_to(self, wanted: Callable[[QWidget], bool], what: str, limit: int = 120) -> QWidget:
        """Tab until the focus is on a widget `wanted` accepts."""
        for _ in range(limit):
            widget = self.focused()
            if wanted(widget):
                return widget
            self.press(Key.Key_Tab)
        raise AssertionError(f"Tab never reached {what}; focus is on {self.focused()!r}")

    def tab_to_button(self, words: str) -> QAbstractButton:
        widget = self.tab_to(
            lambda w: isinstance(w, QAbstractButton) and w.isVisible() and words in w.text(),
            f"a button with {words!r}",
        )
        assert isinstance(widget, QAbstractButton)
        return widget

    def settle(self) -> None:
        self.qtbot.waitUntil(lambda: self.runner.running == 0, timeout=30_000)

    def sync(self) -> None:
        before = self.window.overview
        self.press(Key.Key_R, Mod.ControlModifier)
        self.qtbot.waitUntil(
            lambda: not self.window.refreshing and self.window.overview is not before,
            timeout=60_000,
        )
        self.settle()

    def page(self) -> str:
        return self.window.stack.current_name

    def count_is_true(self, expected: int) -> None:
        """The status line shows `expected` waiting: the outbox's count, and what Sync &
        storage lists."""
        queue = self.core.queue
        listed = [i for i in queue.view(10_000).items if i.state is not OutboxState.REJECTED]
        assert queue.counts().waiting == len(listed) == expected
        self.qtbot.waitUntil(lambda: self.window.indicator.waiting == expected, timeout=20_000)
        words = self.window.indicator.text_plain
        assert (f"{expected} item" in words) if expected else ("All sent" in words), words


def test_a_learners_day_by_keyboard(qtbot: QtBot, core: Core, school: LiveServer) -> None:
    window, runner = open_window(qtbot, core)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    me = Learner(qtbot, window, runner, core)
    me.sync()
    me.count_is_true(0)

    # Home lists the downloaded course with its progress; Tab reaches it, Enter opens it.
    home = window.home_page
    qtbot.waitUntil(lambda: len(home.course_rows) == 1 and home.course_rows[0][1].isVisible())
    row = home.course_rows[0][1]
    assert COURSE_TITLE in row.accessibleName() or COURSE_TITLE in _texts(row)
    assert "0 of 3 lessons done" in _texts(row)
    home.setFocus()
    me.tab_to(lambda w: w is row, "the course on Home")
    me.press(Key.Key_Return)
    assert me.page() == "course"
    course = window.pages.course_page() if window.pages else None
    assert course is not None
    qtbot.waitUntil(lambda: course.lessons_section.list.count() == 3, timeout=20_000)
    assert COURSE_TITLE in _texts(course.header)

    # The lesson list has the next lesson chosen: Tab to it, Enter studies it.
    me.tab_to(lambda w: w is course.lessons_section.list, "the lesson list")
    me.press(Key.Key_Return)
    assert me.page() == "lesson"
    lesson = window.pages.lesson_page() if window.pages else None
    assert lesson is not None
    qtbot.waitUntil(lambda: lesson.title.text() == "Forming a study group", timeout=20_000)
    assert lesson.position.text() == "Lesson 1 of 3"

    # The quiz: Tab into its options, the arrow keys to the right one, Space, then Check;
    # the feedback says right in words.
    card = next(c for c in lesson.cards if c.options.buttons())
    right = _right_option(core, "Forming a study group")
    options = card.options.buttons()
    me.tab_to(lambda w: w in options, "the quiz's options")
    for _ in options:
        if me.focused().accessibleName() == right:
            break
        me.press(Key.Key_Down)
    assert me.focused().accessibleName() == right
    me.press(Key.Key_Space)
    me.tab_to_button("Check")
    me.press(Key.Key_Space)
    qtbot.waitUntil(lambda: card.feedback.isVisible() and "Correct" in card.feedback.text())
    me.count_is_true(1)

    # Done, by Ctrl+D; the button says so and offers to undo.
    me.press(Key.Key_D, Mod.ControlModifier)
    qtbot.waitUntil(lambda: "Done" in lesson.done_button.text(), timeout=20_000)
    me.count_is_true(2)

    # Back to the course (Alt+Up), its polls (Alt+P): vote with the keyboard.
    me.press(Key.Key_Up, Mod.AltModifier)
    assert me.page() == "course"
    me.press(Key.Key_P, Mod.AltModifier)
    assert course.section() == "polls"
    qtbot.waitUntil(lambda: bool(course.polls.cards), timeout=20_000)
    poll = course.polls.cards[0]
    choices = poll.choices.buttons()
    me.tab_to(lambda w: w in choices, "the poll's choices")
    me.press(Key.Key_Space)
    me.tab_to(lambda w: w is poll.vote_button, "Vote")
    me.press(Key.Key_Space)
    me.settle()
    poll = course.polls.cards[0]
    qtbot.waitUntil(lambda: "Waiting to send" in poll.state.text(), timeout=20_000)
    me.count_is_true(3)

    # The course's discussion (Alt+I): the thread, a reply, Ctrl+Return sends it.
    me.press(Key.Key_I, Mod.AltModifier)
    assert course.section() == "discussion"
    forum = course.discussion
    qtbot.waitUntil(lambda: _has_item(forum.threads, THREAD), timeout=20_000)
    me.tab_to(lambda w: w is forum.threads, "the list of topics")
    for _ in range(forum.threads.count()):
        current = forum.threads.currentItem()
        if current is not None and THREAD in current.text():
            break
        me.press(Key.Key_Down)
    assert THREAD in forum.threads.currentItem().text()
    qtbot.waitUntil(lambda: THREAD in forum.view.toPlainText() and forum.reply.isEnabled())
    me.tab_to(lambda w: w is forum.reply, "the reply box")
    me.type("Tuesday works for me too.")
    me.press(Key.Key_Return, Mod.ControlModifier)
    qtbot.waitUntil(lambda: "Tuesday works for me too." in forum.view.toPlainText(), timeout=20_000)
    assert isinstance(forum.reply, QPlainTextEdit) and forum.reply.toPlainText() == ""
    me.count_is_true(4)

    # Lesson 2 asks for an explanation a supporter may see: write it, then ask a supporter.
    me.press(Key.Key_O, Mod.AltModifier)  # Less&ons
    me.tab_to(lambda w: w is course.lessons_section.list, "the lesson list")
    lessons_list = course.lessons_section.list
    while "Sharing the work" not in (lessons_list.currentItem() or _NoItem()).text():
        me.press(Key.Key_Down)
    me.press(Key.Key_Return)
    qtbot.waitUntil(lambda: lesson.title.text() == "Sharing the work", timeout=20_000)
    editor = next(w for c in lesson.cards for w in c.findChildren(QPlainTextEdit) if w.isVisible())
    me.tab_to(lambda w: w is editor, "the answer box")
    me.type("We meet on Tuesdays and each of us explains one idea to the others.")
    me.tab_to_button("Save answer")
    me.press(Key.Key_Space)
    me.settle()
    me.count_is_true(5)
    me.tab_to_button("Ask a supporter")

    def fill_in() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SupporterDialog)
        qtbot.keyClicks(dialog.name, "Oma Riet")
        dialog.name.setFocus()
        qtbot.keyClick(dialog.name, Key.Key_Tab)
        qtbot.keyClicks(QApplication.focusWidget(), "riet@example.org")
        qtbot.keyClick(QApplication.focusWidget(), Key.Key_Tab)
        qtbot.keyClicks(QApplication.focusWidget(), "Would you read this?")
        qtbot.keyClick(dialog.name, Key.Key_Return)

    QTimer.singleShot(500, fill_in)
    me.press(Key.Key_Space)
    me.settle()
    me.count_is_true(6)

    # Sync: what was sent is said in words, the count is 0, the vote card says Sent.
    said_first: list[str] = []
    window.statusBar().messageChanged.connect(said_first.append)
    me.sync()
    assert any("Sent 6 items to the academy" in m for m in said_first), said_first
    me.count_is_true(0)
    qtbot.waitUntil(lambda: "Sent" in course.polls.cards[0].state.text(), timeout=20_000)

    # The academy stops. The learner goes on: lesson 2 is done too; Sync says Offline.
    school.stop()
    try:
        me.press(Key.Key_D, Mod.ControlModifier)
        qtbot.waitUntil(lambda: "Done" in lesson.done_button.text(), timeout=20_000)
        me.count_is_true(1)
        me.sync()
        assert window.indicator.text_plain.startswith("Offline"), window.indicator.text_plain
        me.count_is_true(1)
    finally:
        school.start()

    # Back online: the waiting item goes (by this sync, or by the background sync the window
    # started after the failed one, whichever comes first), the count is 0 again.
    said: list[str] = []
    window.statusBar().messageChanged.connect(said.append)
    me.sync()
    assert window.indicator.text_plain.startswith("Online"), window.indicator.text_plain
    assert any("Sent 1 item to the academy (1 lesson marked done)" in m for m in said), said
    me.count_is_true(0)
    me.press(Key.Key_1, Mod.ControlModifier)
    assert me.page() == "home"
    qtbot.waitUntil(lambda: "2 of 3 lessons done" in _texts(home), timeout=20_000)


class _NoItem:
    def text(self) -> str:
        return ""


def _texts(widget: QWidget) -> str:
    from PySide6.QtWidgets import QLabel

    return " ".join(label.text() for label in widget.findChildren(QLabel) if label.isVisible())


def _has_item(widget: QListWidget, words: str) -> bool:
    return any(words in widget.item(i).text() for i in range(widget.count()))


def _right_option(core: Core, lesson_title: str) -> str:
    lesson = next(item for item in core.lessons.lessons(COURSE) if item.title == lesson_title)
    quiz = next(e for e in lesson.exercises if e.options)
    return next(o.text for o in quiz.options if o.correct)

"""The course page's Discussion in the window against the real academy: reached from a lesson
("Discuss this lesson"), a topic about that lesson and a reply written offline show "not sent
yet" and are sent by the next sync; hostile Markdown is shown harmless; a moderator locks a
topic and sees reports."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.domain.forum import PostState
from desktop.ui.main_window import MainWindow
from desktop.ui.pages.course_page import CoursePage
from desktop.ui.pages.forum import ForumPage
from desktop.ui.pages.lesson_page import LessonPage
from tests.server.sync_api import add_learner
from tests.server_process import DEMO_PASSWORD, LiveServer
from tests.ui.window import open_window

COURSE = "learning-together"
DEMO_THREAD = "learning-together-thread-1"
HOSTILE = (
    "<script>alert('x')</script> **Count me in** [site](javascript:alert(1)) "
    "![pixel](https://tracker.test/p.png) <img src=x onerror=alert(2)>"
)

pytestmark = pytest.mark.timeout(90)


def _tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every element in `html` with its attributes (what a browser would build)."""
    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collector().feed(html)
    return found


def test_read_reply_offline_and_sync(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    core.session.login(academy.url, add_learner(academy), DEMO_PASSWORD)
    core.catalogue.fetch_course(COURSE)
    window, runner = open_window(qtbot, core)
    _sync(qtbot, window)  # the first sync brings the forum
    course, lesson_page = _study(qtbot, window, 0)
    page = course.discussion
    with qtbot.waitSignal(page.shown, timeout=20_000):
        qtbot.mouseClick(lesson_page.forum_button, Qt.MouseButton.LeftButton)
    assert window.stack.current_name == "course" and course.section() == "discussion"
    assert not page.moderation["lock"].isVisible()  # a learner
    # Opened from a lesson: all the course's topics, the lesson proposed for a new one.
    lesson = lesson_page.lesson
    assert lesson is not None and page.about.currentData() is None
    assert page.new_topic_lesson() == lesson.id
    qtbot.waitUntil(lambda: DEMO_THREAD in _listed(page), timeout=20_000)

    def write_topic() -> None:
        dialog = page.new_topic_dialog
        if dialog is None:
            QTimer.singleShot(20, write_topic)
            return
        assert dialog.chosen_lesson() == lesson.id
        dialog.title.setText("Exercise 2 of this lesson")
        dialog.body.setPlainText("What does *reflect* mean here?")
        dialog.buttons.accepted.emit()

    QTimer.singleShot(0, write_topic)
    with qtbot.waitSignal(page.shown, timeout=20_000):
        qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    (queued,) = core.queue.items()
    assert queued.args["lesson_id"] == lesson.id
    qtbot.waitUntil(lambda: queued.args["thread_id"] in _listed(page), timeout=20_000)
    labels = [page.threads.item(r).text() for r in range(page.threads.count())]
    mine = next(text for text in labels if text.startswith("Exercise 2 of this lesson"))
    assert mine.splitlines()[0] == "Exercise 2 of this lesson (not sent yet)"
    assert mine.endswith(f"lesson {lesson.position}. {lesson.title}")  # the lesson it is about
    with qtbot.waitSignal(page.thread_shown, timeout=20_000):
        page.select_thread(DEMO_THREAD)
    assert "Tuesday evenings" in page.view.toPlainText()

    page.reply.setPlainText(HOSTILE)
    with qtbot.waitSignal(page.thread_shown, timeout=20_000):
        qtbot.mouseClick(page.reply_button, Qt.MouseButton.LeftButton)
    assert page.page is not None
    mine_posts = [post for post, _html in page.page.posts if post.mine]
    assert len(mine_posts) == 1 and mine_posts[0].state is PostState.WAITING
    html = next(html for post, html in page.page.posts if post.mine)
    assert "<strong>Count me in</strong>" in html
    # Raw HTML is shown as text, the javascript: link is no link, the image is not loaded.
    tags = _tags(html)
    assert {tag for tag, _attrs in tags} <= {"p", "strong", "em"}
    assert all(not attrs for _tag, attrs in tags)
    assert "&lt;script&gt;" in html and "images are not shown here" in html
    assert "not sent yet" in page.view.toPlainText()

    _sync(qtbot, window)
    qtbot.waitUntil(
        lambda: (
            page.page is not None
            and [p.state for p, _h in page.page.posts if p.mine] == [PostState.SENT]
        ),
        timeout=20_000,
    )  # exactly one of the learner's: sent, not shown twice
    assert core.queue.items() == []
    # (That it then reads "You", as text, is test_course_page's.)
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)


def _sync(qtbot: QtBot, window: MainWindow) -> None:
    window.refresh()
    qtbot.waitUntil(lambda: not window.refreshing, timeout=30_000)


def _study(qtbot: QtBot, window: MainWindow, row: int) -> tuple[CoursePage, LessonPage]:
    """Open the course, then its lesson at `row` from the Lessons section, as a learner does."""
    assert window.pages is not None
    course = window.pages.course_page()
    with qtbot.waitSignal(course.shown, timeout=20_000):
        window.open_course(COURSE)
    lessons = course.lessons_section
    lessons.list.setCurrentRow(row)
    lesson_id = lessons.current_lesson_id()
    lesson_page = window.pages.lesson_page()
    with qtbot.waitSignal(
        lesson_page.shown, timeout=20_000, check_params_cb=lambda i: i == lesson_id
    ):
        qtbot.mouseClick(lessons.open_button, Qt.MouseButton.LeftButton)
    assert window.stack.current_name == "lesson"
    return course, lesson_page


def _listed(page: ForumPage) -> list[str]:
    return [
        str(page.threads.item(row).data(Qt.ItemDataRole.UserRole))
        for row in range(page.threads.count())
    ]


def test_a_moderator_locks_and_unlocks_a_thread_and_sees_reports(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer, tmp_path: Path
) -> None:
    core = make_core()
    core.session.login(academy.url, "mod", DEMO_PASSWORD)
    core.catalogue.fetch_course(COURSE)
    thread_id = core.forum.new_thread(
        COURSE, "Moderated thread", "Rules of this forum.", question=True
    )
    assert core.sync.run_window().ok
    window, runner = open_window(qtbot, core)
    assert window.pages is not None
    page = window.pages.course_page().discussion
    window.open_course(COURSE, "discussion")
    assert window.stack.current_name == "course"
    qtbot.waitUntil(lambda: page.moderator and thread_id in _listed(page), timeout=20_000)
    with qtbot.waitSignal(page.thread_shown, timeout=20_000):
        page.select_thread(thread_id)
    assert page.threads.currentItem().text().startswith("❓ Moderated thread")  # a question
    page.posts.setCurrentRow(0)
    lock = page.moderation["lock"]
    assert not lock.isHidden() and lock.text() == "Lock"
    qtbot.mouseClick(lock, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: [i.name for i in core.queue.items()] == ["forum.moderate"], timeout=10_000
    )
    _sync(qtbot, window)
    qtbot.waitUntil(lambda: page.page is not None and page.page.thread.locked, timeout=20_000)
    page.posts.setCurrentRow(0)
    assert lock.text() == "Unlock"
    # A learner's report reaches the moderator's list; activating it opens the thread.
    learner = make_core(tmp_path / "learner")
    learner.session.login(academy.url, add_learner(academy), DEMO_PASSWORD)
    assert learner.sync.run_window().ok
    learner.forum.report(thread_id, "Please explain the rules")
    assert learner.sync.run_window().ok
    window.refresh()
    qtbot.waitUntil(
        lambda: any("Please explain" in page.reports.item(r).text()
                    for r in range(page.reports.count())),
        timeout=20_000,
    )  # fmt: skip
    assert not page.reports.isHidden()
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)

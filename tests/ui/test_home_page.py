"""The Home page over a real store and HomeService: each section and each empty state says what
it should, and the keyboard alone continues, opens each new item and a course (the right
signal each time, and an opened item is no longer new)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.domain.home import CourseProgress, Home, NewsKind, Place, PlaceKind
from desktop.ui.pages.home import HomePage, Row
from desktop.ui.tasks import TaskRunner
from tests.home_data import COURSE, course, earlier, episodes, login, pulled_reply

pytestmark = pytest.mark.timeout(60)


def _page(qtbot: QtBot, core: Core) -> HomePage:
    page = HomePage(core.home, TaskRunner())
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page, timeout=5_000)
    with qtbot.waitSignal(page.shown, timeout=20_000):
        page.reload()
    _settled(qtbot, page)
    return page


def _settled(qtbot: QtBot, page: HomePage) -> None:
    """New rows show once the event loop has run (as before any key a person presses)."""
    rows = [row for _item, row in page.news_rows] + [row for _c, row in page.course_rows]
    qtbot.waitUntil(lambda: all(row.isVisible() for row in rows), timeout=5_000)


def _row_text(row: QWidget) -> str:
    assert isinstance(row, Row)
    return " | ".join(label.text() for label in row.labels)


def test_every_section_is_empty_and_says_what_to_do(
    qtbot: QtBot, make_core: Callable[..., Core]
) -> None:
    page = _page(qtbot, make_core())
    assert page.greeting.text() == "Welcome back"
    assert page.no_place.isVisible() and page.no_place.text() == (
        "Start a lesson and you can pick up here where you left off."
    )
    assert not page.continue_button.isVisible()
    assert page.no_news.isVisible() and page.no_news.text() == (
        "Nothing new. Replies, feedback and new episodes show up here."
    )
    assert page.no_courses.isVisible() and page.no_courses.text() == (
        "Find a course in Courses (Ctrl+2) and download it to study offline."
    )
    with qtbot.waitSignal(page.courses_wanted, timeout=5_000):
        qtbot.keyClick(page.find_button, Qt.Key.Key_Return)
    with qtbot.waitSignal(page.podcasts_wanted, timeout=5_000):
        qtbot.mouseClick(page.podcasts_button, Qt.MouseButton.LeftButton)


def test_the_cheap_course_list_shows_before_the_rest(
    qtbot: QtBot, make_core: Callable[..., Core]
) -> None:
    core = make_core()
    login(core)
    course(core)
    core.learning.complete_lesson(COURSE, f"{COURSE}-1")
    page = HomePage(None, TaskRunner())  # made before the services are open
    qtbot.addWidget(page)
    page.show()
    page.set_courses(core.home.courses_now())
    _settled(qtbot, page)
    assert [_row_text(row) for _c, row in page.course_rows] == [
        "Study skills | 1 of 3 lessons done · studied just now"
    ]
    assert not page.no_courses.isVisible() and not page.find_button.isVisible()
    assert page.no_place.text() == "One moment…" and not page.podcasts_button.isVisible()
    page.set_service(core.home)
    with qtbot.waitSignal(page.shown, timeout=20_000):
        page.reload()
    assert page.no_place.text().startswith("Start a lesson")


def test_sections_filled_and_reached_by_keyboard(
    qtbot: QtBot, make_core: Callable[..., Core]
) -> None:
    core = make_core()
    login(core)
    course(core)
    keys = episodes(core, count=1)
    pulled_reply(core)
    core.learning.complete_lesson(COURSE, f"{COURSE}-1")
    core.home.note_lesson(COURSE, f"{COURSE}-2")
    earlier(core, "last_place", 2)
    page = _page(qtbot, core)

    assert page.greeting.text().endswith(", Anna de Vries")
    assert page.greeting.text().startswith(("Good morning", "Good afternoon", "Good evening"))
    assert [page.place_where.text(), page.place_title.text(), page.place_detail.text()] == [
        "Study skills",
        "Explaining to each other",
        "Lesson 2 of 3 · last opened 2 hours ago",
    ]
    assert page.continue_button.isVisible() and not page.no_place.isVisible()
    assert [item.kind for item, _row in page.news_rows] == [NewsKind.REPLY, NewsKind.EPISODE]
    texts = [_row_text(row) for _item, row in page.news_rows]

    # Each kind has its icon from the window's icon set, drawn when the row is shown.
    def drawn(row: Row) -> bool:
        icons = [label for label in row.findChildren(QLabel) if label not in row.labels]
        return any(not label.pixmap().isNull() for label in icons)

    qtbot.waitUntil(lambda: all(drawn(row) for _item, row in page.news_rows))
    assert texts[1].startswith("New episode of Learning Out Loud: ‘Episode 1’ | About topic 1.")
    assert texts[0].startswith(
        "Sam replied to your post in ‘Looking for a study group’ | Count me in! · Study skills · "
    )
    assert not page.no_news.isVisible()
    (row,) = (r for _c, r in page.course_rows)
    assert _row_text(row).startswith("Study skills | 1 of 3 lessons done")

    # Enter on the page presses Continue, its default button.
    page.continue_button.setFocus()
    with qtbot.waitSignal(page.lesson_requested, timeout=5_000) as continued:
        qtbot.keyClick(page, Qt.Key.Key_Return)
    assert continued.args == [COURSE, f"{COURSE}-2"]

    # Tab goes on to each new item, then the course; Enter opens each.
    reply_row, episode_row = (r for _i, r in page.news_rows)
    _tab_to(qtbot, page, reply_row)
    with qtbot.waitSignal(page.section_requested, timeout=5_000) as opened:
        qtbot.keyClick(reply_row, Qt.Key.Key_Enter)
    assert opened.args == [COURSE, "discussion", "thread-1"]
    _tab_to(qtbot, page, episode_row)
    with qtbot.waitSignal(page.episode_requested, timeout=5_000) as played:
        qtbot.keyClick(episode_row, Qt.Key.Key_Return)
    assert played.args == [keys[0], 0]
    (course_row,) = (r for _c, r in page.course_rows)
    _tab_to(qtbot, page, course_row)
    with qtbot.waitSignal(page.course_requested, timeout=5_000) as chosen:
        qtbot.keyClick(course_row, Qt.Key.Key_Space)
    assert chosen.args == [COURSE]

    # What was opened is no longer new.
    qtbot.waitUntil(lambda: core.home.home().news.items == (), timeout=20_000)
    with qtbot.waitSignal(page.shown, timeout=20_000):
        page.reload()
    assert page.news_rows == [] and page.no_news.isVisible()


def _tab_to(qtbot: QtBot, page: HomePage, target: QWidget) -> None:
    """Press Tab until `target` has the focus (it must get it within a few presses)."""
    for _ in range(12):
        if QApplication.focusWidget() is target:
            return
        focused = QApplication.focusWidget() or page
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
    focus = QApplication.focusWidget()
    assert focus is target, (focus, getattr(focus, "text", lambda: "")())


def test_continue_words_for_an_episode_and_for_the_next_lesson(qtbot: QtBot) -> None:
    page = HomePage(None, TaskRunner())
    qtbot.addWidget(page)
    page.show()
    episode = Place(
        PlaceKind.EPISODE,
        "Feedback that helps",
        (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        episode_key="episode:abc",
        feed_title="Samen Academy podcast",
        position_ms=754_000,
        duration_ms=1_800_000,
    )
    page.set_home(Home("", episode))
    assert [page.place_where.text(), page.place_title.text()] == [
        "Samen Academy podcast",
        "Feedback that helps",
    ]
    assert page.place_detail.text() == ("Episode · at 12:34 of 30:00 · last played 5 minutes ago")
    with qtbot.waitSignal(page.episode_requested, timeout=5_000) as played:
        qtbot.keyClick(page.continue_button, Qt.Key.Key_Return)
    assert played.args == ["episode:abc", 754_000]

    lesson = Place(
        PlaceKind.LESSON,
        "When someone falls behind",
        "2020-01-01T09:00:00Z",
        course_id=COURSE,
        course_title="Study skills",
        lesson_id=f"{COURSE}-3",
        lesson_number=3,
        lesson_count=3,
        up_next=True,
    )
    page.set_home(Home("", lesson))
    assert page.place_detail.text() == "Up next: lesson 3 of 3"


def test_home_lists_the_courses_studied_last_and_leads_to_all_of_them(
    qtbot: QtBot, make_core: Callable[..., Core]
) -> None:
    """Fifty downloaded courses are not fifty rows on Home: the six studied most recently,
    then one button to all of them (in Courses)."""
    page = _page(qtbot, make_core())
    courses = [
        CourseProgress(f"course-{n}", f"Course {n}", "en", "", lessons=3, done=n % 3)
        for n in range(50)
    ]
    page.set_courses(courses)
    assert [c.course_id for c, _row in page.course_rows] == [f"course-{n}" for n in range(6)]
    assert page.find_button.isVisible()
    assert page.find_button.text() == "&All your courses (50)"
    with qtbot.waitSignal(page.courses_wanted, timeout=5_000):
        page.find_button.click()
    page.set_courses(courses[:3])
    assert len(page.course_rows) == 3 and not page.find_button.isVisible()

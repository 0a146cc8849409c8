"""The course page against the real demo academy: lessons with done marks and the next one
highlighted, opening a lesson by keyboard, the whole discussion on a first visit (also when
reached from a lesson), the learner's own reply as "You" after a sync and as text rather than
Markdown, counts with the right plural, voting in the Polls section, supporter requests, and
what each section says while it is empty."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QAbstractButton, QLabel
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.domain.forum import PostState
from desktop.domain.poll import VoteState
from desktop.media.player import Player
from desktop.ui.pages.course_lessons import MARK_ROLE
from desktop.ui.pages.course_page import CoursePage
from desktop.ui.pages.forum import ForumPage
from desktop.ui.tasks import TaskRunner
from tests.server.sync_api import add_learner
from tests.server_process import DEMO_PASSWORD, LiveServer

COURSE, TITLE = "learning-together", "Learning together: study groups that work"
LESSONS = ("learning-together-1", "learning-together-2", "learning-together-3")
DEMO_THREAD = "learning-together-thread-1"
POLL = "learning-together-poll-1"

pytestmark = pytest.mark.timeout(120)


def _page(qtbot: QtBot, core: Core) -> tuple[CoursePage, TaskRunner]:
    runner = TaskRunner()
    player = Player()
    page = CoursePage(
        core.catalogue,
        core.lessons,
        core.learning,
        core.forum,
        core.polls,
        core.peer,
        core.supporters,
        player,
        runner,
    )
    qtbot.addWidget(page)
    page.resize(1024, 700)
    page.show()
    return page, runner


def _learner(make_core: Callable[..., Core], academy: LiveServer, *, sync: bool = True) -> Core:
    core = make_core()
    core.session.login(academy.url, add_learner(academy), DEMO_PASSWORD)
    core.catalogue.fetch_course(COURSE)
    if sync:
        assert core.sync.run_window().ok  # brings the forum, the polls and the points
    return core


def _open(qtbot: QtBot, page: CoursePage) -> None:
    with (
        qtbot.waitSignal(page.discussion.shown, timeout=20_000),
        qtbot.waitSignal(page.shown, timeout=20_000),
    ):
        page.show_course(COURSE, TITLE)


def _topics(forum: ForumPage) -> list[str]:
    return [
        str(forum.threads.item(row).data(Qt.ItemDataRole.UserRole))
        for row in range(forum.threads.count())
    ]


def _labels(forum: ForumPage) -> list[str]:
    return [forum.threads.item(row).text() for row in range(forum.threads.count())]


def _mnemonics(page: CoursePage) -> list[str]:
    """The Alt+letter of every button, label and section title on screen."""
    texts = [page.sections.tabText(index) for index in range(page.sections.count())]
    texts += [w.text() for w in page.findChildren(QAbstractButton) if w.isVisible()]
    texts += [w.text() for w in page.findChildren(QLabel) if w.isVisible() and w.buddy()]
    return [m.group(1).lower() for text in texts if (m := re.search(r"&([^&\s])", text))]


def _replies(label: str) -> int:
    """The replies a topic's label counts, checking the noun agrees ("1 reply", "2 replies")."""
    found = re.search(r" · (\d+) (reply|replies)\b", label)
    assert found is not None, label
    number = int(found.group(1))
    assert found.group(2) == ("reply" if number == 1 else "replies"), label
    return number


def test_lessons_with_done_marks_and_the_next_one_opens_by_keyboard(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = _learner(make_core, academy)
    core.learning.complete_lesson(COURSE, LESSONS[0])
    page, runner = _page(qtbot, core)
    _open(qtbot, page)

    assert page.section() == "lessons"
    assert "Learning together" in page.header.title.text()
    assert page.header.summary.text() and not page.header.summary.isHidden()
    assert page.header.progress_label.text() == "1 of 3 lessons done"
    assert (page.header.progress.value(), page.header.progress.maximum()) == (1, 3)
    rows = page.lessons_section.list
    texts = [rows.item(row).text() for row in range(rows.count())]
    marks = [rows.item(row).data(MARK_ROLE) for row in range(rows.count())]
    assert marks == ["✓", "▶", ""]
    assert texts[0].startswith("1. Forming a study group\nDone")
    assert texts[1].startswith("2. Sharing the work\nNext up")
    assert texts[2].startswith("3. Keeping each other going\nNot done yet")
    assert rows.item(1).font().bold() and not rows.item(0).font().bold()
    assert "1 exercise" in texts[0] and "2 exercises" in texts[2]  # the right plural
    assert page.lessons_section.current_lesson_id() == LESSONS[1]  # the next one is chosen
    assert page.header.continue_button.text() == "&Continue: 2. Sharing the work"

    rows.setFocus()
    with qtbot.waitSignal(page.lesson_requested, timeout=5_000) as opened:
        qtbot.keyClick(rows, Qt.Key.Key_Return)
    assert opened.args == [COURSE, LESSONS[1]]
    rows.setCurrentRow(2)
    with qtbot.waitSignal(page.lesson_requested, timeout=5_000) as opened:
        qtbot.mouseClick(page.lessons_section.open_button, Qt.MouseButton.LeftButton)
    assert opened.args == [COURSE, LESSONS[2]]
    with qtbot.waitSignal(page.lesson_requested, timeout=5_000) as opened:
        qtbot.mouseClick(page.header.continue_button, Qt.MouseButton.LeftButton)
    assert opened.args == [COURSE, LESSONS[1]]

    core.learning.complete_lesson(COURSE, LESSONS[1])  # e.g. in the lesson page
    with qtbot.waitSignal(page.shown, timeout=20_000):
        page.refresh()
    assert page.header.progress_label.text() == "2 of 3 lessons done"
    assert [rows.item(row).data(MARK_ROLE) for row in range(3)] == ["✓", "✓", "▶"]
    assert rows.currentRow() == 2  # the learner's choice is kept
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)


def test_the_whole_discussion_a_reply_as_you_and_as_text_after_a_sync(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = _learner(make_core, academy)
    page, runner = _page(qtbot, core)
    _open(qtbot, page)
    forum = page.discussion

    # Reached from a lesson: still all of the course's topics, the lesson proposed for a new one.
    page.show_section("discussion", LESSONS[1])
    qtbot.waitUntil(lambda: DEMO_THREAD in _topics(forum), timeout=20_000)
    assert page.section() == "discussion"
    assert forum.about.currentData() is None and forum.new_topic_lesson() == LESSONS[1]
    assert _topics(forum) == [t.id for t in core.forum.threads(COURSE)]
    assert "Choose a topic" in forum.view.toPlainText()
    demo = next(label for label in _labels(forum) if label.startswith("Looking for a study"))
    before = _replies(demo)  # other tests may have replied in the shared academy
    unread = sum(t.unread for t in core.forum.threads(COURSE))
    tab = page.sections.indexOf(forum)
    qtbot.waitUntil(
        lambda: page.sections.tabText(tab) == f"D&iscussion ({unread} new)", timeout=20_000
    )
    assert before == next(t.replies for t in core.forum.threads(COURSE) if t.id == DEMO_THREAD)

    with qtbot.waitSignal(forum.thread_shown, timeout=20_000):
        forum.select_thread(DEMO_THREAD)
    left = sum(t.unread for t in core.forum.threads(COURSE))  # the topic read: fewer new
    assert left < unread
    qtbot.waitUntil(
        lambda: (
            page.sections.tabText(tab) == (f"D&iscussion ({left} new)" if left else "D&iscussion")
        ),
        timeout=20_000,
    )
    letters = _mnemonics(page)  # a topic open: every button of the section on screen
    assert len(letters) == len(set(letters)) >= 11, letters
    forum.reply.setPlainText("**Count me in** for _Tuesday_ evenings.")
    with qtbot.waitSignal(page.queued, timeout=20_000):  # the window re-reads the count
        qtbot.mouseClick(forum.reply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            forum.posts.item(forum.posts.count() - 1).text()
            == "You: Count me in for Tuesday evenings. · not sent yet"
        ),
        timeout=20_000,
    )

    assert core.sync.run_window().ok
    page.refresh()
    qtbot.waitUntil(
        lambda: (
            forum.page is not None
            and [p.state for p, _h in forum.page.posts if p.mine] == [PostState.SENT]
        ),
        timeout=20_000,
    )
    assert forum.page is not None
    mine = next(p for p, _h in forum.page.posts if p.mine)
    assert mine.author.startswith("Learner ")  # the academy's pseudonym, for the others
    last = forum.posts.item(forum.posts.count() - 1).text()
    assert last == "You: Count me in for Tuesday evenings."  # not the pseudonym, no ** or _
    assert "You ·" in forum.view.toPlainText() and mine.author not in forum.view.toPlainText()
    assert "**" not in forum.view.toPlainText()
    qtbot.waitUntil(
        lambda: before + 1 in [_replies(label) for label in _labels(forum)], timeout=20_000
    )
    assert before + 1 >= 2 and not any("1 replies" in label for label in _labels(forum))

    # A new topic, from the lesson the learner came from: about that lesson unless changed.
    def write_topic() -> None:
        dialog = forum.new_topic_dialog
        if dialog is None:
            QTimer.singleShot(20, write_topic)
            return
        assert dialog.chosen_lesson() == LESSONS[1]
        dialog.title.setText("Who takes which part?")
        dialog.body.setPlainText("I can summarise the *first* half.")
        dialog.buttons.accepted.emit()

    QTimer.singleShot(0, write_topic)
    with qtbot.waitSignal(page.queued, timeout=20_000):
        forum.ask_new_thread()
    (topic,) = [item for item in core.queue.items() if item.name == "forum.new_thread"]
    assert topic.args["lesson_id"] == LESSONS[1] and topic.args["course_id"] == COURSE
    qtbot.waitUntil(
        lambda: any(label.startswith("Who takes which part? (not sent yet)\nYou · 0 replies")
                    for label in _labels(forum)),
        timeout=20_000,
    )  # fmt: skip
    # The filter: one lesson's topics, and back to all.
    with qtbot.waitSignal(forum.shown, timeout=20_000):
        forum.about.setCurrentIndex(forum.about.findData(LESSONS[2]))
    assert _topics(forum) == [] and "No topics about this lesson yet" in forum.view.toPlainText()
    with qtbot.waitSignal(forum.shown, timeout=20_000):
        forum.about.setCurrentIndex(0)
    assert DEMO_THREAD in _topics(forum)
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)


def test_the_demo_learners_seeded_thread_reads_as_theirs(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    core.session.login(academy.url, "demo", DEMO_PASSWORD)
    core.catalogue.fetch_course(COURSE)
    assert core.sync.run_window().ok
    page, runner = _page(qtbot, core)
    _open(qtbot, page)
    page.show_section("discussion")
    qtbot.waitUntil(lambda: DEMO_THREAD in _topics(page.discussion), timeout=20_000)
    label = next(t for t in _labels(page.discussion) if t.startswith("Looking for a study"))
    assert label.splitlines()[1].startswith("You · ")
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)


def test_the_polls_section_votes_and_supporter_requests_are_listed(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = _learner(make_core, academy)
    lesson = core.lessons.lessons(COURSE)[1]
    exercise = next(e for e in lesson.exercises if e.supporter_allowed)
    core.learning.answer_text(COURSE, lesson.id, exercise, "Each of us explains one part.")
    core.supporters.ask(lesson.id, exercise.id, "Sam", "sam@example.org", "What do you think?")
    page, runner = _page(qtbot, core)
    _open(qtbot, page)

    polls_tab = page.sections.indexOf(page.polls)
    qtbot.waitUntil(
        lambda: page.sections.tabText(polls_tab) == "&Polls (1 to vote)", timeout=20_000
    )
    page.show_section("polls", LESSONS[1])
    qtbot.waitUntil(lambda: page.polls.card(POLL) is not None, timeout=20_000)
    card = page.polls.card(POLL)
    assert card is not None and card.about.text() == "About lesson 2. Sharing the work"
    card.choices.buttons()[0].setChecked(True)
    with qtbot.waitSignal(page.queued, timeout=20_000):
        qtbot.mouseClick(card.vote_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (c := page.polls.card(POLL)) is not None and c.poll.vote_state is VoteState.WAITING,
        timeout=20_000,
    )
    assert "poll.vote" in [item.name for item in core.queue.items()]
    qtbot.waitUntil(lambda: page.sections.tabText(polls_tab) == "&Polls", timeout=20_000)

    page.show_section("supporters")
    supporters = page.supporters
    assert supporters.list.count() == 1
    assert supporters.list.item(0).text().startswith("Sam · ")
    supporters.list.setCurrentRow(0)
    text = supporters.view.toPlainText()
    assert "Not sent yet" in text and "Each of us explains one part." in text
    assert "2. Sharing the work" in text
    with qtbot.waitSignal(page.lesson_requested, timeout=5_000) as opened:
        qtbot.mouseClick(supporters.open_button, Qt.MouseButton.LeftButton)
    assert opened.args == [COURSE, lesson.id]
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)


def test_every_empty_section_says_what_to_do_next(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = _learner(make_core, academy, sync=False)  # nothing pulled yet
    page, runner = _page(qtbot, core)
    with qtbot.waitSignal(page.peer.shown, timeout=20_000):
        _open(qtbot, page)
    assert page.header.progress_label.text() == "0 of 3 lessons done"
    assert page.header.continue_button.text() == "Be&gin: 1. Forming a study group"
    assert page.header.points.isHidden()  # no points yet: nothing to show
    page.show_section("discussion")
    assert page.discussion.view.toPlainText() == (
        "No one has started a discussion yet. Start one with New topic (Ctrl+N)."
    )
    page.show_section("polls")
    qtbot.waitUntil(lambda: not page.polls.empty.isHidden(), timeout=20_000)
    assert "This course has no polls yet" in page.polls.empty.text()
    page.show_section("peer")
    assert "Nothing to review yet" in page.peer.work.toPlainText()
    assert "Ask peers for feedback" in page.peer.feedback_view.toPlainText()
    page.show_section("supporters")
    assert "Ask a supporter" in page.supporters.view.toPlainText()
    assert page.supporters.list.isHidden()
    with pytest.raises(ValueError):
        page.show_section("forum")
    window_menus = {"s", "v", "l", "h"}  # &Samen, &View, P&layback, &Help
    for name in ("lessons", "discussion", "polls", "peer", "supporters"):
        page.show_section(name)
        letters = _mnemonics(page)
        assert len(letters) == len(set(letters)) and not window_menus & set(letters), (
            name,
            letters,
        )
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)


def test_a_topic_opened_from_home_is_the_one_shown(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    """Home's "replied to your post" leads to the course's Discussion at that topic, even
    though the topics are read only after the page asks for them."""
    core = _learner(make_core, academy)
    page, _runner = _page(qtbot, core)
    with qtbot.waitSignal(page.discussion.thread_shown, timeout=20_000) as shown:
        page.show_course(COURSE, TITLE)
        page.show_section("discussion", item_id=DEMO_THREAD)
    assert shown.args == [DEMO_THREAD]
    assert page.section() == "discussion"
    assert page.discussion.current_thread_id() == DEMO_THREAD

"""The course page: one course and its whole social life. UI thread; every read and write runs
on the worker pool (the TaskRunner), results come back by signal.

A header (title, summary, "3 of 5 lessons done" with a bar, points if any, Continue) over five
sections: Lessons (in order, done marks, the next one highlighted), Discussion (all the
course's topics, the Forum page in course mode), Polls, Peer work (this course's work to review
and feedback received) and Supporters (the learner's requests in this course and the answers).
Everything is read when the course is shown, so no section is blank on a first visit; the
section titles say what waits there ("D&iscussion (2 new)", "&Polls (1 to vote)", "Peer &work
(1 to review)").

Wiring (for the main window):
- ``CoursePage(catalogue, lessons, learning, forum, polls, peer, supporters, player, runner)``:
  the catalogue gives the course's summary, learning the lessons done, supporters the points
  and requests, the player plays peers' recordings (the window's one player).
- ``show_course(course_id, title)`` shows a course, at its Lessons; ``show_section(name,
  lesson_id=None, item_id=None)`` turns to "lessons", "discussion", "polls", "peer" or
  "supporters" (with the lesson the learner comes from: chosen in Lessons, proposed for a new
  topic in Discussion, its polls first in Polls; with the item opened on Home: in Peer work,
  that feedback or work to review); ``refresh()`` re-reads everything (after a sync); ``clear()``
  shows nothing (after a logout). ``set_moderator(bool)`` is also called by the page itself;
  ``section()`` names the section on screen.
- Signals: ``lesson_requested(course_id, lesson_id)`` asks the window to open a lesson;
  ``queued()`` follows every local write (a post, a vote, feedback, a rating), so the window
  re-reads the pending count; ``shown()`` says the header, Lessons and Supporters show the
  newest read (tests).
- Peer work marks feedback received as seen (in every course) when its list is on screen,
  like the Peer feedback page; the page's ``peer.unseen_changed(int)`` says how much is left.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from desktop.domain.course import Lesson
from desktop.domain.poll import VoteState
from desktop.domain.supporter import Points
from desktop.language.catalogue import N_, _, counted
from desktop.media.player import Player
from desktop.services.catalogue import CatalogueService
from desktop.services.forum import ForumService
from desktop.services.learning import LearningService
from desktop.services.lessons import LessonService
from desktop.services.peer import PeerService
from desktop.services.polls import PollService
from desktop.services.supporters import SupporterService
from desktop.ui.pages.course_header import CourseHeader
from desktop.ui.pages.course_lessons import LessonsSection, lesson_name
from desktop.ui.pages.course_supporters import (
    CourseRequest,
    SupportersSection,
    course_requests,
)
from desktop.ui.pages.forum import ForumPage
from desktop.ui.pages.peer import PeerPage
from desktop.ui.pages.polls import PollsPage
from desktop.ui.tasks import TaskRunner

SECTIONS = ("lessons", "discussion", "polls", "peer", "supporters")
# Alt+S, V, L and H are the window's menus; these are unique among what shows with them.
# Marked here, translated where shown (the language is installed after imports).
TAB_TITLES = (N_("Less&ons"), N_("D&iscussion"), N_("&Polls"), N_("Peer &work"), N_("S&upporters"))


@dataclass(frozen=True, slots=True)
class _Course:
    """What the header, Lessons and Supporters show, read in one go."""

    request: int
    course_id: str
    title: str
    summary: str
    lessons: list[Lesson]
    done: set[str]
    points: Points | None
    requests: list[CourseRequest]


@dataclass(frozen=True, slots=True)
class _News:
    """What waits for the learner in each social section, for its title."""

    request: int
    course_id: str
    unread: int  # replies (and topics) not read yet
    to_vote: int  # open polls without the learner's vote
    to_review: int  # peers' work waiting for the learner's feedback


def section_title(index: int, news: _News | None) -> str:
    """A section's tab title, with what waits there: "D&iscussion (2 new)"."""
    numbers = {} if news is None else {1: news.unread, 2: news.to_vote, 3: news.to_review}
    waiting = numbers.get(index, 0)
    if not waiting:
        return _(TAB_TITLES[index])
    if index == 1:
        # Translators: the course's Discussion tab with how many replies and topics are unread.
        return counted("D&iscussion ({n} new)", "D&iscussion ({n} new)", waiting)
    if index == 2:
        # Translators: the course's Polls tab with how many open polls wait for a vote.
        return counted("&Polls ({n} to vote)", "&Polls ({n} to vote)", waiting)
    # Translators: the course's Peer work tab with how many peers' works wait for feedback.
    return counted("Peer &work ({n} to review)", "Peer &work ({n} to review)", waiting)


class CoursePage(QWidget):
    lesson_requested = Signal(str, str)  # course id, lesson id
    queued = Signal()  # something was saved to send: the pending count changed
    shown = Signal()  # header, Lessons and Supporters show the newest read (tests)

    def __init__(
        self,
        catalogue: CatalogueService,
        lessons: LessonService,
        learning: LearningService,
        forum: ForumService,
        polls: PollService,
        peer: PeerService,
        supporters: SupporterService,
        player: Player,
        runner: TaskRunner,
    ) -> None:
        super().__init__()
        self._catalogue = catalogue
        self._lessons = lessons
        self._learning = learning
        self._forum = forum
        self._polls = polls
        self._peer = peer
        self._supporters = supporters
        self._runner = runner
        self.course_id: str | None = None
        self.title = ""
        self.lessons: list[Lesson] = []
        self.from_lesson: str | None = None  # the lesson the learner came from, if any
        self._requests = 0  # the newest course read; older answers are dropped
        self._news_requests = 0
        self._sections_shown = False  # the social sections were given this course
        self.header = CourseHeader()
        self.header.continue_wanted.connect(self._open_lesson)
        self.lessons_section = LessonsSection()
        self.lessons_section.opened.connect(self._open_lesson)
        self.discussion = ForumPage(forum, runner)
        self.discussion.heading.hide()  # the course page's header says which course
        self.discussion.changed.connect(self.queued)
        self.discussion.thread_shown.connect(lambda _id: self._read_news())  # read: not new
        self.polls = PollsPage(polls, runner)
        self.polls.heading.hide()
        self.polls.voted.connect(self.queued)
        self.polls.voted.connect(self._read_news)
        self.peer = PeerPage(peer, player, runner)
        self.peer.heading.hide()
        self.peer.changed.connect(self.queued)
        self.peer.changed.connect(self._read_news)
        self.supporters = SupportersSection()
        self.supporters.lesson_wanted.connect(self._open_lesson)
        self.sections = QTabWidget()
        self.sections.setDocumentMode(True)
        widgets = (self.lessons_section, self.discussion, self.polls, self.peer, self.supporters)
        for widget, title in zip(widgets, TAB_TITLES, strict=True):
            self.sections.addTab(widget, _(title))
        self.sections.currentChanged.connect(lambda _index: self.peer.seen_if_shown())
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.sections, 1)

    # -- what is shown -------------------------------------------------------------------------

    def show_course(self, course_id: str, title: str) -> None:
        """Show a course at its Lessons; every section is read now, in the background."""
        if course_id != self.course_id:
            self.clear()
            self.course_id = course_id
            self.sections.setCurrentWidget(self.lessons_section)
        self.title = title
        self.header.show_title(title)
        self._read()
        self._runner.submit(self._forum.is_moderator, self._set_moderator_from)

    def show_section(
        self, name: str, lesson_id: str | None = None, *, item_id: str | None = None
    ) -> None:
        """Turn to a section ("lessons", "discussion", "polls", "peer", "supporters");
        `lesson_id` is the lesson the learner comes from, `item_id` what they opened on Home
        (in Peer work the feedback or the work to review, in Discussion the topic: shown once
        listed)."""
        if name not in SECTIONS:
            raise ValueError(f"no section {name!r}; one of {', '.join(SECTIONS)}")
        if lesson_id != self.from_lesson:
            self.from_lesson = lesson_id
            if self._sections_shown:
                self._show_sections()  # the lesson is proposed now, not after a re-read
        if name == "lessons" and lesson_id is not None:
            self.lessons_section.select(lesson_id)
        self.sections.setCurrentIndex(SECTIONS.index(name))
        if name == "peer" and item_id:
            self.peer.show_item(item_id)
        elif name == "discussion" and item_id:
            self.discussion.select_thread(item_id)

    def section(self) -> str:
        """The section on screen."""
        return SECTIONS[self.sections.currentIndex()]

    def refresh(self) -> None:
        """Read everything again (after a sync: new topics, results, feedback, answers)."""
        if self.course_id is None:
            return
        self._read()
        if self._sections_shown:
            self.discussion.reload()
            self.polls.reload()
            self.peer.reload()

    def clear(self) -> None:
        """Show nothing (after a logout: what a learner did is theirs)."""
        self.course_id, self.title, self.lessons = None, "", []
        self.from_lesson = None
        self._requests += 1
        self._news_requests += 1
        self._sections_shown = False
        self._show_news(None)
        self.header.clear()
        self.lessons_section.clear()
        self.discussion.clear()
        self.polls.clear()
        self.peer.clear()
        self.supporters.clear()

    def set_moderator(self, moderator: bool) -> None:
        self.discussion.set_moderator(moderator)

    # -- reading ------------------------------------------------------------------------------

    def _read(self) -> None:
        course_id = self.course_id
        if course_id is None:
            return
        self._requests += 1
        request = self._requests

        def load() -> _Course:
            lessons = self._lessons.lessons(course_id)
            entry = next((e for e in self._catalogue.library() if e.course.id == course_id), None)
            return _Course(
                request,
                course_id,
                entry.course.title if entry else "",
                entry.course.summary if entry else "",
                lessons,
                self._learning.completed_lessons(course_id),
                self._supporters.points(course_id),
                course_requests(lessons, self._supporters.requests()),
            )

        self._runner.submit(load, self._show)
        self._read_news()

    def _read_news(self) -> None:
        course_id = self.course_id
        if course_id is None:
            return
        self._news_requests += 1
        request = self._news_requests

        def load() -> _News:
            threads = self._forum.threads(course_id)
            polls = self._polls.polls(course_id=course_id)
            return _News(
                request,
                course_id,
                sum(t.unread for t in threads),
                sum(1 for p in polls if p.is_open and p.vote_state is VoteState.NONE),
                sum(
                    1
                    for a in self._peer.assignments()
                    if a.course_id == course_id and a.needs_feedback
                ),
            )

        self._runner.submit(load, self._take_news)

    def _take_news(self, news: object) -> None:
        assert isinstance(news, _News)
        if news.request == self._news_requests and news.course_id == self.course_id:
            self._show_news(news)

    def _show_news(self, news: _News | None) -> None:
        for index in range(self.sections.count()):
            self.sections.setTabText(index, section_title(index, news))

    def _show(self, result: object) -> None:
        assert isinstance(result, _Course)
        if result.request != self._requests or result.course_id != self.course_id:
            return  # an older read, or another course (or learner) since
        renamed = [(x.id, x.title) for x in result.lessons] != [
            (x.id, x.title) for x in self.lessons
        ]
        self.lessons = result.lessons
        if result.title and result.title != self.title:  # opened by id alone (from Home)
            self.title = result.title
            self.header.show_title(result.title)
        self.header.show_summary(result.summary)
        self.header.show_progress(result.lessons, result.done)
        self.header.show_points(result.points)
        self.lessons_section.show_lessons(result.lessons, result.done)
        self.supporters.show_requests(result.requests)
        if not self._sections_shown or renamed:  # a new version may add or rename lessons
            self._show_sections()
        self.shown.emit()

    def _show_sections(self) -> None:
        """Give Discussion, Polls and Peer work this course (they read it themselves)."""
        course_id = self.course_id
        if course_id is None:
            return
        self._sections_shown = True
        names = [(lesson.id, lesson_name(lesson)) for lesson in self.lessons]
        self.discussion.show_course(course_id, "", None, names, from_lesson=self.from_lesson)
        self.polls.show_course(course_id, "", self.from_lesson, names)
        self.peer.show_course(course_id)

    def _set_moderator_from(self, moderator: object) -> None:
        if self.course_id is not None:
            self.set_moderator(bool(moderator))

    def _open_lesson(self, lesson_id: str) -> None:
        if self.course_id is not None and lesson_id:
            self.lesson_requested.emit(self.course_id, lesson_id)

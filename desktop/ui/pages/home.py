"""The Home page, the first thing a learner sees: a greeting, *Continue* (the last lesson or
episode, where they stopped), *New for you* (replies, feedback, reviews, supporters' answers,
open polls, new episodes) and *Your courses* with progress. UI thread.

A thin view: the data comes from HomeService through the TaskRunner (`reload`), or from the
caller (`set_courses` with the cheap start-up list, `set_home` with the full value). Every
sentence the learner reads is made in this module (`_place_words`, `_news_words`, `_course_words`
and the TEXT table). It asks for navigation by signal and navigates nowhere itself:

- course_requested(course_id): open a course's page (Enter on a course row);
- lesson_requested(course_id, lesson_id): open a lesson (Continue);
- episode_requested(episode_key, position_ms): play an episode from there (Continue, a new one);
- section_requested(course_id, section, item_id): a course page's section, `section` one of
  domain.home.Section's values (discussion, polls, peer, supporters), at the item (a thread,
  feedback, assignment, request or poll id);
- courses_wanted(): go to Courses (to find and download one);
- podcasts_wanted(): go to Podcasts.

Keyboard: Tab reaches every button and row; Enter (or Space) activates the focused one; Enter
elsewhere on the page presses Continue, the page's default button.
"""

from __future__ import annotations

import logging
from itertools import pairwise
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QFont, QKeyEvent, QMouseEvent, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.home import CourseProgress, Home, NewsItem, NewsKind, Place, PlaceKind
from desktop.language import formats
from desktop.language.catalogue import N_, _, counted
from desktop.ui.formatting import clock_time
from desktop.ui.icons import Icons
from desktop.ui.tasks import TaskRunner
from desktop.ui.time_words import ago, greeting

if TYPE_CHECKING:
    from desktop.services.home import HomeService

log = logging.getLogger(__name__)

# Marked for the catalogue here, translated where shown (the language is installed after
# imports); counted and placeholder sentences are made where they are used.
TEXT = {
    "welcome": N_("Welcome back"),
    "continue": N_("Continue"),
    "continue_button": N_("&Continue"),
    "new": N_("New for you"),
    "courses": N_("Your courses"),
    "no_place": N_("Start a lesson and you can pick up here where you left off."),
    "no_news": N_("Nothing new. Replies, feedback and new episodes show up here."),
    "no_courses": N_("Find a course in Courses (Ctrl+2) and download it to study offline."),
    "find_course": N_("&Find a course"),
    "podcasts": N_("Listen to a &podcast"),
    "loading": N_("One moment…"),
}
# One icon per kind of news, from the window's icon set (desktop/ui/icons.py).
ICONS = {
    NewsKind.REPLY: "discussion",
    NewsKind.FEEDBACK: "peer",
    NewsKind.REVIEW: "peer",
    NewsKind.SUPPORTER: "supporter",
    NewsKind.POLL: "poll",
    NewsKind.EPISODE: "podcasts",
}
CONTENT_WIDTH = 760
# Home lists the courses studied most recently; all of them are one click away (Courses).
COURSES_SHOWN = 6


class Row(QFrame):
    """A focusable line (a news item, a course): Tab stops on it, Enter, Space or a click
    activates it; the palette's highlight shows where the focus is."""

    activated = Signal()

    def __init__(self, accessible: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.setAccessibleName(accessible)
        self.labels: list[QLabel] = []

    def label(self, text: str, *, muted: bool = False, bold: bool = False) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)  # titles are the academy's, not markup
        if bold:
            font = label.font()
            font.setBold(True)
            label.setFont(font)
        label.setProperty("muted", muted)
        self.labels.append(label)
        self._colour(label, focused=False)
        return label

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activated.emit()
            return
        super().keyPressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() is Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.activated.emit()
            return
        super().mouseReleaseEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        self._focused(True)
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        self._focused(False)
        super().focusOutEvent(event)

    def _focused(self, focused: bool) -> None:
        self.setBackgroundRole(QPalette.ColorRole.Highlight if focused else QPalette.ColorRole.Base)
        for label in self.labels:
            self._colour(label, focused=focused)

    @staticmethod
    def _colour(label: QLabel, *, focused: bool) -> None:
        if focused:
            label.setForegroundRole(QPalette.ColorRole.HighlightedText)
        elif label.property("muted"):
            label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        else:
            label.setForegroundRole(QPalette.ColorRole.Text)


class HomePage(QWidget):
    course_requested = Signal(str)
    lesson_requested = Signal(str, str)
    episode_requested = Signal(str, int)
    section_requested = Signal(str, str, str)
    courses_wanted = Signal()
    podcasts_wanted = Signal()
    shown = Signal()  # after set_home filled the page (tests wait on it)

    def __init__(self, home_service: HomeService | None, runner: TaskRunner) -> None:
        super().__init__()
        self._service = home_service
        self._runner = runner
        self.home: Home | None = None
        self.courses: list[CourseProgress] = []
        self.news_rows: list[tuple[NewsItem, Row]] = []
        self.course_rows: list[tuple[CourseProgress, Row]] = []

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to what is in it
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        centred = QHBoxLayout(body)
        column_widget = QWidget()
        column_widget.setMaximumWidth(CONTENT_WIDTH)
        column_widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        centred.addWidget(column_widget)
        column = QVBoxLayout(column_widget)
        column.setContentsMargins(24, 20, 24, 20)
        column.setSpacing(10)

        self.greeting = QLabel(_(TEXT["welcome"]))
        self.greeting.setFont(_scaled(self.greeting.font(), 1.6, bold=True))
        column.addWidget(self.greeting)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.hide()
        column.addWidget(self.problem)

        column.addWidget(self._heading(_(TEXT["continue"])))
        self.place_card = QFrame()
        self.place_card.setFrameShape(QFrame.Shape.StyledPanel)
        self.place_card.setAutoFillBackground(True)
        self.place_card.setBackgroundRole(QPalette.ColorRole.Base)
        card = QVBoxLayout(self.place_card)
        self.place_where = QLabel()
        self.place_where.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.place_title = QLabel()
        self.place_title.setWordWrap(True)
        self.place_title.setFont(_scaled(self.place_title.font(), 1.25, bold=True))
        self.place_detail = QLabel()
        self.place_detail.setWordWrap(True)
        for label in (self.place_where, self.place_title, self.place_detail):
            label.setTextFormat(Qt.TextFormat.PlainText)
            card.addWidget(label)
        self.no_place = QLabel(_(TEXT["no_place"]))
        self.no_place.setWordWrap(True)
        card.addWidget(self.no_place)
        buttons = QHBoxLayout()
        self.continue_button = QPushButton(_(TEXT["continue_button"]))
        self.continue_button.setDefault(True)  # drawn as the default; Enter on the page
        self.continue_button.setAutoDefault(True)
        self.continue_button.clicked.connect(self.continue_place)
        self.continue_button.setFont(_scaled(self.continue_button.font(), 1.1, bold=True))
        metrics = self.continue_button.fontMetrics()  # the primary action: roomy at any scale
        self.continue_button.setMinimumSize(
            metrics.horizontalAdvance(_(TEXT["continue"])) + 8 * metrics.averageCharWidth(),
            2 * metrics.height(),
        )
        self.podcasts_button = QPushButton(_(TEXT["podcasts"]))
        self.podcasts_button.setAutoDefault(True)
        self.podcasts_button.clicked.connect(self.podcasts_wanted)
        buttons.addWidget(self.continue_button)
        buttons.addWidget(self.podcasts_button)
        buttons.addStretch(1)
        card.addLayout(buttons)
        column.addWidget(self.place_card)

        column.addWidget(self._heading(_(TEXT["new"])))
        self.news_box = QVBoxLayout()
        self.news_box.setSpacing(6)
        column.addLayout(self.news_box)
        self.no_news = QLabel(_(TEXT["loading"]))
        self.no_news.setWordWrap(True)
        column.addWidget(self.no_news)
        self.more = QLabel()
        self.more.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.more.hide()
        column.addWidget(self.more)

        column.addWidget(self._heading(_(TEXT["courses"])))
        self.courses_box = QVBoxLayout()
        self.courses_box.setSpacing(6)
        column.addLayout(self.courses_box)
        self.no_courses = QLabel(_(TEXT["no_courses"]))
        self.no_courses.setWordWrap(True)
        column.addWidget(self.no_courses)
        self.find_button = QPushButton(_(TEXT["find_course"]))
        self.find_button.setAutoDefault(True)
        self.find_button.clicked.connect(self.courses_wanted)
        find_row = QHBoxLayout()
        find_row.addWidget(self.find_button)
        find_row.addStretch(1)
        column.addLayout(find_row)
        column.addStretch(1)
        self._show_place(None, loading=True)
        self.set_courses([])

    # -- data --------------------------------------------------------------------------------

    def set_service(self, home_service: HomeService) -> None:
        """For a page made before the services were opened (start-up)."""
        self._service = home_service

    def reload(self) -> None:
        """Fetch the full Home on a worker; what is shown stays until it arrives."""
        if self._service is None:
            return
        self._runner.submit(self._service.home, self._loaded, self._failed)

    def set_courses(self, courses: list[CourseProgress]) -> None:
        self.courses = list(courses)
        _clear(self.courses_box)
        self.course_rows = []
        for course in self.courses[:COURSES_SHOWN]:  # most recently studied first
            row = self._course_row(course)
            self.course_rows.append((course, row))
            self.courses_box.addWidget(row)
        self.no_courses.setVisible(not self.courses)
        more = len(self.courses) > COURSES_SHOWN
        self.find_button.setText(
            _("&All your courses ({n})").format(n=formats.number(len(self.courses)))
            if more
            else _(TEXT["find_course"])
        )
        self.find_button.setVisible(not self.courses or more)
        self._order_tabs()

    def set_home(self, home: Home) -> None:
        self.home = home
        self.problem.hide()
        name = home.display_name.strip()
        # Translators: Home's greeting: "Good morning" (by the clock) and the learner's name.
        hello = _("{greeting}, {name}").format(greeting=greeting(), name=name)
        self.greeting.setText(hello if name else _(TEXT["welcome"]))
        self._show_place(home.place)
        _clear(self.news_box)
        self.news_rows = []
        for item in home.news.items:
            row = self._news_row(item)
            self.news_rows.append((item, row))
            self.news_box.addWidget(row)
        self.no_news.setText(_(TEXT["no_news"]))
        self.no_news.setVisible(not home.news.items)
        self.more.setText(
            counted(
                "And {n} more, in your courses and podcasts.",
                "And {n} more, in your courses and podcasts.",
                home.news.more,
            )
        )
        self.more.setVisible(home.news.more > 0)
        self.set_courses(list(home.courses))
        self.shown.emit()

    # -- actions -----------------------------------------------------------------------------

    def continue_place(self) -> None:
        place = self.home.place if self.home is not None else None
        if place is None:
            return
        if place.kind is PlaceKind.EPISODE:
            self.episode_requested.emit(place.episode_key, place.position_ms)
        else:
            self.lesson_requested.emit(place.course_id, place.lesson_id)

    def open_item(self, item: NewsItem) -> None:
        if self._service is not None:
            service = self._service
            self._runner.submit(lambda: service.mark_seen(item), None, self._not_marked)
        if item.kind is NewsKind.EPISODE:
            self.episode_requested.emit(item.episode_key, 0)
        elif item.section is not None:
            self.section_requested.emit(item.course_id, item.section.value, item.item_id)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and self.continue_button.isVisible():
            self.continue_button.click()
            return
        super().keyPressEvent(event)

    # -- building ----------------------------------------------------------------------------

    def _order_tabs(self) -> None:
        """Tab follows the page from top to bottom (rows are made after the buttons)."""
        chain: list[QWidget] = [self.continue_button, self.podcasts_button]
        chain += [row for _item, row in self.news_rows]
        chain += [row for _course, row in self.course_rows]
        chain.append(self.find_button)
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)

    def _heading(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setFont(_scaled(label.font(), 1.15, bold=True))
        label.setContentsMargins(0, 10, 0, 0)
        return label

    def _show_place(self, place: Place | None, *, loading: bool = False) -> None:
        words = None if place is None else _place_words(place)
        labels = (self.place_where, self.place_title, self.place_detail)
        for label, text in zip(labels, words or ("", "", ""), strict=True):
            label.setText(text)
            label.setVisible(words is not None)
        self.no_place.setText(_(TEXT["loading"]) if loading else _(TEXT["no_place"]))
        self.no_place.setVisible(words is None)
        self.continue_button.setVisible(words is not None)
        self.podcasts_button.setVisible(words is None and not loading)
        if words is not None:
            self.continue_button.setAccessibleDescription(_sentences(words[1], words[2]))

    def _news_row(self, item: NewsItem) -> Row:
        headline, detail = _news_words(item)
        row = Row(_sentences(headline, detail))
        line = QHBoxLayout(row)
        symbol = QLabel()
        Icons.show_on(symbol, ICONS[item.kind], 20)
        symbol.setAlignment(Qt.AlignmentFlag.AlignTop)
        symbol.setFixedWidth(28)
        symbol.setAccessibleName("")
        line.addWidget(symbol)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(row.label(headline))
        if detail:
            text.addWidget(row.label(detail, muted=True))
        line.addLayout(text, 1)
        row.activated.connect(lambda: self.open_item(item))
        return row

    def _course_row(self, course: CourseProgress) -> Row:
        title, detail = _course_words(course)
        row = Row(_sentences(title, detail))
        box = QVBoxLayout(row)
        box.setSpacing(4)
        box.addWidget(row.label(title, bold=True))
        bar = QProgressBar()
        bar.setRange(0, max(1, course.lessons))
        bar.setValue(min(course.done, max(1, course.lessons)))
        bar.setTextVisible(False)
        bar.setMaximumHeight(8)
        bar.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        bar.setAccessibleName(detail)
        box.addWidget(bar)
        box.addWidget(row.label(detail, muted=True))
        row.activated.connect(lambda: self.course_requested.emit(course.course_id))
        return row

    # -- results -----------------------------------------------------------------------------

    def _loaded(self, home: object) -> None:
        assert isinstance(home, Home)
        self.set_home(home)

    def _failed(self, exc: BaseException) -> None:
        why = getattr(exc, "message", None) or str(exc)
        self.problem.setText(_("Home could not be brought up to date: {why}").format(why=why))
        self.problem.show()
        if self.home is None:
            self._show_place(None)
            self.no_news.setText(_(TEXT["no_news"]))

    def _not_marked(self, exc: BaseException) -> None:
        log.warning("a Home item was not marked seen: %s", exc)


def _sentences(first: str, second: str) -> str:
    """Two of the page's lines read as one, for a screen reader."""
    # Translators: two lines of a Home row read one after the other by a screen reader.
    return _("{first}. {second}").format(first=first, second=second) if second else first


def _details(parts: list[str]) -> str:
    """A row's details side by side: "Lesson 2 of 3 · last opened 2 hours ago"."""
    return " · ".join(part for part in parts if part)


def _place_words(place: Place) -> tuple[str, str, str]:
    """(where it is, its title, how far and when)."""
    when = ago(place.at)
    if place.kind is PlaceKind.EPISODE:
        parts = [_("Episode")]
        if place.position_ms and place.duration_ms:
            # Translators: where the learner is in an episode: "at 12:34 of 30:00".
            parts.append(
                _("at {position} of {length}").format(
                    position=clock_time(place.position_ms), length=clock_time(place.duration_ms)
                )
            )
        elif place.position_ms:
            parts.append(_("at {position}").format(position=clock_time(place.position_ms)))
        if when:
            # Translators: {when} is "5 minutes ago", "yesterday" or a date ("12 March").
            parts.append(_("last played {when}").format(when=when))
        return place.feed_title or _("Podcast"), place.title, _details(parts)
    number, count = formats.number(place.lesson_number), place.lesson_count
    if place.up_next:
        parts = [
            counted(
                "Up next: lesson {number} of {n}",
                "Up next: lesson {number} of {n}",
                count,
                number=number,
            )
        ]
        when = ""  # it was the lesson before that was opened then
    else:
        parts = [counted("Lesson {number} of {n}", "Lesson {number} of {n}", count, number=number)]
        if place.position_ms:
            parts.append(_("at {position}").format(position=clock_time(place.position_ms)))
        elif place.scroll:
            # Translators: how much of a lesson's text the learner has read: "40% read".
            parts.append(_("{percent} read").format(percent=formats.percent(place.scroll)))
    if when:
        # Translators: {when} is "2 hours ago", "yesterday" or a date ("12 March").
        parts.append(_("last opened {when}").format(when=when))
    return place.course_title, place.title, _details(parts)


def _news_words(item: NewsItem) -> tuple[str, str]:
    """(what happened, in a sentence; the snippet, the course and when)."""
    who = item.who or _("Someone")
    title = item.title
    if item.kind is NewsKind.REPLY:
        if item.count > 1:
            headline = counted(
                "{n} new reply to your post in ‘{topic}’ (latest by {name})",
                "{n} new replies to your post in ‘{topic}’ (latest by {name})",
                item.count,
                topic=title,
                name=who,
            )
        else:
            headline = _("{name} replied to your post in ‘{topic}’").format(name=who, topic=title)
    elif item.kind is NewsKind.FEEDBACK:
        headline = (
            _("{name} gave feedback on your work for ‘{exercise}’").format(name=who, exercise=title)
            if title
            else _("{name} gave feedback on your work").format(name=who)
        )
    elif item.kind is NewsKind.REVIEW:
        headline = (
            _("{name}’s work waits for your feedback: ‘{exercise}’").format(
                name=who, exercise=title
            )
            if title
            else _("{name}’s work waits for your feedback").format(name=who)
        )
    elif item.kind is NewsKind.SUPPORTER:
        headline = (
            _("{name} answered your request for feedback on ‘{exercise}’").format(
                name=who, exercise=title
            )
            if title
            else _("{name} answered your request for feedback").format(name=who)
        )
    elif item.kind is NewsKind.POLL:
        headline = _("Have your say: ‘{poll}’").format(poll=title)
    elif item.who:
        headline = _("New episode of {podcast}: ‘{episode}’").format(
            podcast=item.who, episode=title
        )
    else:
        headline = _("New episode: ‘{episode}’").format(episode=title)
    extra = [item.snippet]
    if item.kind is not NewsKind.EPISODE:
        extra.append(item.course_title)
    extra.append(ago(item.when))
    return headline, _details(extra)


def _course_words(course: CourseProgress) -> tuple[str, str]:
    if course.lessons and course.done >= course.lessons:
        parts = [counted("{n} lesson done", "All {n} lessons done", course.lessons)]
    else:
        parts = [
            counted(
                "{done} of {n} lesson done",
                "{done} of {n} lessons done",
                course.lessons,
                done=formats.number(course.done),
            )
        ]
    if course.points:
        parts.append(counted("{n} point", "{n} points", course.points))
    if when := ago(course.studied_at):
        # Translators: when the learner last studied a course: "2 hours ago", "yesterday".
        parts.append(_("studied {when}").format(when=when))
    return course.title, _details(parts)


def _scaled(font: QFont, factor: float, *, bold: bool = False) -> QFont:
    scaled = QFont(font)
    if font.pointSizeF() > 0:
        scaled.setPointSizeF(font.pointSizeF() * factor)
    scaled.setBold(bold)
    return scaled


def _clear(layout: QVBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.hide()  # at once; it is deleted when control returns to the event loop
            widget.deleteLater()

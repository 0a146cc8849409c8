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
from desktop.ui.formatting import clock_time
from desktop.ui.icons import Icons
from desktop.ui.tasks import TaskRunner
from desktop.ui.time_words import ago, greeting

if TYPE_CHECKING:
    from desktop.services.home import HomeService

log = logging.getLogger(__name__)

TEXT = {
    "welcome": "Welcome back",
    "continue": "Continue",
    "continue_button": "&Continue",
    "new": "New for you",
    "courses": "Your courses",
    "no_place": "Start a lesson and you can pick up here where you left off.",
    "no_news": "Nothing new. Replies, feedback and new episodes show up here.",
    "no_courses": "Find a course in Courses (Ctrl+2) and download it to study offline.",
    "find_course": "&Find a course",
    "all_courses": "&All your courses ({n})",
    "podcasts": "Listen to a &podcast",
    "loading": "One moment…",
    "more": "And {n} more, in your courses and podcasts.",
    "failed": "Home could not be brought up to date: {why}",
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

        self.greeting = QLabel(TEXT["welcome"])
        self.greeting.setFont(_scaled(self.greeting.font(), 1.6, bold=True))
        column.addWidget(self.greeting)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.hide()
        column.addWidget(self.problem)

        column.addWidget(self._heading(TEXT["continue"]))
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
        self.no_place = QLabel(TEXT["no_place"])
        self.no_place.setWordWrap(True)
        card.addWidget(self.no_place)
        buttons = QHBoxLayout()
        self.continue_button = QPushButton(TEXT["continue_button"])
        self.continue_button.setDefault(True)  # drawn as the default; Enter on the page
        self.continue_button.setAutoDefault(True)
        self.continue_button.clicked.connect(self.continue_place)
        self.continue_button.setFont(_scaled(self.continue_button.font(), 1.1, bold=True))
        metrics = self.continue_button.fontMetrics()  # the primary action: roomy at any scale
        self.continue_button.setMinimumSize(
            metrics.horizontalAdvance("Continue") + 8 * metrics.averageCharWidth(),
            2 * metrics.height(),
        )
        self.podcasts_button = QPushButton(TEXT["podcasts"])
        self.podcasts_button.setAutoDefault(True)
        self.podcasts_button.clicked.connect(self.podcasts_wanted)
        buttons.addWidget(self.continue_button)
        buttons.addWidget(self.podcasts_button)
        buttons.addStretch(1)
        card.addLayout(buttons)
        column.addWidget(self.place_card)

        column.addWidget(self._heading(TEXT["new"]))
        self.news_box = QVBoxLayout()
        self.news_box.setSpacing(6)
        column.addLayout(self.news_box)
        self.no_news = QLabel(TEXT["loading"])
        self.no_news.setWordWrap(True)
        column.addWidget(self.no_news)
        self.more = QLabel()
        self.more.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.more.hide()
        column.addWidget(self.more)

        column.addWidget(self._heading(TEXT["courses"]))
        self.courses_box = QVBoxLayout()
        self.courses_box.setSpacing(6)
        column.addLayout(self.courses_box)
        self.no_courses = QLabel(TEXT["no_courses"])
        self.no_courses.setWordWrap(True)
        column.addWidget(self.no_courses)
        self.find_button = QPushButton(TEXT["find_course"])
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
            TEXT["all_courses"].format(n=len(self.courses)) if more else TEXT["find_course"]
        )
        self.find_button.setVisible(not self.courses or more)
        self._order_tabs()

    def set_home(self, home: Home) -> None:
        self.home = home
        self.problem.hide()
        name = home.display_name.strip()
        self.greeting.setText(f"{greeting()}, {name}" if name else TEXT["welcome"])
        self._show_place(home.place)
        _clear(self.news_box)
        self.news_rows = []
        for item in home.news.items:
            row = self._news_row(item)
            self.news_rows.append((item, row))
            self.news_box.addWidget(row)
        self.no_news.setText(TEXT["no_news"])
        self.no_news.setVisible(not home.news.items)
        self.more.setText(TEXT["more"].format(n=home.news.more))
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
        self.no_place.setText(TEXT["loading"] if loading else TEXT["no_place"])
        self.no_place.setVisible(words is None)
        self.continue_button.setVisible(words is not None)
        self.podcasts_button.setVisible(words is None and not loading)
        if words is not None:
            self.continue_button.setAccessibleDescription(f"{words[1]}. {words[2]}")

    def _news_row(self, item: NewsItem) -> Row:
        headline, detail = _news_words(item)
        row = Row(f"{headline}. {detail}")
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
        row = Row(f"{title}. {detail}")
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
        self.problem.setText(TEXT["failed"].format(why=getattr(exc, "message", None) or exc))
        self.problem.show()
        if self.home is None:
            self._show_place(None)
            self.no_news.setText(TEXT["no_news"])

    def _not_marked(self, exc: BaseException) -> None:
        log.warning("a Home item was not marked seen: %s", exc)


def _place_words(place: Place) -> tuple[str, str, str]:
    """(where it is, its title, how far and when)."""
    when = ago(place.at)
    if place.kind is PlaceKind.EPISODE:
        parts = ["Episode"]
        if place.position_ms:
            total = f" of {clock_time(place.duration_ms)}" if place.duration_ms else ""
            parts.append(f"at {clock_time(place.position_ms)}{total}")
        if when:
            parts.append(f"last played {when}")
        return place.feed_title or "Podcast", place.title, " · ".join(parts)
    parts = [f"Lesson {place.lesson_number} of {place.lesson_count}"]
    if place.up_next:
        parts[0] = f"Up next: {parts[0].lower()}"
        when = ""  # it was the lesson before that was opened then
    elif place.position_ms:
        parts.append(f"at {clock_time(place.position_ms)}")
    elif place.scroll:
        parts.append(f"{round(place.scroll * 100)}% read")
    if when:
        parts.append(f"last opened {when}")
    return place.course_title, place.title, " · ".join(parts)


def _news_words(item: NewsItem) -> tuple[str, str]:
    """(what happened, in a sentence; the snippet, the course and when)."""
    who = item.who or "Someone"
    title = f"‘{item.title}’" if item.title else ""
    course = item.course_title
    if item.kind is NewsKind.REPLY:
        if item.count > 1:
            headline = f"{item.count} new replies to your post in {title} (latest by {who})"
        else:
            headline = f"{who} replied to your post in {title}"
    elif item.kind is NewsKind.FEEDBACK:
        headline = f"{who} gave feedback on your work" + (f" for {title}" if title else "")
    elif item.kind is NewsKind.REVIEW:
        headline = f"{who}’s work waits for your feedback" + (f": {title}" if title else "")
    elif item.kind is NewsKind.SUPPORTER:
        headline = f"{who} answered your request for feedback" + (f" on {title}" if title else "")
    elif item.kind is NewsKind.POLL:
        headline = f"Have your say: {title}"
    else:
        headline = f"New episode of {item.who}: {title}" if item.who else f"New episode: {title}"
    extra = [item.snippet] if item.snippet else []
    if course and item.kind is not NewsKind.EPISODE:
        extra.append(course)
    if when := ago(item.when):
        extra.append(when)
    return headline, " · ".join(extra)


def _course_words(course: CourseProgress) -> tuple[str, str]:
    if course.lessons and course.done >= course.lessons:
        detail = f"All {course.lessons} lessons done"
    elif course.lessons == 1:
        detail = f"{course.done} of 1 lesson done"
    else:
        detail = f"{course.done} of {course.lessons} lessons done"
    if course.points:
        detail += f" · {course.points} point" + ("" if course.points == 1 else "s")
    if when := ago(course.studied_at):
        detail += f" · studied {when}"
    return course.title, detail


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

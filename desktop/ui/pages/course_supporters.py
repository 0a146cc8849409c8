"""The course page's Supporters section: the learner's requests for feedback from a
supporter (someone they trust, by e-mail) on this course's exercises, how far each got, and
the supporter's answer. UI thread; the course page reads the requests on the worker pool.

Requests carry their exercise only, so they are matched to this course through its lessons'
exercises; a request is asked (and withdrawn) from its exercise in the lesson.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.course import Exercise, Lesson
from desktop.domain.supporter import RequestStatus, SupporterRequest
from desktop.ui.formatting import local_time
from desktop.ui.pages.course_lessons import lesson_name

NO_REQUESTS = (
    "<p>You have not asked a supporter for feedback in this course yet.</p>"
    "<p>In a lesson, an exercise that allows it has <b>Ask a supporter</b>: someone you trust "
    "(a friend, a colleague, a teacher) gets your answer by e-mail and can reply. Their "
    "answers appear here after a sync.</p>"
)
CHOOSE = "<p>Choose a request on the left to read it and your supporter's answer.</p>"
PROMPT = 50  # characters of an exercise's prompt in the list


@dataclass(frozen=True, slots=True)
class CourseRequest:
    """A request with the lesson and exercise it is about."""

    request: SupporterRequest
    lesson: Lesson
    exercise: Exercise


def course_requests(lessons: list[Lesson], requests: list[SupporterRequest]) -> list[CourseRequest]:
    """The requests about these lessons' exercises, in the order given (newest first)."""
    where = {e.id: (lesson, e) for lesson in lessons for e in lesson.exercises}
    return [
        CourseRequest(request, *where[request.exercise_id])
        for request in requests
        if request.exercise_id in where
    ]


class SupportersSection(QWidget):
    lesson_wanted = Signal(str)  # lesson id: open the lesson a request is about

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[CourseRequest] = []
        self.list = QListWidget()
        self.list.setAccessibleName("Your supporter requests in this course")
        self.list.setMaximumWidth(340)
        self.list.setWordWrap(True)  # long prompts wrap instead of scrolling sideways
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setSpacing(2)
        self.list.currentItemChanged.connect(lambda *_: self._show_current())
        self.list.itemActivated.connect(lambda _item: self.open_lesson())
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)
        self.view.setAccessibleName("The request and its answer")
        self.view.setHtml(NO_REQUESTS)
        self.open_button = QPushButton("Op&en its lesson")
        self.open_button.setToolTip("Open the lesson with this exercise, to ask again or withdraw")
        self.open_button.clicked.connect(self.open_lesson)
        self.open_button.setEnabled(False)
        right = QVBoxLayout()
        right.addWidget(self.view, 1)
        right.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignRight)
        layout = QHBoxLayout(self)
        layout.addWidget(self.list)
        layout.addLayout(right, 1)

    def show_requests(self, requests: list[CourseRequest]) -> None:
        chosen = self.current()
        self.requests = list(requests)
        self.list.blockSignals(True)
        self.list.clear()
        for found in self.requests:
            item = QListWidgetItem(_label(found))
            item.setData(Qt.ItemDataRole.UserRole, found.request.id)
            self.list.addItem(item)
            if chosen is not None and found.request.id == chosen.request.id:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self.list.setVisible(bool(self.requests))
        self._show_current()

    def clear(self) -> None:
        self.show_requests([])

    def current(self) -> CourseRequest | None:
        item = self.list.currentItem()
        chosen = None if item is None else item.data(Qt.ItemDataRole.UserRole)
        return next((r for r in self.requests if r.request.id == chosen), None)

    def select(self, request_id: str) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == request_id:
                self.list.setCurrentRow(row)
                return

    def open_lesson(self) -> None:
        found = self.current()
        if found is not None:
            self.lesson_wanted.emit(found.lesson.id)

    def _show_current(self) -> None:
        found = self.current()
        self.open_button.setEnabled(found is not None)
        if found is None:
            self.view.setHtml(CHOOSE if self.requests else NO_REQUESTS)
            return
        self.view.setHtml(_details(found))


def _prompt(exercise: Exercise) -> str:
    text = " ".join(exercise.prompt.split())
    return text if len(text) <= PROMPT else text[: PROMPT - 1].rstrip() + "…"


def _label(found: CourseRequest) -> str:
    request = found.request
    answered = " ✉" if request.status is RequestStatus.ANSWERED else ""
    return f"{request.supporter_name}{answered} · {_prompt(found.exercise)}\n{request.status_text}"


def _text(value: str) -> str:
    return f"<p style='white-space: pre-wrap'>{escape(value)}</p>"


def _details(found: CourseRequest) -> str:
    request = found.request
    parts = [
        f"<h3>{escape(request.supporter_name)}</h3>",
        f"<p>Lesson {escape(lesson_name(found.lesson))}, the exercise "
        f"<i>{escape(found.exercise.prompt)}</i></p>",
        f"<p><b>{escape(request.status_text)}</b></p>",
    ]
    if request.asked_at:
        parts.append(f"<p>Asked {escape(local_time(request.asked_at))}.</p>")
    if request.feedback:
        when = f" ({escape(local_time(request.answered_at))})" if request.answered_at else ""
        parts.append(f"<h4>{escape(request.supporter_name)}’s answer{when}</h4>")
        parts.append(_text(request.feedback))
    if request.message:
        parts.append("<h4>Your message</h4>" + _text(request.message))
    parts.append("<h4>Your answer, as your supporter reads it</h4>" + _text(request.answer))
    return "".join(parts)

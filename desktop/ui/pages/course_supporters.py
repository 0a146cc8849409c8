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
from desktop.language.catalogue import N_, _
from desktop.ui.formatting import local_time
from desktop.ui.pages.course_lessons import lesson_name

# Marked here, translated where shown (the language is installed after imports).
NO_REQUESTS = N_("You have not asked a supporter for feedback in this course yet.")
# Translators: {button} is the exercise's button "Ask a supporter…", in bold.
HOW_TO_ASK = N_(
    "In a lesson, an exercise that allows it has {button}: someone you trust "
    "(a friend, a colleague, a teacher) gets your answer by e-mail and can reply. Their "
    "answers appear here after a sync."
)
CHOOSE = N_("Choose a request on the left to read it and your supporter's answer.")
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
        self.list.setAccessibleName(_("Your supporter requests in this course"))
        self.list.setMaximumWidth(340)
        self.list.setWordWrap(True)  # long prompts wrap instead of scrolling sideways
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setSpacing(2)
        self.list.currentItemChanged.connect(lambda *_: self._show_current())
        self.list.itemActivated.connect(lambda _item: self.open_lesson())
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)
        self.view.setAccessibleName(_("The request and its answer"))
        self.view.setHtml(_nothing_asked())
        self.open_button = QPushButton(_("Op&en its lesson"))
        self.open_button.setToolTip(
            _("Open the lesson with this exercise, to ask again or withdraw")
        )
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
            self.view.setHtml(_paragraph(_(CHOOSE)) if self.requests else _nothing_asked())
            return
        self.view.setHtml(_details(found))


def _paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def _nothing_asked() -> str:
    # The exercise card's own button, so the words match what the learner sees there.
    label = _("Ask a supporter…")
    button = f"<b>{escape(label)}</b>"
    return _paragraph(_(NO_REQUESTS)) + f"<p>{escape(_(HOW_TO_ASK)).format(button=button)}</p>"


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
    name = escape(request.supporter_name)
    # Translators: where a request is from; {exercise} is the exercise's question, in italics.
    where = _("Lesson {lesson}, the exercise {exercise}").format(
        lesson=escape(lesson_name(found.lesson)),
        exercise=f"<i>{escape(found.exercise.prompt)}</i>",
    )
    parts = [f"<h3>{name}</h3>", f"<p>{where}</p>", f"<p><b>{escape(request.status_text)}</b></p>"]
    if request.asked_at:
        # Translators: when the learner asked: "Asked 2 Dec 2026, 14:05."
        parts.append(_paragraph(_("Asked {when}.").format(when=local_time(request.asked_at))))
    if request.feedback:
        if request.answered_at:
            heading = _("{name}’s answer ({when})").format(
                name=request.supporter_name, when=local_time(request.answered_at)
            )
        else:
            heading = _("{name}’s answer").format(name=request.supporter_name)
        parts.append(f"<h4>{escape(heading)}</h4>")
        parts.append(_text(request.feedback))
    if request.message:
        heading = _("Your message")
        parts.append(f"<h4>{escape(heading)}</h4>" + _text(request.message))
    heading = _("Your answer, as your supporter reads it")
    parts.append(f"<h4>{escape(heading)}</h4>" + _text(request.answer))
    return "".join(parts)

"""The top of the course page: the course's title and summary, how far the learner is
("3 of 5 lessons done" and a bar), their points if any, and one button to go on with the next
lesson. UI thread; it shows what the course page read on the worker pool.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from desktop.domain.course import Lesson
from desktop.domain.supporter import Points
from desktop.language import formats
from desktop.language.catalogue import N_, _, counted
from desktop.ui.pages.course_lessons import lesson_name, next_lesson

POINTS_HINT = N_("Points come from completing lessons, asking supporters and helping peers.")


def progress_text(done: int, total: int) -> str:
    if total == 0:
        return _("No lessons on this computer yet")
    if done >= total:
        if total == 1:
            return _("Lesson done")
        return counted("{n} lesson done", "All {n} lessons done", total)
    return counted(
        "{done} of {n} lesson done", "{done} of {n} lessons done", total, done=formats.number(done)
    )


def points_change(reason: str, amount: int) -> str:
    """One line of the points' tooltip: "Lesson done: +10"."""
    signed = f"+{formats.number(amount)}" if amount > 0 else formats.number(amount)
    # Translators: why the learner got points, and how many: "Lesson done: +10".
    return _("{reason}: {points}").format(reason=reason, points=signed)


class CourseHeader(QWidget):
    continue_wanted = Signal(str)  # lesson id: the next lesson to study

    def __init__(self) -> None:
        super().__init__()
        self._next: str | None = None
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.summary.hide()
        self.progress_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumWidth(220)
        self.progress.setMaximumHeight(12)
        self.progress.setAccessibleName(_("Lessons done"))
        self.points = QLabel()
        self.points.setAccessibleName(_("Your points in this course"))
        self.points.hide()
        self.continue_button = QPushButton()
        self.continue_button.setDefault(True)
        self.continue_button.clicked.connect(self._continue)
        self.continue_button.hide()
        row = QHBoxLayout()
        row.addWidget(self.progress_label)
        row.addWidget(self.progress)
        row.addSpacing(16)
        row.addWidget(self.points)
        row.addStretch(1)
        row.addWidget(self.continue_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addLayout(row)

    def show_title(self, title: str) -> None:
        self.title.setText(f"<h2>{escape(title)}</h2>")

    def show_summary(self, summary: str) -> None:
        self.summary.setText(" ".join(summary.split()))
        self.summary.setVisible(bool(self.summary.text()))

    def show_progress(self, lessons: list[Lesson], done: set[str]) -> None:
        total = len(lessons)
        finished = sum(1 for lesson in lessons if lesson.id in done)
        self.progress_label.setText(progress_text(finished, total))
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(finished)
        self.progress.setVisible(total > 0)
        self.progress.setAccessibleDescription(progress_text(finished, total))
        upcoming = next_lesson(lessons, done)
        self._next = upcoming.id if upcoming else None
        if upcoming is not None:
            name = lesson_name(upcoming)
            # Alt+S is the window's Samen menu, and Start's other letters are taken here.
            self.continue_button.setText(
                # Translators: the course page's button to the next lesson: "Continue: 2. Title".
                _("&Continue: {lesson}").format(lesson=name)
                if finished
                # Translators: the course page's button to the first lesson: "Begin: 1. Title".
                else _("Be&gin: {lesson}").format(lesson=name)
            )
            self.continue_button.setToolTip(_("Open the next lesson to study"))
        self.continue_button.setVisible(upcoming is not None)

    def show_points(self, points: Points | None) -> None:
        total = points.total if points is not None else 0
        self.points.setText(counted("★ {n} point", "★ {n} points", total))
        recent = [] if points is None else points.recent
        lines = [points_change(label, amount) for label, amount, _when in recent]
        self.points.setToolTip("\n".join(lines) or _(POINTS_HINT))
        self.points.setVisible(total > 0)

    def clear(self) -> None:
        self.title.clear()
        self.summary.clear()
        self.summary.hide()
        self.progress_label.clear()
        self.progress.hide()
        self.points.hide()
        self.continue_button.hide()
        self._next = None

    def _continue(self) -> None:
        if self._next is not None:
            self.continue_wanted.emit(self._next)

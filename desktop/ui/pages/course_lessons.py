"""The course page's Lessons section: the course's lessons in order, each marked done or not,
the next one to study highlighted and chosen; Enter, a double-click or the button opens one.
UI thread; it only shows what the course page read on the worker pool.

The marks (done, next) are each row's icon from the icon set, in the palette's text colours, so
the titles line up; the row's text says it in words too.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.course import Lesson
from desktop.language.catalogue import N_, _, counted
from desktop.ui.icons import Icons

DONE_MARK = "✓"
NEXT_MARK = "▶"
MARK_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's mark ("" when none), for tests
NO_LESSONS = N_(
    "This course has no lessons on this computer yet. Download it from your courses "
    "(Download) to study it here, also offline."
)


def lesson_name(lesson: Lesson) -> str:
    """How a lesson is named everywhere on the course page: "2. Sharing the work"."""
    return f"{lesson.position}. {lesson.title}"


def next_lesson(lessons: list[Lesson], done: set[str]) -> Lesson | None:
    """The first lesson in order that is not done (None once all are)."""
    return next((lesson for lesson in lessons if lesson.id not in done), None)


class LessonsSection(QWidget):
    opened = Signal(str)  # lesson id: the learner wants to study it

    def __init__(self) -> None:
        super().__init__()
        self.lessons: list[Lesson] = []
        self.done: set[str] = set()
        self.list = QListWidget()
        self.list.setAccessibleName(_("Lessons of this course"))
        self.list.setSpacing(2)
        self.list.setIconSize(QSize(22, 22))
        self._icons: dict[str, QIcon] = {}
        self.list.itemActivated.connect(self._activated)
        self.list.currentItemChanged.connect(lambda *_: self._update_button())
        self.empty = QLabel(_(NO_LESSONS))
        self.empty.setWordWrap(True)
        self.empty.hide()
        self.open_button = QPushButton(_("Op&en lesson"))
        self.open_button.setToolTip(_("Open the chosen lesson (Enter, or a double-click)"))
        self.open_button.clicked.connect(self.open_current)
        self.open_button.setEnabled(False)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)

    def show_lessons(self, lessons: list[Lesson], done: set[str]) -> None:
        """The lessons with their done marks; the next one is highlighted, and chosen unless
        the learner had chosen another one that is still there."""
        chosen = self.current_lesson_id()
        self.lessons, self.done = list(lessons), set(done)
        upcoming = next_lesson(self.lessons, self.done)
        self.list.blockSignals(True)
        self.list.clear()
        for lesson in self.lessons:
            item = QListWidgetItem(self._label(lesson, upcoming))
            item.setData(Qt.ItemDataRole.UserRole, lesson.id)
            mark = self._mark(lesson, upcoming)
            item.setData(MARK_ROLE, mark)
            item.setIcon(self._icon(mark))
            if upcoming is not None and lesson.id == upcoming.id:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            item.setToolTip(self._state(lesson, upcoming))
            self.list.addItem(item)
        keep = chosen if any(lesson.id == chosen for lesson in self.lessons) else None
        self.select((keep or (upcoming.id if upcoming else None)) or "")
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        self.list.blockSignals(False)
        self.empty.setVisible(not self.lessons)
        self.list.setVisible(bool(self.lessons))
        self._update_button()

    def clear(self) -> None:
        self.lessons, self.done = [], set()
        self.list.clear()
        self.empty.hide()
        self._update_button()

    def select(self, lesson_id: str) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == lesson_id:
                self.list.setCurrentRow(row)
                return

    def current_lesson_id(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def open_current(self) -> None:
        lesson_id = self.current_lesson_id()
        if lesson_id is not None:
            self.opened.emit(lesson_id)

    def _activated(self, item: QListWidgetItem) -> None:
        self.opened.emit(str(item.data(Qt.ItemDataRole.UserRole)))

    def _update_button(self) -> None:
        self.open_button.setEnabled(self.list.currentItem() is not None)

    def _state(self, lesson: Lesson, upcoming: Lesson | None) -> str:
        if lesson.id in self.done:
            return _("Done")
        if upcoming is not None and lesson.id == upcoming.id:
            return _("Next up")
        return _("Not done yet")

    def _mark(self, lesson: Lesson, upcoming: Lesson | None) -> str:
        if lesson.id in self.done:
            return DONE_MARK
        return NEXT_MARK if upcoming is not None and lesson.id == upcoming.id else ""

    def _icon(self, mark: str) -> QIcon:
        """The icon set's mark (drawn in the palette's colours, after a theme change too); a
        blank one of the same size keeps the titles of unmarked rows lined up."""
        if mark not in self._icons:
            if mark:
                self._icons[mark] = Icons.icon("done" if mark == DONE_MARK else "next")
            else:
                blank = QPixmap(self.list.iconSize())
                blank.fill(Qt.GlobalColor.transparent)
                self._icons[mark] = QIcon(blank)
        return self._icons[mark]

    def _label(self, lesson: Lesson, upcoming: Lesson | None) -> str:
        details = [self._state(lesson, upcoming)]
        if lesson.exercises:
            details.append(counted("{n} exercise", "{n} exercises", len(lesson.exercises)))
        return f"{lesson_name(lesson)}\n{' · '.join(details)}"

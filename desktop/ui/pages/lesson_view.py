"""Studying a downloaded course: its lessons listed beside the lesson page (LessonPage), until
the window opens lessons from the course page instead. UI thread; the page runs every service
call on the worker pool.

The list follows the page: choosing a lesson opens it, and "previous"/"next" or "done" in the
page select and mark it in the list.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from desktop.domain.course import Lesson
from desktop.media.player import Player
from desktop.services.learning import LearningService
from desktop.services.lessons import LessonMedium, LessonService
from desktop.services.peer import PeerService
from desktop.services.supporters import SupporterService
from desktop.ui.pages.lesson_page import LessonPage
from desktop.ui.peer_share_dialog import PeerShareDialog
from desktop.ui.supporter_dialog import SupporterDialog
from desktop.ui.tasks import TaskRunner
from desktop.ui.widgets.exercise_card import ExerciseCard
from desktop.ui.widgets.lesson_text import LessonText
from desktop.ui.widgets.video_slot import VideoSlot

DONE_MARK = "✓ "


class LessonView(QWidget):
    link_opened = Signal(QUrl)  # for tests and logs: a link the learner chose to open
    polls_wanted = Signal(str, str, str)  # course id, title, lesson id: the course's polls
    # course id, course title, lesson id: the forum's threads about the lesson shown
    forum_wanted = Signal(str, str, str)
    shown = Signal(str)  # lesson id, once its text, media and exercises are on screen
    queued = Signal()  # something was queued to send (the outbox changed)
    social_shown = Signal()  # points and supporter requests are on screen (tests)

    def __init__(
        self,
        lessons: LessonService,
        learning: LearningService,
        supporters: SupporterService,
        peer: PeerService,
        player: Player,
        runner: TaskRunner,
        media_root: Path,
    ) -> None:
        super().__init__()
        self.page = LessonPage(lessons, learning, supporters, peer, player, runner, media_root)
        self.list = QListWidget()
        self.list.setMaximumWidth(280)
        self.list.setAccessibleName("Lessons")
        self.list.currentItemChanged.connect(self._show_selected)
        page = self.page
        page.link_opened.connect(self.link_opened)
        page.polls_wanted.connect(self.polls_wanted)
        page.forum_wanted.connect(self.forum_wanted)
        page.shown.connect(self._follow)
        page.queued.connect(self.queued)
        page.social_shown.connect(self.social_shown)
        page.done_changed.connect(self._mark)
        layout = QHBoxLayout(self)
        layout.addWidget(self.list)
        layout.addWidget(page, 1)

    # -- what the page shows, under the names the window and its tests use ---------------------

    @property
    def course_id(self) -> str | None:
        return self.page.course_id

    @property
    def course_title(self) -> str:
        return self.page.course_title

    @property
    def lesson(self) -> Lesson | None:
        return self.page.lesson

    @property
    def cards(self) -> list[ExerciseCard]:
        return self.page.cards

    @property
    def media_buttons(self) -> list[QPushButton]:
        return self.page.media.buttons

    @property
    def browser(self) -> LessonText:
        return self.page.text

    @property
    def video(self) -> VideoSlot:
        return self.page.media.video

    @property
    def points(self) -> QLabel:
        return self.page.points

    @property
    def notice(self) -> QLabel:
        return self.page.notice

    @property
    def done_button(self) -> QPushButton:
        return self.page.done_button

    @property
    def forum_button(self) -> QPushButton:
        return self.page.forum_button

    @property
    def polls_button(self) -> QPushButton:
        return self.page.polls_button

    @property
    def supporter_dialog(self) -> SupporterDialog | None:
        return self.page.exercises.supporter_dialog

    @property
    def peer_dialog(self) -> PeerShareDialog | None:
        return self.page.exercises.peer_dialog

    # -- lessons -------------------------------------------------------------------------------

    def open_course(self, course_id: str, title: str) -> None:
        self.close_course()
        self.page.open_lesson(course_id, title, "")  # the list fills once it is shown

    def lesson_titles(self) -> list[tuple[str, str]]:
        """The open course's lessons as (id, "N. title"), in order (for the forum's filter)."""
        return self.page.lesson_titles()

    def close_course(self) -> None:
        """Show nothing (e.g. after a logout: answers are personal)."""
        self.page.close_lesson()
        self.list.clear()

    def refresh_social(self) -> None:
        self.page.refresh_social()

    def complete_lesson(self) -> None:
        self.page.complete_lesson()

    def play(self, medium: LessonMedium) -> None:
        self.page.play(medium)

    def open_link(self, url: QUrl) -> None:
        self.page.open_link(url)

    def _fill(self) -> None:
        """The page's course's lessons, with their done marks (read with the lesson shown)."""
        self.list.clear()
        for lesson in self.page.course_lessons:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, lesson)
            self._label(item, lesson, lesson.id in self.page.done)
            self.list.addItem(item)

    @staticmethod
    def _label(item: QListWidgetItem, lesson: Lesson, done: bool) -> None:
        item.setText(f"{DONE_MARK if done else ''}{lesson.position}. {lesson.title}")
        item.setToolTip("Done" if done else "")

    def _show_selected(self, item: QListWidgetItem | None) -> None:
        course_id = self.page.course_id
        if item is None or course_id is None:
            return
        lesson = item.data(Qt.ItemDataRole.UserRole)
        assert isinstance(lesson, Lesson)
        if self.page.lesson is None or self.page.lesson.id != lesson.id:
            self.page.open_lesson(course_id, self.page.course_title, lesson.id)

    def _select(self, lesson_id: str) -> None:
        for row in range(self.list.count()):
            shown = self.list.item(row).data(Qt.ItemDataRole.UserRole)
            if isinstance(shown, Lesson) and shown.id == lesson_id:
                self.list.setCurrentRow(row)

    def _follow(self, lesson_id: str) -> None:
        self.list.blockSignals(True)  # the page shows this lesson already
        listed = [
            self.list.item(row).data(Qt.ItemDataRole.UserRole) for row in range(self.list.count())
        ]
        if listed != self.page.course_lessons:
            self._fill()
        self._select(lesson_id)
        self.list.blockSignals(False)
        self.shown.emit(lesson_id)

    def _mark(self, _course_id: str, lesson_id: str, done: bool) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            shown = item.data(Qt.ItemDataRole.UserRole)
            if isinstance(shown, Lesson) and shown.id == lesson_id:
                self._label(item, shown, done)

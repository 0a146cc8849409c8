"""Studying a downloaded course offline: the lesson list, the lesson text, its audio and video,
its exercises, and "lesson done". UI thread; every service call runs on the worker pool.

The text browser never fetches anything from the network (QTextBrowser does not, and
`loadResource` here also refuses files outside the course's media folder); a link opens in the
learner's browser only when clicked, never inside the app. Media play in the window's one
player (the now-playing bar), video in this page's video widget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.course import Exercise, Lesson
from desktop.domain.learning import Answer, Playback
from desktop.domain.peer import Submission
from desktop.domain.supporter import Points, SupporterRequest
from desktop.media.player import Player
from desktop.services.learning import ChoiceFeedback, LearningService
from desktop.services.lessons import LessonMedium, LessonService, RenderedLesson
from desktop.services.peer import PeerService
from desktop.services.supporters import SupporterService
from desktop.ui.peer_share_dialog import PeerShareDialog
from desktop.ui.supporter_dialog import SupporterDialog
from desktop.ui.tasks import TaskRunner
from desktop.ui.widgets.exercise_card import ExerciseCard
from desktop.ui.widgets.video_slot import VideoSlot

WEB_SCHEMES = {"http", "https", "mailto"}
DONE_MARK = "✓ "


# Opens a dialog about an exercise's saved answer: (lesson, exercise, its card, the answer).
_AnswerDialog = Callable[[Lesson, Exercise, ExerciseCard, Answer | None], None]


@dataclass(frozen=True, slots=True)
class _Social:
    request: int
    course_id: str
    points: Points
    requests: list[SupporterRequest]
    submissions: list[Submission]


@dataclass(frozen=True, slots=True)
class _LessonPage:
    rendered: RenderedLesson
    media: list[LessonMedium]
    answers: dict[str, Answer]


class LessonBrowser(QTextBrowser):
    """A text view that loads local course media only."""

    def __init__(self) -> None:
        super().__init__()
        self.allowed_root: Path | None = None
        self.setOpenLinks(False)  # links go to anchorClicked, never navigate in place

    def loadResource(self, kind: int, name: QUrl | str) -> Any:  # noqa: N802
        url = name if isinstance(name, QUrl) else QUrl(name)
        if not url.isLocalFile() or self.allowed_root is None:
            return None
        path = Path(url.toLocalFile()).resolve()
        if not path.is_relative_to(self.allowed_root.resolve()):
            return None
        return super().loadResource(kind, url)


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
        self._lessons = lessons
        self._learning = learning
        self._supporters = supporters
        self._peer = peer
        self.peer_dialog: PeerShareDialog | None = None
        self._social_requests = 0  # the newest points/requests read; older ones are dropped
        self.supporter_dialog: SupporterDialog | None = None
        self._player = player
        self._runner = runner
        self._media_root = media_root
        self.course_id: str | None = None
        self.course_title = ""
        self.lesson: Lesson | None = None
        self.cards: list[ExerciseCard] = []
        self.heading = QLabel()
        self.points = QLabel()
        self.points.setAccessibleName("Your points in this course")
        self.list = QListWidget()
        self.list.setMaximumWidth(280)
        self.list.setAccessibleName("Lessons")
        self.list.currentItemChanged.connect(self._show_selected)
        self.browser = LessonBrowser()
        self.browser.anchorClicked.connect(self.open_link)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.video = VideoSlot(180)
        self.video.hide()
        self.media_row = QHBoxLayout()
        self.done_button = QPushButton("Mark lesson &done")
        self.done_button.setShortcut(QKeySequence("Ctrl+D"))
        self.done_button.setToolTip("Mark this lesson done (Ctrl+D)")
        self.done_button.clicked.connect(self.complete_lesson)
        self.done_button.setEnabled(False)
        self.media_buttons: list[QPushButton] = []

        self.exercises = QWidget()
        self.exercise_layout = QVBoxLayout(self.exercises)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.exercises)
        reading = QWidget()
        reading_layout = QVBoxLayout(reading)
        reading_layout.setContentsMargins(0, 0, 0, 0)
        reading_layout.addWidget(self.video)
        reading_layout.addLayout(self.media_row)
        reading_layout.addWidget(self.browser, 1)
        reading_layout.addWidget(self.notice)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(reading)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.polls_button = QPushButton("&Vote in this course's polls")
        self.polls_button.setToolTip("Vote in this course's polls and see how others voted")
        self.polls_button.clicked.connect(self._want_polls)
        self.polls_button.setEnabled(False)
        self.forum_button = QPushButton("Dis&cuss this lesson")
        self.forum_button.setToolTip(
            "The forum's threads about this lesson: ask, answer, discuss (all of the "
            "course's threads are one choice away there)"
        )
        self.forum_button.clicked.connect(self._want_forum)
        self.forum_button.setEnabled(False)
        footer = QHBoxLayout()
        footer.addWidget(self.polls_button)
        footer.addWidget(self.forum_button)
        footer.addStretch(1)
        footer.addWidget(self.done_button)
        right = QVBoxLayout()
        right.addWidget(splitter, 1)
        right.addLayout(footer)
        body = QHBoxLayout()
        body.addWidget(self.list)
        body.addLayout(right, 1)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.points)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(body, 1)

    # -- lessons ---------------------------------------------------------------------------

    def open_course(self, course_id: str, title: str) -> None:
        self.close_course()
        self.course_id = course_id
        self.course_title = title
        self.polls_button.setEnabled(True)
        self.forum_button.setEnabled(True)
        self.heading.setText(f"<h2>{escape(title)}</h2>")
        self.browser.allowed_root = self._media_root / course_id
        self._runner.submit(
            lambda: (
                course_id,
                self._lessons.lessons(course_id),
                self._learning.completed_lessons(course_id),
            ),
            self._show_lessons,
        )

    def _want_forum(self) -> None:
        if self.course_id is not None:
            lesson_id = self.lesson.id if self.lesson is not None else ""
            self.forum_wanted.emit(self.course_id, self.course_title, lesson_id)

    def lesson_titles(self) -> list[tuple[str, str]]:
        """The open course's lessons as (id, "N. title"), in order (for the forum's filter)."""
        found = []
        for row in range(self.list.count()):
            lesson = self.list.item(row).data(Qt.ItemDataRole.UserRole)
            if isinstance(lesson, Lesson):
                found.append((lesson.id, f"{lesson.position}. {lesson.title}"))
        return found

    def _want_polls(self) -> None:
        if self.course_id is not None:
            lesson_id = self.lesson.id if self.lesson is not None else ""
            self.polls_wanted.emit(self.course_id, self.course_title, lesson_id)

    def close_course(self) -> None:
        """Show nothing (e.g. after a logout: answers are personal)."""
        self.course_id = None
        self.course_title = ""
        self.polls_button.setEnabled(False)
        self.forum_button.setEnabled(False)
        self.lesson = None
        self._social_requests += 1
        self.heading.clear()
        self.points.clear()
        self.list.clear()
        self.browser.clear()
        self.notice.hide()
        self.video.hide()
        self._show_media([])
        self._clear_exercises()
        self.done_button.setEnabled(False)

    def _show_lessons(self, result: object) -> None:
        assert isinstance(result, tuple)
        course_id, lessons, done = result
        if course_id != self.course_id:
            return  # another course was opened meanwhile
        for lesson in lessons:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, lesson)
            self._label(item, lesson, lesson.id in done)
            self.list.addItem(item)
        if lessons:
            self.list.setCurrentRow(0)
        else:
            self.browser.setHtml("<p>This course has no lessons on this computer yet.</p>")

    @staticmethod
    def _label(item: QListWidgetItem, lesson: Lesson, done: bool) -> None:
        item.setText(f"{DONE_MARK if done else ''}{lesson.position}. {lesson.title}")
        item.setToolTip("Done" if done else "")

    def _show_selected(self, item: QListWidgetItem | None) -> None:
        if item is None or self.course_id is None:
            return
        lesson = item.data(Qt.ItemDataRole.UserRole)
        assert isinstance(lesson, Lesson)
        course_id = self.course_id
        self.lesson = lesson

        def load() -> _LessonPage:
            return _LessonPage(
                self._lessons.render(course_id, lesson),
                self._lessons.playable(course_id, lesson),
                self._learning.answers(lesson.id),
            )

        self._runner.submit(load, self._show_lesson)

    def _show_lesson(self, page: object) -> None:
        assert isinstance(page, _LessonPage)
        if self.lesson is None or page.rendered.lesson.id != self.lesson.id:
            return  # the learner moved on (or logged out) meanwhile
        rendered = page.rendered
        self.browser.setHtml(f"<h1>{escape(rendered.lesson.title)}</h1>{rendered.html}")
        missing = len(rendered.missing_media) + sum(not m.available for m in page.media)
        if missing:
            self.notice.setText(
                f"{missing} images or recordings of this lesson are not on this computer yet; "
                "download the course to see and hear them."
            )
            self.notice.show()
        else:
            self.notice.hide()
        self._show_media(page.media)
        self._show_exercises(rendered.lesson, page.answers)
        self.done_button.setEnabled(True)
        self.shown.emit(rendered.lesson.id)
        self.refresh_social()

    # -- media -----------------------------------------------------------------------------

    def _show_media(self, media: list[LessonMedium]) -> None:
        for button in self.media_buttons:
            self.media_row.removeWidget(button)
            button.deleteLater()
        self.media_buttons = []
        for medium in media:
            kind = "video" if medium.is_video else "audio"
            button = QPushButton(f"Play {kind}: {Path(medium.path).name}")
            button.setEnabled(medium.available)
            if not medium.available:
                button.setToolTip("Not downloaded yet")
            button.clicked.connect(lambda _c=False, m=medium: self.play(m))
            self.media_row.addWidget(button)
            self.media_buttons.append(button)
        if not any(m.is_video and m.media_key == self._player.media_key for m in media):
            self.video.hide()

    def play(self, medium: LessonMedium) -> None:
        """Play a lesson medium in the window's player, from where the learner left it."""
        self._runner.submit(
            lambda: self._learning.position(medium.media_key),
            lambda saved: self._start(medium, saved),
        )

    def _start(self, medium: LessonMedium, saved: object) -> None:
        assert saved is None or isinstance(saved, Playback)
        resume = 0
        if saved is not None and not (saved.played and saved.position_ms >= saved.duration_ms):
            resume = saved.position_ms
        self.video.setVisible(medium.is_video)
        title = f"{self.lesson.title}: {Path(medium.path).name}" if self.lesson else medium.path
        self._player.load(
            medium.file,
            medium.media_key,
            title=title,
            resume_ms=resume,
            video_output=self.video.output() if medium.is_video else None,
        )
        self._player.play()

    # -- exercises -------------------------------------------------------------------------

    def _clear_exercises(self) -> None:
        self.cards = []
        while self.exercise_layout.count():
            item = self.exercise_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()

    def _show_exercises(self, lesson: Lesson, answers: dict[str, Answer]) -> None:
        self._clear_exercises()
        for number, exercise in enumerate(lesson.exercises, start=1):
            card = ExerciseCard(exercise, number)
            card.choice_made.connect(self._choose)
            card.text_submitted.connect(self._write)
            card.supporter_wanted.connect(self._ask_supporter)
            card.withdraw_wanted.connect(self._withdraw)
            card.peers_wanted.connect(self._ask_peers)
            if exercise.id in answers:
                card.show_answer(answers[exercise.id])
            self.exercise_layout.addWidget(card)
            self.cards.append(card)
        if not lesson.exercises:
            self.exercise_layout.addWidget(QLabel("This lesson has no exercises."))
        self.exercise_layout.addStretch(1)

    def _card(self, exercise: Exercise) -> ExerciseCard | None:
        return next((card for card in self.cards if card.exercise.id == exercise.id), None)

    def _choose(self, exercise: object, option_id: str) -> None:
        assert isinstance(exercise, Exercise)
        course_id, lesson = self.course_id, self.lesson
        if course_id is None or lesson is None:
            return
        card = self._card(exercise)

        def shown(feedback: object) -> None:
            assert isinstance(feedback, ChoiceFeedback)
            if card is not None and card in self.cards:
                card.show_feedback(feedback.correct, feedback.feedback)
                card.show_saved(False)

        self._runner.submit(
            lambda: self._learning.answer_choice(course_id, lesson.id, exercise, option_id),
            shown,
            lambda exc: self._failed(card, exc),
        )

    def _write(self, exercise: object, text: str) -> None:
        assert isinstance(exercise, Exercise)
        course_id, lesson = self.course_id, self.lesson
        if course_id is None or lesson is None:
            return
        card = self._card(exercise)
        self._runner.submit(
            lambda: self._learning.answer_text(course_id, lesson.id, exercise, text),
            lambda _text: card.show_saved(False) if card in self.cards and card else None,
            lambda exc: self._failed(card, exc),
        )

    # -- points and supporters -------------------------------------------------------------

    def refresh_social(self) -> None:
        """Points in the course and each card's supporter requests (e.g. after a sync)."""
        course_id = self.course_id
        if course_id is None:
            return
        self._social_requests += 1
        request = self._social_requests

        def load() -> _Social:
            points = self._supporters.points(course_id)
            requests, submissions = self._supporters.requests(), self._peer.submissions()
            return _Social(request, course_id, points, requests, submissions)

        self._runner.submit(load, self._show_social)

    def _show_social(self, social: object) -> None:
        assert isinstance(social, _Social)
        if social.request != self._social_requests or social.course_id != self.course_id:
            return  # an older read, or one for a learner who has logged out since
        self.points.setText(f"★ {social.points.total} points")
        recent = [f"{label}: {amount:+d}" for label, amount, _when in social.points.recent]
        self.points.setToolTip(
            "\n".join(recent)
            or "Points come from completing lessons, asking supporters and helping peers."
        )
        shared = {submission.exercise_id: submission for submission in social.submissions}
        for card in self.cards:
            card.show_requests([r for r in social.requests if r.exercise_id == card.exercise.id])
            card.show_submission(shared.get(card.exercise.id))
        self.social_shown.emit()

    def _with_saved_answer(self, exercise: object, open_dialog: _AnswerDialog) -> None:
        """Read the exercise's saved answer (worker), then open a dialog about it, unless
        the learner has moved on to another lesson meanwhile."""
        assert isinstance(exercise, Exercise)
        lesson = self.lesson
        if lesson is None:
            return
        card = self._card(exercise)

        def opened(answer: object) -> None:
            if lesson is self.lesson and card is not None and card in self.cards:
                open_dialog(lesson, exercise, card, answer if isinstance(answer, Answer) else None)

        self._runner.submit(lambda: self._learning.answers(lesson.id).get(exercise.id), opened)

    def _ask_supporter(self, exercise: object) -> None:
        self._with_saved_answer(exercise, self._open_supporter_dialog)

    def _open_supporter_dialog(
        self, lesson: Lesson, exercise: Exercise, card: ExerciseCard, answer: Answer | None
    ) -> None:
        if answer is None or not answer.text.strip():
            card.show_error("Save your answer first: that is what your supporter will read.")
            return
        dialog = SupporterDialog(exercise.prompt, answer.text, self)
        self.supporter_dialog = dialog
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        self.supporter_dialog = None
        if not accepted:
            return
        name, email = dialog.name.text(), dialog.email.text()
        message = dialog.message.toPlainText()
        self._runner.submit(
            lambda: self._supporters.ask(lesson.id, exercise.id, name, email, message),
            lambda _id: self._queued_social(),
            lambda exc: self._failed(card, exc),
        )

    def _ask_peers(self, exercise: object) -> None:
        self._with_saved_answer(exercise, self._open_peer_dialog)

    def _open_peer_dialog(
        self, lesson: Lesson, exercise: Exercise, card: ExerciseCard, answer: Answer | None
    ) -> None:
        text = answer.text if answer is not None else ""
        dialog = PeerShareDialog(exercise.prompt, text, self)
        self.peer_dialog = dialog
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        self.peer_dialog = None
        if not accepted:
            return
        consent, recording = dialog.consent.isChecked(), dialog.recording
        self._runner.submit(
            lambda: self._peer.submit(
                lesson.id, exercise.id, consent=consent, text=text, recording=recording
            ),
            lambda _id: self._queued_social(),
            lambda exc: self._failed(card, exc),
        )

    def _withdraw(self, request_id: str) -> None:
        self._runner.submit(
            lambda: self._supporters.withdraw(request_id),
            lambda _r: self._queued_social(),
            self._show_problem,
        )

    def _queued_social(self) -> None:
        self.queued.emit()
        self.refresh_social()

    def _failed(self, card: ExerciseCard | None, exc: BaseException) -> None:
        if card is not None and card in self.cards:
            card.show_error(getattr(exc, "message", str(exc)))

    # -- completion ------------------------------------------------------------------------

    def complete_lesson(self) -> None:
        course_id, lesson = self.course_id, self.lesson
        if course_id is None or lesson is None:
            return
        self._runner.submit(
            lambda: self._learning.complete_lesson(course_id, lesson.id),
            lambda _r: self._mark_done(lesson),
            self._show_problem,
        )

    def _show_problem(self, exc: BaseException) -> None:
        self.notice.setText(getattr(exc, "message", str(exc)))
        self.notice.show()

    def _mark_done(self, lesson: Lesson) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            shown = item.data(Qt.ItemDataRole.UserRole)
            if isinstance(shown, Lesson) and shown.id == lesson.id:
                self._label(item, shown, True)

    def open_link(self, url: QUrl) -> None:
        """Only web and mail links, only because the learner clicked one."""
        if url.scheme() in WEB_SCHEMES:
            self.link_opened.emit(url)
            QDesktopServices.openUrl(url)

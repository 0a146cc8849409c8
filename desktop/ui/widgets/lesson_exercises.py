"""A lesson's exercises, inline in the lesson page, and what their cards ask for: saving an
answer, asking a supporter, sharing work with peers, withdrawing a request. UI thread; every
service call runs on the task runner.

Each card takes the room it needs; the page around it scrolls. After any local write `queued`
fires, so the window re-reads the pending count from the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from desktop.domain.course import Exercise, Lesson
from desktop.domain.learning import Answer
from desktop.domain.peer import Submission
from desktop.domain.supporter import Points, SupporterRequest
from desktop.language.catalogue import N_, _
from desktop.services.learning import ChoiceFeedback, LearningService
from desktop.services.peer import PeerService
from desktop.services.supporters import SupporterService
from desktop.ui.peer_share_dialog import PeerShareDialog
from desktop.ui.supporter_dialog import SupporterDialog
from desktop.ui.tasks import TaskRunner
from desktop.ui.widgets.exercise_card import ExerciseCard

NO_EXERCISES = N_("This lesson has no exercises: read it, then mark it as done below.")
SAVE_FIRST = N_("Save your answer first: that is what your supporter will read.")

# Opens a dialog about an exercise's saved answer: (lesson, exercise, its card, the answer).
_AnswerDialog = Callable[[Lesson, Exercise, ExerciseCard, Answer | None], None]


@dataclass(frozen=True, slots=True)
class Social:
    request: int
    course_id: str
    points: Points
    requests: list[SupporterRequest]
    submissions: list[Submission]


class LessonExercises(QWidget):
    queued = Signal()  # something was stored and queued to send (the outbox changed)
    social_shown = Signal(object)  # the Social read: points and requests are on the cards

    def __init__(
        self,
        learning: LearningService,
        supporters: SupporterService,
        peer: PeerService,
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._learning = learning
        self._supporters = supporters
        self._peer = peer
        self._runner = runner
        self.course_id: str | None = None
        self.lesson: Lesson | None = None
        self.cards: list[ExerciseCard] = []
        self.supporter_dialog: SupporterDialog | None = None
        self.peer_dialog: PeerShareDialog | None = None
        self._social_requests = 0  # the newest read; older ones are dropped
        self.empty = QLabel(_(NO_EXERCISES), self)
        self.empty.setWordWrap(True)
        self.empty.hide()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.empty)

    # -- cards -----------------------------------------------------------------------------

    def clear(self) -> None:
        self.course_id = None
        self.lesson = None
        self._social_requests += 1
        for card in self.cards:
            self._layout.removeWidget(card)
            card.deleteLater()
        self.cards = []
        self.empty.hide()

    def show_lesson(self, course_id: str, lesson: Lesson, answers: dict[str, Answer]) -> None:
        self.clear()
        self.course_id, self.lesson = course_id, lesson
        for number, exercise in enumerate(lesson.exercises, start=1):
            card = ExerciseCard(exercise, number)
            card.choice_made.connect(self._choose)
            card.text_submitted.connect(self._write)
            card.supporter_wanted.connect(self._ask_supporter)
            card.withdraw_wanted.connect(lambda rid, c=card: self._withdraw(c, rid))
            card.peers_wanted.connect(self._ask_peers)
            if exercise.id in answers:
                card.show_answer(answers[exercise.id])
            self._layout.addWidget(card)
            self.cards.append(card)
        self.empty.setVisible(not lesson.exercises)

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
            self.queued.emit()

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

        def saved(_text: object) -> None:
            if card is not None and card in self.cards:
                card.show_saved(False)
            self.queued.emit()

        self._runner.submit(
            lambda: self._learning.answer_text(course_id, lesson.id, exercise, text),
            saved,
            lambda exc: self._failed(card, exc),
        )

    def _failed(self, card: ExerciseCard | None, exc: BaseException) -> None:
        if card is not None and card in self.cards:
            card.show_error(getattr(exc, "message", str(exc)))

    # -- points, supporters and peers ------------------------------------------------------

    def refresh_social(self) -> None:
        """Points in the course and each card's supporter requests and shared work."""
        course_id = self.course_id
        if course_id is None:
            return
        self._social_requests += 1
        request = self._social_requests

        def load() -> Social:
            points = self._supporters.points(course_id)
            requests, submissions = self._supporters.requests(), self._peer.submissions()
            return Social(request, course_id, points, requests, submissions)

        self._runner.submit(load, self._show_social)

    def _show_social(self, social: object) -> None:
        assert isinstance(social, Social)
        if social.request != self._social_requests or social.course_id != self.course_id:
            return  # an older read, or one for a learner who has logged out since
        shared = {submission.exercise_id: submission for submission in social.submissions}
        for card in self.cards:
            card.show_requests([r for r in social.requests if r.exercise_id == card.exercise.id])
            card.show_submission(shared.get(card.exercise.id))
        self.social_shown.emit(social)

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
            card.show_error(_(SAVE_FIRST))
            return
        dialog = SupporterDialog(exercise.prompt, answer.text, self)
        self.supporter_dialog = dialog
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        self.supporter_dialog = None
        if not accepted:
            return
        name, email = dialog.name.text(), dialog.email.text()
        message, language = dialog.message.toPlainText(), dialog.chosen_language()
        self._runner.submit(
            lambda: self._supporters.ask(lesson.id, exercise.id, name, email, message, language),
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

    def _withdraw(self, card: ExerciseCard, request_id: str) -> None:
        self._runner.submit(
            lambda: self._supporters.withdraw(request_id),
            lambda _r: self._queued_social(),
            lambda exc: self._failed(card, exc),
        )

    def _queued_social(self) -> None:
        self.queued.emit()
        self.refresh_social()

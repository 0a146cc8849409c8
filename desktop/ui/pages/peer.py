"""The Peer feedback page: other learners' work to review (read, listen, answer the exercise's
questions, offline) and the feedback others gave on one's own work (rate whether it helped).
UI thread; every service call runs on the worker pool.

Work to review arrives with each sync and its recordings are downloaded right after, so it can
be reviewed without a connection. Everyone shows under their course pseudonym.

As a page of its own it lists every course's work; the course page's Peer work section calls
`show_course` so only that course's work and feedback are listed, and `show_item` to turn to
one piece of feedback or work (opened on Home).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.learning import peer_recording_key
from desktop.domain.peer import ActionState, Assignment, AssignmentState, ReceivedFeedback
from desktop.language import formats
from desktop.language.catalogue import _
from desktop.media.player import Player
from desktop.services.peer import PeerService
from desktop.ui.tasks import TaskRunner
from desktop.ui.widgets.video_slot import VideoSlot


@dataclass(frozen=True, slots=True)
class _Lists:
    request: int
    assignments: list[Assignment]
    received: list[ReceivedFeedback]
    unseen: int


class PeerPage(QWidget):
    shown = Signal()  # both lists are on screen (tests)
    changed = Signal()  # something was queued (the outbox changed)
    unseen_changed = Signal(int)  # feedback received and not looked at yet

    def __init__(self, peer: PeerService, player: Player, runner: TaskRunner) -> None:
        super().__init__()
        self._peer = peer
        self._player = player
        self._runner = runner
        self._requests = 0
        self.course_id: str | None = None  # only this course's work and feedback (None: all)
        # Feedback or work to review to turn to once listed (opened on Home); kept by clear(),
        # which a change of course calls before the lists of that course are read.
        self._wanted = ""
        self.assignment: Assignment | None = None
        self.answers: list[QPlainTextEdit] = []
        self.heading = QLabel("<h2>{}</h2>".format(escape(_("Peer feedback"))))
        self.tabs = QTabWidget()
        # To review
        self.to_review = QListWidget()
        self.to_review.setAccessibleName(_("Work to review"))
        self.to_review.setMaximumWidth(320)
        self.to_review.currentItemChanged.connect(lambda *_: self._show_assignment())
        self.work = QTextBrowser()
        self.work.setOpenLinks(False)
        self.play_button = QPushButton(_("Pla&y recording"))
        self.play_button.clicked.connect(self._play)
        self.play_button.hide()
        self.video = VideoSlot(160)
        self.video.hide()
        self.questions = QVBoxLayout()
        holder = QWidget()
        holder.setLayout(self.questions)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(holder)
        self.answers_area = scroll  # hidden while there is nothing to review
        self.send_button = QPushButton(_("Send feed&back"))
        self.send_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.send_button.setToolTip(_("Saved now, sent at the next sync (Ctrl+Return)"))
        self.send_button.clicked.connect(self._send)
        self.send_button.setEnabled(False)
        self.review_notice = QLabel()
        self.review_notice.setWordWrap(True)
        right = QVBoxLayout()
        right.addWidget(self.work, 2)
        right.addWidget(self.video, 2)
        right.addWidget(self.play_button, 0, Qt.AlignmentFlag.AlignLeft)
        right.addWidget(scroll, 3)
        right.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignRight)
        right.addWidget(self.review_notice)
        review = QWidget()
        review_layout = QHBoxLayout(review)
        review_layout.addWidget(self.to_review)
        review_layout.addLayout(right, 1)
        # Received
        self.received = QListWidget()
        self.received.setAccessibleName(_("Feedback on my work"))
        self.received.setMaximumWidth(320)
        self.received.currentItemChanged.connect(lambda *_: self._show_feedback())
        self.feedback_view = QTextBrowser()
        self.feedback_view.setOpenLinks(False)
        # Translators: Alt+H is the window's Help menu: mark another letter.
        self.helpful_button = QPushButton(_("It help&ed"))
        self.helpful_button.clicked.connect(lambda: self._rate(True))
        self.not_helpful_button = QPushButton(_("It did &not help"))
        self.not_helpful_button.clicked.connect(lambda: self._rate(False))
        for button in (self.helpful_button, self.not_helpful_button):
            button.setEnabled(False)
        rate_row = QHBoxLayout()
        self.rate_label = QLabel(_("Did this feedback help you?"))
        rate_row.addWidget(self.rate_label)
        rate_row.addWidget(self.helpful_button)
        rate_row.addWidget(self.not_helpful_button)
        rate_row.addStretch(1)
        received_right = QVBoxLayout()
        received_right.addWidget(self.feedback_view, 1)
        received_right.addLayout(rate_row)
        received_page = QWidget()
        received_layout = QHBoxLayout(received_page)
        received_layout.addWidget(self.received)
        received_layout.addLayout(received_right, 1)
        self.tabs.addTab(review, _("&To review"))
        self.tabs.addTab(received_page, _("Feedback on &my work"))
        self.tabs.currentChanged.connect(lambda _i: self.seen_if_shown())
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.tabs, 1)

    # -- lists -----------------------------------------------------------------------------

    def show_course(self, course_id: str | None) -> None:
        """List only this course's work to review and feedback received (None: all)."""
        if course_id != self.course_id:
            self.clear()
        self.course_id = course_id
        self.reload()

    def reload(self) -> None:
        self._requests += 1
        request = self._requests
        course_id = self.course_id

        def load() -> _Lists:
            assignments, received = self._peer.assignments(), self._peer.received()
            if course_id is not None:
                assignments = [a for a in assignments if a.course_id == course_id]
                received = [f for f in received if f.course_id == course_id]
            return _Lists(request, assignments, received, self._peer.unseen_count())

        self._runner.submit(load, self._show_lists)

    def show_item(self, item_id: str) -> None:
        """Turn to the feedback received or the work to review with this id, now if it is
        listed, else once it is."""
        self._wanted = item_id
        self._show_wanted()

    def _show_wanted(self) -> None:
        for tab, widget in ((1, self.received), (0, self.to_review)):
            for row in range(widget.count()):
                if self._wanted and widget.item(row).data(Qt.ItemDataRole.UserRole).id == (
                    self._wanted
                ):
                    self._wanted = ""
                    self.tabs.setCurrentIndex(tab)
                    widget.setCurrentRow(row)
                    return

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self.seen_if_shown()  # e.g. the course page comes back with its feedback list in front

    def clear(self) -> None:
        """Show nothing (after a logout, or another learner's login)."""
        self._requests += 1
        self.assignment = None
        self.to_review.clear()
        self.received.clear()
        self.work.clear()
        self.feedback_view.clear()
        self._set_questions([], [])
        self.unseen_changed.emit(0)

    def _show_lists(self, lists: object) -> None:
        assert isinstance(lists, _Lists)
        if lists.request != self._requests:
            return  # a newer read is on its way
        current = self.assignment.id if self.assignment else None
        _refill(self.to_review, lists.assignments, _assignment_label, current)
        # With nothing to review, the note saying how work arrives has the room.
        for widget in (self.to_review, self.answers_area, self.send_button):
            widget.setVisible(bool(lists.assignments))
        if not lists.assignments:
            # Translators: "Ask peers for feedback" names the button under an exercise.
            nothing = _(
                "Nothing to review yet. When you share your own work on an exercise that "
                "asks for peer feedback (<b>Ask peers for feedback</b> under the exercise, in "
                "a lesson), the work of others on it arrives here after a sync."
            )
            self.work.setHtml(f"<p>{nothing}</p>")
        chosen = self.received.currentItem()
        chosen_id = chosen.data(Qt.ItemDataRole.UserRole).id if chosen else None
        _refill(self.received, lists.received, _feedback_label, chosen_id)
        for shown in (self.received, self.rate_label, self.helpful_button):
            shown.setVisible(bool(lists.received))
        self.not_helpful_button.setVisible(bool(lists.received))
        if not lists.received:
            # Translators: "Ask peers for feedback" names the button under an exercise.
            none_yet = _(
                "No feedback on your work yet. Share your answer to an exercise that asks "
                "for peer feedback (<b>Ask peers for feedback</b> under the exercise, in a "
                "lesson); what your peers say about it arrives here after a sync."
            )
            self.feedback_view.setHtml(f"<p>{none_yet}</p>")
        self.unseen_changed.emit(lists.unseen)
        self._show_wanted()
        self.seen_if_shown()
        if self.to_review.currentItem() is not None:
            self._show_assignment()
        if self.received.currentItem() is not None:
            self._show_feedback()  # e.g. a rating that was waiting has been sent
        self.shown.emit()

    # -- reviewing -------------------------------------------------------------------------

    def current_assignment(self) -> Assignment | None:
        item = self.to_review.currentItem()
        found = None if item is None else item.data(Qt.ItemDataRole.UserRole)
        return found if isinstance(found, Assignment) else None

    def select_assignment(self, assignment_id: str) -> None:
        for row in range(self.to_review.count()):
            found = self.to_review.item(row).data(Qt.ItemDataRole.UserRole)
            if found.id == assignment_id:
                self.to_review.setCurrentRow(row)
                return

    def _show_assignment(self) -> None:
        previous = self.assignment
        assignment = self.current_assignment()
        self.assignment = assignment
        if assignment is None:
            return
        # Answers being typed survive a list refresh (a background sync rebuilds the list).
        drafts = [editor.toPlainText() for editor in self.answers]
        same = previous is not None and previous.id == assignment.id
        if self._player.media_key != peer_recording_key(assignment.submission_id):
            self.video.hide()
        parts = [
            f"<h3>{escape(assignment.prompt)}</h3>",
            # Translators: {name} is a fellow learner's course pseudonym.
            "<p>{}</p>".format(
                _("<b>{name}</b> shared this with you.").format(name=escape(assignment.author))
            ),
        ]
        if assignment.text:
            parts.append(f"<p style='white-space: pre-wrap'>{escape(assignment.text)}</p>")
        self.work.setHtml("".join(parts))
        self.play_button.setVisible(assignment.recording is not None)
        self.play_button.setEnabled(assignment.recording_path is not None)
        self.play_button.setToolTip(
            ""
            if assignment.recording_path
            else _("Not downloaded yet: it arrives with the next sync")
        )
        answers = list(assignment.my_answers or (drafts if same else []))
        self._set_questions(list(assignment.questions), answers)
        editable = assignment.needs_feedback
        for editor in self.answers:
            editor.setReadOnly(not editable)
        self.send_button.setEnabled(editable)
        self.review_notice.setText(_review_status(assignment))

    def _set_questions(self, questions: list[str], answers: list[str]) -> None:
        while self.questions.count():
            item = self.questions.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.answers = []
        for number, question in enumerate(questions):
            label = QLabel(f"{number + 1}. {question}", self)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            editor = QPlainTextEdit(self)
            editor.setAccessibleName(question)
            editor.setMaximumHeight(90)
            if number < len(answers):
                editor.setPlainText(answers[number])
            self.questions.addWidget(label)
            self.questions.addWidget(editor)
            self.answers.append(editor)
        self.questions.addStretch(1)

    def _play(self) -> None:
        assignment = self.assignment
        if assignment is None or assignment.recording_path is None:
            return
        recording = assignment.recording
        is_video = recording is not None and recording.content_type.startswith("video/")
        self.video.setVisible(is_video)
        self._player.load(
            assignment.recording_path,
            peer_recording_key(assignment.submission_id),
            # Translators: the player's title for a peer's recording: who, and the exercise.
            title=_("{name}: {exercise}").format(
                name=assignment.author, exercise=assignment.prompt[:40]
            ),
            video_output=self.video.output() if is_video else None,
        )
        self._player.play()

    def _send(self) -> None:
        assignment = self.assignment
        if assignment is None:
            return
        answers = [editor.toPlainText() for editor in self.answers]
        self.send_button.setEnabled(False)
        self._runner.submit(
            lambda: self._peer.give_feedback(assignment.id, answers),
            lambda _r: self._queued(_("Saved on this computer; it is sent at the next sync.")),
            self._failed,
        )

    # -- received --------------------------------------------------------------------------

    def _show_feedback(self) -> None:
        item = self.received.currentItem()
        feedback = None if item is None else item.data(Qt.ItemDataRole.UserRole)
        if not isinstance(feedback, ReceivedFeedback):
            return
        # Translators: {name} is the reviewer's course pseudonym; their answers follow.
        on_answer = _("<b>{name}</b> on your answer:").format(name=escape(feedback.reviewer))
        parts = [f"<p>{on_answer}</p>"]
        for question, answer in zip(feedback.questions, feedback.answers, strict=False):
            parts.append(f"<p><i>{escape(question)}</i><br>{escape(answer) or '—'}</p>")
        self.feedback_view.setHtml("".join(parts))
        for button in (self.helpful_button, self.not_helpful_button):
            button.setEnabled(True)
        self.helpful_button.setDown(feedback.helpful is True)
        self.not_helpful_button.setDown(feedback.helpful is False)

    def _rate(self, helpful: bool) -> None:
        item = self.received.currentItem()
        feedback = None if item is None else item.data(Qt.ItemDataRole.UserRole)
        if isinstance(feedback, ReceivedFeedback):
            self._runner.submit(
                lambda: self._peer.rate(feedback.id, helpful),
                lambda _r: self._queued(_("Thanks; your rating is sent at the next sync.")),
                self._failed,
            )

    def seen_if_shown(self) -> None:
        """Feedback counts as seen once its list is on screen (the main window calls this
        when its tab becomes current, too)."""
        if self.isVisible() and self.tabs.currentIndex() == 1 and self.received.count():
            self._runner.submit(self._peer.mark_seen, lambda _r: self.unseen_changed.emit(0))

    def _queued(self, text: str) -> None:
        self.review_notice.setText(text)
        self.changed.emit()
        self.reload()

    def _failed(self, exc: BaseException) -> None:
        self.review_notice.setText(getattr(exc, "message", str(exc)))
        self.send_button.setEnabled(True)


def _refill(
    widget: QListWidget,
    rows: Sequence[Assignment] | Sequence[ReceivedFeedback],
    label: Callable[[Any], str],
    current: str | None,
) -> None:
    """Replace a list's rows (each row's object in its UserRole), keeping the current one
    selected without signalling a change."""
    widget.blockSignals(True)
    widget.clear()
    for row in rows:
        item = QListWidgetItem(label(row))
        item.setData(Qt.ItemDataRole.UserRole, row)
        widget.addItem(item)
        if row.id == current:
            widget.setCurrentItem(item)
    widget.blockSignals(False)


def _review_status(assignment: Assignment) -> str:
    if assignment.feedback_state is ActionState.REFUSED:
        # Translators: {reason} is the academy's sentence saying why.
        return _("The academy refused your feedback: {reason} Change it and send again.").format(
            reason=assignment.reason
        )
    if assignment.feedback_state is ActionState.WAITING:
        return _("Your feedback is saved on this computer; it is sent at the next sync.")
    if assignment.state is AssignmentState.DONE:
        if assignment.rated_helpful is True:
            return _("Your feedback was sent. It helped them.")
        if assignment.rated_helpful is False:
            return _("Your feedback was sent. It did not help them.")
        return _("Your feedback was sent.")
    return ""


def _assignment_label(assignment: Assignment) -> str:
    if assignment.feedback_state is ActionState.WAITING:
        state = _("feedback not sent yet")
    elif assignment.state is AssignmentState.DONE:
        state = _("feedback given")
    else:
        # Translators: a peer's work the learner has not reviewed yet.
        state = _("to review")
    return f"{assignment.author} · {assignment.prompt[:40]}\n{state}"


def _feedback_label(feedback: ReceivedFeedback) -> str:
    line = feedback.reviewer
    if feedback.helpful is True:
        # Translators: {name} is the reviewer; the learner rated the feedback as helpful.
        line = _("{name} · helped").format(name=line)
    elif feedback.helpful is False:
        line = _("{name} · did not help").format(name=line)
    if feedback.rating_state is ActionState.WAITING:
        line = _("{name} (rating not sent yet)").format(name=line)
    return f"{line}\n{formats.ago(feedback.given_at)}"

"""One exercise of a lesson: a multiple-choice quiz with feedback, or a written answer /
reflection. UI thread; saving goes through the lesson page's task runner.

The card only shows and collects; the page stores the answer (locally and in the outbox) and
calls back `show_feedback`, `show_saved` or `show_error`. The card takes the room it needs
(every option shown whole, wrapped to the page's width): the page scrolls, never the card.
Quiz feedback carries a mark and a word (✓ Correct / ✗ Not quite) and the option's own
feedback once; its colour is the palette's. The card's buttons have no mnemonics: a lesson
shows several cards at once, and the same letter twice would reach neither.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.course import Exercise, ExerciseKind
from desktop.domain.learning import Answer
from desktop.domain.peer import ActionState, Submission
from desktop.domain.supporter import SupporterRequest
from desktop.language import formats
from desktop.language.catalogue import N_, _, counted

KIND_TITLES = {
    ExerciseKind.MULTIPLE_CHOICE: N_("Quiz"),
    ExerciseKind.OPEN: N_("Your answer"),
    ExerciseKind.REFLECTION: N_("Reflection"),
}
WAITING = N_("Saved on this computer; it goes to the academy at the next sync.")
SENT = N_("Saved and sent to the academy.")
RIGHT_MARK, WRONG_MARK = "✓", "✗"
RIGHT_WORD, WRONG_WORD = N_("Correct"), N_("Not quite")
# A verdict the option's own feedback starts with ("Right: …", "Precies: …") would say it
# twice; English and Dutch courses' words.
_VERDICT = re.compile(
    r"^\s*(right|correct|exactly|yes|wrong|incorrect|not quite|no"
    r"|goed|juist|precies|klopt|ja|fout|onjuist|niet helemaal|nee)\b\s*[.:!,;—–-]*\s*",
    re.IGNORECASE,
)


def feedback_text(correct: bool, text: str, mark_colour: str = "") -> str:
    """The feedback as rich text: the mark and word, then the option's own words once.
    `mark_colour` is a palette colour's name (the UI's palette, never a fixed colour)."""
    mark = RIGHT_MARK if correct else WRONG_MARK
    # Translators: the verdict after a quiz answer, then the option's own feedback.
    verdict = _("Correct.") if correct else _("Not quite.")
    body = _VERDICT.sub("", text, count=1).strip()
    body = body[:1].upper() + body[1:]
    colour = f"color: {mark_colour}; " if mark_colour else ""
    mark_html = f'<span style="{colour}font-size: x-large">{mark}</span>'
    return f"<b>{mark_html} {escape(verdict)}</b> {escape(body)}".strip()


class ChoiceOption(QWidget):
    """A quiz option whose text wraps: a radio button and its label (clicking either picks it)."""

    def __init__(self, text: str, option_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.radio = QRadioButton(self)
        self.radio.setProperty("option_id", option_id)
        self.radio.setAccessibleName(text)
        self.label = QLabel(text, self)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setBuddy(self.radio)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 2, 0, 2)
        row.addWidget(self.radio, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.label, 1)

    def mouseReleaseEvent(self, event: Any) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self.radio.isEnabled():
            self.radio.setChecked(True)
            self.radio.setFocus()
        super().mouseReleaseEvent(event)


class ExerciseCard(QGroupBox):
    choice_made = Signal(object, str)  # exercise, option id
    text_submitted = Signal(object, str)  # exercise, text
    supporter_wanted = Signal(object)  # exercise: ask a supporter about it
    withdraw_wanted = Signal(str)  # supporter request id
    peers_wanted = Signal(object)  # exercise: share the answer with peers for feedback

    def __init__(self, exercise: Exercise, number: int) -> None:
        # Translators: an exercise card's title, e.g. "2. Quiz".
        super().__init__(
            _("{number}. {kind}").format(
                number=formats.number(number), kind=_(KIND_TITLES[exercise.kind])
            )
        )
        self.exercise = exercise
        self.prompt = QLabel(exercise.prompt)
        self.prompt.setWordWrap(True)
        self.prompt.setTextFormat(Qt.TextFormat.PlainText)  # the prompt is text, never markup
        self.feedback = QLabel(self)
        self.feedback.setWordWrap(True)
        self.feedback.setTextFormat(Qt.TextFormat.RichText)
        self.feedback.setFrameShape(QFrame.Shape.StyledPanel)
        self.feedback.setAutoFillBackground(True)
        self.feedback.setBackgroundRole(QPalette.ColorRole.Base)
        self.feedback.setMargin(6)
        self.feedback.hide()
        self.correct: bool | None = None  # the verdict shown, if any
        self._feedback = ""
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.hide()
        self.options = QButtonGroup(self)
        self.choices: list[ChoiceOption] = []
        self.editor: QPlainTextEdit | None = None
        self.submit = QPushButton(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        if exercise.kind is ExerciseKind.MULTIPLE_CHOICE:
            for option in exercise.options:
                choice = ChoiceOption(option.text, option.id, self)
                self.options.addButton(choice.radio)
                self.choices.append(choice)
                layout.addWidget(choice)
            self.submit.setText(_("Check"))
            self.submit.setEnabled(False)
            self.options.buttonToggled.connect(lambda *_: self.submit.setEnabled(True))
        else:
            self.editor = QPlainTextEdit()
            # Tab moves on, as everywhere else; no one is trapped in a text box.
            self.editor.setTabChangesFocus(True)
            self.editor.setPlaceholderText(
                _("Write your thoughts…")
                if exercise.kind is ExerciseKind.REFLECTION
                else _("Your answer…")
            )
            self.editor.setAccessibleName(exercise.prompt)
            self.editor.setFixedHeight(120)
            layout.addWidget(self.editor)
            self.submit.setText(_("Save answer"))
        self.submit.clicked.connect(self._submit)
        # Parented now: showing a parentless widget would open it as a window of its own.
        self.ask_button = QPushButton(_("Ask a supporter…"), self)
        self.ask_button.setToolTip(
            _("Ask someone you trust (a manager, a friend) by e-mail for feedback on your answer")
        )
        self.ask_button.setVisible(exercise.supporter_allowed)
        self.ask_button.clicked.connect(lambda: self.supporter_wanted.emit(self.exercise))
        self.peers_button = QPushButton(_("Ask peers for feedback…"), self)
        self.peers_button.setToolTip(
            _(
                "Share your answer (and a recording) with two learners of this course, under "
                "your pseudonym; you review theirs in return"
            )
        )
        self.peers_button.setVisible(exercise.peer_review)
        self.peers_button.clicked.connect(lambda: self.peers_wanted.emit(self.exercise))
        self.peers = QLabel(self)
        self.peers.setWordWrap(True)
        self.peers.hide()
        self.withdraw_button = QPushButton(_("Withdraw request"), self)
        self.withdraw_button.hide()
        self.withdraw_button.clicked.connect(self._withdraw)
        self.supporters = QLabel(self)
        self.supporters.setWordWrap(True)
        self.supporters.setTextFormat(Qt.TextFormat.RichText)
        self.supporters.hide()
        self._withdrawable: str | None = None
        row = QHBoxLayout()
        row.addWidget(self.submit)
        row.addWidget(self.ask_button)
        row.addWidget(self.peers_button)
        row.addWidget(self.withdraw_button)
        row.addStretch(1)
        layout.addWidget(self.feedback)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.supporters)
        layout.addWidget(self.peers)

    def _submit(self) -> None:
        if self.editor is not None:
            self.text_submitted.emit(self.exercise, self.editor.toPlainText())
            return
        checked = self.options.checkedButton()
        if checked is not None:
            self.choice_made.emit(self.exercise, str(checked.property("option_id")))

    def show_answer(self, answer: Answer) -> None:
        """An answer given earlier (on this device or another one)."""
        if self.editor is not None:
            self.editor.setPlainText(answer.text)
        else:
            for button in self.options.buttons():
                button.setChecked(button.property("option_id") == answer.option_id)
            option = next((o for o in self.exercise.options if o.id == answer.option_id), None)
            if option is not None:
                self.show_feedback(option.correct, option.feedback)
        self.show_saved(answer.sent)

    def show_feedback(self, correct: bool, text: str) -> None:
        self.correct = correct
        # Right in the palette's accent (its highlight), wrong in its plain text colour: the
        # mark and the word say it, the colour only helps.
        self._feedback = text
        role = QPalette.ColorRole.Highlight if correct else QPalette.ColorRole.Text
        self.feedback.setText(feedback_text(correct, text, self.palette().color(role).name()))
        self.feedback.setAccessibleName(_(RIGHT_WORD) if correct else _(WRONG_WORD))
        self.feedback.show()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() is QEvent.Type.PaletteChange and self.correct is not None:
            self.show_feedback(self.correct, self._feedback)  # the new theme's colours

    def show_saved(self, sent: bool) -> None:
        self.status.setText(_(SENT) if sent else _(WAITING))
        self.status.show()

    def show_requests(self, requests: list[SupporterRequest]) -> None:
        """This exercise's supporter requests, newest first: how far each got, and the
        feedback given."""
        lines = []
        for request in requests:
            line = f"<b>{escape(request.supporter_name)}</b>: {escape(request.status_text)}"
            if request.feedback:
                line += f"<br><i>“{escape(request.feedback)}”</i>"
            lines.append(line)
        self.supporters.setText("<br>".join(lines))
        self.supporters.setVisible(bool(lines))
        newest = next((r for r in requests if r.can_withdraw), None)
        self._withdrawable = newest.id if newest is not None else None
        self.withdraw_button.setVisible(newest is not None)
        if newest is not None:
            self.withdraw_button.setToolTip(
                _("Stop the link sent to {name}").format(name=newest.supporter_name)
            )

    def show_submission(self, submission: Submission | None) -> None:
        """How far one's shared work on this exercise got with peers."""
        if submission is None:
            self.peers.hide()
            return
        if submission.state is ActionState.REFUSED:
            text = _("Not shared: {reason}").format(reason=submission.reason)
        elif submission.state is ActionState.WAITING:
            text = _("Shared with peers at the next sync (a recording is sent first).")
        else:
            text = counted(
                "Shared with peers: {reviewers} reviewing, {n} feedback received (see Peer "
                "feedback).",
                "Shared with peers: {reviewers} reviewing, {n} feedback received (see Peer "
                "feedback).",
                submission.feedback_count,
                reviewers=formats.number(submission.reviewers),
            )
        self.peers.setText(text)
        self.peers.show()
        self.peers_button.setText(_("Share a new version…"))

    def _withdraw(self) -> None:
        if self._withdrawable is not None:
            self.withdraw_button.setEnabled(False)
            self.withdraw_wanted.emit(self._withdrawable)

    def show_error(self, message: str) -> None:
        self.status.setText(message)
        self.status.show()

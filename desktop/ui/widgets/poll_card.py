"""One poll: the statement, the options to vote on, the learner's vote and where it is ("Your
vote: Tuesday · Waiting to send", then "· Sent" once the academy has it), and the community's
results once shown. UI thread; voting goes through the Polls page's runner."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QGroupBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
)

from desktop.domain.poll import Poll, VoteState
from desktop.language import formats
from desktop.language.catalogue import _, counted
from desktop.services.queue import Delivery
from desktop.ui.widgets.delivery_note import DeliveryNote

DELIVERY = {
    VoteState.NONE: None,
    VoteState.WAITING: Delivery.WAITING,
    VoteState.COUNTED: Delivery.SENT,
    VoteState.REFUSED: Delivery.REFUSED,
}


class PollCard(QGroupBox):
    vote_chosen = Signal(str, str)  # poll id, option id

    def __init__(self, poll: Poll, about: str = "") -> None:
        super().__init__(_("Poll") if poll.is_open else _("Poll (closed)"))
        self.poll = poll
        # Parented now: showing a parentless widget would open it as a window of its own.
        self.about = QLabel(about, self)
        self.about.setTextFormat(Qt.TextFormat.PlainText)
        self.about.setVisible(bool(about))
        self.statement = QLabel(poll.statement)
        self.statement.setTextFormat(Qt.TextFormat.PlainText)
        self.statement.setWordWrap(True)
        self.choices = QButtonGroup(self)
        self.bars: dict[str, QProgressBar] = {}
        grid = QGridLayout()
        for row, option in enumerate(poll.options):
            button = QRadioButton(option.text)
            button.setProperty("option_id", option.id)
            button.setChecked(option.id == poll.my_vote)
            button.setEnabled(poll.is_open)
            self.choices.addButton(button)
            grid.addWidget(button, row, 0)
            if option.votes is not None and poll.total is not None:
                bar = QProgressBar()
                bar.setRange(0, max(poll.total, 1))
                bar.setValue(option.votes)
                bar.setFormat(_votes(option.votes, poll.total))
                # Translators: {option} is the answer of the poll these votes are for.
                bar.setAccessibleName(_("Votes for {option}").format(option=option.text))
                grid.addWidget(bar, row, 1)
                self.bars[option.id] = bar
        self.vote_button = QPushButton(_("Change vote") if poll.my_vote else _("Vote"), self)
        self.vote_button.setEnabled(False)
        self.vote_button.setVisible(poll.is_open)
        self.choices.buttonToggled.connect(self._choice_changed)
        self.vote_button.clicked.connect(self._vote)
        self.state = DeliveryNote(self)
        chosen = next((o.text for o in poll.options if o.id == poll.my_vote), "")
        self.state.show_delivery(
            DELIVERY[poll.vote_state],
            # Translators: {choice} is the poll's answer the learner voted for.
            lead=_("Your vote: {choice}").format(choice=chosen) if chosen else _("Your vote"),
            reason=poll.refusal,
        )
        hint = _results_hint(poll)
        self.hint = QLabel(hint, self)
        self.hint.setVisible(bool(hint))
        layout = QVBoxLayout(self)
        layout.addWidget(self.about)
        layout.addWidget(self.statement)
        layout.addLayout(grid)
        layout.addWidget(self.vote_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.state)
        layout.addWidget(self.hint)

    def _choice_changed(self, *_args: object) -> None:
        checked = self.choices.checkedButton()
        chosen = None if checked is None else checked.property("option_id")
        self.vote_button.setEnabled(chosen is not None and chosen != self.poll.my_vote)

    def _vote(self) -> None:
        checked = self.choices.checkedButton()
        if checked is not None:
            self.vote_button.setEnabled(False)
            self.vote_chosen.emit(self.poll.id, str(checked.property("option_id")))

    def show_error(self, message: str) -> None:
        self.state.setText(message)
        self.state.show()
        self.vote_button.setEnabled(True)


def _results_hint(poll: Poll) -> str:
    """What the results shown (or their absence) mean: the academy sends them to voters, and
    to everyone once the poll has closed."""
    if poll.results_shown:
        if poll.vote_state is VoteState.WAITING:
            return _("Results as last known on this computer; they refresh at the next sync.")
        return ""
    if not poll.is_open:
        return _("The results arrive with the next sync.")
    if poll.vote_state in (VoteState.NONE, VoteState.REFUSED):
        return _("Vote to see how the others voted.")
    return _("The results arrive once your vote has reached the academy (at the next sync).")


def _votes(votes: int, total: int) -> str:
    """An option's bar: "3 of 12 votes (25%)", the share in the locale's form. Qt reads
    "%p", "%v" and "%m" in a bar's format; a percent sign followed by ")" stays as it is."""
    share = formats.percent(votes / total) if total else formats.percent(0)
    return counted(
        "{votes} of {n} vote ({share})",
        "{votes} of {n} votes ({share})",
        total,
        votes=formats.number(votes),
        share=share,
    )

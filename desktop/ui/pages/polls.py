"""The Polls page: the polls of a course (or all), vote and change the vote offline, see how
the community voted. UI thread; reading and voting run on the worker pool.

A page of its own, and the Polls section of the course page (which hides `heading`)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from desktop.domain.poll import Poll
from desktop.language.catalogue import _
from desktop.services.polls import PollService
from desktop.ui.tasks import TaskRunner
from desktop.ui.widgets.poll_card import PollCard


class PollsPage(QWidget):
    shown = Signal()  # the cards are on screen (tests)
    voted = Signal()  # a vote was queued: the outbox changed

    def __init__(self, polls: PollService, runner: TaskRunner) -> None:
        super().__init__()
        self._polls = polls
        self._runner = runner
        self.course_id: str | None = None
        self.lesson_id: str | None = None
        self._lesson_names: dict[str, str] = {}
        self.cards: list[PollCard] = []
        self._requests = 0  # the newest read; older answers are dropped
        self.heading = QLabel(_heading(""))
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.hide()  # until the first read says there are none
        self._column = QVBoxLayout()
        holder = QWidget()
        holder.setLayout(self._column)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(holder)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.empty)
        layout.addWidget(scroll, 1)

    def show_course(
        self,
        course_id: str | None,
        title: str = "",
        lesson_id: str | None = None,
        lessons: list[tuple[str, str]] | None = None,
    ) -> None:
        """The course's polls; those about `lesson_id` first. `lessons` (id, title) name the
        lesson each poll is about."""
        self.course_id, self.lesson_id = course_id, lesson_id
        self._lesson_names = dict(lessons or [])
        self.heading.setText(_heading(title))
        self.reload()

    def clear(self) -> None:
        """Show nothing (after a logout, or before another course)."""
        self.course_id = self.lesson_id = None
        self._requests += 1  # reads still on their way are dropped
        self._remove_cards()
        self.empty.hide()

    def _remove_cards(self) -> None:
        while self._column.count():
            item = self._column.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.cards = []

    def reload(self) -> None:
        course_id = self.course_id
        self._requests += 1
        request = self._requests
        self._runner.submit(lambda: (request, self._polls.polls(course_id=course_id)), self._show)

    def _show(self, result: object) -> None:
        assert isinstance(result, tuple)
        request, polls = result
        if request != self._requests:
            return  # an older read; a newer one is coming
        assert isinstance(polls, list)
        self._remove_cards()
        # The lesson the learner came from first; otherwise newest first, as given.
        polls.sort(key=lambda p: self.lesson_id is None or p.lesson_id != self.lesson_id)
        for poll in polls:
            assert isinstance(poll, Poll)
            about = ""
            if poll.lesson_id:  # the lesson's title, never its id
                name = self._lesson_names.get(poll.lesson_id)
                # Translators: {name} is the lesson's number and title, e.g. "2. Sharing the work".
                about = (
                    _("About lesson {name}").format(name=name)
                    if name
                    else _("About one of the course's lessons")
                )
            card = PollCard(poll, about)
            card.vote_chosen.connect(self._vote)
            self._column.addWidget(card)
            self.cards.append(card)
        self._column.addStretch(1)
        self.empty.setText(
            _(
                "This course has no polls yet. When its teachers open one, it arrives with the "
                "next sync; vote in it here."
            )
            if self.course_id is not None
            else _("No polls on this computer yet. They arrive with the next sync.")
        )
        self.empty.setVisible(not polls)
        self.shown.emit()

    def card(self, poll_id: str) -> PollCard | None:
        return next((c for c in self.cards if c.poll.id == poll_id), None)

    def _vote(self, poll_id: str, option_id: str) -> None:
        def failed(exc: BaseException) -> None:
            card = self.card(poll_id)
            if card is not None:
                card.show_error(getattr(exc, "message", str(exc)))

        self._runner.submit(
            lambda: self._polls.vote(poll_id, option_id), lambda _p: self._voted(), failed
        )

    def _voted(self) -> None:
        self.voted.emit()
        self.reload()


def _heading(title: str) -> str:
    """The page's heading: "Polls", or "Polls — <course>"."""
    if not title:
        return "<h2>{}</h2>".format(escape(_("Polls")))
    # Translators: the Polls page's heading; {title} is the course's title.
    return "<h2>{}</h2>".format(escape(_("Polls — {title}").format(title=title)))

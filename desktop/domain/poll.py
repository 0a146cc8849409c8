"""Polls as the learner sees them: the statement, the options, their own vote and how the
community voted. Pure data. Any thread."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class VoteState(StrEnum):
    NONE = "none"  # not voted
    WAITING = "waiting"  # voted on this computer, not sent yet
    COUNTED = "counted"  # the academy has it
    REFUSED = "refused"  # the academy refused it (e.g. the poll closed first)


@dataclass(frozen=True, slots=True)
class PollOption:
    id: str
    text: str
    votes: int | None  # None while the results are not shown (before voting)


@dataclass(frozen=True, slots=True)
class Poll:
    id: str
    course_id: str
    lesson_id: str | None
    statement: str
    options: tuple[PollOption, ...]
    opens_at: str | None
    closes_at: str | None
    is_open: bool
    my_vote: str | None  # option id
    vote_state: VoteState
    refusal: str  # why the academy refused the vote, "" otherwise
    total: int | None  # votes counted, None while the results are not shown

    @property
    def results_shown(self) -> bool:
        return self.total is not None

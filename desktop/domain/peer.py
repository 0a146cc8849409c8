"""Peer feedback as the learner sees it: their own submissions, work to review, and feedback
received, each with the state of their own actions not yet accepted. Pure data. Any thread."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from desktop.language import formats
from desktop.language.catalogue import N_, _, counted

MAX_TEXT = 10_000  # the academy's limits (contract: peer.submit, peer.feedback)
MAX_ANSWER = 5_000
NO_CONSENT = N_("Nothing is shared without your consent.")  # translated where raised


class ActionState(StrEnum):
    """Where the learner's own latest action on a thing stands."""

    SYNCED = "synced"  # nothing of theirs is waiting: what is shown came from the academy
    WAITING = "waiting"  # on this computer, not accepted yet (sent at the next sync)
    REFUSED = "refused"  # the academy refused it; `reason` says why


class AssignmentState(StrEnum):
    OPEN = "open"  # feedback still to give
    DONE = "done"


@dataclass(frozen=True, slots=True)
class Recording:
    size: int
    sha256: str
    content_type: str
    filename: str


@dataclass(frozen=True, slots=True)
class Submission:
    id: str
    exercise_id: str
    course_id: str  # "" while only on this computer and its course is not
    text: str
    has_recording: bool
    reviewers: int  # reviewers assigned so far
    feedback_count: int
    submitted_at: str | None
    state: ActionState
    reason: str = ""  # why it was refused


@dataclass(frozen=True, slots=True)
class Assignment:
    id: str
    submission_id: str
    course_id: str
    exercise_id: str
    prompt: str
    questions: tuple[str, ...]
    text: str
    recording: Recording | None
    recording_path: Path | None  # the downloaded file, once it is on this computer
    author: str  # the author's course pseudonym
    assigned_at: str | None
    state: AssignmentState
    my_answers: tuple[str, ...] | None  # as accepted, or as waiting to be sent
    rated_helpful: bool | None
    feedback_state: ActionState
    reason: str = ""  # why my feedback was refused

    @property
    def needs_feedback(self) -> bool:
        return self.state is AssignmentState.OPEN and self.feedback_state is not ActionState.WAITING


@dataclass(frozen=True, slots=True)
class ReceivedFeedback:
    id: str
    submission_id: str
    exercise_id: str
    course_id: str
    questions: tuple[str, ...]
    answers: tuple[str, ...]
    reviewer: str  # the reviewer's course pseudonym
    given_at: str | None
    helpful: bool | None  # my rating, including one still waiting to be sent
    rating_state: ActionState
    reason: str = ""  # why my rating was refused


def feedback_problem(questions: tuple[str, ...], answers: list[str]) -> str | None:
    """Why the academy would refuse these answers (as it checks them), or None."""
    if len(answers) != len(questions):
        return counted(
            "Give {n} answer, one per question ({given} given).",
            "Give {n} answers, one per question ({given} given).",
            len(questions),
            given=formats.number(len(answers)),
        )
    cleaned = [answer.strip() for answer in answers]
    if not any(cleaned):
        return _("Answer at least one of the questions.")
    longest = max(len(answer) for answer in cleaned)
    if longest > MAX_ANSWER:
        return counted(
            "An answer has {n} character; at most {limit} fit.",
            "An answer has {n} characters; at most {limit} fit.",
            longest,
            limit=formats.number(MAX_ANSWER),
        )
    return None

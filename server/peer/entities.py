"""What pullers see of peer feedback, built from the tables inside a push's transaction (worker
thread): ``peer_submission`` and ``peer_feedback`` in the author's user scope,
``peer_assignment`` in the reviewer's. Authors and reviewers are only ever named by their
peer pseudonym (not their forum one), even where the forum shows names: peer feedback is
anonymous."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.content.models import Exercise
from server.db import table_of
from server.peer.models import PeerAssignment, PeerSubmission
from server.social.pseudonyms import peer_pseudonym
from server.sync.changes import ChangeBuffer, iso, user_scope
from server.uploads.models import Upload

DEFAULT_QUESTIONS = (
    "What did you find clear or convincing?",
    "What one thing would make it better?",
)
# The default questions are read beside the lesson, so they are in the lesson's language
# (English for a language without its own).
_DEFAULT_QUESTIONS_IN = {
    "nl": (
        "Wat vond je duidelijk of overtuigend?",
        "Welk ene punt zou het beter maken?",
    ),
}


def questions_of(stored: list[str] | None, language: str = "en") -> list[str]:
    """An exercise's guiding questions: its own, else the default ones in its lesson's
    language."""
    return list(stored) if stored else list(_DEFAULT_QUESTIONS_IN.get(language, DEFAULT_QUESTIONS))


def _recording(session: Session, upload_id: str | None) -> dict[str, Any] | None:
    if upload_id is None:
        return None
    table = table_of(Upload)
    row = session.execute(
        select(table.c.length, table.c.sha256, table.c.content_type, table.c.filename).where(
            table.c.id == upload_id
        )
    ).one_or_none()
    if row is None:
        return None
    # Never the learner's own file name ("Jan de Vries - task 3.m4a"): peers see a neutral
    # one with the same suffix, so players still know the format.
    suffix = PurePosixPath(row.filename).suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,5}", suffix):
        suffix = ""
    return {
        "size": int(row.length),
        "sha256": row.sha256,
        "content_type": row.content_type,
        "filename": f"recording{suffix}",
    }


def _submission(session: Session, submission_id: str) -> Any:
    table = table_of(PeerSubmission)
    return session.execute(select(table).where(table.c.id == submission_id)).one()


def _assignment(session: Session, assignment_id: str) -> Any:
    table = table_of(PeerAssignment)
    return session.execute(select(table).where(table.c.id == assignment_id)).one()


def emit_submission(session: Session, changes: ChangeBuffer, submission_id: str) -> None:
    row = _submission(session, submission_id)
    table = table_of(PeerAssignment)
    reviewers, given = session.execute(
        select(func.count(), func.count(table.c.answers)).where(
            table.c.submission_id == submission_id
        )
    ).one()
    changes.put(
        user_scope(row.user_id),
        "peer_submission",
        row.id,
        {
            "submission_id": row.id,
            "exercise_id": row.exercise_id,
            "course_id": row.course_id,
            "text": row.text,
            "has_recording": row.upload_id is not None,
            "reviewers": int(reviewers),
            "feedback_count": int(given),
            "submitted_at": iso(row.submitted_at),
        },
    )


def emit_assignment(session: Session, changes: ChangeBuffer, assignment_id: str) -> None:
    """The reviewer's view: the work (with its author's pseudonym) and their own answers."""
    row = _assignment(session, assignment_id)
    submission = _submission(session, row.submission_id)
    prompt = session.execute(
        select(Exercise.prompt).where(Exercise.id == submission.exercise_id)
    ).scalar_one()
    changes.put(
        user_scope(row.reviewer_id),
        "peer_assignment",
        row.id,
        {
            "assignment_id": row.id,
            "submission_id": submission.id,
            "course_id": submission.course_id,
            "exercise_id": submission.exercise_id,
            "prompt": prompt,
            "questions": list(row.questions),
            "text": submission.text,
            "recording": _recording(session, submission.upload_id),
            "author": peer_pseudonym(session, submission.course_id, submission.user_id),
            "assigned_at": iso(row.assigned_at),
            "state": "open" if row.answers is None else "done",
            "my_answers": None if row.answers is None else list(row.answers),
            "rated_helpful": row.helpful,
        },
    )


def emit_feedback(session: Session, changes: ChangeBuffer, assignment_id: str) -> None:
    """The author's view of one reviewer's answers (only once they were given)."""
    row = _assignment(session, assignment_id)
    if row.answers is None:
        return
    submission = _submission(session, row.submission_id)
    changes.put(
        user_scope(submission.user_id),
        "peer_feedback",
        row.id,
        {
            "feedback_id": row.id,
            "submission_id": submission.id,
            "exercise_id": submission.exercise_id,
            "course_id": submission.course_id,
            "questions": list(row.questions),
            "answers": list(row.answers),
            "reviewer": peer_pseudonym(session, submission.course_id, row.reviewer_id),
            "given_at": iso(row.given_at),
            "helpful": row.helpful,
        },
    )

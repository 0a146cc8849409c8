"""Who reviews whom: run inside ``peer.submit`` on the push's worker thread, in its savepoint.

Reciprocity: only learners who submitted for the same exercise review it, never their own work.
A new submission gets up to REVIEWERS of the earlier submitters who still take part in the
course (a closed course's work goes to none who are not in it), least loaded first (fewest
open assignments, ties by their oldest submission, then by id), and the new submitter gets up to
REVIEWERS earlier submissions that still have fewer than REVIEWERS reviewers (fewest reviewers
first, then the oldest). Everything is ordered in SQL and Python by stable keys, so the same
arrivals always give the same assignments.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, select

from server.db import table_of
from server.peer.models import PeerAssignment, PeerSubmission

REVIEWERS = 2  # reviewers per submission


@dataclass(frozen=True)
class NewAssignment:
    assignment_id: str
    submission_id: str
    reviewer_id: int


def _open_load(connection: Connection) -> dict[int, int]:
    """Open assignments per reviewer (every exercise: a busy reviewer is busy)."""
    table = table_of(PeerAssignment)
    rows = connection.execute(
        select(table.c.reviewer_id, func.count())
        .where(table.c.answers.is_(None))
        .group_by(table.c.reviewer_id)
    )
    return {int(reviewer): int(count) for reviewer, count in rows}


def _reviewer_counts(connection: Connection, exercise_id: str) -> dict[str, int]:
    submissions, assignments = table_of(PeerSubmission), table_of(PeerAssignment)
    rows = connection.execute(
        select(submissions.c.id, func.count(assignments.c.id))
        .select_from(submissions)
        .outerjoin(assignments, assignments.c.submission_id == submissions.c.id)
        .where(submissions.c.exercise_id == exercise_id)
        .group_by(submissions.c.id)
    )
    return {str(submission): int(count) for submission, count in rows}


def allocate(
    connection: Connection,
    submission_id: str,
    questions: list[str],
    now: datetime,
    participants: Callable[[list[int]], set[int]],
) -> list[NewAssignment]:
    """Assign reviewers to the new submission and the new submitter to earlier ones;
    ``participants`` says which of the earlier submitters take part in the course."""
    submissions = table_of(PeerSubmission)
    new = connection.execute(
        select(submissions.c.user_id, submissions.c.exercise_id).where(
            submissions.c.id == submission_id
        )
    ).one()
    earlier = connection.execute(
        select(submissions.c.id, submissions.c.user_id)
        .where(
            submissions.c.exercise_id == new.exercise_id,
            submissions.c.id != submission_id,
            submissions.c.user_id != new.user_id,
        )
        .order_by(submissions.c.created_at, submissions.c.id)
    ).all()
    load = _open_load(connection)
    order = {row.id: index for index, row in enumerate(earlier)}
    taking_part = participants(sorted({int(row.user_id) for row in earlier}))
    by_load = sorted(
        (row for row in earlier if int(row.user_id) in taking_part),
        key=lambda row: (load.get(row.user_id, 0), order[row.id]),
    )
    made = [
        NewAssignment(str(uuid.uuid4()), submission_id, int(row.user_id))
        for row in by_load[:REVIEWERS]
    ]
    counts = _reviewer_counts(connection, new.exercise_id)
    waiting = sorted(
        (row for row in earlier if counts.get(row.id, 0) < REVIEWERS),
        key=lambda row: (counts.get(row.id, 0), order[row.id]),
    )
    made += [
        NewAssignment(str(uuid.uuid4()), str(row.id), int(new.user_id))
        for row in waiting[:REVIEWERS]
    ]
    if made:
        connection.execute(
            insert(table_of(PeerAssignment)),
            [
                {
                    "id": item.assignment_id,
                    "submission_id": item.submission_id,
                    "reviewer_id": item.reviewer_id,
                    "questions": questions,
                    "assigned_at": now,
                    "version": 1,
                }
                for item in made
            ],
        )
    return made

"""Building one pull page (sync-protocol.md, "Pull"), on a worker thread.

Reads take the newest committed change id first and never return anything above it, so a
change committed meanwhile is left for the next pull instead of being skipped by the cursor.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.content.models import Course
from server.sync.changes import course_scope, log_state, read_changes, user_scope
from server.sync.models import SyncClient
from server.sync.push import load_outcomes, replayed

MAX_OUTCOMES = 500
RESET_ALL = "*"
_CURSOR = re.compile(r"^[0-9]{1,18}$")


def visible_scopes(session: Session, user_id: int) -> list[str]:
    """The scopes a user may read: their own, and every course (no enrolment yet)."""
    courses = session.scalars(select(Course.id).order_by(Course.id)).all()
    return [user_scope(user_id), *(course_scope(course_id) for course_id in courses)]


def parse_cursor(raw: str | None) -> int | None:
    """The change id after which to continue; None if the cursor is not ours."""
    if raw is None or raw == "":
        return 0
    if not _CURSOR.match(raw):
        return None
    return int(raw)


def build_pull(
    session: Session,
    user_id: int,
    client_id: str,
    cursor: str | None,
    acked_seq: int,
    limit: int,
) -> dict[str, Any]:
    state = log_state(session)
    after = parse_cursor(cursor)
    reset: list[str] = []
    if after is None or after > state.newest or (after < state.floor):
        # Restored from an older backup, compacted, or not a cursor of ours: start over.
        reset = [RESET_ALL]
        after = 0
    rows = read_changes(session, after, state.newest, visible_scopes(session, user_id), limit + 1)
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = rows[-1]["id"] if has_more else state.newest
    changes = [
        {
            "scope": row["scope"],
            "entity": row["entity"],
            "id": row["entity_id"],
            "op": row["op"],
            "version": row["version"],
            "data": row["data"],
        }
        for row in rows
    ]
    last_seq = session.execute(
        select(SyncClient.last_seq).where(SyncClient.client_id == client_id)
    ).scalar_one()
    outcomes = [
        replayed(outcome, outcome.seq, outcome.mutation_id or "")
        for outcome in load_outcomes(
            session, client_id, after=acked_seq, upto=last_seq, limit=MAX_OUTCOMES
        )
    ]
    return {
        "changes": changes,
        "cursor": str(next_cursor),
        "has_more": has_more,
        "last_seq": int(last_seq),
        "reset": reset,
        "outcomes": outcomes,
    }

"""Building one pull page (sync-protocol.md, "Pull"), on a worker thread.

A pull first publishes the final results of polls that closed since the last sweep (a short
write transaction of its own, rarely needed), then reads. Reads take the newest committed
change id first and never return anything above it, so a
change committed meanwhile is left for the next pull instead of being skipped by the cursor.

A cursor is "<change id>.<fingerprint of that change>". After a restore from an older backup,
new changes reuse the lost ids; the fingerprint of the change a client last saw no longer
matches, so the client is told to reset instead of silently skipping what it never received.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.auth.models import Role, User
from server.content.access import courses_of
from server.db import table_of, utc_now
from server.social.final_results import publish_due_before_reading
from server.social.forum import MODERATORS, moderation_scope
from server.social.models import Poll, PollVote
from server.social.polls import poll_scope
from server.sync.changes import course_scope, log_state, read_changes, user_scope
from server.sync.models import ChangeLog, SyncClient
from server.sync.push import load_outcomes, replayed
from server.sync.shared_log import SharedLog

MAX_OUTCOMES = 500
RESET_ALL = "*"
_CURSOR = re.compile(r"^([0-9]{1,18})\.([0-9a-f]{12})$")


def visible_scopes(session: Session, user_id: int) -> list[str]:
    """The scopes a user may read: their own, the courses they take part in (open ones and
    those they are enrolled in), the running results of each poll they voted on in those
    courses, and for moderators each course's moderation scope."""
    courses = courses_of(session, user_id)
    role = session.execute(select(User.role).where(User.id == user_id)).scalar_one()
    scopes = [user_scope(user_id), *(course_scope(course_id) for course_id in courses)]
    voted = session.scalars(
        select(PollVote.poll_id)
        .join(Poll, Poll.id == PollVote.poll_id)
        .where(PollVote.user_id == user_id, Poll.course_id.in_(courses))
        .order_by(PollVote.poll_id)
    )
    scopes += [poll_scope(poll_id) for poll_id in voted]
    if Role(role) in MODERATORS:
        scopes += [moderation_scope(course_id) for course_id in courses]
    return scopes


def _fingerprint(session: Session, change_id: int) -> str | None:
    table = table_of(ChangeLog)
    row = session.execute(
        select(
            table.c.scope,
            table.c.entity,
            table.c.entity_id,
            table.c.version,
            table.c.created_at,
        ).where(table.c.id == change_id)
    ).one_or_none()
    if row is None:
        return None
    text = f"{change_id}|{row.scope}|{row.entity}|{row.entity_id}|{row.version}|{row.created_at}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def make_cursor(session: Session, change_id: int) -> str:
    if change_id == 0:
        return "0"
    fingerprint = _fingerprint(session, change_id)
    return f"{change_id}.{fingerprint}" if fingerprint else str(change_id)


def parse_cursor(session: Session, raw: str | None) -> int | None:
    """The change id after which to continue; None if the cursor is not ours (any more)."""
    if raw is None or raw in ("", "0"):
        return 0
    match = _CURSOR.match(raw)
    if match is None:
        return None
    change_id = int(match.group(1))
    if _fingerprint(session, change_id) != match.group(2):
        return None  # that change is gone or is another one: the log was restored
    return change_id


def build_pull(
    session: Session,
    user_id: int,
    client_id: str,
    cursor: str | None,
    acked_seq: int,
    limit: int,
    shared: SharedLog | None = None,
) -> dict[str, Any]:
    """One pull page as the PullReply's fields; its "changes" are already JSON text, one per
    change, for :func:`server.sync.pull_body.pull_body` to send. ``shared`` is the process's
    copy of the shared scopes (app.state.shared_log)."""
    # Before the snapshot of the newest id, so the results it publishes are in this pull.
    publish_due_before_reading(session, utc_now())
    state = log_state(session)
    after = parse_cursor(session, cursor)
    reset: list[str] = []
    if after is None or after > state.newest or (after < state.floor):
        # Restored from an older backup, compacted, or not a cursor of ours: start over.
        reset = [RESET_ALL]
        after = 0
    scopes = visible_scopes(session, user_id)
    rows = read_changes(session, after, state.newest, scopes, limit + 1, shared)
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = rows[-1].id if has_more else state.newest
    changes = [row.text for row in rows]
    last_seq = session.execute(
        select(SyncClient.last_seq).where(SyncClient.client_id == client_id)
    ).scalar_one()
    outcomes = [
        replayed(outcome, outcome.seq, outcome.mutation_id or "")
        for outcome in load_outcomes(
            # Past last_seq nothing is stored, and a larger number overflows PostgreSQL's INTEGER.
            session,
            client_id,
            after=min(acked_seq, last_seq),
            upto=last_seq,
            limit=MAX_OUTCOMES,
        )
    ]
    return {
        "changes": changes,
        "cursor": make_cursor(session, next_cursor),
        "has_more": has_more,
        "last_seq": int(last_seq),
        "reset": reset,
        "outcomes": outcomes,
    }

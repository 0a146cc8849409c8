"""playback.position: where a learner is in a lesson's audio/video or a podcast episode.

Runs inside a push's savepoint on a worker thread. Unlike lesson progress a listening position
may go back (the learner rewinds), so the latest arrival wins; ``played`` never reverts, so a
device that was offline while another finished the episode cannot make it unplayed. Emits a
``playback`` change in the learner's own scope: their other devices resume there.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import Field
from sqlalchemy import or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import ReturningInsert

from server.db import table_of
from server.progress.models import Playback
from server.sync.changes import iso, user_scope
from server.sync.mutations import MutationArgs, MutationContext, MutationSpec

# course:<course id>/<media path> (no segment starts with a dot) or
# episode:<32 hex digits of the feed URL and guid>
MEDIA_KEY = (
    r"^(course:[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+|episode:[0-9a-f]{32})$"
)
DAY_MS = 86_400_000


class PlaybackArgs(MutationArgs):
    media_key: str = Field(max_length=300, pattern=MEDIA_KEY)
    position_ms: int = Field(ge=0, le=7 * DAY_MS)
    duration_ms: int = Field(ge=0, le=7 * DAY_MS)
    played: bool


@cache
def _upsert(dialect: str) -> ReturningInsert[tuple[int, bool, int]]:
    table = table_of(Playback)
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    new = insert.excluded
    return insert.on_conflict_do_update(
        index_elements=[table.c.user_id, table.c.media_key],
        set_={
            "position_ms": new.position_ms,
            "duration_ms": new.duration_ms,
            "played": or_(table.c.played, new.played),
            "version": table.c.version + 1,
            "updated_at": new.updated_at,
        },
    ).returning(table.c.position_ms, table.c.played, table.c.version)


def course_of(ctx: MutationContext, args: PlaybackArgs) -> str | None:
    """The course of a lesson's media; None for a podcast episode, which is in no course."""
    kind, _, rest = args.media_key.partition(":")
    return rest.partition("/")[0] if kind == "course" else None


def set_position(ctx: MutationContext, args: PlaybackArgs) -> dict[str, Any]:
    row = ctx.connection.execute(
        _upsert(ctx.connection.dialect.name),
        {
            "user_id": ctx.user_id,
            "media_key": args.media_key,
            "position_ms": args.position_ms,
            "duration_ms": args.duration_ms,
            "played": args.played,
            "version": 1,
            "updated_at": ctx.now,
        },
    ).one()
    data = {
        "media_key": args.media_key,
        "position_ms": int(row.position_ms),
        "duration_ms": args.duration_ms,
        "played": bool(row.played),
        "updated_at": iso(ctx.now),
    }
    ctx.changes.put(user_scope(ctx.user_id), "playback", args.media_key, data)
    return {**data, "version": int(row.version)}


PLAYBACK_POSITION = MutationSpec("playback.position", PlaybackArgs, set_position, course_of)

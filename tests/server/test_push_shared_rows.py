"""The rows a whole class writes to (a thread's reply count, a poll's row), on PostgreSQL: a
push takes them at its commit only, so a class replying to one thread or voting in one poll
does not queue behind whichever push reached the row first (bench/academy_load.py at 1,000
learners: pushes waiting on these rows for their whole chunk, 3,932 × 503 busy). Real
PostgreSQL, the push in-process as the route runs it, with a probe mutation after the reply and
the vote that asks another connection whether it could take those rows now, as the pushes'
commits do (FOR NO KEY UPDATE: a reply or vote of another push only references them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from server.db import Database
from server.social.models import ForumThread
from server.sync.models import ChangeLog
from server.sync.mutations import MutationArgs, MutationContext, MutationSpec, no_course
from server.sync.push import process_push
from server.sync.registry import REGISTRY
from tests.academy_database import on_postgresql, url_for
from tests.push_workload import NOW, THREAD, add_learner, item, reply, vote, workload_database

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(
        not on_postgresql(), reason="row locks are PostgreSQL's (SQLite has one writer)"
    ),
]

_ROWS = {
    "thread": ("SELECT id FROM forum_threads WHERE id = :id FOR NO KEY UPDATE NOWAIT", THREAD),
    "poll": ("SELECT id FROM polls WHERE id = :id FOR NO KEY UPDATE NOWAIT", "p"),
}


class _ProbeArgs(MutationArgs):
    pass


def _probe_spec(database: Database, seen: dict[str, bool]) -> MutationSpec[Any]:
    def probe(ctx: MutationContext, args: _ProbeArgs) -> dict[str, Any]:
        for name, (statement, row_id) in _ROWS.items():
            with database.engine.connect() as other:
                try:
                    other.execute(text(statement), {"id": row_id})
                    seen[name] = True
                except OperationalError:  # lock_not_available: the push holds the row
                    seen[name] = False
                other.rollback()
        return {}

    return MutationSpec("test.probe", _ProbeArgs, probe, no_course)


def test_a_reply_and_a_vote_leave_the_shared_rows_free_until_the_commit(
    tmp_path: Path,
) -> None:
    with workload_database(url_for(tmp_path)) as database:
        client_id = add_learner(database, 1)
        seen: dict[str, bool] = {}
        registry = {**REGISTRY, "test.probe": _probe_spec(database, seen)}
        batch = [reply(1), vote(2), reply(3), item(4, "test.probe", {})]
        with database.session() as session:
            pushed = process_push(session, registry, 1, client_id, batch, NOW)
        assert [r["status"] for r in pushed["results"]] == ["applied"] * 4
        assert seen == {"thread": True, "poll": True}
        with database.session() as session:
            # Both replies counted, in one update at the commit, and learners told so.
            replies = session.execute(
                select(ForumThread.replies).where(ForumThread.id == THREAD)
            ).scalar_one()
            told = session.scalars(
                select(ChangeLog.data).where(
                    ChangeLog.entity == "forum_thread", ChangeLog.entity_id == THREAD
                )
            ).all()
            results = session.scalars(
                select(ChangeLog.data).where(ChangeLog.entity == "poll_results")
            ).all()
        assert replies == 2
        assert [data["replies"] for data in told] == [2]
        assert [data["total"] for data in results] == [1]

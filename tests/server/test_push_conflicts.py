"""Two pushes that each hold a row the other needs, on PostgreSQL: the academy's own push ends
in a deadlock, and goes again instead of answering 503 (found by bench/academy_load.py at 200
learners: hundreds of "deadlock detected" on two threads' reply counts). Real PostgreSQL, the
push in-process as the route runs it; the other transaction is held open by the test."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text

from server.db import Database, table_of
from server.social.models import ForumThread
from server.sync.models import MutationLog
from tests.academy_database import on_postgresql, url_for
from tests.push_workload import (
    COURSE,
    NOW,
    OTHER,
    THREAD,
    add_learner,
    push,
    reply,
    workload_database,
)

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(
        not on_postgresql(), reason="deadlocks are PostgreSQL's (SQLite has one writer)"
    ),
]

OTHER_THREAD = "thread-b"
assert OTHER_THREAD < THREAD  # the order a push's commit takes the reply counts in
_COUNT = "UPDATE forum_threads SET replies = replies WHERE id = :id"


def _waiting_for_a_lock(database: Database) -> int:
    with database.engine.connect() as connection:
        return int(
            connection.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            ).scalar_one()
        )


def test_a_push_ended_as_a_deadlock_goes_again_and_is_applied_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with workload_database(url_for(tmp_path)) as database:
        with database.session() as session:
            session.execute(
                insert(table_of(ForumThread)).values(
                    id=OTHER_THREAD, course_id=COURSE, author_id=OTHER, title="T2", body="B",
                    created_at=NOW,
                )
            )  # fmt: skip
            session.commit()
        client_id = add_learner(database, 1)
        outcome: dict[str, Any] = {}
        with database.engine.connect() as holder:
            # The other transaction: it holds THREAD and, once the push holds OTHER_THREAD
            # (which sorts first, so a push's commit takes it first), asks for it, against the
            # one order pushes keep. Its own deadlock check waits long, so PostgreSQL ends the
            # push's transaction.
            holder.execute(text("SET deadlock_timeout = '60s'"))
            holder.execute(text(_COUNT), {"id": THREAD})
            caplog.set_level(logging.INFO, logger="server.sync.push")
            pushing = threading.Thread(
                target=lambda: outcome.update(
                    reply=push(database, 1, client_id, [reply(1, OTHER_THREAD), reply(2, THREAD)])[
                        0
                    ]
                )
            )
            pushing.start()
            deadline = time.monotonic() + 60
            while _waiting_for_a_lock(database) == 0:
                assert time.monotonic() < deadline, "the push never waited for THREAD"
                time.sleep(0.05)  # polling PostgreSQL until the push waits
            holder.execute(text(_COUNT), {"id": OTHER_THREAD})  # the cycle: one must give way
            holder.commit()
        pushing.join(60)
        assert not pushing.is_alive()
        results = outcome["reply"]["results"]
        assert [(r["seq"], r["status"]) for r in results] == [(1, "applied"), (2, "applied")]
        assert "went again after a DeadlockDetected" in caplog.text
        with database.session() as session:
            replies = dict(session.execute(select(ForumThread.id, ForumThread.replies)).all())
            assert replies == {THREAD: 1, OTHER_THREAD: 1}
            logged = session.scalars(select(MutationLog.seq).order_by(MutationLog.seq)).all()
            assert logged == [1, 2]

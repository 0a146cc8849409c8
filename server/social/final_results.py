"""Final results of closed polls: once a poll has closed, its tally goes once to the course
scope, so learners who never voted see it too (before, only voters pull the running results).

A cheap sweep runs at the start of every pull and of every push batch: one indexed query for
closed polls not published yet, usually empty. Publishing flips ``polls.results_published``
with ``UPDATE ... WHERE NOT results_published`` and emits only for the rows it flipped, so two
concurrent sweeps publish a poll once. Runs on the worker thread of the pull or push (and on
the CLI's main thread when `poll close` publishes at once).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import false, select, update
from sqlalchemy.orm import Session

from server.db import table_of
from server.social.models import Poll
from server.social.polls import poll_facts, results_data
from server.sync.changes import ChangeBuffer, course_scope, write_changes


def closed_unpublished(session: Session, now: datetime) -> list[str]:
    """Ids of polls that have closed and whose final results are not published yet."""
    polls = table_of(Poll)
    return list(
        session.scalars(
            select(polls.c.id).where(
                polls.c.results_published == false(),
                polls.c.closes_at.is_not(None),
                polls.c.closes_at <= now,
            )
        )
    )


def publish(session: Session, poll_ids: Sequence[str], now: datetime) -> int:
    """Inside the caller's write transaction: publish the final results of these closed polls
    (those another transaction has not published meanwhile); returns how many it published."""
    polls = table_of(Poll)
    connection = session.connection()
    changes = ChangeBuffer()
    for poll_id in poll_ids:
        flipped = connection.execute(
            update(polls)
            .where(polls.c.id == poll_id, polls.c.results_published == false())
            .values(results_published=True)
        ).rowcount
        if flipped != 1:
            continue  # published by a concurrent sweep
        facts = poll_facts(session, poll_id)
        assert facts is not None  # its row was just updated in this transaction
        results = results_data(session, poll_id, facts.option_ids)
        changes.put(course_scope(facts.course_id), "poll_results", poll_id, results)
    write_changes(session, changes.changes(), now)
    return len(changes)


def publish_due(session: Session, now: datetime) -> int:
    """Inside the caller's write transaction (a push batch): publish every poll that is due."""
    due = closed_unpublished(session, now)
    return publish(session, due, now) if due else 0


def publish_due_before_reading(session: Session, now: datetime) -> int:
    """For a read-only caller (a pull): when something is due, end the current read
    transaction, publish in a short write transaction of its own and commit, so what follows
    reads the new changes. Nothing due (the usual case): one query, no write."""
    due = closed_unpublished(session, now)
    if not due:
        return 0
    # A fresh transaction whose first statement writes: SQLite then waits for the write lock
    # instead of failing to upgrade a read snapshot that another writer has made stale.
    session.rollback()
    published = publish(session, due, now)
    session.commit()
    return published

"""Polls over sync: their change-log entries and the poll.vote mutation.

A vote is an upsert until the poll closes. Results are anonymous counts, recomputed once per
poll at the end of a push batch (not once per vote) and written to the scope ``poll:<id>``,
which only that poll's voters pull; once the poll closes, its final results go to the course
scope for everyone (:mod:`server.social.final_results`). Runs on push worker threads and, for
new polls, on the main thread of the seeder and the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from server.db import table_of
from server.language import N_, _
from server.social.models import Poll, PollOption, PollVote
from server.sync.changes import ChangeBuffer, course_scope, iso, user_scope
from server.sync.mutations import MutationArgs, MutationContext, MutationSpec, Rejected

POLL_CLOSED_MESSAGE = N_("This poll closed before your vote arrived.")


@dataclass(frozen=True)
class PollFacts:
    id: str
    course_id: str
    opens_at: datetime
    closes_at: datetime | None
    option_ids: tuple[str, ...]


def poll_facts(session: Session, poll_id: str) -> PollFacts | None:
    poll = session.execute(
        select(Poll.id, Poll.course_id, Poll.opens_at, Poll.closes_at).where(Poll.id == poll_id)
    ).one_or_none()
    if poll is None:
        return None
    options = session.scalars(
        select(PollOption.id).where(PollOption.poll_id == poll_id).order_by(PollOption.position)
    ).all()
    return PollFacts(poll.id, poll.course_id, poll.opens_at, poll.closes_at, tuple(options))


def poll_data(poll: Poll) -> dict[str, Any]:
    """The ``poll`` entity of the change log."""
    return {
        "poll_id": poll.id,
        "course_id": poll.course_id,
        "lesson_id": poll.lesson_id,
        "statement": poll.statement,
        "options": [{"id": option.id, "text": option.text} for option in poll.options],
        "opens_at": iso(poll.opens_at),
        "closes_at": iso(poll.closes_at),
    }


def results_data(session: Session, poll_id: str, option_ids: tuple[str, ...]) -> dict[str, Any]:
    """The ``poll_results`` entity: counts per option (zeros included) and the total."""
    rows = session.execute(
        select(PollVote.option_id, func.count())
        .where(PollVote.poll_id == poll_id)
        .group_by(PollVote.option_id)
    )
    counted = {option_id: int(count) for option_id, count in rows}
    counts = {option_id: counted.get(option_id, 0) for option_id in option_ids}
    return {"poll_id": poll_id, "counts": counts, "total": sum(counts.values())}


def poll_scope(poll_id: str) -> str:
    """The scope of a poll's running results, pulled by its voters only."""
    return f"poll:{poll_id}"


def is_closed(closes_at: datetime | None, now: datetime) -> bool:
    return closes_at is not None and closes_at <= now


def emit_poll(session: Session, changes: ChangeBuffer, poll: Poll, now: datetime) -> None:
    """A poll's ``poll`` change, e.g. when it is created. The results go to the course scope
    only when the poll is closed already (they are then its final results, published once)."""
    scope = course_scope(poll.course_id)
    changes.put(scope, "poll", poll.id, poll_data(poll))
    if is_closed(poll.closes_at, now) and not poll.results_published:
        option_ids = tuple(option.id for option in poll.options)
        changes.put(scope, "poll_results", poll.id, results_data(session, poll.id, option_ids))
        poll.results_published = True


class VoteArgs(MutationArgs):
    poll_id: str
    option_id: str


def _facts(ctx: MutationContext, poll_id: str) -> PollFacts | None:
    key = ("poll", poll_id)
    if key not in ctx.memo:
        ctx.memo[key] = poll_facts(ctx.session, poll_id)
    facts: PollFacts | None = ctx.memo[key]
    return facts


@cache
def _vote_statement(dialect: str) -> Insert:
    """The vote upsert, built once per dialect."""
    table = table_of(PollVote)
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return insert.on_conflict_do_update(
        index_elements=[table.c.poll_id, table.c.user_id],
        set_={"option_id": insert.excluded.option_id, "updated_at": insert.excluded.updated_at},
    )


def course_of(ctx: MutationContext, args: VoteArgs) -> str | None:
    poll = _facts(ctx, args.poll_id)
    return None if poll is None else poll.course_id


def vote(ctx: MutationContext, args: VoteArgs) -> dict[str, Any]:
    poll = _facts(ctx, args.poll_id)
    if poll is None:
        raise Rejected("not_found", _("This poll does not exist (any more)."), subject="poll")
    if args.option_id not in poll.option_ids:
        raise Rejected("not_found", _("This poll has no such option."), subject="option")
    if ctx.now < poll.opens_at:
        raise Rejected("poll_not_open", _("This poll is not open yet."))
    if is_closed(poll.closes_at, ctx.now):
        raise Rejected("poll_closed", _(POLL_CLOSED_MESSAGE))
    ctx.connection.execute(
        _vote_statement(ctx.connection.dialect.name),
        {
            "poll_id": poll.id,
            "user_id": ctx.user_id,
            "option_id": args.option_id,
            "updated_at": ctx.now,
        },
    )
    data = {"poll_id": poll.id, "option_id": args.option_id}
    ctx.changes.put(user_scope(ctx.user_id), "poll_vote", poll.id, data)

    def recount(batch: MutationContext) -> None:
        if batch.connection.dialect.name != "sqlite":
            # Voters of one poll take turns from here to their commit, so each recount sees
            # the votes committed before it under READ COMMITTED (SQLite's one writer does
            # this already). Taken at the commit, not at the vote: held for a moment only;
            # NO KEY, so it does not wait for the pushes whose votes only reference the poll.
            batch.connection.execute(
                select(Poll.id).where(Poll.id == poll.id).with_for_update(key_share=True)
            )
        # Voters only: the first vote adds poll:<id> to this user's scopes, and since this
        # change is written in the same batch, their next pull already carries it.
        batch.changes.put(
            poll_scope(poll.id),
            "poll_results",
            poll.id,
            results_data(batch.session, poll.id, poll.option_ids),
        )

    ctx.defer(("poll_results", poll.id), recount)
    return data


POLL_VOTE = MutationSpec("poll.vote", VoteArgs, vote, course_of)

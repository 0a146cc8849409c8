"""Processing one push batch (sync-protocol.md, "Push"), on a worker thread.

A batch is applied in chunks (ChunkLimits: on SQLite 100 ms or 200 outcomes, on PostgreSQL 50
outcomes), each one transaction that holds the client's row (on SQLite: the academy's one write
lock) and commits the chunk's effects, its changes, its mutation_log rows and the client's
last_seq together. A server that dies mid-batch
keeps the chunks it committed, whole, and nothing of the one it was in; the client resends the
batch, gets `duplicate` (the stored outcome) for what was kept and has the rest applied. The
reply is the same as for one transaction: only how long other writers wait changes. Between
chunks the row is taken again, and a last_seq moved by another server process meanwhile ends
the batch with 409 push_in_progress (the resend sorts it out).

Each new mutation can be rolled back alone to a SAVEPOINT (see _Savepoint: one statement per
mutation, none after a rejection), so a rejected one leaves no trace but its stored outcome.
Every mutation's args are parsed before the batch takes its locks, so no lock waits on that.
Lookups are batched: one query for the stored outcomes of replayed seqs, one for mutation_ids
already used, a few for change versions per chunk; handlers cache read-only lookups for the
batch on the MutationContext.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import InterfaceError, OperationalError, PendingRollbackError
from sqlalchemy.orm import Session

from server.config import ServerConfig
from server.db import table_of, utc_now
from server.language import N_, _
from server.sync.changes import ChangeBuffer, write_changes
from server.sync.locks import is_transaction_conflict, lock_client_row, push_in_progress
from server.sync.models import MutationLog, SyncClient
from server.sync.mutations import (
    NOT_PROCESSED,
    TOO_DEEP,
    TOO_LARGE,
    MutationContext,
    MutationSpec,
    Rejected,
    RetryLater,
    occurred,
)
from server.sync.schemas import MutationIn

log = logging.getLogger(__name__)

# The database itself failed (locked, disk full, connection lost): not this item's fault, so
# the whole batch is answered 503 and tried again later (see routes._database_as_503).
_DATABASE_FAILURES = (OperationalError, InterfaceError, PendingRollbackError)
CONFLICT_TRIES = 4  # a batch ended as a deadlock goes again at most this often

_SAVEPOINT = "SAVEPOINT samen_mutation"
_ROLLBACK_TO = "ROLLBACK TO SAVEPOINT samen_mutation"


@dataclass(frozen=True)
class ChunkLimits:
    """When a batch commits what it has done and takes its locks again: after ``size`` new
    outcomes, or once the chunk has run ``seconds`` (None: no time limit)."""

    size: int
    seconds: float | None = None


# SQLite has one write lock for the whole academy: a batch gives it up once a chunk has held
# it 100 ms (or after 200 outcomes), so other learners' pushes wait for a chunk, not for a
# whole batch, and not past busy_timeout. Each commit costs a WAL sync under that lock, so a
# quick batch still commits once. PostgreSQL locks only the client's row, but keeps at most 64
# subtransactions (savepoints) of a transaction in shared memory before every reader slows
# down: 50 outcomes a chunk. Each chunk's effects, mutation_log rows and last_seq commit
# together, so a crash after chunk k keeps chunks 1..k whole and the resend gets them as
# `duplicate`.
SQLITE_CHUNKS = ChunkLimits(size=200, seconds=0.1)
POSTGRESQL_CHUNKS = ChunkLimits(size=50)


def chunk_limits(dialect: str) -> ChunkLimits:
    return POSTGRESQL_CHUNKS if dialect == "postgresql" else SQLITE_CHUNKS


MISMATCH_SAME_SEQ = N_("A different change was already sent under this sequence number.")
MISMATCH_USED_ID = N_("This action's id was already used for another change.")

# Work the route wants done first in every batch's transaction (e.g. publishing the results of
# polls that closed), with the batch's write lock already held.
BatchStart = Callable[[Session, datetime], object]


@dataclass(frozen=True)
class Outcome:
    """A stored outcome (mutation_log row), applied or rejected."""

    seq: int
    mutation_id: str | None
    body_sha256: str
    status: str
    result: dict[str, Any] | None = None
    code: str | None = None
    message: str | None = None
    params: dict[str, Any] | None = None


def _rejection(reply: dict[str, Any], outcome: Outcome) -> None:
    if outcome.code is not None:
        reply["code"] = outcome.code
        reply["message"] = outcome.message or ""
        if outcome.params:
            reply["params"] = outcome.params


def replayed(outcome: Outcome, seq: int, mutation_id: str) -> dict[str, Any]:
    """A stored outcome as a MutationResult with status duplicate."""
    reply: dict[str, Any] = {
        "seq": seq,
        "mutation_id": mutation_id,
        "status": "duplicate",
        "original_status": outcome.status,
    }
    if outcome.result is not None:
        reply["result"] = outcome.result
    _rejection(reply, outcome)
    return reply


def fresh(outcome: Outcome, mutation_id: str) -> dict[str, Any]:
    reply: dict[str, Any] = {"seq": outcome.seq, "mutation_id": mutation_id}
    reply["status"] = outcome.status
    if outcome.result is not None:
        reply["result"] = outcome.result
    _rejection(reply, outcome)
    return reply


def load_outcomes(
    session: Session,
    client_id: str,
    seqs: Sequence[int] | None = None,
    after: int = 0,
    upto: int | None = None,
    limit: int | None = None,
) -> list[Outcome]:
    """Stored outcomes of ``client_id``: the given seqs, or those in (after, upto] by seq."""
    table = table_of(MutationLog)
    statement = select(
        table.c.seq,
        table.c.mutation_id,
        table.c.body_sha256,
        table.c.status,
        table.c.result,
        table.c.code,
        table.c.message,
        table.c.params,
    ).where(table.c.client_id == client_id)
    if seqs is not None:
        statement = statement.where(table.c.seq.in_(seqs))
    else:
        statement = statement.where(table.c.seq > after)
    if upto is not None:
        statement = statement.where(table.c.seq <= upto)
    statement = statement.order_by(table.c.seq)
    if limit is not None:
        statement = statement.limit(limit)
    return [Outcome(**row._mapping) for row in session.execute(statement)]


def _used_ids(session: Session, mutation_ids: Sequence[str]) -> set[str]:
    table = table_of(MutationLog)
    used: set[str] = set()
    for start in range(0, len(mutation_ids), 500):
        chunk = mutation_ids[start : start + 500]
        used.update(
            session.scalars(select(table.c.mutation_id).where(table.c.mutation_id.in_(chunk)))
        )
    return used


class _StopBatch(Exception):  # noqa: N818 - control flow inside this module
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


_Applied = tuple[str, dict[str, Any] | None, str | None, str | None, dict[str, Any] | None]


class _Savepoint:
    """The savepoint that lets one mutation be rolled back alone, set only when needed.

    After a rollback to it, it still marks the state the next mutation starts from, so that
    one needs none of its own; after an applied mutation the next sets a new one (same name:
    the newest is the one rolled back to). None is released: the commit ends them all. So a
    mutation costs one statement for its savepoint, not two (a round trip each on
    PostgreSQL), and a chunk stays under PostgreSQL's 64 subtransactions per transaction
    that it keeps in shared memory."""

    def __init__(self) -> None:
        self.marks_now = False

    def set(self, connection: Connection) -> None:
        if not self.marks_now:
            connection.exec_driver_sql(_SAVEPOINT)
            self.marks_now = True

    def rollback(self, connection: Connection) -> None:
        connection.exec_driver_sql(_ROLLBACK_TO)

    def moved_on(self) -> None:
        self.marks_now = False


# A mutation's args as its model, or why they are refused: parsed for the whole batch before
# the batch takes its locks (on SQLite the academy's one write lock), so no lock waits on that.
_Parsed = Any


def _parse(registry: Mapping[str, MutationSpec[Any]], mutation: MutationIn) -> _Parsed:
    spec = registry.get(mutation.name)
    if spec is None:
        return None
    try:
        return spec.parse(mutation.args)
    except Rejected as rejected:
        return rejected
    except Exception:  # parsed again in its savepoint and refused there, as before
        return None


def _apply(
    ctx: MutationContext,
    registry: Mapping[str, MutationSpec[Any]],
    mutation: MutationIn,
    savepoint: _Savepoint,
    parsed: _Parsed = None,
) -> _Applied:
    """Run one handler in a savepoint: (status, result, code, message, params); raises
    _StopBatch."""
    spec = registry.get(mutation.name)
    if spec is None:
        message = _("This academy does not know the change '{name}'.").format(name=mutation.name)
        return "rejected", None, "unknown_mutation", message, {"name": mutation.name}
    if isinstance(parsed, Rejected):  # its args were refused: nothing to roll back
        return "rejected", None, parsed.code, parsed.message, parsed.params or None
    ctx.changes = ChangeBuffer()
    ctx.deferred = {}
    ctx.tallies = {}
    ctx.scratch = {}
    ctx.undo = []
    ctx.occurred_at = occurred(mutation.created_at, ctx.now)
    # Plain SQL savepoints: the same statements session.begin_nested() emits, without its
    # bookkeeping (a third of the time of a small mutation). Handlers use Core only.
    connection = ctx.connection
    savepoint.set(connection)
    try:
        result = spec.run(ctx, mutation.args, parsed)
    except BaseException as exc:
        savepoint.rollback(connection)
        for undo in reversed(ctx.undo):
            undo()
        if isinstance(exc, Rejected):
            return "rejected", None, exc.code, exc.message, exc.params or None
        if isinstance(exc, RetryLater):
            raise _StopBatch(exc.seconds) from None
        if isinstance(exc, OverflowError | RecursionError):
            # A value no schema bound caught (a number SQLite cannot store, nesting that
            # recursed): this item is refused, the batch goes on, the queue is not blocked.
            message = _(TOO_LARGE if isinstance(exc, OverflowError) else TOO_DEEP)
            return "rejected", None, "invalid_args", message, None
        if isinstance(exc, Exception) and not isinstance(exc, _DATABASE_FAILURES):
            # A bug met on this item alone: a 500 would block the client's queue on it for
            # ever, so it is refused (the traceback goes to the log) and the batch goes on.
            log.exception("%s failed on mutation %s", mutation.name, mutation.mutation_id)
            return "rejected", None, "internal", _(NOT_PROCESSED), None
        raise
    savepoint.moved_on()
    return "applied", result, None, None, None


class _Chunk:
    """What one chunk's transaction has done so far, written at its end in a few statements:
    its changes, deferred work, mutation_log rows and the client's last_seq."""

    def __init__(self, limits: ChunkLimits) -> None:
        self.changes = ChangeBuffer()
        self.deferred: dict[tuple[str, str], Any] = {}
        self.tallies: dict[tuple[str, str], int] = {}
        self.rows: list[dict[str, Any]] = []
        self.savepoint = _Savepoint()
        self._limits = limits
        self._started = time.monotonic()

    def full(self) -> bool:
        if len(self.rows) >= self._limits.size:
            return True
        seconds = self._limits.seconds
        return (
            bool(self.rows) and seconds is not None and time.monotonic() - self._started >= seconds
        )

    def add(self, ctx: MutationContext) -> None:
        """Keep what an applied mutation left for the commit."""
        self.changes.extend(ctx.changes.changes())
        self.deferred.update(ctx.deferred)
        for key, delta in ctx.tallies.items():
            self.tallies[key] = self.tallies.get(key, 0) + delta

    def commit(self, session: Session, ctx: MutationContext, client_id: str, last_seq: int) -> None:
        ctx.changes = self.changes
        ctx.tallies = self.tallies
        for key in sorted(self.deferred):  # shared rows taken in one order (see defer)
            self.deferred[key](ctx)
        write_changes(session, self.changes.changes(), ctx.now)
        if self.rows:
            session.execute(insert(table_of(MutationLog)), self.rows)
            table = table_of(SyncClient)
            session.execute(
                update(table).where(table.c.client_id == client_id).values(last_seq=last_seq)
            )
        session.commit()


def _next_chunk(
    session: Session, ctx: MutationContext, client_id: str, last_seq: int, limits: ChunkLimits
) -> _Chunk:
    """Take the client's row (and, on SQLite, the write lock) again for the next chunk."""
    if lock_client_row(session, client_id) != last_seq:
        # Another server process pushed for this client between two chunks (the in-process
        # lock cannot see it): the resend sorts out what is done.
        session.rollback()
        raise push_in_progress()
    ctx.connection = session.connection()  # the commit gave the last one back to the pool
    return _Chunk(limits)


def process_push(
    session: Session,
    registry: Mapping[str, MutationSpec[Any]],
    user_id: int,
    client_id: str,
    mutations: Sequence[MutationIn],
    now: datetime | None = None,
    *,
    config: ServerConfig | None = None,
    on_start: BatchStart | None = None,
    limits: ChunkLimits | None = None,
) -> dict[str, Any]:
    """Apply a batch for an owned client_id (the caller holds its in-process lock); commits
    each chunk (``limits``, by default the database's: :func:`chunk_limits`).

    On PostgreSQL two batches can still each hold a row the other needs (the rows a class
    shares are taken at the commit in one order, see MutationContext.defer, but a moderator's
    action or an edit takes a thread's row on the way) and one of them is ended as a
    deadlock. Nothing of that chunk was kept, so the batch simply goes again from there, a few
    times, as PostgreSQL advises; what earlier chunks committed is answered as applied, as it
    was in this push."""
    parsed = [_parse(registry, mutation) for mutation in mutations]
    first_seen: list[int] = []  # last_seq when this push first took the row
    for attempt in range(1, CONFLICT_TRIES + 1):
        try:
            return _push_once(
                session, registry, user_id, client_id, mutations, parsed, now, config, on_start,
                limits, first_seen,
            )  # fmt: skip
        except OperationalError as exc:
            if attempt == CONFLICT_TRIES or not is_transaction_conflict(exc):
                raise
            session.rollback()
            log.info("push of %s went again after a %s", client_id, type(exc.orig).__name__)
            time.sleep(random.uniform(0.005, 0.05) * attempt)  # apart from the other one
    raise AssertionError("unreachable")


def _push_once(
    session: Session,
    registry: Mapping[str, MutationSpec[Any]],
    user_id: int,
    client_id: str,
    mutations: Sequence[MutationIn],
    parsed: list[Any],
    now: datetime | None,
    config: ServerConfig | None,
    on_start: BatchStart | None,
    limits: ChunkLimits | None,
    first_seen: list[int],
) -> dict[str, Any]:
    now = now or utc_now()
    limits = limits or chunk_limits(session.get_bind().dialect.name)
    last_seq = lock_client_row(session, client_id)
    if not first_seen:
        first_seen.append(last_seq)
    if on_start is not None:
        on_start(session, now)
    stored = {
        o.seq: o
        for o in load_outcomes(session, client_id, [m.seq for m in mutations if m.seq <= last_seq])
    }
    used = _used_ids(
        session, list(dict.fromkeys(str(m.mutation_id) for m in mutations if m.seq > last_seq))
    )
    ctx = MutationContext(
        session=session,
        connection=session.connection(),
        user_id=user_id,
        now=now,
        config=config,
    )
    chunk = _Chunk(limits)
    results: list[dict[str, Any]] = []
    reply: dict[str, Any] = {}

    for index, mutation in enumerate(mutations):
        mutation_id = str(mutation.mutation_id)
        digest = mutation.body_sha256()
        if mutation.seq <= last_seq:
            previous = stored.get(mutation.seq)
            if previous is None:
                # Processed before its outcome was kept (or the log was pruned): it is done.
                previous = Outcome(mutation.seq, mutation_id, digest, "applied", {})
            if previous.body_sha256 == digest and mutation.seq > first_seen[0]:
                results.append(fresh(previous, mutation_id))  # this push's own, before a retry
            elif previous.body_sha256 == digest:
                results.append(replayed(previous, mutation.seq, mutation_id))
            else:
                results.append(
                    {
                        "seq": mutation.seq,
                        "mutation_id": mutation_id,
                        "status": "rejected",
                        "code": "idempotency_mismatch",
                        "message": _(MISMATCH_SAME_SEQ),
                    }
                )
            continue
        if mutation.seq > last_seq + 1:
            reply["expected_seq"] = last_seq + 1
            break
        if chunk.full():
            chunk.commit(session, ctx, client_id, last_seq)
            chunk = _next_chunk(session, ctx, client_id, last_seq, limits)
        logged_id: str | None = mutation_id
        status: str
        result: dict[str, Any] | None
        code: str | None
        message: str | None
        params: dict[str, Any] | None = None
        if mutation_id in used:
            logged_id = None  # mutation_id is UNIQUE in the log; the rejection is still kept
            status, result = "rejected", None
            code, message = "idempotency_mismatch", _(MISMATCH_USED_ID)
        else:
            try:
                status, result, code, message, params = _apply(
                    ctx, registry, mutation, chunk.savepoint, parsed[index]
                )
            except _StopBatch as stop:
                results.append(
                    {
                        "seq": mutation.seq,
                        "mutation_id": mutation_id,
                        "status": "retry",
                        "retry_after": max(0.0, float(stop.seconds)),
                    }
                )
                break
            used.add(mutation_id)
            if status == "applied":
                chunk.add(ctx)
        outcome = Outcome(mutation.seq, logged_id, digest, status, result, code, message, params)
        stored[mutation.seq] = outcome
        last_seq = mutation.seq
        chunk.rows.append(
            {
                "client_id": client_id,
                "seq": outcome.seq,
                "mutation_id": logged_id,
                "body_sha256": digest,
                "status": status,
                "result": result,
                "code": code,
                "message": message,
                "params": params,
                "created_at": now,
            }
        )
        results.append(fresh(outcome, mutation_id))

    chunk.commit(session, ctx, client_id, last_seq)
    return {"last_seq": last_seq, "results": results, **reply}

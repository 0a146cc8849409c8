"""Processing one push batch (sync-protocol.md, "Push"), on a worker thread.

The whole batch is one transaction, committed once at the end: a server that dies mid-batch
keeps nothing of it and the client resends. Each new mutation runs in its own SAVEPOINT so a
rejected one leaves no trace but its stored outcome. Lookups are batched: one query for the
stored outcomes of replayed seqs, one for mutation_ids already used, a few for change versions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import InterfaceError, OperationalError, PendingRollbackError
from sqlalchemy.orm import Session

from server.config import ServerConfig
from server.db import table_of, utc_now
from server.language import N_, _
from server.sync.changes import ChangeBuffer, write_changes
from server.sync.locks import lock_client_row
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

_SAVEPOINT = "SAVEPOINT samen_mutation"
_ROLLBACK_TO = "ROLLBACK TO SAVEPOINT samen_mutation"
_RELEASE = "RELEASE SAVEPOINT samen_mutation"

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


def _apply(
    ctx: MutationContext, registry: Mapping[str, MutationSpec[Any]], mutation: MutationIn
) -> _Applied:
    """Run one handler in a savepoint: (status, result, code, message, params); raises
    _StopBatch."""
    spec = registry.get(mutation.name)
    if spec is None:
        message = _("This academy does not know the change '{name}'.").format(name=mutation.name)
        return "rejected", None, "unknown_mutation", message, {"name": mutation.name}
    ctx.changes = ChangeBuffer()
    ctx.deferred = {}
    ctx.occurred_at = occurred(mutation.created_at, ctx.now)
    # Plain SQL savepoints: the same statements session.begin_nested() emits, without its
    # bookkeeping (a third of the time of a small mutation). Handlers use Core only.
    connection = ctx.connection
    connection.exec_driver_sql(_SAVEPOINT)
    try:
        result = spec.run(ctx, mutation.args)
    except BaseException as exc:
        connection.exec_driver_sql(_ROLLBACK_TO)
        connection.exec_driver_sql(_RELEASE)
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
    connection.exec_driver_sql(_RELEASE)
    return "applied", result, None, None, None


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
) -> dict[str, Any]:
    """Apply a batch for an owned client_id (the caller holds its in-process lock); commits."""
    now = now or utc_now()
    last_seq = lock_client_row(session, client_id)
    if on_start is not None:
        on_start(session, now)
    start_seq = last_seq
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
    batch_changes = ChangeBuffer()
    deferred: dict[tuple[str, str], Any] = {}
    new_rows: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    reply: dict[str, Any] = {}

    for mutation in mutations:
        mutation_id = str(mutation.mutation_id)
        digest = mutation.body_sha256()
        if mutation.seq <= last_seq:
            previous = stored.get(mutation.seq)
            if previous is None:
                # Processed before its outcome was kept (or the log was pruned): it is done.
                previous = Outcome(mutation.seq, mutation_id, digest, "applied", {})
            if previous.body_sha256 == digest:
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
                status, result, code, message, params = _apply(ctx, registry, mutation)
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
                batch_changes.extend(ctx.changes.changes())
                deferred.update(ctx.deferred)
        outcome = Outcome(mutation.seq, logged_id, digest, status, result, code, message, params)
        stored[mutation.seq] = outcome
        last_seq = mutation.seq
        new_rows.append(
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

    ctx.changes = batch_changes
    for work in deferred.values():
        work(ctx)
    write_changes(session, batch_changes.changes(), now)
    if new_rows:
        session.execute(insert(table_of(MutationLog)), new_rows)
    if last_seq != start_seq:
        table = table_of(SyncClient)
        session.execute(
            update(table).where(table.c.client_id == client_id).values(last_seq=last_seq)
        )
    session.commit()
    return {"last_seq": last_seq, "results": results, **reply}

"""The outbox table: learner actions waiting to reach the server. Worker threads / CLI.

An action and its outbox row are written in one transaction: the service passes its open write
transaction to `enqueue`. The sync engine then claims batches, records outcomes and recovers from
crashes through the methods below, each one short `BEGIN IMMEDIATE` transaction (no lock is held
while HTTP is in flight).

Sequence numbers are given when an item is first claimed for sending, in the order items became
sendable, so an item can still be edited or deleted while it has none; once sent, its seq never
changes unless the server proves it never saw it (`renumber`).

Waiting for an upload: an action that references a recording (`waits_for` = the upload's id,
see desktop/store/uploads.py) is written with `sendable = 0` and a note saying so. It is shown in
the queue as pending, gets no seq and is never claimed. When its upload completes it becomes
sendable and takes its place in the sending order from that moment (desktop/store/ready_order.py).
When its upload fails for good (damaged twice, refused by the academy, Samen's copy lost) it is
shown as refused with the upload's reason, like any action the academy refused: the
learner sees why at once instead of watching an action that can never leave, and can discard it
or resend it, which sends the recording again first.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils

from desktop.domain.sync import (
    SERVER_ERROR_CODE,
    OutboxItem,
    OutboxState,
    Outcome,
    OutcomeStatus,
    QueueView,
    RecordSummary,
)
from desktop.language.catalogue import N_, _
from desktop.store.clock import utc_now
from desktop.store.db import Store
from desktop.store.ready_order import next_ready_order

UNFINISHED = ("pending", "sending", "retry")
# Items the academy has not answered for: unfinished ones, and ones refused on this device
# after repeated 500s (desktop/sync/engine.py), which it may still have applied.
_AWAITING_ANSWER = (
    f"(state IN ('pending', 'sending', 'retry') OR (state = 'rejected' AND code = "
    f"'{SERVER_ERROR_CODE}'))"
)
# A retry time further ahead than this came from a clock that was wrong when it was written
# (servers ask for minutes, not hours), so it is treated as due rather than blocking the queue.
MAX_RETRY_AHEAD = timedelta(hours=1)
WAITING_FOR_UPLOAD = N_("Waits for its recording to finish uploading.")


def _item(row: dict[str, Any]) -> OutboxItem:
    return OutboxItem(
        id=row["id"],
        mutation_id=row["mutation_id"],
        client_id=row["client_id"],
        seq=row["seq"],
        kind=row["kind"],
        name=row["name"],
        args=json.loads(row["args_json"]),
        state=OutboxState(row["state"]),
        created_at=row["created_at"],
        code=row["code"],
        message=row["message"],
        params=json.loads(row["params_json"]) if row.get("params_json") else None,
        attempts=row["attempts"],
        next_at=row["next_at"],
        waits_for=row.get("waits_for"),
        server_errors=row.get("server_errors") or 0,
    )


def _due(next_at: str | None, now: datetime) -> bool:
    if not next_at:
        return True
    try:
        moment = datetime.fromisoformat(next_at)
    except ValueError:
        return True
    return moment <= now or moment - now > MAX_RETRY_AHEAD


class OutboxRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    # -- writing actions (inside the caller's transaction) -------------------------------------

    @staticmethod
    def enqueue(
        db: sqlite_utils.Database,
        *,
        client_id: str,
        kind: str,
        name: str,
        args: dict[str, Any],
        created_at: str | None = None,
        mutation_id: str | None = None,
        waits_for: str | None = None,
    ) -> str:
        """Add an item inside the caller's write transaction; returns its mutation id.

        With `waits_for` (an upload id from UploadService.attach) the item is sent only once
        that upload is complete; see the module docstring."""
        mutation_id = mutation_id or str(uuid.uuid4())
        now = created_at or utc_now()
        state, code, message = "pending", None, None
        sendable = True
        if waits_for is not None:
            upload = db.execute(
                "SELECT state, error FROM uploads WHERE id = ?", [waits_for]
            ).fetchone()
            if upload is None:
                raise ValueError(f"no upload {waits_for!r} to wait for")
            sendable = upload[0] == "done"
            if not sendable:
                message = _(WAITING_FOR_UPLOAD)
            if upload[0] == "failed":
                state, code, message = "rejected", "upload_failed", upload[1]
        db.execute(
            """INSERT INTO outbox (mutation_id, client_id, kind, name, args_json, created_at,
                   updated_at, state, code, message, sendable, waits_for, ready_order)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                mutation_id,
                client_id,
                kind,
                name,
                json.dumps(args, sort_keys=True),
                now,
                now,
                state,
                code,
                message,
                int(sendable),
                waits_for,
                next_ready_order(db) if sendable else None,
            ],
        )
        return mutation_id

    @staticmethod
    def coalesce(
        db: sqlite_utils.Database,
        *,
        client_id: str,
        name: str,
        key: str,
        value: str,
        args: dict[str, Any],
    ) -> bool:
        """Fold a new action into an unsent one of the same name and key (e.g. progress on one
        lesson, a vote on one poll): it was never sent, so replacing it changes nothing the
        server saw. Returns False when there is none to fold into."""
        return (
            db.execute(
                f"""UPDATE outbox SET args_json = ?, updated_at = ?
                    WHERE id = (SELECT id FROM outbox WHERE client_id = ? AND name = ?
                        AND state = 'pending' AND seq IS NULL
                        AND json_extract(args_json, '$.{key}') = ? ORDER BY id DESC LIMIT 1)""",
                [json.dumps(args, sort_keys=True), utc_now(), client_id, name, value],
            ).rowcount
            == 1
        )

    @staticmethod
    def drop_refused(
        db: sqlite_utils.Database, *, client_id: str, name: str, key: str, value: str
    ) -> int:
        """Delete refused items of `name` on the same thing (e.g. a refused vote on a poll)
        once the learner has done it again: the new action supersedes the refusal."""
        return int(
            db.execute(
                f"""DELETE FROM outbox WHERE client_id = ? AND name = ? AND state = 'rejected'
                    AND json_extract(args_json, '$.{key}') = ?""",
                [client_id, name, value],
            ).rowcount
        )

    @staticmethod
    def unsent_values(
        db: sqlite_utils.Database, *, client_id: str, name: str, key: str
    ) -> set[str]:
        """The `key` arg of every item of `name` the server has not acknowledged yet."""
        rows = db.execute(
            f"""SELECT DISTINCT json_extract(args_json, '$.{key}') FROM outbox
                WHERE client_id = ? AND name = ? AND state IN ('pending', 'sending', 'retry')""",
            [client_id, name],
        ).fetchall()
        return {str(row[0]) for row in rows}

    # -- the sync engine's side ----------------------------------------------------------------

    def recover(self) -> int:
        """At start-up: items a crashed process was sending go back to pending."""
        with self._store.write() as db:
            return db.execute(
                "UPDATE outbox SET state = 'pending' WHERE state = 'sending'"
            ).rowcount

    def claim_batch(
        self, client_id: str, limit: int, now: datetime | None = None
    ) -> list[OutboxItem]:
        """Mark the next due items as sending, in seq order, and return them.

        Items sent before (they have a seq) come first; then unsent ones get the next seqs, but
        only as many as this batch takes, so the rest stay editable. Order is everything: the
        batch stops at an item that is not due yet (a retry waiting for its time), because the
        server would stop there too.
        """
        now = now or datetime.now(UTC)
        with self._store.write() as db:
            rows = list(
                db.query(
                    """SELECT * FROM outbox WHERE client_id = ? AND seq IS NOT NULL
                       AND state IN ('pending', 'retry') ORDER BY seq LIMIT ?""",
                    [client_id, limit],
                )
            )
            batch = []
            blocked = False
            for row in rows:
                if row["state"] == "retry" and not _due(row["next_at"], now):
                    blocked = True
                    break
                batch.append(row)
            if not blocked and len(batch) < limit and not self._in_flight(db, client_id):
                batch += self._number_unsent(db, client_id, limit - len(batch))
            if batch:
                ids = [row["id"] for row in batch]
                db.execute(
                    f"""UPDATE outbox SET state = 'sending', attempts = attempts + 1
                        WHERE id IN ({",".join("?" * len(ids))})""",
                    ids,
                )
        return [_item({**row, "state": "sending"}) for row in batch]

    @staticmethod
    def _in_flight(db: sqlite_utils.Database, client_id: str) -> bool:
        """Numbered items still sending or waiting: new numbers would jump ahead of them."""
        row = db.execute(
            """SELECT 1 FROM outbox WHERE client_id = ? AND seq IS NOT NULL
               AND state IN ('sending', 'retry') LIMIT 1""",
            [client_id],
        ).fetchone()
        return row is not None

    @staticmethod
    def _number_unsent(
        db: sqlite_utils.Database, client_id: str, count: int
    ) -> list[dict[str, Any]]:
        last = OutboxRepo._last_seq(db, client_id)
        rows = list(
            db.query(
                """SELECT * FROM outbox WHERE client_id = ? AND seq IS NULL AND sendable = 1
                   AND state = 'pending' ORDER BY ready_order, id LIMIT ?""",
                [client_id, count],
            )
        )
        for offset, row in enumerate(rows, start=1):
            row["seq"] = last + offset
            db.execute("UPDATE outbox SET seq = ? WHERE id = ?", [row["seq"], row["id"]])
        if rows:
            OutboxRepo._set_last_seq(db, client_id, last + len(rows))
        return rows

    @staticmethod
    def _last_seq(db: sqlite_utils.Database, client_id: str) -> int:
        row = db.execute(
            "SELECT last_seq FROM outbox_clients WHERE client_id = ?", [client_id]
        ).fetchone()
        if row is not None:
            return int(row[0])
        # First use of this client id here: continue after anything already numbered.
        row = db.execute(
            "SELECT COALESCE(MAX(seq), 0) FROM outbox WHERE client_id = ?", [client_id]
        ).fetchone()
        return int(row[0])

    @staticmethod
    def _set_last_seq(db: sqlite_utils.Database, client_id: str, last_seq: int) -> None:
        db.execute(
            "INSERT OR REPLACE INTO outbox_clients (client_id, last_seq) VALUES (?, ?)",
            [client_id, last_seq],
        )

    def release(self, client_id: str) -> None:
        """A push failed without an answer: what was sending is pending again."""
        with self._store.write() as db:
            db.execute(
                "UPDATE outbox SET state = 'pending' WHERE client_id = ? AND state = 'sending'",
                [client_id],
            )

    def record(
        self, client_id: str, outcomes: Sequence[Outcome], now: datetime | None = None
    ) -> RecordSummary:
        """Store outcomes (from a push reply or a pull); the rest of the batch goes back."""
        now = now or datetime.now(UTC)
        acked = rejected = 0
        retry_after: float | None = None
        stamp = now.isoformat(timespec="seconds")
        with self._store.write() as db:
            for outcome in outcomes:
                params: list[Any]
                if outcome.status is OutcomeStatus.APPLIED:
                    sql = """UPDATE outbox SET state = 'acked', result_json = ?, code = NULL,
                                 message = NULL, updated_at = ?"""
                    params = [
                        json.dumps(outcome.result) if outcome.result is not None else None,
                        stamp,
                    ]
                elif outcome.status is OutcomeStatus.REJECTED:
                    sql = """UPDATE outbox SET state = 'rejected', code = ?, message = ?,
                                 params_json = ?, updated_at = ?"""
                    said = json.dumps(outcome.params) if outcome.params else None
                    params = [outcome.code, outcome.message, said, stamp]
                else:
                    delay = max(0.0, outcome.retry_after or 0.0)
                    retry_after = delay if retry_after is None else max(retry_after, delay)
                    sql = "UPDATE outbox SET state = 'retry', next_at = ?, updated_at = ?"
                    params = [(now + timedelta(seconds=delay)).isoformat(), stamp]
                # Only unfinished items change (an outcome replayed twice is harmless), and
                # refusals decided here after repeated 500s: the academy's own word wins.
                changed = db.execute(
                    sql + ", server_errors = 0 WHERE client_id = ? AND seq = ? "
                    f"AND mutation_id = ? AND {_AWAITING_ANSWER}",
                    [*params, client_id, outcome.seq, outcome.mutation_id],
                ).rowcount
                if changed and outcome.status is OutcomeStatus.APPLIED:
                    acked += 1
                elif changed and outcome.status is OutcomeStatus.REJECTED:
                    rejected += 1
            db.execute(
                "UPDATE outbox SET state = 'pending' WHERE client_id = ? AND state = 'sending'",
                [client_id],
            )
        return RecordSummary(acked=acked, rejected=rejected, retry_after=retry_after)

    def server_failed(self, client_id: str, item_id: int) -> int:
        """A push whose batch was this item alone got an HTTP 500: count it (kept across
        restarts; a real answer resets it). Returns the count, 0 if the item is not waiting."""
        with self._store.write() as db:
            row = db.execute(
                """UPDATE outbox SET server_errors = server_errors + 1 WHERE id = ?
                   AND client_id = ? AND state IN ('pending', 'sending', 'retry')
                   RETURNING server_errors""",
                [item_id, client_id],
            ).fetchone()
        return 0 if row is None else int(row[0])

    def renumber(self, client_id: str, expected_seq: int) -> int:
        """The server has no record of any seq from `expected_seq` on: renumber from there.

        That happens when the server was restored from a backup (or never saw them). Items it
        had acknowledged are lost on its side, so they become pending again (same mutation id);
        refused ones keep their refusal for the learner but give up their number. Order is
        kept. Returns how many items will be (re)sent.
        """
        with self._store.write() as db:
            rows = db.execute(
                """SELECT id, state FROM outbox WHERE client_id = ? AND seq >= ?
                   ORDER BY seq""",
                [client_id, expected_seq],
            ).fetchall()
            # Two passes so the UNIQUE (client_id, seq) constraint never sees a clash.
            for item_id, _state in rows:
                db.execute("UPDATE outbox SET seq = -seq WHERE id = ?", [item_id])
            sendable = 0
            for item_id, state in rows:
                if state == "rejected":
                    db.execute("UPDATE outbox SET seq = NULL WHERE id = ?", [item_id])
                    continue
                db.execute(
                    """UPDATE outbox SET seq = ?, state = 'pending', result_json = NULL
                       WHERE id = ?""",
                    [expected_seq + sendable, item_id],
                )
                sendable += 1
            # What comes next continues right after the renumbered items.
            self._set_last_seq(db, client_id, expected_seq + sendable - 1)
        return sendable

    def acked_seq(self, client_id: str) -> int:
        """The highest seq up to which every item of this client has a final outcome (a
        refusal decided here after repeated 500s is not one: a pull may still replay it)."""
        with self._store.read() as db:
            row = db.execute(
                f"""SELECT MIN(seq) FROM outbox WHERE client_id = ? AND seq IS NOT NULL
                    AND {_AWAITING_ANSWER}""",
                [client_id],
            ).fetchone()
            if row[0] is not None:
                return int(row[0]) - 1
            return self._last_seq(db, client_id)

    # -- the learner's side --------------------------------------------------------------------

    def items(
        self,
        states: Sequence[str] = (*UNFINISHED, "rejected"),
        client_id: str | None = None,
        *,
        names: Sequence[str] | None = None,
        prefix: str = "",
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[OutboxItem]:
        """Items in sending order; with a client id, only that account's (on a shared
        computer, one learner never sees or changes another's queue). `names` or `prefix`
        narrow them to some mutations in SQL, so a service looking for its own few actions
        does not read a backlog of thousands; `newest_first` with `limit` gives the last ones."""
        where, params = _client_filter(client_id)
        if names is not None:
            where += f" AND name IN ({','.join('?' * len(names))})"
            params = [*params, *names]
        if prefix:
            # substr, not LIKE: names hold '_', which LIKE would take as a wildcard.
            where += " AND substr(name, 1, ?) = ?"
            params = [*params, str(len(prefix)), prefix]
        order = "DESC" if newest_first else "ASC"
        with self._store.read() as db:
            rows = db.query(
                f"SELECT * FROM outbox WHERE state IN ({','.join('?' * len(states))}){where} "
                f"ORDER BY COALESCE(seq, 1e18) {order}, id {order}"
                + ("" if limit is None else f" LIMIT {int(limit)}"),
                [*states, *params],
            )
            return [_item(row) for row in rows]

    def view(self, client_id: str, waiting_limit: int) -> QueueView:
        """Every refused item and at most `waiting_limit` waiting ones, with the counts: the
        first to be sent and, past a long backlog, the newest (the ones a learner may want to
        discard after doing them)."""
        with self._store.read():  # one consistent read: counts match the lists
            refused = self.items(("rejected",), client_id)
            waiting = sum(self.pending_by_kind(client_id).values())
            if waiting <= waiting_limit:
                listed = self.items(UNFINISHED, client_id)
            else:  # two disjoint ends of the backlog
                newest = waiting_limit // 2
                listed = [
                    *self.items(UNFINISHED, client_id, limit=waiting_limit - newest),
                    *self.items(UNFINISHED, client_id, limit=newest, newest_first=True),
                ]
        order = sorted([*refused, *listed], key=lambda i: (i.seq is None, i.seq or 0, i.id))
        return QueueView(order, waiting, len(refused))

    def accepted_unpulled(self, client_id: str, names: Sequence[str]) -> list[OutboxItem]:
        """Items of `names` the academy accepted after the last whole window began: their
        effect is not pulled back yet. In sending order."""
        with self._store.read() as db:
            rows = db.query(
                f"""SELECT * FROM outbox WHERE client_id = ? AND state = 'acked'
                    AND pulled_back = 0 AND name IN ({",".join("?" * len(names))})
                    ORDER BY seq""",
                [client_id, *names],
            )
            return [_item(row) for row in rows]

    def mark_pulled_back(self, client_id: str) -> None:
        """After a whole window (push, then pull): every accepted item has come back."""
        with self._store.write() as db:
            db.execute(
                """UPDATE outbox SET pulled_back = 1
                   WHERE client_id = ? AND state = 'acked' AND pulled_back = 0""",
                [client_id],
            )

    def discard(self, item_id: int, client_id: str) -> bool:
        """Drop a rejected item, or one that was never sent. Returns False if it is in flight
        (or not this account's)."""
        with self._store.write() as db:
            return (
                db.execute(
                    """DELETE FROM outbox WHERE id = ? AND client_id = ? AND (state = 'rejected'
                       OR (state = 'pending' AND seq IS NULL))""",
                    [item_id, client_id],
                ).rowcount
                == 1
            )

    def resend(self, item_id: int, args: dict[str, Any], client_id: str) -> str | None:
        """Replace a rejected item by an edited copy at the end of the queue (a new mutation)."""
        with self._store.write() as db:
            rows = list(
                db.query(
                    "SELECT * FROM outbox WHERE id = ? AND client_id = ? AND state = 'rejected'",
                    [item_id, client_id],
                )
            )
            if not rows:
                return None
            old = rows[0]
            db.execute("DELETE FROM outbox WHERE id = ?", [item_id])
            if old["waits_for"] is not None:
                # Refused because its recording could not be sent: resending sends it again.
                db.execute(
                    """UPDATE uploads SET state = 'waiting', error = '', updated_at = ?
                       WHERE id = ? AND state = 'failed'""",
                    [utc_now(), old["waits_for"]],
                )
            return self.enqueue(
                db,
                client_id=old["client_id"],
                kind=old["kind"],
                name=old["name"],
                args=args,
                waits_for=old["waits_for"],
            )

    def pending_by_kind(self, client_id: str | None = None) -> dict[str, int]:
        where, params = _client_filter(client_id)
        with self._store.read() as db:
            rows = db.query(
                f"""SELECT kind, COUNT(*) AS n FROM outbox
                    WHERE state IN ('pending', 'sending', 'retry'){where}
                    GROUP BY kind ORDER BY kind""",
                params,
            )
            return {row["kind"]: row["n"] for row in rows}

    def settled(self, client_id: str) -> tuple[int, int]:
        """(accepted, refused) items of this account, in one read. A sync window reports the
        difference between two of these, so whatever path settled an item (a push reply, a
        replayed duplicate, a pull healing a lost reply, a window that failed half-way) counts."""
        with self._store.read() as db:
            counts = dict(
                db.execute(
                    """SELECT state, COUNT(*) FROM outbox WHERE client_id = ?
                       AND state IN ('acked', 'rejected') GROUP BY state""",
                    [client_id],
                ).fetchall()
            )
        return int(counts.get("acked", 0)), int(counts.get("rejected", 0))

    def counts(self, client_id: str) -> tuple[int, int]:
        """(waiting, refused) for this account in one read: waiting is what `pending_by_kind`
        and `view` count, so the status and the list never disagree."""
        with self._store.read() as db:
            by_state = dict(
                db.execute(
                    """SELECT state, COUNT(*) FROM outbox WHERE client_id = ?
                       AND state IN ('pending', 'sending', 'retry', 'rejected') GROUP BY state""",
                    [client_id],
                ).fetchall()
            )
        refused = int(by_state.pop("rejected", 0))
        return sum(int(n) for n in by_state.values()), refused

    def acked_by_kind(self, client_id: str) -> dict[str, int]:
        """Accepted items of this account per kind; a sync reports what it sent as the
        difference of two of these."""
        with self._store.read() as db:
            rows = db.execute(
                """SELECT kind, COUNT(*) FROM outbox WHERE client_id = ? AND state = 'acked'
                   GROUP BY kind""",
                [client_id],
            ).fetchall()
        return {str(row[0]): int(row[1]) for row in rows}

    def rejected_count(self, client_id: str | None = None) -> int:
        where, params = _client_filter(client_id)
        with self._store.read() as db:
            row = db.execute(
                f"SELECT COUNT(*) FROM outbox WHERE state = 'rejected'{where}", params
            ).fetchone()
        return int(row[0])


def _client_filter(client_id: str | None) -> tuple[str, list[str]]:
    return ("", []) if client_id is None else (" AND client_id = ?", [client_id])

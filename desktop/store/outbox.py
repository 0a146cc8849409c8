"""The outbox table: learner actions waiting to reach the server. Worker threads / CLI.

This is the storage side only (enqueue and counts); the sync engine that sends, acks and
rejects items arrives with the sync issue. An action and its outbox row are written in one
transaction by passing the open transaction's database to `enqueue`.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlite_utils

from desktop.store.clock import utc_now
from desktop.store.db import Store


class OutboxRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    @staticmethod
    def enqueue(
        db: sqlite_utils.Database, *, client_id: str, kind: str, name: str, args: dict[str, Any]
    ) -> str:
        """Add an item inside the caller's write transaction; returns its mutation id."""
        mutation_id = str(uuid.uuid4())
        db.execute(
            """INSERT INTO outbox (mutation_id, client_id, kind, name, args_json, created_at)
               VALUES (?, ?, ?, ?, ?, ?)""",
            [mutation_id, client_id, kind, name, json.dumps(args, sort_keys=True), utc_now()],
        )
        return mutation_id

    def pending_by_kind(self) -> dict[str, int]:
        with self._store.read() as db:
            rows = db.query(
                """SELECT kind, COUNT(*) AS n FROM outbox
                   WHERE state IN ('pending', 'sending', 'retry') GROUP BY kind ORDER BY kind"""
            )
            return {row["kind"]: row["n"] for row in rows}

    def rejected_count(self) -> int:
        with self._store.read() as db:
            row = db.execute("SELECT COUNT(*) FROM outbox WHERE state = 'rejected'").fetchone()
        return int(row[0])

"""What the server sent by pull: a local cache of entities per scope, and the pull cursor.
Worker threads / CLI.

A page and its cursor are stored in one transaction, so a crash or a cut connection never
leaves the cursor ahead of the data (or behind it with data applied twice: puts are by version).
The cache belongs to one account (client id) at a time: it holds that learner's own votes and
progress, so another account's first pull on a shared computer starts from an empty cache, and
nothing of the previous learner is shown meanwhile.
"""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from desktop.domain.sync import PullPage
from desktop.store.db import Store


def _owner(client_id: str) -> str:
    return f"client:{client_id}"


class PulledRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def cursor(self, client_id: str) -> str:
        with self._store.read() as db:
            row = db.execute(
                "SELECT cursor FROM pull_cursors WHERE scope = ?", [_owner(client_id)]
            ).fetchone()
        return "" if row is None else str(row[0])

    def apply_page(self, client_id: str, page: PullPage) -> None:
        with self._store.write() as db:
            # Another account's cache is dropped in the same transaction as the first page.
            if db.execute(
                "SELECT 1 FROM pull_cursors WHERE scope != ? LIMIT 1", [_owner(client_id)]
            ).fetchone():
                db.execute("DELETE FROM pulled")
                db.execute("DELETE FROM pull_cursors")
            for scope in page.reset:
                # Refetch: the reply itself starts again from the beginning.
                if scope == "*":
                    db.execute("DELETE FROM pulled")
                else:
                    db.execute("DELETE FROM pulled WHERE scope = ?", [scope])
            for change in page.changes:
                if change.op == "delete":
                    db.execute(
                        "DELETE FROM pulled WHERE scope = ? AND entity = ? AND id = ?",
                        [change.scope, change.entity, change.id],
                    )
                    continue
                db.execute(
                    """INSERT INTO pulled (scope, entity, id, version, data_json)
                       VALUES (?, ?, ?, ?, ?)
                       ON CONFLICT(scope, entity, id) DO UPDATE SET
                           version = excluded.version, data_json = excluded.data_json
                       WHERE excluded.version >= pulled.version""",
                    [
                        change.scope,
                        change.entity,
                        change.id,
                        change.version,
                        json.dumps(change.data, sort_keys=True),
                    ],
                )
            db.execute(
                "INSERT OR REPLACE INTO pull_cursors (scope, cursor) VALUES (?, ?)",
                [_owner(client_id), page.cursor],
            )

    def entities(
        self, client_id: str, entity: str, scope: str | None = None
    ) -> dict[str, dict[str, Any]]:
        with self._store.read() as db:
            if db.execute(
                "SELECT 1 FROM pull_cursors WHERE scope != ? LIMIT 1", [_owner(client_id)]
            ).fetchone():
                return {}  # another learner's cache: nothing of it is shown
            if scope is None:
                rows = db.execute(
                    "SELECT id, data_json FROM pulled WHERE entity = ?", [entity]
                ).fetchall()
            else:
                rows = db.execute(
                    "SELECT id, data_json FROM pulled WHERE entity = ? AND scope = ?",
                    [entity, scope],
                ).fetchall()
        return {row[0]: json.loads(row[1]) for row in rows}

    @staticmethod
    def versioned(
        db: sqlite_utils.Database, client_id: str, entity: str
    ) -> dict[str, tuple[int, dict[str, Any]]]:
        """Inside the caller's transaction: the account's pulled `entity`s with their version."""
        if db.execute(
            "SELECT 1 FROM pull_cursors WHERE scope != ? LIMIT 1", [_owner(client_id)]
        ).fetchone():
            return {}
        rows = db.execute(
            "SELECT id, version, data_json FROM pulled WHERE entity = ?", [entity]
        ).fetchall()
        return {row[0]: (int(row[1]), json.loads(row[2])) for row in rows}

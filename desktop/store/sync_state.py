"""Small key/value facts about syncing (last sync time, last error). Worker threads / CLI."""

from __future__ import annotations

from desktop.store.db import Store

LAST_SYNC_AT = "last_sync_at"
LAST_ERROR = "last_error"


class SyncStateRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, key: str) -> str | None:
        with self._store.read() as db:
            row = db.execute("SELECT value FROM sync_state WHERE key = ?", [key]).fetchone()
        return None if row is None else row[0]

    def set(self, key: str, value: str | None) -> None:
        with self._store.write() as db:
            db.execute("INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)", [key, value])

"""Which peer feedback each learner has seen, for the "new feedback" badge. Worker threads /
CLI."""

from __future__ import annotations

from collections.abc import Iterable

from desktop.store.db import Store


class PeerSeenRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def seen(self, owner: str) -> set[str]:
        with self._store.read() as db:
            rows = db.execute(
                "SELECT feedback_id FROM peer_seen WHERE owner = ?", [owner]
            ).fetchall()
        return {str(row[0]) for row in rows}

    def mark(self, owner: str, feedback_ids: Iterable[str]) -> None:
        with self._store.write() as db:
            for feedback_id in feedback_ids:
                db.execute(
                    "INSERT OR IGNORE INTO peer_seen (owner, feedback_id) VALUES (?, ?)",
                    [owner, feedback_id],
                )

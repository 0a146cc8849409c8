"""Where each learner is in each lesson medium and podcast episode. Worker threads / CLI.

Saved every few seconds while playing, so a write is one small upsert. Positions pulled from
the learner's other devices are folded in by server version (the caller skips unsent ones).
`owner` is the learner's account ("<user id>@<server>", "" before any login).
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from desktop.domain.learning import Playback
from desktop.store.clock import utc_now
from desktop.store.db import Store


class PlaybackRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    @staticmethod
    def put(db: sqlite_utils.Database, owner: str, playback: Playback) -> Playback:
        """Store a position; `played` never reverts here either. Returns what is stored."""
        db.execute(
            """INSERT INTO playback (owner, media_key, position_ms, duration_ms, played,
                   updated_at) VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT(owner, media_key) DO UPDATE SET position_ms = excluded.position_ms,
                   duration_ms = excluded.duration_ms,
                   played = MAX(playback.played, excluded.played),
                   updated_at = excluded.updated_at""",
            [
                owner,
                playback.media_key,
                playback.position_ms,
                playback.duration_ms,
                int(playback.played),
                utc_now(),
            ],
        )
        stored = PlaybackRepo._get(db, owner, playback.media_key)
        assert stored is not None
        return stored

    @staticmethod
    def fold_pulled(
        db: sqlite_utils.Database, owner: str, pulled: dict[str, Any], version: int
    ) -> None:
        db.execute(
            """INSERT INTO playback (owner, media_key, position_ms, duration_ms, played,
                   seen_version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(owner, media_key) DO UPDATE SET position_ms = excluded.position_ms,
                   duration_ms = excluded.duration_ms,
                   played = MAX(playback.played, excluded.played),
                   seen_version = excluded.seen_version, updated_at = excluded.updated_at
               WHERE excluded.seen_version > playback.seen_version""",
            [
                owner,
                pulled["media_key"],
                int(pulled["position_ms"]),
                int(pulled.get("duration_ms") or 0),
                int(bool(pulled.get("played"))),
                version,
                utc_now(),
            ],
        )

    @staticmethod
    def _get(db: sqlite_utils.Database, owner: str, media_key: str) -> Playback | None:
        row = db.execute(
            """SELECT position_ms, duration_ms, played FROM playback
               WHERE owner = ? AND media_key = ?""",
            [owner, media_key],
        ).fetchone()
        if row is None:
            return None
        return Playback(media_key, int(row[0]), int(row[1]), bool(row[2]))

    def get(self, owner: str, media_key: str) -> Playback | None:
        with self._store.read() as db:
            return self._get(db, owner, media_key)

    def many(self, owner: str, keys: list[str]) -> dict[str, Playback]:
        with self._store.read() as db:
            found = {}
            for key in keys:
                playback = self._get(db, owner, key)
                if playback is not None:
                    found[key] = playback
            return found

    def played_at(self, owner: str, media_key: str) -> str | None:
        """When the medium was last saved as played (None: not played)."""
        with self._store.read() as db:
            row = db.execute(
                """SELECT updated_at FROM playback
                   WHERE owner = ? AND media_key = ? AND played = 1""",
                [owner, media_key],
            ).fetchone()
        return None if row is None else str(row[0])

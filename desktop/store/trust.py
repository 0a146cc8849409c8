"""Academy signing keys this device trusts (learned at login). Worker threads / CLI."""

from __future__ import annotations

from desktop.domain.account import AcademyKey
from desktop.store.clock import utc_now
from desktop.store.db import Store


class KeyRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def remember(self, server_url: str, key: AcademyKey) -> None:
        with self._store.write() as db:
            db.execute(
                """INSERT OR IGNORE INTO academy_keys
                       (key_id, server_url, algorithm, public_key, added_at)
                   VALUES (?, ?, ?, ?, ?)""",
                [key.key_id, server_url, key.algorithm, key.public_key, utc_now()],
            )

    def known(self) -> dict[str, AcademyKey]:
        with self._store.read() as db:
            rows = db.execute("SELECT key_id, public_key, algorithm FROM academy_keys").fetchall()
        return {r[0]: AcademyKey(key_id=r[0], public_key=r[1], algorithm=r[2]) for r in rows}

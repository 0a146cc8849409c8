"""Which forum replies each learner has seen, for unread counts. Worker threads / CLI."""

from __future__ import annotations

from desktop.store.db import Store


class ForumReadRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def seen(self, owner: str, thread_ids: list[str]) -> dict[str, int]:
        with self._store.read() as db:
            rows = db.execute(
                "SELECT thread_id, seen_replies FROM forum_reads WHERE owner = ?", [owner]
            ).fetchall()
        wanted = set(thread_ids)
        return {str(row[0]): int(row[1]) for row in rows if row[0] in wanted}

    def mark(self, owner: str, thread_id: str, replies: int) -> None:
        with self._store.write() as db:
            db.execute(
                """INSERT INTO forum_reads (owner, thread_id, seen_replies) VALUES (?, ?, ?)
                   ON CONFLICT(owner, thread_id) DO UPDATE SET
                       seen_replies = MAX(forum_reads.seen_replies, excluded.seen_replies)""",
                [owner, thread_id, replies],
            )

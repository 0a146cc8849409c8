"""A backlog of queued actions, written straight into a real outbox: distinct pending
`progress.update` actions in one transaction. Test and bench helper (any thread)."""

from __future__ import annotations

from desktop.store.db import Store
from desktop.store.outbox import OutboxRepo


def queue_progress_updates(store: Store, client_id: str, count: int) -> None:
    """`count` progress updates of one lesson, positions 0, 1, 2... (none coalesces: each is
    written as its own outbox row, as days of offline study leave them)."""
    with store.write() as db:
        for position in range(count):
            OutboxRepo.enqueue(
                db,
                client_id=client_id,
                kind="progress",
                name="progress.update",
                args={
                    "course_id": "learning-together",
                    "lesson_id": "learning-together-1",
                    "position_ms": position,
                    "completed": False,
                },
            )

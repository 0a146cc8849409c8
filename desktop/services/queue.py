"""The learner's view of the outbox: what waits to be sent, what the academy refused and why,
and the two ways out of a refusal (edit and resend, or discard). Worker threads / CLI."""

from __future__ import annotations

from typing import Any

from desktop.domain.errors import SamenError
from desktop.domain.sync import OutboxItem
from desktop.store.outbox import OutboxRepo


class QueueService:
    def __init__(self, outbox: OutboxRepo) -> None:
        self._outbox = outbox

    def items(self) -> list[OutboxItem]:
        """Pending, sending, retrying and rejected items, in sending order."""
        return self._outbox.items()

    def waiting_count(self) -> int:
        """Actions not yet accepted or refused by the academy."""
        return sum(self._outbox.pending_by_kind().values())

    def discard(self, item_id: int) -> None:
        if not self._outbox.discard(item_id):
            raise SamenError(
                "This action is being sent or was already accepted, so it cannot be discarded."
            )

    def resend(self, item_id: int, args: dict[str, Any]) -> None:
        if self._outbox.resend(item_id, args) is None:
            raise SamenError("Only actions the academy refused can be edited and sent again.")

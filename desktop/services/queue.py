"""The learner's view of the outbox: what waits to be sent, what the academy refused and why,
and the two ways out of a refusal (edit and resend, or discard). Worker threads / CLI."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from desktop.domain.errors import NotLoggedInError, SamenError
from desktop.domain.sync import OutboxItem, QueueView
from desktop.services.session import SessionService
from desktop.store.outbox import OutboxRepo


class QueueService:
    """Always scoped to the logged-in account: on a shared computer each learner sees and
    changes only their own queue (the others' stay, untouched, for their next login)."""

    def __init__(self, outbox: OutboxRepo, session: SessionService) -> None:
        self._outbox = outbox
        self._session = session

    def _client_id(self) -> str | None:
        account = self._session.account()
        return account.client_id if account else None

    def items(self, *, names: Sequence[str] | None = None, prefix: str = "") -> list[OutboxItem]:
        """Pending, sending, retrying and rejected items, in sending order; only the
        mutations `names`, or those whose name starts with `prefix`, when given."""
        client_id = self._client_id()
        if client_id is None:
            return []
        return self._outbox.items(client_id=client_id, names=names, prefix=prefix)

    def refused(self) -> list[OutboxItem]:
        """The account's actions the academy refused, in sending order."""
        client_id = self._client_id()
        return [] if client_id is None else self._outbox.items(("rejected",), client_id)

    def view(self, waiting_limit: int) -> QueueView:
        """For the "Waiting to send" page: every refused item, the first waiting ones."""
        client_id = self._client_id()
        if client_id is None:
            return QueueView([], 0, 0)
        return self._outbox.view(client_id, waiting_limit)

    def accepted_unpulled(self, names: Sequence[str]) -> list[OutboxItem]:
        """The account's actions of `names` accepted but not pulled back yet."""
        client_id = self._client_id()
        return [] if client_id is None else self._outbox.accepted_unpulled(client_id, names)

    def waiting_count(self) -> int:
        """Actions not yet accepted or refused by the academy."""
        client_id = self._client_id()
        return 0 if client_id is None else sum(self._outbox.pending_by_kind(client_id).values())

    def _require(self) -> str:
        client_id = self._client_id()
        if client_id is None:
            raise NotLoggedInError("Log in to change what waits to be sent.")
        return client_id

    def discard(self, item_id: int) -> None:
        if not self._outbox.discard(item_id, self._require()):
            raise SamenError(
                "This action is being sent or was already accepted, so it cannot be discarded."
            )

    def resend(self, item_id: int, args: dict[str, Any]) -> None:
        if self._outbox.resend(item_id, args, self._require()) is None:
            raise SamenError("Only actions the academy refused can be edited and sent again.")

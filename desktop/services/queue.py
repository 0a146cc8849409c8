"""The learner's view of the outbox: what waits to be sent, what the academy refused and why,
and the two ways out of a refusal (edit and resend, or discard). Worker threads / CLI."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop.domain.errors import NotLoggedInError, SamenError
from desktop.domain.sync import OutboxItem, OutboxState, QueueView
from desktop.language.catalogue import _
from desktop.services.describer import ActionDescriber, ActionDescription, ActionKind
from desktop.services.session import SessionService
from desktop.store.outbox import OutboxRepo


@dataclass(frozen=True, slots=True)
class QueueCounts:
    """What the status indicator says: actions still to be sent, and refused ones; `account`
    is False when nobody is logged in (there is no queue to speak of)."""

    waiting: int = 0
    refused: int = 0
    account: bool = True


@dataclass(frozen=True, slots=True)
class DescribedQueue:
    """The queue as the "Waiting to send" list shows it, each item described."""

    view: QueueView
    descriptions: dict[int, ActionDescription] = field(default_factory=dict)

    def description(self, item: OutboxItem) -> ActionDescription:
        return self.descriptions.get(item.id, ActionDescription(ActionKind.OTHER))


class Delivery(enum.Enum):
    """Where one of the learner's own things is on its way to the academy."""

    WAITING = "waiting"  # in the outbox, not answered yet
    REFUSED = "refused"  # the academy said no (the reason is on the item)
    SENT = "sent"  # accepted, or never queued on this computer


# What a card shows -> the mutations that carry it and the argument naming it.
DELIVERY_TARGETS: dict[str, tuple[tuple[str, ...], str]] = {
    "answer": (("exercise.answer",), "exercise_id"),
    "vote": (("poll.vote",), "poll_id"),
    "reply": (("forum.reply", "forum.edit"), "post_id"),
    "thread": (("forum.new_thread",), "thread_id"),
    "progress": (("progress.update",), "lesson_id"),
    "supporter": (("supporter.request",), "request_id"),
    "peer": (("peer.submit",), "exercise_id"),
}


class QueueService:
    """Always scoped to the logged-in account: on a shared computer each learner sees and
    changes only their own queue (the others' stay, untouched, for their next login)."""

    def __init__(
        self,
        outbox: OutboxRepo,
        session: SessionService,
        describer: ActionDescriber | None = None,
    ) -> None:
        self._outbox = outbox
        self._session = session
        self._describer = describer

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

    def counts(self) -> QueueCounts:
        """The one source of the pending count: read after every local write and every sync,
        counted exactly as `view` counts what it lists."""
        client_id = self._client_id()
        if client_id is None:
            return QueueCounts(account=False)
        waiting, refused = self._outbox.counts(client_id)
        return QueueCounts(waiting, refused)

    def described_view(self, waiting_limit: int) -> DescribedQueue:
        """`view`, with each listed item described in values a person recognises."""
        view = self.view(waiting_limit)
        return DescribedQueue(view, self.describe(view.items))

    def describe(self, items: Iterable[OutboxItem]) -> dict[int, ActionDescription]:
        items = list(items)
        if self._describer is None:
            return {item.id: ActionDescription(ActionKind.OTHER) for item in items}
        return self._describer.describe(items)

    def choices(self, item: OutboxItem) -> list[tuple[str, str]]:
        """What a refused vote can be changed to, as (option id, words)."""
        return [] if self._describer is None else self._describer.vote_choices(item)

    def delivery(self, target: str, ids: Iterable[str]) -> dict[str, Delivery]:
        """Where each of the learner's own `ids` (exercise ids for "answer", poll ids for
        "vote", post ids for "reply"... see DELIVERY_TARGETS) stands: waiting, refused, or
        sent (accepted, or not in the queue at all). The newest action on an id decides."""
        names, key = DELIVERY_TARGETS[target]
        wanted = set(ids)
        found = dict.fromkeys(wanted, Delivery.SENT)
        for item in self.items(names=names):  # in sending order: the newest comes last
            value = str(item.args.get(key))
            if value in wanted:
                refused = item.state is OutboxState.REJECTED
                found[value] = Delivery.REFUSED if refused else Delivery.WAITING
        return found

    def _require(self) -> str:
        client_id = self._client_id()
        if client_id is None:
            raise NotLoggedInError(_("Log in to change what waits to be sent."))
        return client_id

    def discard(self, item_id: int) -> None:
        if not self._outbox.discard(item_id, self._require()):
            raise SamenError(
                _("This action is being sent or was already accepted, so it cannot be discarded.")
            )

    def resend(self, item_id: int, args: dict[str, Any]) -> None:
        if self._outbox.resend(item_id, args, self._require()) is None:
            raise SamenError(_("Only actions the academy refused can be edited and sent again."))

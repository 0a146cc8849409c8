"""The sync engine: one connectivity window of push, then pull. Worker thread / CLI, blocking.

Phases keep the database free while HTTP is in flight: claim a batch (a short transaction),
push it (HTTP, no lock), record the outcomes (a short transaction); then pull pages, each page
applied together with its cursor in one transaction. The engine talks to storage only through
the small Protocols below, so sync never imports store (services wire them together).

An HTTP 500 on a push is not a network failure: the academy may fail on one action every time
(a bug, data it cannot handle). A batch of several that gets a 500 is halved at once, so the
actions before the faulty one still go; a batch of one that gets a 500 counts against that item
(kept in the outbox) and ends the window with the usual backoff; the batch after that starts
with it alone. It counts only if a pull right after it works: when the academy fails on
everything (its database down), nothing is set aside. After `server_error_tries` of those in a
row the item is set aside as refused (`server_error`; the learner can edit or discard it) and
the queue behind it moves on. When the pull showed that the academy never stored it (its
last_seq is below the item's; a 500 undoes the whole batch), the item gives up its seq at once
and the items behind it are renumbered into its place, so the next push leaves no gap. If the
academy did store it, it keeps its seq (the next push follows on without a gap) and a later pull
may still replay its real outcome over the local refusal.

A 400 on a push (the academy calls the whole request malformed: nested too deep, a number out
of range) is just as permanent for that batch, and goes the same way as a 500.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from desktop.domain.errors import BatchTooLargeError, ProtocolError, ServerError
from desktop.domain.sync import (
    SERVER_ERROR_CODE,
    SERVER_ERROR_MESSAGE,
    OutboxItem,
    Outcome,
    OutcomeStatus,
    PullPage,
    PushReply,
    RecordSummary,
    WindowResult,
)
from desktop.language.catalogue import _


class OutboxPort(Protocol):
    def claim_batch(
        self, client_id: str, limit: int, now: datetime | None = None
    ) -> list[OutboxItem]: ...
    def release(self, client_id: str) -> None: ...
    def record(
        self, client_id: str, outcomes: Sequence[Outcome], now: datetime | None = None
    ) -> RecordSummary: ...
    def renumber(self, client_id: str, expected_seq: int) -> int: ...
    def server_failed(self, client_id: str, item_id: int) -> int: ...
    def acked_seq(self, client_id: str) -> int: ...


class PulledPort(Protocol):
    def cursor(self, client_id: str) -> str: ...
    def apply_page(self, client_id: str, page: PullPage) -> None: ...


class SyncApi(Protocol):
    def push(self, client_id: str, items: Sequence[OutboxItem]) -> PushReply: ...
    def pull(self, client_id: str, cursor: str, acked_seq: int, limit: int = 500) -> PullPage: ...


def _fails_the_batch(exc: ServerError) -> bool:
    """What the academy answers every time for a batch holding an action it cannot take: a
    crash on it (500), or a 400 in its own words (the request is malformed; a proxy's bare 400
    says nothing about the batch). Retrying the same batch would block the queue for ever."""
    return exc.status == 500 or (exc.status == 400 and not exc.code.startswith("http_"))


OLD_PULL_PAGE = 1000  # the largest page an academy before issue 17 serves


@dataclass
class EngineLimits:
    batch_size: int = 500
    max_batches: int = 1000  # a window ends even if something keeps feeding the outbox
    max_pages: int = 1000
    # The academy's largest page (server MAX_PULL_LIMIT): catching up on a busy course's
    # forum takes a fifth of the requests it took at 1000, and the academy spends most of a
    # page's time on the request, not on its changes. An academy older than that allows
    # OLD_PULL_PAGE and refuses more with 400; the engine then asks it for that.
    pull_page: int = 5000
    server_error_tries: int = 5  # HTTP 500s in a row for one action alone before it is refused


class SyncEngine:
    def __init__(
        self,
        outbox: OutboxPort,
        pulled: PulledPort,
        api: SyncApi,
        limits: EngineLimits | None = None,
    ) -> None:
        self._outbox = outbox
        self._pulled = pulled
        self._api = api
        self.limits = limits or EngineLimits()
        self._page = self.limits.pull_page  # smaller once an older academy refuses it
        self._probed = 0  # changes pulled by the push itself (after a 500), in this run
        self._academy_last_seq: int | None = None  # as the last pull page said

    def run(self, client_id: str, now: datetime | None = None) -> WindowResult:
        """Push everything due, then pull everything new. Raises on network/auth failures,
        after returning claimed items to pending (nothing is ever lost by a failed window)."""
        self._probed = 0
        pushed, summary = self.push(client_id, now)
        pulled, pull_summary = self.pull(client_id)
        retry = [r for r in (summary.retry_after, pull_summary.retry_after) if r is not None]
        return WindowResult(
            pushed=pushed,
            acked=summary.acked + pull_summary.acked,
            rejected=summary.rejected + pull_summary.rejected,
            pulled=pulled + self._probed,
            retry_after=max(retry) if retry else None,
        )

    def push(self, client_id: str, now: datetime | None = None) -> tuple[int, RecordSummary]:
        """Push every due item in batches; returns (outcomes received, what they did)."""
        pushed = acked = rejected = 0
        retry_after: float | None = None
        batch_size = self.limits.batch_size  # halved for good by 413
        isolating: int | None = None  # a smaller size while a 500 is being narrowed down
        for _attempt in range(self.limits.max_batches):
            size = batch_size if isolating is None else min(batch_size, isolating)
            batch = self._outbox.claim_batch(client_id, size, now or datetime.now(UTC))
            if not batch:
                break
            if len(batch) > 1 and batch[0].server_errors:
                # It failed alone before: try it alone again, so a 500 is surely its own.
                self._outbox.release(client_id)
                isolating = 1
                continue
            try:
                reply = self._api.push(client_id, batch)
            except BatchTooLargeError:
                self._outbox.release(client_id)
                if batch_size == 1:
                    raise
                batch_size = max(1, batch_size // 2)
                continue
            except ServerError as exc:
                self._outbox.release(client_id)
                if not _fails_the_batch(exc):
                    raise
                if len(batch) > 1:
                    isolating = max(1, len(batch) // 2)
                    continue
                # It counts against this action only if the rest of the academy works: a
                # pull that fails too (its database down) is raised and sets nothing aside.
                probed, healed = self.pull(client_id)
                self._probed += probed
                acked += healed.acked
                rejected += healed.rejected
                tries = self._outbox.server_failed(client_id, batch[0].id)
                if tries == 0:
                    continue  # the pull brought its real outcome (a reply lost to the 500)
                if tries < self.limits.server_error_tries:
                    raise
                rejected += self._refuse(client_id, batch[0]).rejected
                seq = batch[0].seq or 0
                if self._academy_last_seq is not None and self._academy_last_seq < seq:
                    # The pull just said the academy never stored it: its number goes to the
                    # items behind it now, so the next push leaves no gap.
                    self._outbox.renumber(client_id, seq)
                isolating = None
                continue
            except BaseException:
                self._outbox.release(client_id)
                raise
            try:
                self._check_reply(batch, reply)
                recorded = self._outbox.record(client_id, reply.outcomes)
            except BaseException:
                # A reply we cannot use must not leave the batch 'sending' until a restart.
                self._outbox.release(client_id)
                raise
            if isolating is not None:
                # Past the part that failed: grow back towards full batches.
                isolating = None if isolating * 2 >= batch_size else isolating * 2
            pushed += len(reply.outcomes)
            acked += recorded.acked
            rejected += recorded.rejected
            if recorded.retry_after is not None:
                retry_after = recorded.retry_after
                break  # order: nothing after a temporary failure may go first
            if reply.expected_seq is not None:
                first = batch[0].seq or 0
                if reply.expected_seq < first and not reply.outcomes:
                    # The server has nothing from expected_seq on (it was restored from a
                    # backup, never saw them, or an item before them was refused here after
                    # repeated 500s): number everything from there and resend.
                    self._outbox.renumber(client_id, reply.expected_seq)
                    continue
                if not reply.outcomes:
                    raise ProtocolError(
                        _(
                            "The academy expects action {number}, which this device has "
                            "already had confirmed. Nothing was lost; please contact support."
                        ).format(number=reply.expected_seq)
                    )
        return pushed, RecordSummary(acked=acked, rejected=rejected, retry_after=retry_after)

    def _refuse(self, client_id: str, item: OutboxItem) -> RecordSummary:
        """Set an item the academy keeps failing on aside, as refused, for the learner."""
        assert item.seq is not None  # claimed items are numbered
        refusal = Outcome(
            seq=item.seq,
            mutation_id=item.mutation_id,
            status=OutcomeStatus.REJECTED,
            code=SERVER_ERROR_CODE,
            message=_(SERVER_ERROR_MESSAGE),
        )
        return self._outbox.record(client_id, [refusal])

    @staticmethod
    def _check_reply(batch: Sequence[OutboxItem], reply: PushReply) -> None:
        sent = {(item.seq, item.mutation_id) for item in batch}
        for outcome in reply.outcomes:
            if (outcome.seq, outcome.mutation_id) not in sent:
                raise ProtocolError(
                    _("The academy answered for action {number}, which was not sent.").format(
                        number=outcome.seq
                    )
                )

    def _pull_page(self, client_id: str, cursor: str) -> PullPage:
        acked_seq = self._outbox.acked_seq(client_id)
        try:
            return self._api.pull(client_id, cursor, acked_seq, self._page)
        except ServerError as exc:
            older = exc.status == 400 and exc.code == "invalid_request"
            if not (older and self._page > OLD_PULL_PAGE):
                raise
        # An older academy: its pages are smaller, for the rest of this engine's life.
        self._page = OLD_PULL_PAGE
        return self._api.pull(client_id, cursor, acked_seq, self._page)

    def pull(self, client_id: str) -> tuple[int, RecordSummary]:
        """Pull every page; returns (changes applied, outcomes replayed)."""
        pulled = acked = rejected = 0
        for _page in range(self.limits.max_pages):
            cursor = self._pulled.cursor(client_id)
            page = self._pull_page(client_id, cursor)
            self._pulled.apply_page(client_id, page)
            self._academy_last_seq = page.last_seq
            pulled += len(page.changes)
            if page.outcomes:
                # Outcomes of pushes whose reply was lost on the way.
                recorded = self._outbox.record(client_id, page.outcomes)
                acked += recorded.acked
                rejected += recorded.rejected
            if not page.has_more:
                break
        return pulled, RecordSummary(acked=acked, rejected=rejected)

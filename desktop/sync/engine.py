"""The sync engine: one connectivity window of push, then pull. Worker thread / CLI, blocking.

Phases keep the database free while HTTP is in flight: claim a batch (a short transaction),
push it (HTTP, no lock), record the outcomes (a short transaction); then pull pages, each page
applied together with its cursor in one transaction. The engine talks to storage only through
the small Protocols below, so sync never imports store (services wire them together).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from desktop.domain.errors import BatchTooLargeError, ProtocolError
from desktop.domain.sync import (
    OutboxItem,
    Outcome,
    PullPage,
    PushReply,
    RecordSummary,
    WindowResult,
)


class OutboxPort(Protocol):
    def claim_batch(
        self, client_id: str, limit: int, now: datetime | None = None
    ) -> list[OutboxItem]: ...
    def release(self, client_id: str) -> None: ...
    def record(
        self, client_id: str, outcomes: Sequence[Outcome], now: datetime | None = None
    ) -> RecordSummary: ...
    def renumber(self, client_id: str, expected_seq: int) -> int: ...
    def acked_seq(self, client_id: str) -> int: ...


class PulledPort(Protocol):
    def cursor(self, client_id: str) -> str: ...
    def apply_page(self, client_id: str, page: PullPage) -> None: ...


class SyncApi(Protocol):
    def push(self, client_id: str, items: Sequence[OutboxItem]) -> PushReply: ...
    def pull(self, client_id: str, cursor: str, acked_seq: int, limit: int = 500) -> PullPage: ...


@dataclass
class EngineLimits:
    batch_size: int = 500
    max_batches: int = 1000  # a window ends even if something keeps feeding the outbox
    max_pages: int = 1000
    pull_page: int = 500


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

    def run(self, client_id: str, now: datetime | None = None) -> WindowResult:
        """Push everything due, then pull everything new. Raises on network/auth failures,
        after returning claimed items to pending (nothing is ever lost by a failed window)."""
        pushed, summary = self.push(client_id, now)
        pulled, pull_summary = self.pull(client_id)
        retry = [r for r in (summary.retry_after, pull_summary.retry_after) if r is not None]
        return WindowResult(
            pushed=pushed,
            acked=summary.acked + pull_summary.acked,
            rejected=summary.rejected + pull_summary.rejected,
            pulled=pulled,
            retry_after=max(retry) if retry else None,
        )

    def push(self, client_id: str, now: datetime | None = None) -> tuple[int, RecordSummary]:
        """Push every due item in batches; returns (outcomes received, what they did)."""
        pushed = acked = rejected = 0
        retry_after: float | None = None
        batch_size = self.limits.batch_size
        for _ in range(self.limits.max_batches):
            batch = self._outbox.claim_batch(client_id, batch_size, now or datetime.now(UTC))
            if not batch:
                break
            try:
                reply = self._api.push(client_id, batch)
            except BatchTooLargeError:
                self._outbox.release(client_id)
                if batch_size == 1:
                    raise
                batch_size = max(1, batch_size // 2)
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
                    # backup, or never saw them): number everything from there and resend.
                    self._outbox.renumber(client_id, reply.expected_seq)
                    continue
                if not reply.outcomes:
                    raise ProtocolError(
                        f"The academy expects action {reply.expected_seq}, which this device "
                        "has already had confirmed. Nothing was lost; please contact support."
                    )
        return pushed, RecordSummary(acked=acked, rejected=rejected, retry_after=retry_after)

    @staticmethod
    def _check_reply(batch: Sequence[OutboxItem], reply: PushReply) -> None:
        sent = {(item.seq, item.mutation_id) for item in batch}
        for outcome in reply.outcomes:
            if (outcome.seq, outcome.mutation_id) not in sent:
                raise ProtocolError(
                    f"The academy answered for action {outcome.seq}, which was not sent."
                )

    def pull(self, client_id: str) -> tuple[int, RecordSummary]:
        """Pull every page; returns (changes applied, outcomes replayed)."""
        pulled = acked = rejected = 0
        for _ in range(self.limits.max_pages):
            cursor = self._pulled.cursor(client_id)
            page = self._api.pull(
                client_id, cursor, self._outbox.acked_seq(client_id), self.limits.pull_page
            )
            self._pulled.apply_page(client_id, page)
            pulled += len(page.changes)
            if page.outcomes:
                # Outcomes of pushes whose reply was lost on the way.
                recorded = self._outbox.record(client_id, page.outcomes)
                acked += recorded.acked
                rejected += recorded.rejected
            if not page.has_more:
                break
        return pulled, RecordSummary(acked=acked, rejected=rejected)

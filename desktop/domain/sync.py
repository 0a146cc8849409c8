"""Outbox items, mutation outcomes, pulled changes and sync reports. Pure data. Any thread.

The wire protocol is ../shared/design/sync-protocol.md; these are its client-side shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from desktop.language.catalogue import N_


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    ACKED = "acked"
    REJECTED = "rejected"
    RETRY = "retry"


# What the learner sees for each kind of queued action (outbox view, status bar tooltip);
# marked for the catalogue, translated with `_` where shown.
KIND_LABELS = {
    "progress": N_("lesson progress"),
    "vote": N_("poll votes"),
    "answer": N_("exercise answers"),
    "position": N_("listening positions"),
    "post": N_("forum posts"),
    "moderation": N_("moderation"),
    "feedback": N_("feedback"),
    "supporter": N_("supporter requests"),
    "peer": N_("peer feedback"),
}


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    mutation_id: str
    client_id: str
    seq: int | None
    kind: str
    name: str
    args: dict[str, Any]
    state: OutboxState
    created_at: str
    code: str | None = None
    message: str | None = None
    # The values the refusal names (MutationResult.params: subject, length, limit, ...), for
    # saying it in the learner's language (desktop.services.refusals).
    params: dict[str, Any] | None = None
    attempts: int = 0
    next_at: str | None = None
    waits_for: str | None = None  # an upload id: sent only once that upload is complete
    server_errors: int = 0  # consecutive HTTP 500s for batches that began with this item


@dataclass(frozen=True, slots=True)
class QueueView:
    """What the "Waiting to send" page lists: every refused item (each needs the learner) and
    waiting ones (all, or the first and the newest of a long backlog), in sending order, with
    the full counts."""

    items: list[OutboxItem]
    waiting: int
    refused: int

    @property
    def waiting_listed(self) -> int:
        return sum(1 for item in self.items if item.state is not OutboxState.REJECTED)


# A refusal decided on this device: the academy failed (HTTP 500) on this action every time it
# was sent first, so it is set aside for the learner instead of blocking the queue for ever.
SERVER_ERROR_CODE = "server_error"
# Marked for the catalogue; stored translated (desktop/sync/engine.py).
SERVER_ERROR_MESSAGE = N_(
    "The academy could not process this action. You can edit it or discard it."
)


class OutcomeStatus(StrEnum):
    APPLIED = "applied"
    REJECTED = "rejected"
    RETRY = "retry"


@dataclass(frozen=True, slots=True)
class Outcome:
    """A mutation's final or temporary result; a replayed duplicate is resolved to its original."""

    seq: int
    mutation_id: str
    status: OutcomeStatus
    result: dict[str, Any] | None = None
    code: str | None = None
    message: str | None = None
    retry_after: float | None = None
    params: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class PushReply:
    last_seq: int
    outcomes: tuple[Outcome, ...]
    expected_seq: int | None = None


@dataclass(frozen=True, slots=True)
class Change:
    scope: str
    entity: str
    id: str
    op: str  # "put" | "delete"
    version: int
    data: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class PullPage:
    changes: tuple[Change, ...]
    cursor: str
    has_more: bool
    last_seq: int
    reset: tuple[str, ...] = ()
    outcomes: tuple[Outcome, ...] = ()


@dataclass(frozen=True, slots=True)
class RecordSummary:
    acked: int = 0
    rejected: int = 0
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class WindowResult:
    """What one connectivity window achieved."""

    pushed: int = 0
    acked: int = 0
    rejected: int = 0
    pulled: int = 0
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class SyncReport:
    """The outcome of `SyncService.run_window`, for the status bar and `samen sync`."""

    ok: bool
    pushed: int = 0
    acked: int = 0
    rejected: int = 0
    pulled: int = 0
    uploaded: int = 0  # recordings whose upload completed in this window
    pending: int = 0
    offline: bool = False
    busy: bool = False
    needs_login: bool = False
    error: str | None = None
    next_delay_s: float | None = None
    pending_by_kind: dict[str, int] = field(default_factory=dict)
    # What this window sent that the academy accepted, per kind (KIND_LABELS keys).
    acked_by_kind: dict[str, int] = field(default_factory=dict)

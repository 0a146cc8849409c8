"""The sync status shown in the status bar and by `samen status`. Pure data. Any thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Connectivity(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    CAPTIVE_PORTAL = "captive_portal"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class SyncStatus:
    connectivity: Connectivity
    logged_in: bool
    username: str | None
    server_url: str | None
    pending_by_kind: dict[str, int] = field(default_factory=dict)
    rejected: int = 0
    last_sync_at: str | None = None
    last_error: str | None = None
    token_persistent: bool = True

    @property
    def pending(self) -> int:
        return sum(self.pending_by_kind.values())

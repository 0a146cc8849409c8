"""The sync status: connectivity, login, pending actions, last sync. Worker threads / CLI."""

from __future__ import annotations

from desktop.domain.errors import CaptivePortalError, OfflineError
from desktop.domain.status import Connectivity, SyncStatus
from desktop.services.session import SessionService
from desktop.store.outbox import OutboxRepo
from desktop.store.sync_state import LAST_ERROR, LAST_SYNC_AT, SyncStateRepo


class StatusService:
    def __init__(self, session: SessionService, outbox: OutboxRepo, state: SyncStateRepo) -> None:
        self._session = session
        self._outbox = outbox
        self._state = state

    def probe(self) -> Connectivity:
        """Ask the academy's health endpoint; only its expected answer means online."""
        account = self._session.account()
        if account is None:
            return Connectivity.UNKNOWN
        try:
            self._session.client().health()
        except CaptivePortalError:
            return Connectivity.CAPTIVE_PORTAL
        except OfflineError:
            return Connectivity.OFFLINE
        return Connectivity.ONLINE

    def status(self, *, probe: bool = True) -> SyncStatus:
        account = self._session.account()
        connectivity = self.probe() if probe else Connectivity.UNKNOWN
        return SyncStatus(
            connectivity=connectivity,
            logged_in=account is not None and self._session.token() is not None,
            username=account.user.username if account else None,
            server_url=account.server_url if account else None,
            pending_by_kind=self._outbox.pending_by_kind(account.client_id) if account else {},
            rejected=self._outbox.rejected_count(account.client_id) if account else 0,
            last_sync_at=self._state.get(LAST_SYNC_AT),
            last_error=self._state.get(LAST_ERROR),
            token_persistent=self._session.token_persistent,
        )

    def record_sync(self, at: str | None, error: str | None) -> None:
        if at is not None:
            self._state.set(LAST_SYNC_AT, at)
        self._state.set(LAST_ERROR, error)

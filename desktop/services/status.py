"""The sync status: connectivity, login, pending actions, last sync. Worker threads / CLI.

On a full disk the last sync's time and problem are kept in memory until they can be saved:
recording a failure must never fail a second time and hide the first.
"""

from __future__ import annotations

import logging

from desktop.domain.errors import CaptivePortalError, DiskFullError, OfflineError
from desktop.domain.status import Connectivity, SyncStatus
from desktop.services.session import SessionService
from desktop.store.outbox import OutboxRepo
from desktop.store.sync_state import LAST_ERROR, LAST_SYNC_AT, SyncStateRepo

log = logging.getLogger(__name__)


class StatusService:
    def __init__(self, session: SessionService, outbox: OutboxRepo, state: SyncStateRepo) -> None:
        self._session = session
        self._outbox = outbox
        self._state = state
        self._unsaved: dict[str, str | None] = {}  # what a full disk kept from being saved

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
            # Offline the keyring is left closed (no token is sent): see SessionService.
            logged_in=account is not None
            and self._session.logged_in(read_token=connectivity is not Connectivity.OFFLINE),
            username=account.user.username if account else None,
            server_url=account.server_url if account else None,
            pending_by_kind=self._outbox.pending_by_kind(account.client_id) if account else {},
            rejected=self._outbox.rejected_count(account.client_id) if account else 0,
            last_sync_at=self._recorded(LAST_SYNC_AT),
            last_error=self._recorded(LAST_ERROR),
            token_persistent=self._session.token_persistent,
        )

    def record_sync(self, at: str | None, error: str | None) -> None:
        """Save when the last sync ended and its problem; never raises for a full disk."""
        values = dict(self._unsaved)
        if at is not None:
            values[LAST_SYNC_AT] = at
        values[LAST_ERROR] = error
        try:
            for key, value in values.items():
                self._state.set(key, value)
        except DiskFullError as exc:
            self._unsaved = values
            log.info("sync status kept in memory only: %s", exc.message)
        else:
            self._unsaved = {}

    def _recorded(self, key: str) -> str | None:
        return self._unsaved[key] if key in self._unsaved else self._state.get(key)

"""The status-bar indicator: online/offline, pending actions, last sync. UI thread."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from desktop.domain.status import Connectivity, SyncStatus
from desktop.domain.sync import KIND_LABELS
from desktop.ui import formatting

_STATE = {
    Connectivity.ONLINE: ("#2e7d32", "Online"),
    Connectivity.OFFLINE: ("#c62828", "Offline"),
    Connectivity.CAPTIVE_PORTAL: ("#ef6c00", "Network login needed"),
    Connectivity.UNKNOWN: ("#757575", "Checking…"),
}


class SyncIndicator(QLabel):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("syncIndicator")
        self.status: SyncStatus | None = None
        self.show_status(None)

    @property
    def text_plain(self) -> str:
        return self.accessibleName()

    def show_status(self, status: SyncStatus | None) -> None:
        self.status = status
        connectivity = status.connectivity if status else Connectivity.UNKNOWN
        colour, label = _STATE[connectivity]
        parts = [label]
        if status is not None:
            if not status.logged_in:
                parts.append("not logged in")
            elif not status.token_persistent:
                parts.append("login not saved")
            parts.append(f"{status.pending} pending")
            if status.rejected:
                parts.append(f"{status.rejected} need attention")
            parts.append(f"last sync {formatting.local_time(status.last_sync_at)}")
        plain = " · ".join(parts)
        self.setAccessibleName(plain)
        self.setText(f'<span style="color:{colour}">●</span> {plain}')
        tips = []
        if status is not None:
            if status.server_url:
                tips.append(f"Academy: {status.server_url}")
            for kind, count in status.pending_by_kind.items():
                tips.append(f"{count} {KIND_LABELS.get(kind, 'other actions')} waiting to be sent")
            if status.last_error:
                tips.append(f"Last problem: {status.last_error}")
            if not status.token_persistent:
                tips.append("No system keyring: you will need to log in again after closing Samen.")
        self.setToolTip("\n".join(tips))

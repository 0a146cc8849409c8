"""The status-bar indicator: online/offline, pending actions, last sync. UI thread."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QLabel

from desktop.domain.status import Connectivity, SyncStatus
from desktop.domain.sync import KIND_LABELS
from desktop.ui import formatting, theme

_STATE: dict[Connectivity, tuple[theme.Kind, str]] = {
    Connectivity.ONLINE: ("success", "Online"),
    Connectivity.OFFLINE: ("error", "Offline"),
    Connectivity.CAPTIVE_PORTAL: ("warning", "Network login needed"),
    Connectivity.UNKNOWN: ("muted", "Checking…"),
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

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # another theme: the dot's colour too
            self.show_status(self.status)

    def show_status(self, status: SyncStatus | None) -> None:
        self.status = status
        connectivity = status.connectivity if status else Connectivity.UNKNOWN
        tone, label = _STATE[connectivity]
        colour = theme.derived(tone, self.palette()).name()
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

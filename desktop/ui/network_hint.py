"""The operating system's opinion on connectivity (QNetworkInformation). UI thread.

Only a hint: it can say "online" behind a captive portal and "offline" on a working VPN. Samen
uses it to try a sync window sooner when the OS says the network came back; whether the academy
is really reachable is decided by its health endpoint, never by this.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtNetwork import QNetworkInformation


class NetworkHint(QObject):
    back_online = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.available = False
        self.metered: bool | None = None  # None: the OS does not say
        # No backend (no NetworkManager, a container): no hints, the timers still run.
        if QNetworkInformation.loadDefaultBackend():
            info = QNetworkInformation.instance()
            if info is not None:
                self.available = True
                info.reachabilityChanged.connect(self.on_reachability)
                if info.supports(QNetworkInformation.Feature.Metered):
                    self.metered = info.isMetered()
                    info.isMeteredChanged.connect(self.on_metered)

    @Slot(bool)
    def on_metered(self, metered: bool) -> None:
        self.metered = metered

    @Slot(QNetworkInformation.Reachability)
    def on_reachability(self, reachability: QNetworkInformation.Reachability) -> None:
        if reachability == QNetworkInformation.Reachability.Online:
            self.back_online.emit()

"""What the main window shows after a refresh: status, courses, and when to sync next.
Worker thread.

One refresh is one connectivity window: probe the academy, sync (push then pull), refresh the
catalogue. Whatever fails, the learner still gets what this device knows, plus one clear message.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from desktop.domain.course import LibraryEntry
from desktop.domain.errors import AuthError, SamenError
from desktop.domain.status import Connectivity, SyncStatus
from desktop.domain.sync import SyncReport
from desktop.language.catalogue import N_, _
from desktop.services.catalogue import CatalogueService
from desktop.services.status import StatusService
from desktop.services.sync import SyncService

# Marked here, translated where it is said (the language is installed after imports).
LOGIN_HINT = N_("Choose Samen → Log in…; work not yet sent is kept.")


@dataclass(frozen=True, slots=True)
class Overview:
    status: SyncStatus
    library: list[LibraryEntry]
    message: str | None
    needs_login: bool
    next_sync_s: float
    report: SyncReport | None = None


class OverviewService:
    def __init__(
        self,
        status: StatusService,
        sync: SyncService,
        catalogue: CatalogueService,
        *,
        interval_s: float = 300.0,
    ) -> None:
        self._status = status
        self._sync = sync
        self._catalogue = catalogue
        self.interval_s = interval_s

    def refresh(self) -> Overview:
        status = self._status.status(probe=True)
        report: SyncReport | None = None
        message: str | None = None
        needs_login = not status.logged_in
        next_sync = self.interval_s
        if status.connectivity is Connectivity.ONLINE and status.logged_in:
            report = self._sync.run_window()
            needs_login = report.needs_login
            message = report.error
            if report.next_delay_s is not None:
                next_sync = report.next_delay_s
            if report.ok:
                try:
                    self._catalogue.refresh()
                except AuthError as exc:
                    needs_login, message = True, exc.message
                except SamenError as exc:
                    message = exc.message
            if needs_login:
                # Translators: {reason} says why (e.g. "Please log in again."); then how to.
                message = _("{reason} {how}").format(
                    reason=message or _("Please log in again."), how=_(LOGIN_HINT)
                )
            # Counts and last sync changed; the connectivity is the one just probed.
            status = replace(
                self._status.status(probe=False),
                connectivity=status.connectivity,
                logged_in=not needs_login,
            )
        elif status.connectivity is Connectivity.OFFLINE:
            message = _("You are offline. Courses on this device are still available.")
            next_sync = self._sync.backoff.next_delay()
        elif status.connectivity is Connectivity.CAPTIVE_PORTAL:
            message = _("This network wants you to log in (in a browser) before Samen can connect.")
        elif not status.logged_in:
            message = _("You are not logged in. {how}").format(how=_(LOGIN_HINT))
        return Overview(
            status=status,
            library=self._catalogue.library(),
            message=message,
            needs_login=needs_login,
            next_sync_s=next_sync,
            report=report,
        )

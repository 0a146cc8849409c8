"""The status-bar indicator: connecting/online/offline, what waits to be sent, last sync; a click
(or Enter/Space when it has the focus) opens Sync & storage. UI thread; counting goes through
the task runner.

The count is always the outbox's: `recount()` reads QueueService.counts on a worker after every
local write and after every sync. Local writes are caught without relying on each page to say
so: every task that ends on a watched runner (`watch`) asks for a recount (a page's
`queued()`/`changed()` signal may be connected too). One count runs at a time; a request made
meanwhile runs right after it, so the last answer shown always started after the last write.
`show_connecting()` changes the state the moment a sync starts, before any probe has answered.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPalette
from PySide6.QtWidgets import QLabel

from desktop.domain.status import Connectivity, SyncStatus
from desktop.language import formats
from desktop.language.catalogue import N_, _, counted
from desktop.services.queue import QueueCounts, QueueService
from desktop.ui.tasks import TaskRunner

CONNECTING = N_("Connecting…")
_STATE = {  # a mark, and the words (translated where shown)
    Connectivity.ONLINE: ("●", N_("Online")),
    Connectivity.OFFLINE: ("○", N_("Offline")),
    Connectivity.CAPTIVE_PORTAL: ("◐", N_("Network login needed")),
    Connectivity.UNKNOWN: ("◌", N_("Checking…")),
}


class SyncIndicator(QLabel):
    clicked = Signal()  # the learner wants Sync & storage

    def __init__(self, queue: QueueService | None = None, runner: TaskRunner | None = None) -> None:
        super().__init__()
        self.setObjectName("syncIndicator")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setTextFormat(Qt.TextFormat.RichText)
        self._queue = queue
        self._runner = runner
        self.status: SyncStatus | None = None
        self.connecting = False
        self.counts: QueueCounts | None = None
        self._counting: set[int] = set()  # our own count tasks (their end asks for nothing)
        self._busy = False  # a count is running
        self._again = False  # asked while a count was running
        if runner is not None:
            self.watch(runner)
        self._render()

    @property
    def text_plain(self) -> str:
        return self.accessibleName()

    @property
    def waiting(self) -> int:
        return self.counts.waiting if self.counts else 0

    # -- what is shown ---------------------------------------------------------------------

    def show_connecting(self) -> None:
        """A sync has started: say so at once (a frozen academy may not answer for a while)."""
        self.connecting = True
        self._render()

    def show_status(self, status: SyncStatus | None) -> None:
        """The result of a refresh: connectivity and login; the counts come with it too, and
        `recount()` confirms them from the outbox."""
        self.status = status
        self.connecting = False
        if status is not None:
            self.counts = QueueCounts(status.pending, status.rejected, status.username is not None)
        self._render()

    def show_counts(self, counts: QueueCounts) -> None:
        self.counts = counts
        self._render()

    def watch(self, runner: TaskRunner) -> None:
        """Recount after every task that ends on `runner` (any of them may have queued work)."""
        # Bound methods, not lambdas: Qt drops the connection when this widget goes.
        ended = self._own_task_ended if runner is self._runner else self._other_task_ended
        runner.job_done.connect(ended)
        runner.job_failed.connect(ended)

    def _own_task_ended(self, task_id: int, _outcome: object) -> None:
        if task_id in self._counting:
            self._counting.discard(task_id)
        else:
            self.recount()

    def _other_task_ended(self, _task_id: int, _outcome: object) -> None:
        self.recount()

    def recount(self) -> None:
        """Read the counts from the outbox on a worker and show them (a no-op without a
        queue service)."""
        if self._queue is None or self._runner is None:
            return
        if self._busy:
            self._again = True
            return
        self._busy = True
        task = self._runner.submit(self._queue.counts, self._counted, self._not_counted)
        self._counting.add(task)

    def _counted(self, counts: object) -> None:
        if isinstance(counts, QueueCounts):
            self.show_counts(counts)
        self._count_again_if_asked()

    def _not_counted(self, _exc: BaseException) -> None:
        # The database could not be read just now (closing, a full disk said elsewhere):
        # the last counts stay until the next write or sync asks again.
        self._count_again_if_asked()

    def _count_again_if_asked(self) -> None:
        self._busy = False
        if self._again:
            self._again = False
            self.recount()

    def _render(self) -> None:
        status = self.status
        if self.connecting:
            mark, label = "◌", CONNECTING
        else:
            mark, label = _STATE[status.connectivity if status else Connectivity.UNKNOWN]
        # Short phrases side by side, each whole in the catalogue, between " · ".
        parts = [_(label)]
        if status is not None:
            if not status.logged_in:
                parts.append(_("not logged in"))
            elif not status.token_persistent:
                parts.append(_("login not saved"))
        if self.counts is not None and self.counts.account:
            waiting, refused = self.counts.waiting, self.counts.refused
            parts.append(
                counted("{n} item waiting to send", "{n} items waiting to send", waiting)
                if waiting
                else _("All sent")
            )
            if refused:
                parts.append(
                    counted("{n} needs your attention", "{n} need your attention", refused)
                )
        if status is not None:
            synced = formats.when(status.last_sync_at)
            parts.append(
                _("last sync {time}").format(time=synced) if synced else _("last sync never")
            )
        plain = " · ".join(parts)
        self.setAccessibleName(plain)
        self.setAccessibleDescription(_("Opens Sync & storage"))
        colour = (
            self.palette()
            .color(
                QPalette.ColorRole.Highlight
                if status is not None
                and status.connectivity is Connectivity.ONLINE
                and not self.connecting
                else QPalette.ColorRole.PlaceholderText
            )
            .name()
        )
        self.setText(f'<span style="color:{colour}">{mark}</span> {plain}')
        tips = [_("Click to see what waits to be sent, downloads and storage.")]
        if status is not None:
            if status.server_url:
                tips.append(_("Academy: {address}").format(address=status.server_url))
            if status.last_error:
                tips.append(_("Last problem: {problem}").format(problem=status.last_error))
            if not status.token_persistent:
                tips.append(
                    _("No system keyring: you will need to log in again after closing Samen.")
                )
        self.setToolTip("\n".join(tips))

    # -- clicking --------------------------------------------------------------------------

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        inside = self.rect().contains(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and inside:
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
            return
        super().keyPressEvent(event)

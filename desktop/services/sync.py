"""Sync use case: one connectivity window, with backoff between windows. Worker thread / CLI.

A window opens only when the academy's health endpoint answers as expected (a captive portal
is not the academy and costs no retries). Inside a window a flaky link gets a few quick retries;
between windows the caller waits `next_delay_s` (full jitter, Retry-After as a minimum).

After push and pull, the window sends waiting recordings (the `uploads` step); when one
completes, the actions that waited for it are now sendable, so push and pull run once more and
they leave in the same window.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from desktop.domain.errors import (
    AuthError,
    CaptivePortalError,
    DiskFullError,
    OfflineError,
    SamenError,
    ServerBusyError,
)
from desktop.domain.sync import SyncReport, WindowResult
from desktop.domain.upload import UploadReport
from desktop.language.catalogue import _
from desktop.services.session import SessionService
from desktop.services.status import StatusService
from desktop.store.clock import utc_now
from desktop.store.outbox import OutboxRepo
from desktop.store.pulled import PulledRepo
from desktop.sync.backoff import Backoff
from desktop.sync.engine import EngineLimits, SyncEngine

log = logging.getLogger(__name__)

QUICK_RETRY_LIMIT_S = 5.0  # a Retry-After longer than this ends the window instead


class UploadStep(Protocol):
    """Sends the logged-in account's waiting uploads (UploadService fits)."""

    def send_pending(self) -> UploadReport: ...


def _merged(first: WindowResult, second: WindowResult) -> WindowResult:
    retry = [r for r in (first.retry_after, second.retry_after) if r is not None]
    return WindowResult(
        pushed=first.pushed + second.pushed,
        acked=first.acked + second.acked,
        rejected=first.rejected + second.rejected,
        pulled=first.pulled + second.pulled,
        retry_after=max(retry) if retry else None,
    )


class SyncService:
    def __init__(
        self,
        session: SessionService,
        outbox: OutboxRepo,
        pulled: PulledRepo,
        status: StatusService,
        *,
        backoff: Backoff | None = None,
        attempts: int = 3,
        limits: EngineLimits | None = None,
        sleep: Callable[[float], None] = time.sleep,
        uploads: UploadStep | None = None,
    ) -> None:
        self._session = session
        self._outbox = outbox
        self._pulled = pulled
        self._status = status
        self._uploads = uploads
        self.backoff = backoff or Backoff()
        self._quick = Backoff(base=0.5, cap=4.0)
        # Public so tests and the CLI can tune them; read at the start of each window.
        self.attempts = attempts
        self.limits = limits or EngineLimits()
        self.sleep = sleep
        self._lock = threading.Lock()
        self._recovered = False
        # (client id, accepted, refused) at the start of the running window, and the
        # accepted ones per kind.
        self._settled_before: tuple[str, int, int] | None = None
        self._acked_before: dict[str, int] = {}
        # Called with the client id after each successful window, on the window's thread
        # (e.g. folding what other devices did into the local record).
        self.after_pull: list[Callable[[str], None]] = []

    def cached(self, entity: str, scope: str | None = None) -> dict[str, dict[str, Any]]:
        """Entities as last pulled for the logged-in account (e.g. poll results), by id;
        works offline; empty when logged out."""
        account = self._session.account()
        return {} if account is None else self._pulled.entities(account.client_id, entity, scope)

    def pull_cursor(self) -> str:
        account = self._session.account()
        return "" if account is None else self._pulled.cursor(account.client_id)

    def recover(self) -> int:
        """Once per process, before the first window: a crash mid-push leaves items 'sending'."""
        recovered = self._outbox.recover()
        self._recovered = True  # only now: on a full disk it is tried again next window
        return recovered

    def run_window(self) -> SyncReport:
        if not self._lock.acquire(blocking=False):
            return SyncReport(ok=False, error="A sync is already running.")
        try:
            self._settled_before = None
            if not self._recovered:
                self.recover()
            return self._window()
        finally:
            self._lock.release()

    def _window(self) -> SyncReport:
        account = self._session.account()
        if account is None or self._session.token() is None:
            return self._report(
                False, needs_login=True, error=_("Log in to send and receive work.")
            )
        # What the report says was accepted or refused is what changed in the outbox during
        # this window, not one code path's tally (a window can fail after settling items).
        self._settled_before = (account.client_id, *self._outbox.settled(account.client_id))
        self._acked_before = self._outbox.acked_by_kind(account.client_id)
        client = self._session.client()
        try:
            client.health()
            engine = SyncEngine(self._outbox, self._pulled, client, self.limits)
            result = self._with_quick_retries(lambda: engine.run(account.client_id))
            uploaded = self._uploads.send_pending().completed if self._uploads else 0
            if uploaded:
                again = self._with_quick_retries(lambda: engine.run(account.client_id))
                result = _merged(result, again)
        except CaptivePortalError as exc:
            # Not the academy: waiting longer will not help until the learner logs in to the
            # network, so retry at the normal pace without counting a failure.
            return self._failed(exc, offline=True, delay=None)
        except OfflineError as exc:
            return self._failed(exc, offline=True, delay=self.backoff.next_delay())
        except AuthError as exc:
            return self._failed(exc, needs_login=True, delay=None)
        except ServerBusyError as exc:
            return self._failed(exc, busy=True, delay=self.backoff.next_delay(exc.retry_after))
        except SamenError as exc:
            if isinstance(exc, DiskFullError):
                # Returning a claimed batch to the queue may have failed for want of space too:
                # the next window does it first (the academy ignores what it already has).
                self._recovered = False
            return self._failed(exc, delay=self.backoff.next_delay())
        except sqlite3.Error as exc:
            # The local database refused (disk full, locked by another program): nothing was
            # lost, the window simply ends; say it in the learner's words.
            problem = SamenError(
                _("Samen could not update its local database ({problem}).").format(problem=exc)
            )
            return self._failed(problem, delay=self.backoff.next_delay())
        self.backoff.reset()
        # The pull followed the push: what was accepted until now has come back with it.
        self._outbox.mark_pulled_back(account.client_id)
        self._status.record_sync(utc_now(), None)
        try:
            for fold in self.after_pull:
                fold(account.client_id)
        except (sqlite3.Error, DiskFullError) as exc:
            # The sync itself succeeded; folding is retried after the next window.
            log.warning("could not apply what the academy sent to the local record: %s", exc)
        return self._report(True, result=result, uploaded=uploaded, next_delay=result.retry_after)

    def _with_quick_retries(self, run: Callable[[], WindowResult]) -> WindowResult:
        self._quick.reset()
        for attempt in range(self.attempts):
            try:
                return run()
            except ServerBusyError as exc:
                if attempt == self.attempts - 1 or (exc.retry_after or 0) > QUICK_RETRY_LIMIT_S:
                    raise
                self.sleep(self._quick.next_delay(exc.retry_after))
            except CaptivePortalError:
                raise
            except OfflineError:
                # The health check passed a moment ago: a reset or stall on a flaky link.
                if attempt == self.attempts - 1:
                    raise
                self.sleep(self._quick.next_delay())
        raise AssertionError("unreachable")  # pragma: no cover

    def _failed(
        self,
        exc: SamenError,
        *,
        offline: bool = False,
        busy: bool = False,
        needs_login: bool = False,
        delay: float | None,
    ) -> SyncReport:
        self._status.record_sync(None, exc.message)
        return self._report(
            False,
            offline=offline,
            busy=busy,
            needs_login=needs_login,
            error=exc.message,
            next_delay=delay,
        )

    def _report(
        self,
        ok: bool,
        *,
        result: WindowResult | None = None,
        uploaded: int = 0,
        offline: bool = False,
        busy: bool = False,
        needs_login: bool = False,
        error: str | None = None,
        next_delay: float | None = None,
    ) -> SyncReport:
        result = result or WindowResult()
        account = self._session.account()
        by_kind = self._outbox.pending_by_kind(account.client_id) if account else {}
        acked = rejected = 0
        acked_by_kind: dict[str, int] = {}
        before = self._settled_before
        if account is not None and before is not None and before[0] == account.client_id:
            acked_after, rejected_after = self._outbox.settled(account.client_id)
            # Never below 0: a refusal discarded meanwhile, or accepted items a restored
            # academy lost (renumbered to be sent again) when the window failed after that.
            acked = max(0, acked_after - before[1])
            rejected = max(0, rejected_after - before[2])
            if acked:
                after = self._outbox.acked_by_kind(account.client_id)
                acked_by_kind = {
                    kind: n - self._acked_before.get(kind, 0)
                    for kind, n in after.items()
                    if n > self._acked_before.get(kind, 0)
                }
        return SyncReport(
            ok=ok,
            pushed=result.pushed,
            acked=acked,
            rejected=rejected,
            pulled=result.pulled,
            uploaded=uploaded,
            pending=sum(by_kind.values()),
            offline=offline,
            busy=busy,
            needs_login=needs_login,
            error=error,
            next_delay_s=next_delay,
            pending_by_kind=by_kind,
            acked_by_kind=acked_by_kind,
        )

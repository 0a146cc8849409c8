"""One load-bench learner, driving the desktop client's own HTTP code, and what it measured.

Worker threads of bench/academy_load.py run learners one step (one HTTP request) at a time, so
a thousand learners can be in the middle of their sync with a bounded pool of threads. A step
is what the client does (desktop/sync/api.py ApiClient, desktop/sync/engine.py): log in, push
the queue in batches of EngineLimits.batch_size, then pull until caught up, with the client's
timeouts (15 s, connecting 5 s). A busy academy (503/429, a `retry` outcome) is waited for as
the client does (desktop/services/sync.py: up to 3 quick tries honouring Retry-After as a
minimum, then the window's backoff); that wait is not counted in the push's latency. A timeout
or a dropped connection resends the very same batch (same seqs and mutation ids), which the
academy must answer `duplicate` for whatever it already stored.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import requests

from bench.load_actions import LearnerPlan
from desktop.domain.errors import (
    AuthError,
    BatchTooLargeError,
    OfflineError,
    ProtocolError,
    ServerBusyError,
    ServerError,
)
from desktop.domain.sync import OutboxItem, OutcomeStatus
from desktop.sync.api import ApiClient
from desktop.sync.backoff import Backoff
from desktop.sync.engine import OLD_PULL_PAGE, EngineLimits

CLIENT_TIMEOUT_S = 15.0  # desktop/settings.py request_timeout_s
QUICK_TRIES = 3  # desktop/services/sync.py SyncService attempts
QUICK_RETRY_LIMIT_S = 5.0  # desktop/services/sync.py: a longer Retry-After ends the window


@dataclass
class Stats:
    """What every learner saw, shared by the worker threads (one lock)."""

    login_s: list[float] = field(default_factory=list)
    push_s: list[float] = field(default_factory=list)
    pull_s: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)  # "push 503 busy", "login timeout"
    outcomes: Counter[str] = field(default_factory=Counter)  # applied / rejected:code / retry
    resent_batches: int = 0
    resent_duplicates: int = 0  # outcomes answered `duplicate` to a resent batch
    waited_s: float = 0.0  # honouring Retry-After and backoff (not in any latency)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, what: str, seconds: float) -> None:
        with self.lock:
            getattr(self, f"{what}_s").append(seconds)

    def count(self, counter: str, key: str, by: int = 1) -> None:
        with self.lock:
            getattr(self, counter)[key] += by


class RecordingSession(requests.Session):
    """requests' Session as the client uses it, counting every reply's status on the way.

    An error reply is counted per endpoint with the academy's error code (`push 503 busy`); a
    reply to a resent push is read for `duplicate` outcomes (only then: parsing every reply
    twice would cost the generator the CPU it shares with the academy)."""

    def __init__(self, stats: Stats) -> None:
        super().__init__()
        self.stats = stats
        self.resending = False

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        with self.stats.lock:
            self.stats.requests += 1
        what = _endpoint(request.path_url)
        try:
            response = super().send(request, **kwargs)
        except requests.Timeout:
            self.stats.count("statuses", f"{what} timeout")
            raise
        except requests.ConnectionError:
            self.stats.count("statuses", f"{what} connection error")
            raise
        if response.status_code >= 400:
            code = _error_code(response)
            self.stats.count("statuses", f"{what} {response.status_code} {code}")
        elif self.resending and what == "push":
            duplicates = sum(
                1 for result in _results(response) if result.get("status") == "duplicate"
            )
            with self.stats.lock:
                self.stats.resent_duplicates += duplicates
        return response


def _endpoint(path: str) -> str:
    """login, push or pull (or the path itself), for counting statuses per endpoint."""
    for name, prefix in (("login", "/v1/auth/login"), ("push", "/v1/sync/push")):
        if path.startswith(prefix):
            return name
    return "pull" if path.startswith("/v1/sync/pull") else path.partition("?")[0]


def _error_code(response: requests.Response) -> str:
    try:
        body = json.loads(response.content)
        code = body["error"]["code"]
        return str(code)
    except (ValueError, KeyError, TypeError):
        return "(no error envelope)"


def _results(response: requests.Response) -> list[dict[str, Any]]:
    try:
        results = json.loads(response.content).get("results", [])
    except (ValueError, AttributeError):
        return []
    return [result for result in results if isinstance(result, dict)]


class Phase(Enum):
    LOGIN = "login"
    PUSH = "push"
    PULL = "pull"
    SYNCED = "synced"
    GAVE_UP = "gave up"


class Learner:
    """One learner's sync, a step at a time: `step` sends one request and says when to go on."""

    def __init__(
        self,
        url: str,
        username: str,
        password: str,
        plan: LearnerPlan,
        stats: Stats,
        *,
        give_up_s: float,
        limits: EngineLimits | None = None,
    ) -> None:
        self.username = username
        self.client_id = plan.items[0].client_id if plan.items else str(uuid.uuid4())
        self.plan = plan
        self.stats = stats
        self.limits = limits or EngineLimits()
        self.batch_size = self.limits.batch_size
        self.pull_page = self.limits.pull_page
        self.give_up_s = give_up_s
        self._password = password
        self.session = RecordingSession(stats)
        self._token: str | None = None
        self.api = ApiClient(
            url, token=lambda: self._token, timeout=CLIENT_TIMEOUT_S, session=self.session
        )
        self.phase = Phase.LOGIN
        self.pending: list[OutboxItem] = list(plan.items)
        self.acked_seq = 0
        self.applied = 0
        self.rejected = 0
        self.cursor = ""
        self.academy_last_seq: int | None = None
        self.problem: str | None = None
        self._quick = Backoff(base=0.5, cap=4.0)  # desktop/services/sync.py SyncService._quick
        self._window = Backoff()
        self._tries = 0
        self._batch_elapsed = 0.0  # the current batch's request time over its attempts
        self.started_at: float | None = None  # the class's start (run_class sets it)

    @property
    def done(self) -> bool:
        return self.phase in (Phase.SYNCED, Phase.GAVE_UP)

    def step(self) -> float | None:
        """Send one request; the seconds to wait before the next, or None once done."""
        now = time.monotonic()
        if self.started_at is None:
            self.started_at = now
        if now - self.started_at > self.give_up_s:
            self.phase = Phase.GAVE_UP
            self.problem = self.problem or f"not synced after {self.give_up_s:.0f} s"
            self.session.close()
            return None
        try:
            if self.phase is Phase.LOGIN:
                self._login()
            elif self.phase is Phase.PUSH:
                delay = self._push()
                if delay:
                    return self._waiting(delay)
            elif self.phase is Phase.PULL:
                self._pull()
        except ServerBusyError as exc:
            return self._waiting(self._delay(exc.retry_after))
        except BatchTooLargeError:
            self.batch_size = max(1, self.batch_size // 2)
            return 0.0
        except OfflineError as exc:
            # A timeout or a dropped connection: the same batch goes again.
            self.session.resending = self.phase is Phase.PUSH
            if self.session.resending:
                with self.stats.lock:
                    self.stats.resent_batches += 1
            self.problem = str(exc)
            return self._waiting(self._delay(None))
        except AuthError as exc:
            self.problem = str(exc)
            self.phase = Phase.LOGIN  # the client asks the learner to log in again
            return self._waiting(self._delay(None))
        except (ServerError, ProtocolError) as exc:
            self.problem = str(exc)
            return self._waiting(self._delay(None))
        if self.done:
            self.session.close()
            return None
        return 0.0

    def _waiting(self, delay: float) -> float:
        with self.stats.lock:
            self.stats.waited_s += delay
        return delay

    def _delay(self, retry_after: float | None) -> float:
        """The client's wait: quick tries first, then the window's backoff (Retry-After is a
        minimum in both)."""
        self._tries += 1
        if self._tries < QUICK_TRIES and (retry_after or 0.0) <= QUICK_RETRY_LIMIT_S:
            return self._quick.next_delay(retry_after)
        self._tries = 0
        self._quick.reset()
        return self._window.next_delay(retry_after)

    def _progressed(self) -> None:
        self._tries = 0
        self._quick.reset()
        self._window.reset()

    def _login(self) -> None:
        started = time.perf_counter()
        result = self.api.login(self.username, self._password, self.client_id)
        self.stats.add("login", time.perf_counter() - started)
        self._token = result.token
        self._progressed()
        self.phase = Phase.PUSH if self.pending else Phase.PULL

    def _push(self) -> float:
        batch = self.pending[: self.batch_size]
        started = time.perf_counter()
        try:
            reply = self.api.push(self.client_id, batch)
        finally:
            self._batch_elapsed += time.perf_counter() - started
        self.session.resending = False
        settled = self._settle(batch, reply.outcomes)
        if not settled and reply.expected_seq is not None:
            raise ProtocolError(f"the academy expects seq {reply.expected_seq}, nothing was taken")
        if settled:
            self.stats.add("push", self._batch_elapsed)
            self._batch_elapsed = 0.0
        self._progressed()
        retry = [o.retry_after for o in reply.outcomes if o.status is OutcomeStatus.RETRY]
        if not self.pending:
            self.phase = Phase.PULL
        if retry:
            return self._delay(max((r for r in retry if r is not None), default=None))
        return 0.0

    def _settle(self, batch: Sequence[OutboxItem], outcomes: Sequence[Any]) -> int:
        """Take the applied and refused items off the queue (in order: nothing after a
        temporary `retry` is settled, as the client's outbox keeps order)."""
        final: set[int] = set()
        for outcome in sorted(outcomes, key=lambda o: o.seq):
            if outcome.status is OutcomeStatus.RETRY:
                self.stats.count("outcomes", "retry")
                break
            final.add(outcome.seq)
            if outcome.status is OutcomeStatus.APPLIED:
                self.applied += 1
                self.stats.count("outcomes", "applied")
            else:
                self.rejected += 1
                self.stats.count("outcomes", f"rejected {outcome.code}")
        self.pending = [item for item in self.pending if item.seq not in final]
        if final:
            self.acked_seq = max(self.acked_seq, *final)
        return len(final)

    def _pull(self) -> None:
        started = time.perf_counter()
        try:
            page = self.api.pull(self.client_id, self.cursor, self.acked_seq, self.pull_page)
        except ServerError as exc:
            # As SyncEngine._pull_page: an academy older than issue 17 serves at most 1000.
            if (
                exc.status != 400
                or exc.code != "invalid_request"
                or self.pull_page <= OLD_PULL_PAGE
            ):
                raise
            self.pull_page = OLD_PULL_PAGE
            page = self.api.pull(self.client_id, self.cursor, self.acked_seq, self.pull_page)
        self.stats.add("pull", time.perf_counter() - started)
        self._progressed()
        self.cursor = page.cursor
        self.academy_last_seq = page.last_seq
        if not page.has_more:
            self.phase = Phase.SYNCED


__all__ = ["Learner", "Phase", "RecordingSession", "Stats"]

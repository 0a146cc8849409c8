"""Admission control: at most `capacity` requests that need a worker thread and a database
connection run at once, at most `queue` more wait, and the rest are answered at once with 503
``busy`` and a Retry-After, before any endpoint runs (so nothing of theirs is applied).

Why: a class syncing at 9:00 used to queue past the desktop client's 15 s read timeout; the
academy then finished pushes nobody waited for while the resends piled up more work. Turning
a request away in a millisecond, with a spread-out time to come back, keeps the ones admitted
fast. The worker threadpool and the database pool are sized to the same capacity in the app's
lifespan (:func:`size_threadpool`), so an admitted request never waits for either.

:class:`Admission` and :class:`AdmissionMiddleware` live on uvicorn's event loop (one loop per
process; with several processes each has its own slots). :func:`admitted` says which requests
take a slot: the API under /v1/ and the supporter pages, but not the health probe (on the loop,
no database) and not tus PATCH bodies (they stream for minutes on the loop; their short
database steps take threads from the same limited pool). Pushes wait ahead of everything else
(:func:`first`): when the academy is full, a learner's work gets stored first and pulls, which
only copy what is stored already, wait or are turned away.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import deque
from collections.abc import Callable

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import envelope
from server.language import _
from server.metrics import Metrics
from server.sync.locks import is_sqlite_busy
from server.uploads.protocol import PREFIX as UPLOADS

# Retry-After never asks for more than this: a learner's work should not wait minutes.
MAX_RETRY_AFTER_S = 60
# The longest a push is let wait for its turn, as pushes are getting done (see PushReturns);
# past it, one is told when to come back instead.
PUSH_WAIT_S = 1.0
# A shed request's body is read and dropped before answering (its client is still sending it
# and would see a reset instead of the 503), but only this long and this much.
DRAIN_TIMEOUT_S = 5.0
DRAIN_MAX_BYTES = 2 * 1024 * 1024


class PushReturns:
    """When to send back the pushes turned away: one after the other at the rate pushes get
    done, not all in the same few seconds (at 1,000 learners each push was turned away 11
    times on average, and each try added to its time). Event loop only."""

    def __init__(self, slots: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._slots = slots
        self._clock = clock
        # A push's time in its slot, learnt as pushes are done. Optimistic at first: a class
        # turned away before any push was done, told 0.5 s each, waited up to a minute for an
        # academy that did a push in 0.1 s (a push back too early is only turned away again).
        self._cost_s = 0.1
        self._next = 0.0  # when the next one turned away should come back

    def done(self, held_s: float) -> None:
        self._cost_s += (held_s - self._cost_s) / 8  # a moving average of the last few

    def wait_s(self, ahead_of_it: int) -> float:
        """How long a push would wait behind ``ahead_of_it`` pushes running or waiting."""
        return ahead_of_it * self._cost_s / self._slots

    def retry_after(self, ahead_of_it: int) -> int:
        """Seconds to come back for a push turned away with ``ahead_of_it`` pushes running or
        waiting: after them and after the ones turned away before it."""
        now = self._clock()
        at = max(now + self.wait_s(ahead_of_it), self._next)
        self._next = min(at + self.wait_s(1), now + MAX_RETRY_AFTER_S)
        return max(1, min(MAX_RETRY_AFTER_S, math.ceil(at - now)))


def first(scope: Scope) -> bool:
    """Whether this request goes ahead of the others waiting: a push carries a learner's work,
    which is safe only once stored, while a pull or a page can wait its turn."""
    return scope.get("method") == "POST" and scope.get("path") == "/v1/sync/push"


def admitted(scope: Scope) -> bool:
    """Whether this request takes a slot (see the module's docstring)."""
    path: str = scope.get("path", "")
    if path == "/v1/health":
        return False
    if scope.get("method") == "PATCH" and path.startswith(UPLOADS + "/"):
        return False
    return path.startswith("/v1/") or path.startswith("/supporter/")


class Admission:
    """The slots and the queue of one process; event loop only."""

    def __init__(
        self,
        capacity: int,
        queue: int,
        max_wait_s: float,
        *,
        pushes: int | None = None,
        push_queue: int | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.capacity = max(1, capacity)
        self.queue = max(0, queue)
        self.max_wait_s = max_wait_s
        # Pushes running at once and waiting: a push waits only as long as a few pushes take,
        # and past that is turned away at once, so the one that runs is not slowed by many
        # more sharing the processor (and, on SQLite, its one writer) with it.
        self.pushes = self.capacity if pushes is None else max(1, min(pushes, self.capacity))
        self.push_queue = self.queue if push_queue is None else max(0, push_queue)
        self._rand = rand
        self._free = self.capacity
        self._pushing = 0
        self.returns = PushReturns(self.pushes)
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._firsts: deque[asyncio.Future[None]] = deque()  # pushes: served before the rest

    @property
    def waiting(self) -> int:
        return len(self._waiters) + len(self._firsts)

    @property
    def _pushes_ahead(self) -> int:
        """Pushes a newly arrived push would come after: running or waiting."""
        return self._pushing + len(self._firsts)

    @property
    def running(self) -> int:
        return self.capacity - self._free

    async def acquire(self, *, ahead: bool = False) -> str | None:
        """Take a slot; None once taken, else why not ("queue_full", "waited_too_long").
        ``ahead`` (a push) waits before every other kind of request (see :func:`first`);
        give the slot back with ``release(ahead=...)`` alike."""
        if ahead and self._free > 0 and not self._firsts and self._pushing < self.pushes:
            self._free -= 1
            self._pushing += 1
            return None
        # Pushes wait beside a free slot only while their own slots are taken.
        if not ahead and self._free > 0 and not self._waiters:
            self._free -= 1
            return None
        line = self._firsts if ahead else self._waiters
        # Pushes have a line of their own (pulls cannot fill it), as long as a push in it
        # waits at most PUSH_WAIT_S: a few pushes when each takes long, more when they are quick.
        if ahead:
            if len(line) >= self.push_queue or (
                self.returns.wait_s(self._pushes_ahead) > PUSH_WAIT_S
            ):
                return "queue_full"
        elif len(line) >= self.queue:
            return "queue_full"
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        line.append(turn)
        try:
            # asyncio.wait, not wait_for: it never cancels `turn`, so a slot handed over at
            # the last moment is seen below instead of lost.
            await asyncio.wait((turn,), timeout=self.max_wait_s)
        except BaseException:  # the client went away while waiting
            self._leave(turn, line)
            raise
        if turn.done():
            return None
        self._leave(turn, line)
        return "waited_too_long"

    def _leave(self, turn: asyncio.Future[None], line: deque[asyncio.Future[None]]) -> None:
        if turn.done():
            self.release(ahead=line is self._firsts)  # it was ours already: pass it on
            return
        line.remove(turn)
        turn.cancel()

    def release(self, *, ahead: bool = False, held_s: float | None = None) -> None:
        """Give the slot to the longest waiting push (while fewer than ``pushes`` run), else
        the longest waiter, or free it; ``held_s``: how long a push held it."""
        if ahead:
            self._pushing -= 1
            if held_s is not None:
                self.returns.done(held_s)
        if self._pushing < self.pushes and self._hand_on(self._firsts):
            self._pushing += 1
            return
        if not self._hand_on(self._waiters):
            self._free += 1

    @staticmethod
    def _hand_on(line: deque[asyncio.Future[None]]) -> bool:
        while line:
            turn = line.popleft()
            if not turn.done():
                turn.set_result(None)
                return True
        return False

    def retry_after(self, *, ahead: bool = False) -> int:
        """Seconds to come back. A push: its turn in :class:`PushReturns`. Anything else: a
        second per capacity-sized wave queued ahead, spread at random over [waves, 2 * waves]
        so turned-away clients do not return together."""
        if ahead:
            return self.returns.retry_after(self._pushes_ahead)
        waves = 1 + self.waiting // self.capacity
        return min(MAX_RETRY_AFTER_S, waves + int(self._rand() * (waves + 1)))


def busy_reply(retry_after: int, *, close: bool = False) -> JSONResponse:
    headers = {"Retry-After": str(retry_after)}
    if close:
        headers["Connection"] = "close"
    return envelope(503, "busy", _("The academy is busy; Samen will try again shortly."), headers)


async def _drained(receive: Receive) -> bool:
    """Read and drop the rest of the request body; False if it did not end in time."""
    size = 0
    try:
        async with asyncio.timeout(DRAIN_TIMEOUT_S):
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return False
                size += len(message.get("body", b""))
                if not message.get("more_body", False):
                    return True
                if size > DRAIN_MAX_BYTES:
                    return False
    except TimeoutError:
        return False


class AdmissionMiddleware:
    """Pure ASGI, inside the language middleware (the 503 is in the request's language) and
    inside the metrics middleware (shed requests are counted like any other)."""

    def __init__(self, app: ASGIApp, admission: Admission, metrics: Metrics) -> None:
        self.app = app
        self.admission = admission
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not admitted(scope):
            await self.app(scope, receive, send)
            return
        ahead = first(scope)
        self.metrics.queue_length.inc()
        try:
            refused = await self.admission.acquire(ahead=ahead)
        finally:
            self.metrics.queue_length.dec()
        if refused is not None:
            self.metrics.shed.labels(refused).inc()
            retry_after = self.admission.retry_after(ahead=ahead)
            complete = await _drained(receive)
            await busy_reply(retry_after, close=not complete)(scope, receive, send)
            return
        self.metrics.running.inc()
        held = True
        started = time.monotonic()

        def free() -> None:
            nonlocal held
            if held:
                held = False
                self.metrics.running.dec()
                self.admission.release(ahead=ahead, held_s=time.monotonic() - started)

        async def sending(message: Message) -> None:
            # The reply starts once the endpoint's thread and database work is done (sessions
            # close before it, server.dependencies): a file streaming on for minutes to a slow
            # laptop holds no slot.
            if message["type"] == "http.response.start":
                free()
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            free()


async def _pool_exhausted(_request: Request, _exc: Exception) -> JSONResponse:
    # The pool is sized to the slots, so this is rare (a slow query, the mailer's share): a
    # wait, like being shed, never a 500.
    return busy_reply(1 + int(random.random() * 3))


async def _database_busy(request: Request, exc: Exception) -> JSONResponse:
    # SQLite still locked after its busy timeout (a login's token, a supporter page's visit)
    # is the academy being full, like being shed: a wait, never a 500. Any other database
    # failure outside push and pull (which answer 503 themselves) stays the generic 500.
    if isinstance(exc, OperationalError) and is_sqlite_busy(exc):
        return busy_reply(1 + int(random.random() * 3))
    raise exc


def size_threadpool(capacity: int) -> None:
    """The worker threads sync endpoints run on: as many as there are slots (anyio's default
    of 40 let 40 requests fight over fewer connections). Call on the event loop."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = max(1, capacity)


def install(app: FastAPI, admission: Admission, metrics: Metrics) -> None:
    app.add_middleware(AdmissionMiddleware, admission=admission, metrics=metrics)
    app.add_exception_handler(PoolTimeout, _pool_exhausted)
    app.add_exception_handler(OperationalError, _database_busy)

"""/metrics: the academy's counters in Prometheus' text format (prometheus_client).

What is counted: requests by route template (``/v1/courses/{course_id}``, never a raw path
with ids), method and status; their latency per route; database connections checked out of
the pool; requests waiting for an admission slot, running, and shed; the mutations of pushes
by outcome (applied, duplicate, rejected).

One :class:`Metrics` per app, with its own registry (an app built twice in one process, as
tests do, does not collide). Several server processes: start each with
``PROMETHEUS_MULTIPROC_DIR`` set to one shared, emptied directory; prometheus_client then keeps
every value in files there, gauges are summed over the live processes (``livesum``) and
/metrics, answered by any process, adds up all of them. Counters and histograms need nothing
more.

:class:`MetricsMiddleware` runs on uvicorn's event loop; pool events fire on the worker
threads (prometheus_client's values are thread-safe). /metrics is answered only to clients in
the allowed networks (loopback by default); others get 404, as if there were nothing.
"""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Iterable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import Engine, event
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import envelope
from server.language import _

PATH = "/metrics"
LOOPBACK = ("127.0.0.0/8", "::1/128")
UNMATCHED = "unmatched"  # a path no route has: its raw text would be a label per typo
# Sync pushes take up to seconds under load; the client gives up at 15 s.
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(cidrs: Iterable[str]) -> tuple[Network, ...]:
    """Parsed CIDRs ("10.0.0.0/8", "::1"); raises ValueError on a bad one."""
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs if cidr.strip())


def client_allowed(scope: Scope, allowed: Iterable[Network]) -> bool:
    """Whether the request comes from an address in `allowed` (an unknown peer never does)."""
    client = scope.get("client")
    if not client:
        return False
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in allowed)


class Metrics:
    """The collectors of one app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "samen_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "samen_http_request_duration_seconds",
            "Time from a request's arrival to its last byte sent, by route template.",
            ["route", "method"],
            buckets=_BUCKETS,
            registry=r,
        )
        self.pool_in_use = Gauge(
            "samen_db_pool_connections_in_use",
            "Database connections checked out of the pool.",
            multiprocess_mode="livesum",
            registry=r,
        )
        self.queue_length = Gauge(
            "samen_admission_queue_length",
            "Requests waiting for an admission slot.",
            multiprocess_mode="livesum",
            registry=r,
        )
        self.running = Gauge(
            "samen_admission_running",
            "Requests holding an admission slot.",
            multiprocess_mode="livesum",
            registry=r,
        )
        self.shed = Counter(
            "samen_requests_shed",
            "Requests answered 503 busy at once instead of queueing (queue_full, waited_too_long).",
            ["reason"],
            registry=r,
        )
        self.mutations = Counter(
            "samen_push_mutations",
            "Mutations in push replies, by outcome (applied, duplicate, rejected, retry).",
            ["outcome"],
            registry=r,
        )

    def watch_pool(self, engine: Engine) -> None:
        """Count the engine's checked-out connections (events fire on the worker threads)."""

        def checked_out(*_args: Any) -> None:
            self.pool_in_use.inc()

        def checked_in(*_args: Any) -> None:
            self.pool_in_use.dec()

        event.listen(engine, "checkout", checked_out)
        event.listen(engine, "checkin", checked_in)

    def count_push(self, results: Iterable[dict[str, Any]]) -> None:
        """Count a push reply's results by their status."""
        tally: dict[str, int] = {}
        for result in results:
            status = str(result.get("status", "unknown"))
            tally[status] = tally.get(status, 0) + 1
        for status, n in tally.items():
            self.mutations.labels(status).inc(n)

    def exposition(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            combined = CollectorRegistry()
            MultiProcessCollector(combined)  # type: ignore[no-untyped-call]
            return generate_latest(combined)
        return generate_latest(self.registry)


def route_template(scope: Scope) -> str:
    """The template of the route a request went to, or would have (a request shed before
    routing is labelled like one that ran); :data:`UNMATCHED` for none."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    app = scope.get("app")
    for candidate in getattr(getattr(app, "router", None), "routes", ()):
        match, _child = candidate.matches(scope)
        if match is not Match.NONE:
            found = getattr(candidate, "path", None)
            return found if isinstance(found, str) else UNMATCHED
    return UNMATCHED


class MetricsMiddleware:
    """Times and counts every HTTP request, and answers GET /metrics itself (on the loop: no
    worker thread, no admission slot, so it answers while the academy is at capacity)."""

    def __init__(self, app: ASGIApp, metrics: Metrics, allowed: tuple[Network, ...]) -> None:
        self.app = app
        self.metrics = metrics
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("path") == PATH:
            await self._serve(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what uvicorn answers if the app ends without a response

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = route_template(scope)
            method = str(scope.get("method", ""))
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.latency.labels(route, method).observe(time.perf_counter() - started)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not client_allowed(scope, self.allowed):
            await envelope(404, "not_found", _("Not found."))(scope, receive, send)
            return
        body = self.metrics.exposition()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", CONTENT_TYPE_LATEST.encode("latin-1")),
                    (b"content-length", str(len(body)).encode("latin-1")),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

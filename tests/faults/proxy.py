"""A fault-injecting TCP proxy on loopback, for tests of the HTTP sync client.

The proxy sits between a client (requests) and a real server on 127.0.0.1 and, depending on the
mode set with `FaultProxy.set()`, forwards traffic untouched or injects a real network fault:
a reset after the server committed, a stall, a truncated or slow reply, a canned HTTP error
(before the server sees the request, or instead of the reply after it did its work), an upload
cut mid-body.

Threads: `start()` runs one accept thread; every accepted client connection gets one thread of its
own, which owns both sockets of that connection (client leg and upstream leg) and multiplexes
them with a selector. Every thread is a daemon and is joined by `stop()`; the only cross-thread
socket operation is `stop()` shutting sockets down to wake their owner, who then closes them.

Keep-alive design: requests reuses connections, so faults are decided per *request on the wire*,
not per connection. A chunk from the client that arrives on a fresh connection, or after reply
bytes have come back since the previous request started, is taken as the start of a new request
(requests neither pipelines nor sends `Expect: 100-continue`, so this is exact for it). The
fault for that request is taken from the current mode at that moment, so `set()` also hits a
keep-alive connection that is already open, and nothing has to be closed when the mode changes.
`times=N` counts these decisions: the next N requests get the fault, later ones PASS. With
`match` (a predicate on the request body, e.g. "a push batch whose first mutation is X") the
proxy first reads the whole request (Content-Length framing), then decides; a request that does
not match passes untouched and does not count against `times`. The one
connection-level fault, RESET_ON_CONNECT, is decided at accept time (and on an open keep-alive
connection it resets at that connection's next request). `faults_applied` counts decisions.

The upstream leg is opened lazily, at the first request that needs it, so STALL, HTTP_ERROR and
RESET_ON_CONNECT never touch the server. Where the proxy must know that a reply is complete
(TRUNCATE, and draining the server's reply after the client leg was reset) it reads
Content-Length, or the end of a chunked body, and otherwise waits for EOF or `REPLY_IDLE` seconds
of silence.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from types import TracebackType

from tests.faults.connection import TICK, Connection, Pacer
from tests.faults.framing import CHUNK, ReplyTracker, body_accepted, canned_response, content_length

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
IO_TIMEOUT = 10.0  # bound on every blocking send/connect
REPLY_IDLE = 1.0  # silence that ends a reply of unknown length
DRAIN_LIMIT = 10.0  # longest the proxy keeps reading a reply nobody will see
STOP_JOIN = 2.5  # total time stop() waits for its threads


class Fault(enum.Enum):
    PASS = "pass"
    RESET_AFTER_REQUEST = "reset_after_request"
    RESET_ON_CONNECT = "reset_on_connect"
    STALL = "stall"
    TRUNCATE = "truncate"
    SLOW = "slow"
    HTTP_ERROR = "http_error"
    RESET_EVERY = "reset_every"
    RESET_MID_REQUEST = "reset_mid_request"
    ERROR_AFTER_REQUEST = "error_after_request"


@dataclasses.dataclass(frozen=True)
class _Plan:
    """The current mode and its parameters; immutable so a connection can keep a snapshot."""

    fault: Fault = Fault.PASS
    remaining: int | None = None  # None: until the next set()
    rate: float = 100_000.0
    truncate_after: int | None = None
    canned: bytes = b""
    reset_every_bytes: int = 65536
    path: bytes | None = None  # only requests whose request line contains this
    paced: bool = False  # RESET_MID_REQUEST: also pace at `rate`, like SLOW
    match: Callable[[bytes], bool] | None = None  # only requests whose body it accepts


_PASS = _Plan()


class FaultProxy:
    """See the module docstring. Use as a context manager, or start() and stop()."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self._upstream = (upstream_host, upstream_port)
        self._lock = threading.Lock()
        self._plan = _PASS
        self._connections = 0
        self._faults_applied = 0
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._threads: dict[Connection, threading.Thread] = {}
        self._port: int | None = None

    # -- public API -------------------------------------------------------------------------

    def start(self) -> FaultProxy:
        if self._listener is not None or self._stopping.is_set():
            raise RuntimeError("a FaultProxy starts once")
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind((HOST, 0))
        listener.listen(64)
        # A timeout on accept() lets the accept thread notice stop() without a wake-up pipe.
        listener.settimeout(TICK)
        self._listener = listener
        self._port = int(listener.getsockname()[1])
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"FaultProxy-{self._port}-accept", daemon=True
        )
        self._accept_thread.start()
        return self

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FaultProxy not started")
        return self._port

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def connections(self) -> int:
        """Client connections accepted so far."""
        with self._lock:
            return self._connections

    @property
    def faults_applied(self) -> int:
        """Non-PASS fault decisions so far (one per faulted request, or per connection reset
        at accept by RESET_ON_CONNECT)."""
        with self._lock:
            return self._faults_applied

    def set(
        self,
        fault: Fault,
        *,
        times: int | None = None,
        rate: float | None = None,
        truncate_after: int | None = None,
        status: int = 503,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | Mapping[str, object] | None = None,
        reset_every_bytes: int = 65536,
        path: str | None = None,
        match: Callable[[bytes], bool] | None = None,
    ) -> None:
        """Set the mode for the next requests (or the next `times` requests, then PASS).

        path: apply the fault only to requests whose request line contains it (e.g.
        "/v1/sync/push"); other requests pass untouched and do not count against `times`.
        match: likewise, only requests whose whole body it returns True for (called on the
        proxy's connection thread; an exception counts as no match).

        rate: bytes/s per direction (SLOW). truncate_after: reply bytes to forward (TRUNCATE;
        default half the reply, at least its status line). status, headers, body: the canned
        reply (HTTP_ERROR, ERROR_AFTER_REQUEST; bytes/str sent as is, a mapping as JSON).
        reset_every_bytes: reply bytes per connection before the RST (RESET_EVERY), or request
        bytes per connection forwarded before the client leg is reset and the upstream leg
        closed mid-body (RESET_MID_REQUEST, an upload cut on the way; paced like SLOW when
        `rate` is given).
        """
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None)")
        if (
            (rate is not None and rate <= 0)
            or reset_every_bytes < 1
            or (truncate_after is not None and truncate_after < 0)
        ):
            raise ValueError("rate, reset_every_bytes and truncate_after must be positive")
        plan = _Plan(
            fault=fault,
            remaining=None if fault is Fault.PASS else times,
            rate=rate if rate is not None else _PASS.rate,
            paced=rate is not None,
            truncate_after=truncate_after,
            canned=canned_response(status, headers or {}, body),
            reset_every_bytes=reset_every_bytes,
            path=path.encode() if path else None,
            match=match,
        )
        with self._lock:
            self._plan = plan

    def stop(self) -> None:
        """Close the listener and every open connection; join all threads (bounded)."""
        self._stopping.set()
        deadline = time.monotonic() + STOP_JOIN
        if self._accept_thread is not None:
            self._accept_thread.join(STOP_JOIN)
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            threads = dict(self._threads)
        for conn in threads:
            conn.abort()
        for thread in threads.values():
            thread.join(max(0.0, deadline - time.monotonic()))
        stuck = [t.name for t in threads.values() if t.is_alive()]
        if stuck:
            log.warning("FaultProxy threads still running after stop(): %s", stuck)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- decisions ----------------------------------------------------------------------------

    def _take(self, only: Fault | None = None, first: bytes | None = None) -> _Plan:
        """The plan for the next request, counting it against `times`. With `only`, a plan
        is taken only if it is that fault (for the accept-time RESET_ON_CONNECT); with a
        path filter, only if the request line (in `first`) matches."""
        with self._lock:
            plan = self._plan
            if plan.fault is Fault.PASS or (only is not None and plan.fault is not only):
                return _PASS
            if plan.path is not None and (
                first is None or plan.path not in first.split(b"\r\n", 1)[0]
            ):
                return _PASS
            if plan.match is not None and (first is None or not body_accepted(plan.match, first)):
                return _PASS
            self._faults_applied += 1
            if plan.remaining is not None:
                left = plan.remaining - 1
                self._plan = _PASS if left == 0 else dataclasses.replace(plan, remaining=left)
            return plan

    # -- threads ------------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        assert self._listener is not None
        number = 0
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:  # listener closed under us: stopping
                return
            if self._stopping.is_set():
                client.close()
                return
            client.settimeout(IO_TIMEOUT)
            number += 1
            conn = Connection(client, number)
            thread = threading.Thread(
                target=self._serve,
                args=(conn,),
                name=f"FaultProxy-{self._port}-conn-{number}",
                daemon=True,
            )
            with self._lock:
                self._connections += 1
                self._threads[conn] = thread
            thread.start()

    def _serve(self, conn: Connection) -> None:
        try:
            if self._take(only=Fault.RESET_ON_CONNECT).fault is Fault.RESET_ON_CONNECT:
                conn.reset_client()
                return
            data = self._next_client_chunk(conn)
            while data is not None and not self._stopping.is_set():
                if self._wants_body(data):
                    data = self._whole_request(conn, data)
                    if data is None:
                        break
                data = self._handle(conn, self._take(first=data), data)
        except OSError as error:  # the peer went away or a timeout hit: the connection is over
            log.debug("connection %d ended: %r", conn.number, error)
        finally:
            conn.close()
            with self._lock:
                self._threads.pop(conn, None)

    def _wants_body(self, first: bytes) -> bool:
        """Whether the current plan decides on the body (a `match` whose path filter fits)."""
        with self._lock:
            plan = self._plan
        if plan.match is None:
            return False
        return plan.path is None or plan.path in first.split(b"\r\n", 1)[0]

    def _whole_request(self, conn: Connection, data: bytes) -> bytes | None:
        """Read on until the request's head and its Content-Length body are all here; None
        on EOF or stop. Nothing is forwarded meanwhile (the server sees it afterwards)."""
        buffer = bytearray(data)
        deadline = time.monotonic() + IO_TIMEOUT
        while not self._stopping.is_set() and conn.client is not None:
            end = buffer.find(b"\r\n\r\n")
            if end >= 0 and len(buffer) >= end + 4 + content_length(bytes(buffer[:end])):
                return bytes(buffer)
            if time.monotonic() > deadline:
                return bytes(buffer)  # not HTTP as we know it: decide on what came
            if conn.wait([conn.client], TICK):
                chunk = conn.client.recv(CHUNK)
                if not chunk:
                    return None
                buffer += chunk
        return None

    def _next_client_chunk(self, conn: Connection) -> bytes | None:
        """Wait for the first bytes of a request on a fresh connection; None on EOF/stop."""
        while not self._stopping.is_set() and conn.client is not None:
            if conn.wait([conn.client], TICK):
                return conn.client.recv(CHUNK) or None
        return None

    def _handle(self, conn: Connection, plan: _Plan, first: bytes) -> bytes | None:
        """Serve one request under `plan`; returns the first chunk of the next request on the
        same connection, or None when the connection is finished."""
        fault = plan.fault
        if fault in (Fault.PASS, Fault.SLOW, Fault.RESET_EVERY, Fault.RESET_MID_REQUEST):
            return self._pump(conn, plan, first)
        if fault is Fault.RESET_ON_CONNECT:
            conn.reset_client()
        elif fault is Fault.STALL:
            self._stall(conn)
        elif fault is Fault.HTTP_ERROR:
            conn.close_upstream()  # an idle keep-alive leg; the server must not see this request
            assert conn.client is not None
            conn.client.sendall(plan.canned)
            conn.finish_client(self._stopping)
        elif fault is Fault.TRUNCATE:
            self._truncate(conn, plan, first)
        elif fault is Fault.RESET_AFTER_REQUEST:
            self._reset_after_request(conn, first)
        elif fault is Fault.ERROR_AFTER_REQUEST:
            self._error_after_request(conn, plan, first)
        return None

    def _open_upstream(self, conn: Connection) -> socket.socket | None:
        if conn.upstream is None:
            try:
                conn.upstream = socket.create_connection(self._upstream, timeout=IO_TIMEOUT)
            except OSError as error:
                # The server is down: the client sees its connection reset, as if refused late.
                log.debug("connection %d: upstream unreachable: %r", conn.number, error)
                conn.reset_client()
                return None
        return conn.upstream

    def _pump(self, conn: Connection, plan: _Plan, first: bytes) -> bytes | None:
        """Forward both ways (PASS, SLOW, RESET_EVERY, RESET_MID_REQUEST) until the client
        starts a new request."""
        client, up = conn.client, self._open_upstream(conn)
        if client is None or up is None:
            return None
        cut_request = plan.fault is Fault.RESET_MID_REQUEST
        slow = plan.fault is Fault.SLOW or (cut_request and plan.paced)
        to_up = Pacer(plan.rate, self._stopping) if slow else None
        to_client = Pacer(plan.rate, self._stopping) if slow else None
        size = to_client.chunk if to_client is not None else CHUNK  # small reads when slow

        def send(sock: socket.socket, data: bytes, pacer: Pacer | None) -> bool:
            if pacer is None:
                sock.sendall(data)
                return True
            return pacer.send(sock, data)

        def send_up(data: bytes) -> bool:
            """Forward request bytes; False when the connection ended here (cut or stop)."""
            if cut_request:
                allowed = plan.reset_every_bytes - conn.request_count
                if len(data) >= allowed:
                    send(up, data[:allowed], to_up)
                    conn.reset_client()
                    conn.close_upstream()  # the server sees its body end early
                    return False
                conn.request_count += len(data)
            return send(up, data, to_up)

        if not send_up(first):
            return None
        reply = ReplyTracker()
        while not self._stopping.is_set():
            for sock in conn.wait([up, client], TICK):
                data = sock.recv(size)
                if sock is client:
                    if not data:
                        return None
                    if reply.received:  # bytes after a reply began: the next request
                        return data
                    if not send_up(data):
                        return None
                    continue
                if not data:  # the server closed (e.g. Connection: close): so does the proxy
                    conn.finish_client(self._stopping)
                    return None
                reply.feed(data)
                if plan.fault is Fault.RESET_EVERY:
                    allowed = plan.reset_every_bytes - conn.reset_every_count
                    if len(data) >= allowed:
                        client.sendall(data[:allowed])
                        conn.reset_client()
                        self._drain_upstream(conn, reply)
                        return None
                    conn.reset_every_count += len(data)
                if not send(client, data, to_client):
                    return None
        return None

    def _stall(self, conn: Connection) -> None:
        """Read and discard whatever the client sends; never answer. Ends on EOF or stop()."""
        conn.close_upstream()  # idle between requests: closing it is clean
        client = conn.client
        while client is not None and not self._stopping.is_set():
            if conn.wait([client], TICK) and not client.recv(CHUNK):
                return

    def _forward_request(self, conn: Connection, first: bytes) -> socket.socket | None:
        up = self._open_upstream(conn)
        if up is not None:
            up.sendall(first)
        return up

    def _first_reply_bytes(
        self, conn: Connection, client: socket.socket, up: socket.socket
    ) -> bytes | None:
        """Forward the rest of the request until the server answers: its first reply bytes
        (b"" when it closed without a word), or None when the client gave up or we stop."""
        while not self._stopping.is_set():
            for sock in conn.wait([up, client], TICK):
                data = sock.recv(CHUNK)
                if sock is client:
                    if not data:
                        return None  # the client gave up before the server answered
                    up.sendall(data)  # the rest of the request body
                    continue
                return data
        return None

    def _reset_after_request(self, conn: Connection, first: bytes) -> None:
        """Forward the request; at the first reply byte, RST the client, then let the server
        finish its reply into the proxy (so it completes its work, as after a lost reply)."""
        client, up = conn.client, self._forward_request(conn, first)
        if client is None or up is None:
            return
        data = self._first_reply_bytes(conn, client, up)
        if data is None:
            return
        if not data:
            conn.finish_client(self._stopping)
            return
        conn.reset_client()
        reply = ReplyTracker()
        reply.feed(data)
        self._drain_upstream(conn, reply)

    def _error_after_request(self, conn: Connection, plan: _Plan, first: bytes) -> None:
        """Forward the request, let the server finish its reply into the proxy, then answer the
        canned reply instead (a server that did its work and then failed to say so)."""
        client, up = conn.client, self._forward_request(conn, first)
        if client is None or up is None:
            return
        data = self._first_reply_bytes(conn, client, up)
        if data is None:
            return
        if data:
            reply = ReplyTracker()
            reply.feed(data)
            self._drain_upstream(conn, reply)
        conn.close_upstream()
        client.sendall(plan.canned)
        conn.finish_client(self._stopping)

    def _truncate(self, conn: Connection, plan: _Plan, first: bytes) -> None:
        """Forward the request, collect the whole reply, forward a prefix of it, close (FIN)."""
        client, up = conn.client, self._forward_request(conn, first)
        if client is None or up is None:
            return
        reply = ReplyTracker()
        received = bytearray()
        last = time.monotonic()
        done = False
        while not done and not self._stopping.is_set():
            if received and time.monotonic() - last > REPLY_IDLE:
                break
            for sock in conn.wait([up, client], TICK):
                data = sock.recv(CHUNK)
                if sock is client:
                    if not data:
                        return
                    up.sendall(data)
                    continue
                last = time.monotonic()
                reply.feed(data)
                received += data
                done = not data or reply.complete()
        if self._stopping.is_set():
            return
        cut = plan.truncate_after
        if cut is None:
            status_line = received.find(b"\r\n") + 2 if b"\r\n" in received else len(received)
            cut = max(len(received) // 2, status_line)
        conn.close_upstream()  # the reply was read to its end: a clean close for the server
        client.sendall(bytes(received[:cut]))
        conn.finish_client(self._stopping)

    def _drain_upstream(self, conn: Connection, reply: ReplyTracker) -> None:
        """Read the rest of a reply nobody will see, then close: the server finishes writing
        instead of hitting a reset (its work is done either way; this keeps its logs clean)."""
        up = conn.upstream
        deadline = time.monotonic() + DRAIN_LIMIT
        last = time.monotonic()
        while up is not None and not reply.complete() and not self._stopping.is_set():
            now = time.monotonic()
            if now > deadline or now - last > REPLY_IDLE:
                break
            if conn.wait([up], TICK):
                data = up.recv(CHUNK)
                if not data:
                    break
                reply.feed(data)
                last = now
        conn.close_upstream()

"""One proxied connection of the fault proxy (tests/faults/proxy.py), and the pacing of a slow
link. Both belong to the connection's own thread; only `Connection.abort` is called from
another (FaultProxy.stop), under the connection's lock.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import struct
import threading
import time

from tests.faults.framing import CHUNK

TICK = 0.05  # how often blocked threads look at the stop flag
LINGER = 1.0  # how long a graceful close waits for the client's own FIN


class Pacer:
    """A token bucket for one direction of a SLOW connection; sends in small paced chunks."""

    def __init__(self, rate: float, stopping: threading.Event) -> None:
        self._rate = rate
        # About 20 ms worth per chunk: smooth enough, and few enough wake-ups.
        self.chunk = max(1, min(16384, int(rate / 50)))
        self._tokens = float(self.chunk)
        self._last = time.monotonic()
        self._stopping = stopping

    def send(self, sock: socket.socket, data: bytes) -> bool:
        """Send data at the rate; False if the proxy stopped meanwhile."""
        for start in range(0, len(data), self.chunk):
            piece = data[start : start + self.chunk]
            while True:
                now = time.monotonic()
                self._tokens = min(
                    float(self.chunk), self._tokens + (now - self._last) * self._rate
                )
                self._last = now
                if self._tokens >= len(piece):
                    break
                # Event.wait, not sleep: stop() must not wait for a slow link.
                if self._stopping.wait((len(piece) - self._tokens) / self._rate):
                    return False
            self._tokens -= len(piece)
            sock.sendall(piece)
        return True


class Connection:
    """One proxied connection: the client leg, the upstream leg (once opened), a selector."""

    def __init__(self, client: socket.socket, number: int) -> None:
        self.client: socket.socket | None = client
        self.upstream: socket.socket | None = None
        self.number = number
        self.reset_every_count = 0  # reply bytes forwarded under RESET_EVERY on this connection
        self.request_count = 0  # request bytes forwarded under RESET_MID_REQUEST
        self._selector = selectors.DefaultSelector()
        self._lock = threading.Lock()  # orders close() here against shutdown() from stop()

    def wait(self, socks: list[socket.socket], timeout: float) -> list[socket.socket]:
        """The socks that are readable; waits on exactly these (level-triggered: a readable
        socket we do not want now must not be registered, or the loop would spin)."""
        wanted = {sock.fileno(): sock for sock in socks}
        for key in list(self._selector.get_map().values()):
            if key.fd not in wanted:
                self._selector.unregister(key.fileobj)
        registered = self._selector.get_map()
        for fd, sock in wanted.items():
            if fd not in registered:
                self._selector.register(sock, selectors.EVENT_READ)
        ready = self._selector.select(timeout)
        return [wanted[key.fd] for key, _ in ready]

    def _close(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        if sock.fileno() in self._selector.get_map():
            self._selector.unregister(sock)
        with self._lock:
            sock.close()

    def close_upstream(self) -> None:
        self._close(self.upstream)
        self.upstream = None

    def close_client(self) -> None:
        self._close(self.client)
        self.client = None

    def reset_client(self) -> None:
        """Abort the client leg with RST: SO_LINGER on with a zero timeout makes close() reset."""
        if self.client is not None:
            self.client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_client()

    def finish_client(self, stopping: threading.Event) -> None:
        """Close the client leg with FIN. Waits briefly for the client's own close, because
        closing with unread request bytes in the buffer would turn the FIN into an RST."""
        client = self.client
        if client is None:
            return
        try:
            client.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + LINGER
            while not stopping.is_set() and time.monotonic() < deadline:
                if self.wait([client], TICK) and not client.recv(CHUNK):
                    break
        except OSError:
            pass
        self.close_client()

    def abort(self) -> None:
        """From stop(): wake the owning thread out of any blocking call; it closes the sockets."""
        with self._lock:
            for sock in (self.client, self.upstream):
                if sock is not None and sock.fileno() != -1:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.close_client()
        self.close_upstream()
        self._selector.close()

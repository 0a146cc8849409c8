"""HTTP/1.1 framing for the fault proxy (tests/faults/proxy.py): canned replies, a request's
body and length, where a reply ends. Pure functions, any thread; a ReplyTracker belongs to the
one connection thread that feeds it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from http import HTTPStatus

log = logging.getLogger(__name__)

CHUNK = 65536


def canned_response(
    status: int, headers: Mapping[str, str], body: bytes | str | Mapping[str, object] | None
) -> bytes:
    if body is None:
        body = {"error": "injected by FaultProxy", "status": status}
    if isinstance(body, bytes):
        payload = body
    elif isinstance(body, str):
        payload = body.encode()
    else:
        payload = json.dumps(body).encode()
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Injected"
    lines = [f"HTTP/1.1 {status} {reason}"]
    given = {name.lower() for name in headers}
    if "content-type" not in given:
        lines.append("Content-Type: application/json")
    # The proxy closes after the canned reply, so it says so and frames the body itself.
    lines += [f"Content-Length: {len(payload)}", "Connection: close"]
    lines += [
        f"{name}: {value}"
        for name, value in headers.items()
        if name.lower() not in ("content-length", "connection")
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload


def content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                return int(value.strip())
            except ValueError:
                return 0
    return 0


def body_accepted(match: Callable[[bytes], bool], request: bytes) -> bool:
    """The predicate on the request's body; a predicate that fails is no match."""
    _head, _, body = request.partition(b"\r\n\r\n")
    try:
        return bool(match(body))
    except Exception:  # a test's predicate on a body it did not expect
        log.debug("match predicate failed", exc_info=True)
        return False


class ReplyTracker:
    """Follows one HTTP reply far enough to tell when it is complete (without keeping it)."""

    def __init__(self) -> None:
        self._head = bytearray()
        self._head_len: int | None = None
        self._expected: int | None = None
        self._chunked = False
        self._tail = b""
        self.received = 0

    def feed(self, data: bytes) -> None:
        self.received += len(data)
        self._tail = (self._tail + data)[-5:]
        if self._head_len is not None:
            return
        self._head += data
        end = self._head.find(b"\r\n\r\n")
        if end >= 0:
            self._head_len = end + 4
            self._parse(bytes(self._head[:end]))
            self._head = bytearray()
        elif len(self._head) > CHUNK:  # not HTTP as we know it: length unknown
            self._head_len = len(self._head)
            self._head = bytearray()

    def _parse(self, head: bytes) -> None:
        assert self._head_len is not None
        lines = head.split(b"\r\n")
        parts = lines[0].split()
        try:
            status = int(parts[1])
        except (IndexError, ValueError):
            return
        if status in (204, 304):
            self._expected = self._head_len
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                try:
                    self._expected = self._head_len + int(value.strip())
                except ValueError:
                    self._expected = None
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                self._chunked = True
        if self._chunked:
            self._expected = None

    def complete(self) -> bool:
        if self._head_len is None:
            return False
        if self._expected is not None:
            return self.received >= self._expected
        # The last-chunk marker; only looked for once some body has arrived after the head.
        return self._chunked and self.received >= self._head_len + 5 and self._tail == b"0\r\n\r\n"

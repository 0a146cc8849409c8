"""A request held open on purpose: its headers and half its body go out, the rest only when the
test says so. In between the academy has admitted it (it holds a slot, server.admission) and
waits for the body, so the test decides exactly when the academy is at capacity."""

from __future__ import annotations

import json
import socket
from typing import Any
from urllib.parse import urlsplit

from tests.server_process import LiveServer


class HeldRequest:
    def __init__(self, server: LiveServer, path: str, body: dict[str, Any], token: str) -> None:
        address = urlsplit(server.url)
        assert address.hostname is not None and address.port is not None
        data = json.dumps(body).encode()
        head = (
            f"POST {path} HTTP/1.1\r\n"
            f"Host: {address.netloc}\r\n"
            "Content-Type: application/json\r\n"
            f"Authorization: Bearer {token}\r\n"
            f"Content-Length: {len(data)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        half = len(data) // 2
        self._rest = data[half:]
        self._socket = socket.create_connection((address.hostname, address.port), timeout=30)
        self._socket.sendall(head + data[:half])

    def finish(self) -> tuple[int, dict[str, Any]]:
        """Send the rest of the body; the reply's status and JSON body."""
        self._socket.sendall(self._rest)
        received = bytearray()
        while chunk := self._socket.recv(65536):
            received += chunk
        self.close()
        head, _sep, payload = bytes(received).partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        reply: dict[str, Any] = json.loads(payload)
        return status, reply

    def close(self) -> None:
        self._socket.close()

"""A client that hangs up halfway through sending a push (a laptop lid closed, its own timeout)
costs the academy one INFO line, never an ERROR traceback, and nothing of it is applied."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.server.api import bearer, token_for
from tests.server_process import LiveServer, start_server

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def talkative_academy(tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(tmp_path / "academy", extra_args=("--log-level", "info"))
    yield server
    server.stop()


def _hang_up_halfway(server: LiveServer, token: str) -> None:
    address = urlsplit(server.url)
    body = b'{"client_id": "c", "mutations": ['
    head = (
        "POST /v1/sync/push HTTP/1.1\r\n"
        f"Host: {address.netloc}\r\n"
        "Content-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\n"
        "Content-Length: 100000\r\n\r\n"
    )
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(head.encode() + body)


def test_a_push_cut_off_halfway_is_one_info_line(talkative_academy: LiveServer) -> None:
    token = token_for(talkative_academy)
    for _ in range(3):
        _hang_up_halfway(talkative_academy, token)
    log = talkative_academy.stderr_log
    deadline = time.monotonic() + 20
    while log.read_text(errors="replace").count("client went away") < 3:
        assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
        time.sleep(0.1)
    text = log.read_text(errors="replace")
    assert "Traceback" not in text and "ERROR" not in text, text[-3000:]
    assert "client went away during POST /v1/sync/push" in text
    # The academy goes on serving as before, the same login included.
    again = requests.get(f"{talkative_academy.url}/v1/courses", headers=bearer(token), timeout=10)
    assert again.status_code == 200

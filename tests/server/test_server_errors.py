"""After an unexpected 500 the academy ends the keep-alive connection cleanly, over real HTTP.

The 500 is real: the demo academy's database loses a table under a running server (as a bad
restore or a broken disk would do), so no test-only route ships in the server.
"""

from __future__ import annotations

import http.client
import json
import socket

from tests.academy_database import execute
from tests.server.api import bearer, token_for
from tests.server_process import LiveServer


def _lose_the_podcast_table(server: LiveServer) -> None:
    execute(server.data_dir, "ALTER TABLE podcast_feeds RENAME TO podcast_feeds_lost")


def test_a_500_says_connection_close_and_the_next_request_gets_a_new_connection(
    fresh_academy: LiveServer,
) -> None:
    token = token_for(fresh_academy)
    _lose_the_podcast_table(fresh_academy)
    connection = http.client.HTTPConnection("127.0.0.1", fresh_academy.port, timeout=10)
    try:
        connection.request("GET", "/v1/podcasts", headers=bearer(token))
        reply = connection.getresponse()
        body = json.loads(reply.read())
        assert reply.status == 500
        assert body == {
            "error": {"code": "internal", "message": "Something went wrong on the server."}
        }
        assert reply.getheader("connection") == "close"
        assert reply.will_close  # so http.client opens a new connection for the next request
        connection.request("GET", "/v1/health")
        assert connection.getresponse().status == 200
    finally:
        connection.close()


def test_a_500_on_a_raw_keep_alive_socket_ends_with_a_clean_close(
    fresh_academy: LiveServer,
) -> None:
    token = token_for(fresh_academy)
    _lose_the_podcast_table(fresh_academy)
    request = (
        "GET /v1/podcasts HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n"
        f"Authorization: Bearer {token}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", fresh_academy.port), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):  # a reset would raise ConnectionResetError here
            received += chunk
    head = received.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower().split("\r\n")
    assert head[0].startswith("http/1.1 500")
    assert "connection: close" in head
    # The academy itself is fine: a new connection is served as usual.
    with socket.create_connection(("127.0.0.1", fresh_academy.port), timeout=10) as sock:
        sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")

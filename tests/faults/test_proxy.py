"""The fault proxy itself, against a tiny real HTTP server on loopback, driven by requests."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.faults.proxy import Fault, FaultProxy

pytestmark = pytest.mark.timeout(20)

BIG = 200_000


def _json_body(size: int) -> bytes:
    """A valid JSON document of exactly `size` bytes (size >= 10)."""
    return b'{"pad":"' + b"x" * (size - 10) + b'"}'


class Upstream:
    """A real HTTP/1.1 (keep-alive) server that counts the POSTs it fully processed."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.posts = 0
        self.requests = 0
        self.bodies: list[int] = []  # body bytes each POST actually received
        self.body_size = 2000
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 5  # an idle keep-alive connection ends by itself

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _reply(self, body: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _size(self) -> int:
                query = parse_qs(urlsplit(self.path).query)
                return int(query["size"][0]) if "size" in query else upstream.body_size

            def do_GET(self) -> None:
                with upstream.lock:
                    upstream.requests += 1
                self._reply(_json_body(self._size()))

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with upstream.lock:
                    upstream.bodies.append(len(body))
                if len(body) < int(self.headers.get("Content-Length", "0")):
                    self.close_connection = True
                    return
                # Counted before the reply, like a server committing before it answers.
                with upstream.lock:
                    upstream.requests += 1
                    upstream.posts += 1
                self._reply(_json_body(self._size()))

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                # A client leg the proxy reset may reach the server as a reset: expected here.
                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)  # type: ignore[arg-type]

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    server.thread.start()
    yield server
    server.stop()


@pytest.fixture
def proxy(upstream: Upstream) -> Iterator[FaultProxy]:
    with FaultProxy("127.0.0.1", upstream.port) as fault_proxy:
        yield fault_proxy
    prefix = f"FaultProxy-{fault_proxy.port}"
    assert [t.name for t in threading.enumerate() if t.name.startswith(prefix)] == []


def _wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_pass_forwards_both_ways(proxy: FaultProxy, upstream: Upstream) -> None:
    response = requests.post(proxy.url + "/sync", json={"a": 1}, timeout=5)
    assert response.status_code == 200
    assert response.content == _json_body(2000)
    assert upstream.posts == 1
    assert (proxy.connections, proxy.faults_applied) == (1, 0)


def test_reset_after_request_server_committed_client_saw_nothing(
    proxy: FaultProxy, upstream: Upstream
) -> None:
    proxy.set(Fault.RESET_AFTER_REQUEST)
    with pytest.raises(requests.ConnectionError) as raised:
        requests.post(proxy.url + "/sync", json={"a": 1}, timeout=5)
    assert "reset" in str(raised.value).lower()
    assert upstream.posts == 1
    time.sleep(0.2)  # and requests did not quietly retry the POST
    assert upstream.posts == 1
    assert proxy.faults_applied == 1


def test_reset_on_connect_never_reaches_server(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.set(Fault.RESET_ON_CONNECT)
    with pytest.raises(requests.ConnectionError):
        requests.post(proxy.url + "/sync", json={"a": 1}, timeout=5)
    assert upstream.requests == 0
    assert proxy.faults_applied == 1


def test_stall_ends_in_read_timeout(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.set(Fault.STALL)
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        requests.post(proxy.url + "/sync", json={"a": 1}, timeout=0.5)
    assert time.monotonic() - started < 3
    assert upstream.requests == 0


def test_truncate_default_cuts_the_reply_in_half(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.set(Fault.TRUNCATE)
    # Half of ~2.1 KB lands inside the body: the headers promise 2000 bytes, fewer arrive.
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.post(proxy.url + "/sync", json={"a": 1}, timeout=5)
    assert upstream.posts == 1


def test_truncate_after_counts_reply_bytes(proxy: FaultProxy, upstream: Upstream) -> None:
    head_len = _head_length(proxy)
    proxy.set(Fault.TRUNCATE, truncate_after=head_len + 100)
    received = bytearray()
    with (
        requests.get(proxy.url + "/data", timeout=5, stream=True) as response,
        pytest.raises(requests.exceptions.ChunkedEncodingError),
    ):
        assert response.status_code == 200
        # Small reads: urllib3 drops what a read(amt) got when it then hits a premature EOF.
        for chunk in response.iter_content(10):
            received += chunk
    assert bytes(received) == _json_body(2000)[:100]


def test_truncate_inside_the_head_looks_like_success(proxy: FaultProxy) -> None:
    proxy.set(Fault.TRUNCATE, truncate_after=40)
    response = requests.get(proxy.url + "/data", timeout=5)
    # http.client takes EOF for the end of the head; no Content-Length, so the body is "all
    # until EOF": a 200 with an empty body and no error. Only parsing it fails.
    assert response.status_code == 200
    assert "Content-Length" not in response.headers
    assert response.content == b""
    with pytest.raises(requests.JSONDecodeError):
        response.json()


def _head_length(proxy: FaultProxy) -> int:
    """The byte length of the upstream's reply head, read on a raw socket through the proxy."""
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as sock:
        sock.sendall(b"GET /data HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):  # to EOF: the server closes after this reply
            data += chunk
    assert data.endswith(_json_body(2000))
    return len(data) - 2000


def test_slow_link_paces_but_delivers(proxy: FaultProxy) -> None:
    proxy.set(Fault.SLOW, rate=400_000)
    started = time.monotonic()
    response = requests.get(proxy.url + f"/data?size={BIG}", timeout=10)
    elapsed = time.monotonic() - started
    assert response.content == _json_body(BIG)
    assert len(response.json()["pad"]) == BIG - 10
    assert elapsed >= 0.4


def test_http_error_is_canned_and_server_untouched(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.set(
        Fault.HTTP_ERROR,
        status=503,
        headers={"Retry-After": "7"},
        body={"error": "maintenance"},
    )
    response = requests.post(proxy.url + "/sync", json={"a": 1}, timeout=5)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"error": "maintenance"}
    assert upstream.requests == 0


def test_times_falls_back_to_pass(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.set(Fault.HTTP_ERROR, times=1, status=429)
    first = requests.get(proxy.url + "/data", timeout=5)
    second = requests.get(proxy.url + "/data", timeout=5)
    assert (first.status_code, second.status_code) == (429, 200)
    assert proxy.faults_applied == 1
    assert upstream.requests == 1


def test_reset_every_cuts_a_big_download(proxy: FaultProxy) -> None:
    proxy.set(Fault.RESET_EVERY, reset_every_bytes=50_000)
    received = bytearray()
    with (
        requests.get(proxy.url + f"/data?size={BIG}", timeout=5, stream=True) as response,
        pytest.raises(requests.exceptions.ChunkedEncodingError),
    ):
        for chunk in response.iter_content(8192):
            received += chunk
    assert 0 < len(received) < BIG
    assert _json_body(BIG).startswith(bytes(received))


def test_reset_mid_request_cuts_an_upload_on_the_way(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.set(Fault.RESET_MID_REQUEST, reset_every_bytes=50_000)
    with pytest.raises(requests.ConnectionError):
        requests.post(proxy.url + "/upload", data=b"u" * BIG, timeout=5)
    _wait_for(lambda: len(upstream.bodies) == 1)
    # The server got the head and the first part of the body, then its end: nothing more.
    assert 0 < upstream.bodies[0] < 50_000
    assert upstream.posts == 0
    proxy.set(Fault.PASS)
    assert requests.post(proxy.url + "/upload", data=b"u" * BIG, timeout=5).status_code == 200
    assert upstream.bodies[-1] == BIG


def test_faults_hit_an_open_keep_alive_connection(proxy: FaultProxy, upstream: Upstream) -> None:
    with requests.Session() as session:
        assert session.post(proxy.url + "/sync", json={}, timeout=5).status_code == 200
        proxy.set(Fault.HTTP_ERROR, times=1)
        assert session.post(proxy.url + "/sync", json={}, timeout=5).status_code == 503
        assert proxy.connections == 1  # the canned reply came on the reused connection
        assert session.post(proxy.url + "/sync", json={}, timeout=5).status_code == 200
        proxy.set(Fault.RESET_AFTER_REQUEST, times=1)
        with pytest.raises(requests.ConnectionError):
            session.post(proxy.url + "/sync", json={}, timeout=5)
        assert proxy.connections == 2
        assert session.post(proxy.url + "/sync", json={}, timeout=5).status_code == 200
    assert upstream.posts == 4
    assert proxy.faults_applied == 2


def test_stop_closes_stalled_connections_promptly(proxy: FaultProxy) -> None:
    proxy.set(Fault.STALL)
    outcome: list[BaseException] = []

    def client() -> None:
        try:
            requests.post(proxy.url + "/sync", json={}, timeout=10)
        except requests.RequestException as error:
            outcome.append(error)

    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    _wait_for(lambda: proxy.faults_applied == 1)
    started = time.monotonic()
    proxy.stop()
    thread.join(3)
    assert time.monotonic() - started < 3
    assert not thread.is_alive()
    assert len(outcome) == 1
    assert isinstance(outcome[0], requests.ConnectionError)
    assert proxy.connections == 1


def test_a_path_filter_spares_other_requests(upstream: Upstream, proxy: FaultProxy) -> None:
    proxy.set(Fault.HTTP_ERROR, status=503, path="/special", times=1)
    assert requests.get(proxy.url + "/other", timeout=5).status_code == 200
    assert requests.get(proxy.url + "/special", timeout=5).status_code == 503
    assert requests.get(proxy.url + "/special", timeout=5).status_code == 200  # times=1 used up


def test_a_body_match_decides_on_the_whole_request(upstream: Upstream, proxy: FaultProxy) -> None:
    # A body bigger than one read, sent on one keep-alive session: the proxy must read all of
    # it before deciding, and forward the ones that do not match untouched.
    def poison(body: bytes) -> bool:
        return bool(json.loads(body)["first"] == "poison")

    proxy.set(Fault.HTTP_ERROR, status=500, path="/sync", match=poison)
    pad = "x" * BIG
    with requests.Session() as session:
        fine = session.post(proxy.url + "/sync", json={"first": "fine", "pad": pad}, timeout=5)
        bad = session.post(proxy.url + "/sync", json={"first": "poison", "pad": pad}, timeout=5)
        again = session.post(proxy.url + "/sync", json={"first": "poison"}, timeout=5)
        other = session.post(proxy.url + "/sync", data=b"not json", timeout=5)
    assert (fine.status_code, bad.status_code, again.status_code) == (200, 500, 500)
    assert other.status_code == 200  # a predicate that fails is no match
    assert upstream.bodies == [len(b'{"first": "fine", "pad": ""}') + BIG, len(b"not json")]
    assert proxy.faults_applied == 2


def test_error_after_request_server_did_the_work(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.set(Fault.ERROR_AFTER_REQUEST, status=500, body=b"Internal Server Error", times=1)
    failed = requests.post(proxy.url + "/sync", json={"a": 1}, timeout=5)
    assert (failed.status_code, failed.content) == (500, b"Internal Server Error")
    assert upstream.posts == 1  # the server processed it all the same
    fine = requests.post(proxy.url + "/sync", json={"a": 2}, timeout=5)
    assert fine.status_code == 200 and upstream.posts == 2

"""/metrics (server.metrics): Prometheus' text format, read with prometheus_client's own
parser; requests by route template, pushes' mutations by outcome, the pool and the queue; only
for the networks allowed (loopback by default), 404 for everyone else."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import requests

from server.metrics import LOOPBACK, Metrics, MetricsMiddleware, client_allowed, networks
from tests.server.api import assert_error
from tests.server.scrape import samples, value
from tests.server.sync_api import Installation, mutation, progress, vote
from tests.server_process import LiveServer, run_cli, start_server

pytestmark = pytest.mark.timeout(120)


def test_pushes_and_requests_are_counted_by_outcome_and_route(fresh_academy: LiveServer) -> None:
    learner = Installation.login(fresh_academy)
    first, second = progress(1, 1_000), vote(2)
    learner.push(first, second)
    learner.push(first, second)  # resent: both duplicate
    learner.push(mutation(3, "no_such.mutation", {}))
    reply = requests.get(
        f"{fresh_academy.url}/v1/courses/no-such-course",
        headers={"Authorization": f"Bearer {learner.token}"},
        timeout=30,
    )
    assert reply.status_code == 404

    found = samples(fresh_academy)
    assert found[("samen_push_mutations_total", frozenset({("outcome", "applied")}))] == 2
    assert found[("samen_push_mutations_total", frozenset({("outcome", "duplicate")}))] == 2
    assert found[("samen_push_mutations_total", frozenset({("outcome", "rejected")}))] == 1
    push = frozenset({("route", "/v1/sync/push"), ("method", "POST"), ("status", "200")})
    assert found[("samen_http_requests_total", push)] == 3
    course = {("route", "/v1/courses/{course_id}"), ("method", "GET"), ("status", "404")}
    assert found[("samen_http_requests_total", frozenset(course))] == 1
    # Routes by their template only: no label holds a raw path with an id in it.
    labels = {v for (_name, pairs) in found for (_k, v) in pairs}
    assert not any("no-such-course" in label for label in labels)
    timed = frozenset({("route", "/v1/sync/push"), ("method", "POST")})
    assert found[("samen_http_request_duration_seconds_count", timed)] == 3
    assert ("samen_db_pool_connections_in_use", frozenset()) in found
    assert found[("samen_admission_queue_length", frozenset())] == 0
    assert value(fresh_academy, "samen_requests_shed_total", reason="queue_full") == 0


def test_metrics_only_for_the_networks_allowed(tmp_path: Path) -> None:
    server = start_server(
        tmp_path / "academy", seed_demo=False, extra_args=("--metrics-from", "10.0.0.0/8")
    )
    try:
        reply = requests.get(f"{server.url}/metrics", timeout=30)
        assert_error(reply, 404, "not_found")
    finally:
        server.stop()


@pytest.mark.parametrize(
    "option", [("--metrics-from", "10.0.0.0/33"), ("--threads", "0"), ("--queue", "-1")]
)
def test_run_refuses_bad_load_options_in_one_line(tmp_path: Path, option: tuple[str, str]) -> None:
    result = run_cli("run", "--data", str(tmp_path / "academy"), "--port", "0", *option)
    assert result.returncode == 1
    assert result.stderr.startswith("samen-server: error: ") and "Traceback" not in result.stderr


def test_the_address_check() -> None:
    loopback = networks(LOOPBACK)

    def scope(host: str | None) -> dict[str, object]:
        return {"type": "http", "client": None if host is None else (host, 50000)}

    assert client_allowed(scope("127.0.0.1"), loopback)
    assert client_allowed(scope("127.8.9.10"), loopback)
    assert client_allowed(scope("::1"), loopback)
    assert client_allowed(scope("::ffff:127.0.0.1"), loopback)
    assert not client_allowed(scope("192.168.1.20"), loopback)
    assert not client_allowed(scope("2001:db8::1"), loopback)
    assert not client_allowed(scope(None), loopback)
    assert not client_allowed(scope("not-an-address"), loopback)
    assert client_allowed(scope("10.1.2.3"), networks(["10.0.0.0/8", "::1"]))
    with pytest.raises(ValueError):
        networks(["10.0.0.0/33"])


def test_a_client_outside_gets_404_and_no_metrics() -> None:
    sent: list[dict[str, object]] = []

    async def app(_scope: object, _receive: object, _send: object) -> None:
        raise AssertionError("/metrics is answered by the middleware itself")

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    middleware = MetricsMiddleware(app, Metrics(), networks(LOOPBACK))
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/metrics",
        "headers": [],
        "client": ("203.0.113.7", 40000),
    }
    asyncio.run(middleware(scope, receive, send))  # type: ignore[arg-type]
    assert sent[0]["status"] == 404
    bodies = [m["body"] for m in sent if isinstance(m.get("body"), bytes)]
    assert not any(b"samen_" in body for body in bodies if isinstance(body, bytes))

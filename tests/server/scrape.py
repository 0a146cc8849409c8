"""Reading an academy's /metrics as Prometheus does (prometheus_client's own parser)."""

from __future__ import annotations

import time

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.server_process import LiveServer


def samples(server: LiveServer) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample, by name and labels."""
    reply = requests.get(f"{server.url}/metrics", timeout=30)
    assert reply.status_code == 200, reply.text
    found: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for family in text_string_to_metric_families(reply.text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(server: LiveServer, name: str, **labels: str) -> float:
    """One sample's value; 0 when it was never counted."""
    return samples(server).get((name, frozenset(labels.items())), 0.0)


def wait_for(server: LiveServer, name: str, expected: float, **labels: str) -> None:
    """Until the sample reaches `expected` (a state to wait for, with a generous bound)."""
    deadline = time.monotonic() + 30
    while (seen := value(server, name, **labels)) != expected:
        assert time.monotonic() < deadline, f"{name}{labels} stayed {seen}, not {expected}"
        time.sleep(0.05)

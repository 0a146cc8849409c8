"""Benchmark: push a backlog of queued actions over loopback, batched vs one request per action.

Usage: .venv/bin/python bench/sync_backlog.py [--actions 10000] [--baseline-actions 2000]

Starts the real demo server on 127.0.0.1, fills a real client outbox with distinct
progress.update actions, and times the sync engine's push phase twice in the same run: with its
normal batches (500 per request) and with one request per action (the baseline a naive client
would be). Bytes are counted on the wire as HTTP bodies plus headers, both directions.
Prints one line per mode and the ratio.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
from keyring.backends import fail

# tests/ (the backlog helper) is not installed: the repository root goes on the path first.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desktop.core import build_core
from desktop.demo_server import DEMO_PASSWORD, DEMO_USER, start_demo_server
from desktop.paths import resolve_paths
from desktop.store.outbox import OutboxRepo
from desktop.store.pulled import PulledRepo
from desktop.store.vault import TokenVault
from desktop.sync.api import ApiClient
from desktop.sync.engine import EngineLimits, SyncEngine
from tests.backlog import queue_progress_updates


class CountingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.bytes = 0
        self.requests = 0

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        response = super().send(request, **kwargs)
        body = request.body or b""
        self.bytes += len(body if isinstance(body, bytes) else body.encode())
        self.bytes += sum(len(k) + len(v) + 4 for k, v in request.headers.items())
        self.bytes += len(response.content)
        self.bytes += sum(len(k) + len(v) + 4 for k, v in response.headers.items())
        self.requests += 1
        return response


def run(root: Path, url: str, actions: int, batch_size: int, name: str) -> dict[str, float]:
    core = build_core(resolve_paths(root / name), vault=TokenVault(fail.Keyring()))
    account = core.session.login(url, DEMO_USER, DEMO_PASSWORD)
    queue_progress_updates(core.store, account.client_id, actions)
    session = CountingSession()
    api = ApiClient(url, token=core.session.token, timeout=60, session=session)
    outbox = OutboxRepo(core.store)
    engine = SyncEngine(
        outbox,
        PulledRepo(core.store),
        api,
        EngineLimits(batch_size=batch_size, max_batches=actions + 1),
    )
    start = time.perf_counter()
    _pushed, summary = engine.push(account.client_id)
    elapsed = time.perf_counter() - start
    core.close()
    if summary.acked != actions:
        raise SystemExit(f"{name}: only {summary.acked} of {actions} acked")
    return {
        "actions": actions,
        "seconds": elapsed,
        "ops_per_s": actions / elapsed,
        "bytes_per_op": session.bytes / actions,
        "requests": session.requests,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=10_000)
    parser.add_argument("--baseline-actions", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="samen-bench-") as tmp:
        root = Path(tmp)
        print("starting the demo server…", file=sys.stderr, flush=True)
        # No rate limit: the baseline sends one request per action on purpose.
        server = start_demo_server(root / "server", extra_args=("--sync-rate", "0"))
        try:
            batched = run(root, server.url, args.actions, 500, "batched")
            single = run(root, server.url, args.baseline_actions, 1, "one-per-request")
        finally:
            server.stop()
    for name, r in (("batched (500/request)", batched), ("one request per action", single)):
        print(
            f"{name:24} {r['actions']:>6} actions  {r['seconds']:7.2f} s  "
            f"{r['ops_per_s']:8.0f} ops/s  {r['bytes_per_op']:6.0f} bytes/op  "
            f"{r['requests']:>5} requests"
        )
    print(f"speed-up: {batched['ops_per_s'] / single['ops_per_s']:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A reply nested far deeper than any academy reply (a hostile proxy or server) is refused as
unreadable with a sentence: no RecursionError, nothing lost. Real academy behind the fault
proxy, real client store."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.proxy import Fault, FaultProxy
from tests.integration.sync_helpers import client, enqueue_many
from tests.server.sync_api import add_learner
from tests.server_process import LiveServer

DEEP = b"[" * 200_000 + b"]" * 200_000


@pytest.mark.parametrize(("path", "status"), [("/v1/sync/pull", 200), ("/v1/sync/push", 500)])
def test_a_reply_nested_200000_deep_is_a_sentence_and_loses_nothing(
    tmp_path: Path, academy: LiveServer, proxy: FaultProxy, path: str, status: int
) -> None:
    core = client(tmp_path, proxy.url, add_learner(academy))
    try:
        enqueue_many(core, 3)
        proxy.set(
            Fault.HTTP_ERROR,
            status=status,
            path=path,
            headers={"Content-Type": "application/json"},
            body=DEEP,
        )
        report = core.sync.run_window()
        assert not report.ok
        assert report.error is not None and "Recursion" not in report.error
        assert report.error.endswith(".")
        proxy.set(Fault.PASS)
        again = core.sync.run_window()
        assert again.ok, again.error
        assert again.pending == 0
    finally:
        core.close()

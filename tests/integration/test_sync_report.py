"""What a sync window reports as accepted is what left the queue, whatever path settled it.

Real academy and client store; the fault proxy loses push replies after the academy applied
them, so some items are settled by a replayed duplicate in a later attempt.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.sync.engine import EngineLimits
from tests.faults.proxy import Fault, FaultProxy
from tests.integration.sync_helpers import applied_mutations, client, enqueue_many, holding
from tests.server_process import LiveServer, start_server


@pytest.fixture(scope="module")
def academy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("sync-report-academy"), seed_demo=True)
    yield server
    server.stop()


def test_items_settled_before_a_quick_retry_are_counted(
    tmp_path: Path, academy: LiveServer, proxy: FaultProxy
) -> None:
    core = client(tmp_path, proxy.url)
    core.sync.limits = EngineLimits(batch_size=4)
    ids = enqueue_many(core, 10)
    # The 2nd batch's reply is lost once: the 1st attempt settled 4, the 2nd settles the rest
    # (the 2nd batch as replayed duplicates).
    proxy.set(Fault.RESET_AFTER_REQUEST, times=1, path="/v1/sync/push", match=holding(ids[4]))
    report = core.sync.run_window()
    assert report.ok, report.error
    assert (report.acked, report.rejected, report.pending) == (10, 0, 0)
    account = core.session.account()
    assert account is not None
    assert applied_mutations(academy, account.client_id) == ids
    core.close()


def test_a_window_that_fails_reports_what_it_settled_before(
    tmp_path: Path, academy: LiveServer, proxy: FaultProxy
) -> None:
    core = client(tmp_path, proxy.url)
    core.sync.limits = EngineLimits(batch_size=4)
    core.actions.vote("learning-together-poll-1", "no-such-option")  # refused by the academy
    ids = enqueue_many(core, 7)
    proxy.set(Fault.RESET_AFTER_REQUEST, path="/v1/sync/push", match=holding(ids[3]))
    report = core.sync.run_window()  # every attempt loses the 2nd batch's reply
    assert not report.ok and report.offline
    assert (report.acked, report.rejected, report.pending) == (3, 1, 4)
    assert sum(report.acked_by_kind.values()) == 3 and "vote" not in report.acked_by_kind
    proxy.set(Fault.PASS)
    again = core.sync.run_window()  # the academy has them: replayed duplicates
    assert again.ok and (again.acked, again.rejected, again.pending) == (4, 0, 0)
    assert sum(again.acked_by_kind.values()) == 4  # per kind, what this window sent
    core.close()

"""The real client against an academy at capacity (one slot, held by another learner's
half-sent push, no queue): its push is shed with 503 busy, which is a wait, never a refusal.
The queue stays, the learner reads that the academy is busy and Samen tries again, the next
try honours Retry-After, and once the slot is free the window sends everything, once. A login
shed that way waits and tries again by itself; only when the academy stays full does the
learner read that it is too busy, and to try again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.domain.errors import ServerBusyError
from desktop.sync.api import LOGIN_TRIES, ApiClient
from tests.integration.sync_helpers import client, enqueue_many
from tests.server.held_request import HeldRequest
from tests.server.scrape import value, wait_for
from tests.server.sync_api import Installation, progress
from tests.server_process import DEMO_PASSWORD, LiveServer, start_server

pytestmark = pytest.mark.timeout(180)


def test_a_busy_academy_is_a_wait_and_the_client_syncs_everything_after(tmp_path: Path) -> None:
    server = start_server(
        tmp_path / "academy", extra_args=("--threads", "1", "--queue", "0", "--push-queue", "0")
    )
    try:
        core = client(tmp_path / "client", server.url)
        enqueue_many(core, 3)
        other = Installation.login(server)
        body = {"client_id": other.client_id, "mutations": [progress(1, 500)]}
        held = HeldRequest(server, "/v1/sync/push", body, other.token)
        wait_for(server, "samen_admission_running", 1)

        report = core.sync.run_window()
        assert not report.ok and report.busy and not report.rejected
        assert report.pending == 3
        assert report.error == "The academy is busy; Samen will try again shortly."
        assert report.next_delay_s is not None and report.next_delay_s >= 1
        assert value(server, "samen_push_mutations_total", outcome="applied") == 0
        assert value(server, "samen_requests_shed_total", reason="queue_full") >= 1

        status, _reply = held.finish()
        assert status == 200
        report = core.sync.run_window()
        assert report.ok and report.acked == 3 and report.pending == 0
        assert value(server, "samen_push_mutations_total", outcome="applied") == 4
        assert value(server, "samen_push_mutations_total", outcome="duplicate") == 0
        core.close()
    finally:
        server.stop()


@pytest.fixture
def full_academy(tmp_path: Path) -> Iterator[tuple[LiveServer, HeldRequest]]:
    server = start_server(
        tmp_path / "academy", extra_args=("--threads", "1", "--queue", "0", "--push-queue", "0")
    )
    try:
        other = Installation.login(server)
        body = {"client_id": other.client_id, "mutations": [progress(1, 500)]}
        held = HeldRequest(server, "/v1/sync/push", body, other.token)
        wait_for(server, "samen_admission_running", 1)
        yield server, held
        held.close()
    finally:
        server.stop()


def test_a_login_turned_away_waits_and_tries_again(
    full_academy: tuple[LiveServer, HeldRequest],
) -> None:
    server, held = full_academy
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        assert held.finish()[0] == 200  # the slot frees while the client waits

    api = ApiClient(server.url, sleep=sleep)
    result = api.login("demo", DEMO_PASSWORD, str(uuid.uuid4()))
    assert result.user.username == "demo"
    assert len(waits) == 1 and waits[0] >= 1  # Retry-After honoured, jitter on top
    assert value(server, "samen_requests_shed_total", reason="queue_full") == 1


def test_a_login_that_stays_turned_away_says_so(
    full_academy: tuple[LiveServer, HeldRequest],
) -> None:
    server, _held = full_academy
    api = ApiClient(server.url, sleep=lambda _s: None)
    with pytest.raises(ServerBusyError) as refused:
        api.login("demo", DEMO_PASSWORD, str(uuid.uuid4()))
    assert refused.value.message == (
        "The academy is too busy to log you in right now. Please try again in a minute."
    )
    assert value(server, "samen_requests_shed_total", reason="queue_full") == LOGIN_TRIES

"""Admission control (server.admission): with every slot taken and the queue full, the next
request is answered 503 busy at once, with a Retry-After and in its own language, before its
endpoint runs, so nothing of it is applied; sent again later, it is applied once.

The academy runs with one slot (`--threads 1`); a push whose body is only half sent holds it
(tests/server/held_request.py) for exactly as long as the test wants."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from server.admission import MAX_RETRY_AFTER_S, Admission, PushReturns, admitted, first
from tests.server.api import assert_error
from tests.server.held_request import HeldRequest
from tests.server.scrape import value, wait_for
from tests.server.sync_api import Installation, progress, vote
from tests.server_process import LiveServer, start_server

pytestmark = pytest.mark.timeout(120)

PUSH = "/v1/sync/push"


@pytest.fixture
def one_slot(tmp_path: Path) -> Iterator[LiveServer]:
    # A queue wait far beyond the test's own steps: only a full queue sheds here.
    server = start_server(
        tmp_path / "academy",
        extra_args=(
            *("--threads", "1", "--queue", "1", "--queue-wait", "600"),
            *("--push-queue", "1"),
        ),
    )
    yield server
    server.stop()


def _hold(server: LiveServer, learner: Installation, *mutations: dict[str, object]) -> HeldRequest:
    body = {"client_id": learner.client_id, "mutations": list(mutations)}
    held = HeldRequest(server, PUSH, body, learner.token)
    wait_for(server, "samen_admission_running", 1)
    return held


def test_a_full_queue_is_answered_busy_at_once_and_nothing_is_applied(
    one_slot: LiveServer,
) -> None:
    learner = Installation.login(one_slot)
    first, second, third = progress(1, 1_000), progress(2, 2_000), vote(3)
    held = _hold(one_slot, learner, first)
    courses = f"{one_slot.url}/v1/courses"
    with ThreadPoolExecutor(2) as pool:
        waiting = pool.submit(learner.push_raw, [second])
        wait_for(one_slot, "samen_admission_queue_length", 1)

        shed = learner.push_raw([third])
        assert_error(shed, 503, "busy")
        assert int(shed.headers["Retry-After"]) >= 1
        assert shed.headers["Content-Language"] == "en"
        assert shed.json()["error"]["message"] == (
            "The academy is busy; Samen will try again shortly."
        )
        # Other requests wait in a line of their own (pushes go first): fill it, then one more.
        auth = {"Authorization": f"Bearer {learner.token}"}
        browsing = pool.submit(requests.get, courses, headers=auth, timeout=60)
        wait_for(one_slot, "samen_admission_queue_length", 2)
        dutch = requests.get(courses, headers={**auth, "Accept-Language": "nl"}, timeout=30)
        assert_error(dutch, 503, "busy")
        assert dutch.headers["Content-Language"] == "nl"
        assert "druk" in dutch.json()["error"]["message"]
        # The health probe takes no slot: the client still sees an academy that is there.
        assert requests.get(f"{one_slot.url}/v1/health", timeout=30).status_code == 200

        status, reply = held.finish()
        assert status == 200 and [r["status"] for r in reply["results"]] == ["applied"]
        queued = waiting.result(timeout=60)
        assert browsing.result(timeout=60).status_code == 200
    assert queued.status_code == 200, queued.text
    assert [r["status"] for r in queued.json()["results"]] == ["applied"]
    # The shed push was never applied: sent again, it is applied now, and only once.
    assert [r["status"] for r in learner.push(third)["results"]] == ["applied"]
    assert [r["status"] for r in learner.push(third)["results"]] == ["duplicate"]
    assert value(one_slot, "samen_requests_shed_total", reason="queue_full") == 2
    assert value(one_slot, "samen_admission_running") == 0


def test_a_request_that_waited_too_long_is_answered_busy(tmp_path: Path) -> None:
    server = start_server(
        tmp_path / "academy", extra_args=("--threads", "1", "--queue", "5", "--queue-wait", "0.5")
    )
    try:
        learner = Installation.login(server)
        held = _hold(server, learner, progress(1, 1_000))
        late = learner.push_raw([progress(2, 2_000)])
        assert_error(late, 503, "busy")
        assert int(late.headers["Retry-After"]) >= 1
        assert value(server, "samen_requests_shed_total", reason="waited_too_long") == 1
        status, _reply = held.finish()
        assert status == 200
        assert [r["status"] for r in learner.push(progress(2, 2_000))["results"]] == ["applied"]
    finally:
        server.stop()


def test_which_requests_take_a_slot() -> None:
    def scope(method: str, path: str) -> dict[str, object]:
        return {"type": "http", "method": method, "path": path}

    assert admitted(scope("POST", "/v1/sync/push"))
    assert admitted(scope("GET", "/supporter/abc"))
    assert admitted(scope("POST", "/v1/uploads"))
    assert not admitted(scope("GET", "/v1/health"))
    assert not admitted(scope("GET", "/metrics"))
    assert not admitted(scope("PATCH", "/v1/uploads/abc"))  # a body streaming for minutes
    assert not admitted(scope("GET", "/docs"))


def test_slots_are_handed_to_waiters_in_order_and_retry_after_spreads() -> None:
    async def scenario() -> None:
        admission = Admission(1, 2, 600, rand=lambda: 0.999)
        assert await admission.acquire() is None
        first = asyncio.ensure_future(admission.acquire())
        second = asyncio.ensure_future(admission.acquire())
        await asyncio.sleep(0)
        assert admission.waiting == 2
        assert await admission.acquire() == "queue_full"
        # Two waves queued behind one slot: at least 3 s, spread up to twice that.
        assert admission.retry_after() == 6
        admission.release()
        assert await first is None and not second.done()
        admission.release()
        assert await second is None
        admission.release()
        assert admission.running == 0 and admission.waiting == 0

    asyncio.run(scenario())


def test_a_push_waits_ahead_of_pulls_in_a_line_of_its_own() -> None:
    async def scenario() -> None:
        admission = Admission(1, 1, 600)
        assert await admission.acquire() is None
        pull = asyncio.ensure_future(admission.acquire())
        await asyncio.sleep(0)
        assert await admission.acquire() == "queue_full"  # the others' line holds one
        push = asyncio.ensure_future(admission.acquire(ahead=True))
        await asyncio.sleep(0)
        assert admission.waiting == 2  # the push found room in its own line
        admission.release()
        assert await push is None and not pull.done()  # it came later but goes first
        admission.release(ahead=True)
        assert await pull is None
        admission.release()
        assert admission.running == 0 and admission.waiting == 0

    asyncio.run(scenario())
    assert first({"type": "http", "method": "POST", "path": "/v1/sync/push"})
    assert not first({"type": "http", "method": "GET", "path": "/v1/sync/pull"})
    assert not first({"type": "http", "method": "POST", "path": "/v1/auth/login"})


def test_pushes_run_a_few_at_a_time_and_past_a_short_line_are_turned_away() -> None:
    async def scenario() -> None:
        admission = Admission(3, 4, 600, pushes=1, push_queue=1, rand=lambda: 0.0)
        assert await admission.acquire(ahead=True) is None
        second = asyncio.ensure_future(admission.acquire(ahead=True))
        await asyncio.sleep(0)
        assert not second.done()  # slots are free, but a push is running already
        assert await admission.acquire() is None  # a pull takes a free slot
        assert await admission.acquire(ahead=True) == "queue_full"  # the line holds one
        admission.release()  # the pull's slot is not a push's
        await asyncio.sleep(0)
        assert not second.done()
        admission.release(ahead=True)
        assert await second is None
        admission.release(ahead=True)
        assert admission.running == 0 and admission.waiting == 0
        assert await admission.acquire(ahead=True) is None

    asyncio.run(scenario())


def test_pushes_turned_away_come_back_one_after_the_other_at_the_rate_pushes_get_done() -> None:
    now = [100.0]
    returns = PushReturns(2, clock=lambda: now[0])
    for _ in range(100):
        returns.done(2.0)  # pushes take 2 s, two at a time: one done a second
    # Four pushes ahead: the first one turned away comes back after them, each next a
    # second later.
    assert [returns.retry_after(4) for _ in range(5)] == [4, 5, 6, 7, 8]
    now[0] += 10.0  # they came and went; the line is empty
    assert returns.retry_after(0) == 1
    assert max(returns.retry_after(0) for _ in range(200)) == MAX_RETRY_AFTER_S


def test_the_push_line_holds_about_a_second_of_pushes() -> None:
    async def line_for(push_s: float) -> int:
        admission = Admission(8, 64, 600, pushes=1, push_queue=16)
        for _ in range(100):
            admission.returns.done(push_s)
        assert await admission.acquire(ahead=True) is None
        waiting = []
        while True:
            turn = asyncio.ensure_future(admission.acquire(ahead=True))
            await asyncio.sleep(0)
            if turn.done():
                assert turn.result() == "queue_full"
                break
            waiting.append(turn)
        for turn in waiting:
            turn.cancel()
        return len(waiting)

    # 0.09 s each: the 11th waits behind 11 pushes, 0.99 s; a 12th would wait 1.08 s.
    assert asyncio.run(line_for(0.09)) == 11
    assert asyncio.run(line_for(0.4)) == 2  # 0.4 and 0.8 s; a third would wait 1.2 s
    assert asyncio.run(line_for(0.001)) == 16  # never more than --push-queue


def test_a_waiter_that_gives_up_leaves_no_slot_behind() -> None:
    async def scenario() -> None:
        admission = Admission(1, 1, 0.01)
        assert await admission.acquire() is None
        assert await admission.acquire() == "waited_too_long"
        assert admission.waiting == 0
        admission.release()
        assert admission.running == 0
        assert await admission.acquire() is None

    asyncio.run(scenario())


def test_a_file_still_streaming_holds_no_slot(one_slot: LiveServer) -> None:
    # Far more than loopback's socket buffers: the academy is still sending it when the
    # next request comes, as to a slow laptop.
    media = one_slot.data_dir / "media" / "samen-leren" / "audio" / "les-1.mp3"
    with media.open("wb") as out:
        out.truncate(64 * 1024 * 1024)
    learner = Installation.login(one_slot)
    auth = {"Authorization": f"Bearer {learner.token}"}
    download = requests.get(
        f"{one_slot.url}/v1/courses/samen-leren/media/audio/les-1.mp3",
        headers=auth,
        stream=True,
        timeout=30,
    )
    try:
        assert download.status_code == 200
        wait_for(one_slot, "samen_admission_running", 0)
        assert value(one_slot, "samen_db_pool_connections_in_use") == 0
        courses = requests.get(f"{one_slot.url}/v1/courses", headers=auth, timeout=30)
        assert courses.status_code == 200, courses.text
    finally:
        download.close()

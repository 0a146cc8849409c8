"""Taking "lesson done" back at the academy: progress.update with reopened, over real HTTP."""

from __future__ import annotations

from typing import Any

from tests.contract import validate
from tests.server.sync_api import COURSE, LESSON, Installation, add_learner, mutation, progress
from tests.server_process import LiveServer


def _reopen(seq: int, position_ms: int = 0) -> dict[str, Any]:
    args = {"course_id": COURSE, "lesson_id": LESSON, "position_ms": position_ms}
    return mutation(seq, "progress.update", {**args, "completed": False, "reopened": True})


def _progress_of(me: Installation) -> dict[str, Any]:
    changes, _ = me.pull_all()
    found: dict[str, dict[str, Any]] = {
        c["id"]: c["data"] for c in changes if c["entity"] == "progress"
    }
    return found[LESSON]


def _points_of(me: Installation) -> int:
    changes, _ = me.pull_all()
    points = {c["id"]: c["data"] for c in changes if c["entity"] == "points"}
    return int(points[COURSE]["total"])


def test_done_can_be_taken_back_and_given_again_without_new_points(
    live_server: LiveServer,
) -> None:
    username = add_learner(live_server)
    laptop = Installation.login(live_server, username)
    validate("Mutation", _reopen(1))

    done = laptop.push(progress(1, 4_000, completed=True))["results"][0]["result"]
    assert done["completed"] is True
    assert _points_of(laptop) == 10

    undone = laptop.push(_reopen(2))["results"][0]
    assert undone["status"] == "applied"
    assert undone["result"]["completed"] is False
    assert undone["result"]["position_ms"] == 4_000  # the position is kept
    assert undone["result"]["version"] > done["version"]

    # The learner's other device learns it by pull.
    phone = Installation.login(live_server, username)
    assert _progress_of(phone)["completed"] is False

    # A plain update (an older client) still never reverts; a second reopen changes nothing.
    again = laptop.push(progress(3, 0, completed=True), _reopen(4), _reopen(5))["results"]
    assert again[0]["result"]["completed"] is True
    assert again[1]["result"]["completed"] is False
    assert again[2]["result"]["version"] == again[1]["result"]["version"]
    plain = laptop.push(progress(6, 0, completed=False))["results"][0]["result"]
    assert plain["completed"] is False
    # Done again: the completion earned its points once.
    assert laptop.push(progress(7, 0, completed=True))["results"][0]["result"]["completed"]
    assert _points_of(phone) == 10
    assert _progress_of(phone)["completed"] is True


def test_reopening_a_lesson_never_done_creates_nothing_done(live_server: LiveServer) -> None:
    me = Installation.login(live_server, add_learner(live_server))
    reply = me.push(_reopen(1, 2_000))["results"][0]
    assert reply["status"] == "applied"
    assert reply["result"]["completed"] is False and reply["result"]["position_ms"] == 2_000

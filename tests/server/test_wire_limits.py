"""Numbers and nesting no schema allows are refused at the edge over real HTTP: a bad item is
that item's ``rejected invalid_args`` and the batch goes on, a bad envelope or query is a 400
with the error envelope, and the client's queue is never blocked by a 500."""

from __future__ import annotations

import json
import uuid

import requests

from server.wire_limits import MAX_JSON_DEPTH, MAX_WIRE_INT
from tests.server.api import assert_error, bearer
from tests.server.sync_api import Installation, add_learner, mutation, progress
from tests.server_process import DEMO_PASSWORD, LiveServer

TOO_BIG = 2**63  # one past SQLite's largest integer


def _nested(depth: int) -> str:
    """JSON text of a number inside ``depth`` lists (built as text: json.dumps would recurse)."""
    return "[" * depth + "1" + "]" * depth


def _post_json(server: LiveServer, path: str, text: str, token: str = "") -> requests.Response:
    headers = {"Content-Type": "application/json", **(bearer(token) if token else {})}
    return requests.post(f"{server.url}{path}", data=text.encode(), headers=headers, timeout=30)


def test_a_too_large_number_rejects_its_item_and_the_batch_goes_on(
    live_server: LiveServer,
) -> None:
    me = Installation.login(live_server, add_learner(live_server))
    reply = me.push(progress(1, TOO_BIG), progress(2, MAX_WIRE_INT + 1), progress(3, 1_000))
    statuses = [(r["status"], r.get("code")) for r in reply["results"]]
    assert statuses == [
        ("rejected", "invalid_args"),
        ("rejected", "invalid_args"),
        ("applied", None),
    ]
    message = reply["results"][0]["message"]
    assert message == "This action has a number that is too large."
    assert reply["last_seq"] == 3
    # The queue moves on: the next push is processed as usual.
    assert me.push(progress(4, 2_000))["results"][0]["status"] == "applied"
    changes = me.pull()["changes"]
    positions = [c["data"]["position_ms"] for c in changes if c["entity"] == "progress"]
    assert positions and max(positions) == 2_000


def test_a_number_too_large_for_a_playback_or_edit_is_rejected_too(
    live_server: LiveServer,
) -> None:
    me = Installation.login(live_server, add_learner(live_server))
    playback = {
        "media_key": "course:learning-together/video/welcome.mp4",
        "position_ms": TOO_BIG,
        "duration_ms": 1,
        "played": False,
    }
    edit = {"post_id": "post-0000001", "body": "x", "base_version": TOO_BIG}
    reply = me.push(mutation(1, "playback.position", playback), mutation(2, "forum.edit", edit))
    assert [(r["status"], r["code"]) for r in reply["results"]] == [
        ("rejected", "invalid_args"),
        ("rejected", "invalid_args"),
    ]


def test_a_too_large_seq_is_a_400_and_the_queue_still_works(live_server: LiveServer) -> None:
    me = Installation.login(live_server, add_learner(live_server))
    body = assert_error(me.push_raw([progress(TOO_BIG, 1)]), 400, "invalid_request")
    assert "seq" in body["error"]["message"]
    assert me.push(progress(1, 5))["results"][0]["status"] == "applied"


def test_a_too_large_acked_seq_or_limit_is_a_400(live_server: LiveServer) -> None:
    me = Installation.login(live_server, add_learner(live_server))
    url = f"{live_server.url}/v1/sync/pull"
    for params in ({"acked_seq": str(TOO_BIG)}, {"acked_seq": str(-TOO_BIG)}, {"limit": "1e999"}):
        reply = requests.get(
            url, params={"client_id": me.client_id, **params}, headers=bearer(me.token), timeout=30
        )
        assert_error(reply, 400, "invalid_request")
    assert me.pull(acked_seq=MAX_WIRE_INT)["outcomes"] == []


def test_a_too_large_transcript_id_is_a_400(live_server: LiveServer) -> None:
    reply = requests.get(f"{live_server.url}/v1/podcasts/any/transcripts/{TOO_BIG}.txt", timeout=30)
    assert_error(reply, 400, "invalid_request")


def test_deeply_nested_bodies_are_a_400_before_parsing(live_server: LiveServer) -> None:
    me = Installation.login(live_server, add_learner(live_server))
    deep_args = progress(1, 5)
    deep_args["args"]["position_ms"] = "DEEP"
    pushed = json.dumps({"client_id": me.client_id, "mutations": [deep_args]})
    pushed = pushed.replace('"DEEP"', _nested(2_000))
    body = assert_error(_post_json(live_server, "/v1/sync/push", pushed, me.token), 400, "too_deep")
    assert str(MAX_JSON_DEPTH) in body["error"]["message"]
    # Deep but unbalanced, or deep inside a string's brackets: refused / accepted alike.
    assert_error(_post_json(live_server, "/v1/sync/push", "[" * 100_000, me.token), 400, "too_deep")
    login = {
        "username": "[" * 60,
        "password": DEMO_PASSWORD,
        "client_id": str(uuid.uuid4()),
        "extra": "DEEP",
    }
    text = json.dumps(login).replace('"DEEP"', _nested(40))
    assert_error(_post_json(live_server, "/v1/auth/login", text), 400, "too_deep")
    del login["extra"]
    assert_error(
        _post_json(live_server, "/v1/auth/login", json.dumps(login)), 401, "invalid_credentials"
    )
    # The queue is not blocked: the same item, nested within the limit, is that item's rejection.
    deep_args["args"]["position_ms"] = json.loads(_nested(MAX_JSON_DEPTH - 4))
    reply = me.push(deep_args, progress(2, 7))
    assert [r["status"] for r in reply["results"]] == ["rejected", "applied"]

"""exercise.answer and playback.position over real HTTP, and their place in the contract."""

from __future__ import annotations

import hashlib
from typing import Any

import jsonschema
import pytest

from server.sync.registry import REGISTRY
from tests.contract import _schema, validate
from tests.server.sync_api import Installation, add_learner, mutation
from tests.server_process import LiveServer

MC = "learning-together-1-e1"  # options a, b (correct), c
OPEN = "learning-together-2-e1"
EPISODE = "episode:" + hashlib.sha256(b"https://example.org/feed.xml\nguid-1").hexdigest()[:32]
VIDEO = "course:learning-together/video/welcome.mp4"


def answer(seq: int, exercise_id: str, **args: Any) -> dict[str, Any]:
    return mutation(seq, "exercise.answer", {"exercise_id": exercise_id, **args})


def playback(seq: int, key: str, position_ms: int, played: bool = False) -> dict[str, Any]:
    args = {"media_key": key, "position_ms": position_ms, "duration_ms": 60_000, "played": played}
    return mutation(seq, "playback.position", args)


def _results(reply: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(r["status"], r.get("result") or r.get("code")) for r in reply["results"]]


def _changes(me: Installation, entity: str) -> dict[str, dict[str, Any]]:
    changes, _ = me.pull_all()
    return {c["id"]: c["data"] for c in changes if c["entity"] == entity}


def test_every_mutation_of_the_server_is_in_the_contract_with_the_same_args() -> None:
    described = _schema()["$defs"]["Mutations"]["properties"]
    assert set(described) == set(REGISTRY)
    for name, spec in REGISTRY.items():
        fields = spec.args.model_json_schema()["properties"]
        assert set(fields) == set(described[name]["properties"]), name
        required = {k for k, f in spec.args.model_fields.items() if f.is_required()}
        assert required == set(described[name]["required"]), name


def test_answers_are_checked_kept_and_reach_the_other_device(live_server: LiveServer) -> None:
    username = add_learner(live_server)
    laptop = Installation.login(live_server, username)
    reply = laptop.push(
        answer(1, MC, option_id=f"{MC}-x"),
        answer(2, MC, option_id="a"),
        answer(3, MC, option_id="b"),
        answer(4, OPEN, text="   "),
        answer(5, OPEN, text="We meet on Tuesdays.", option_id="a"),
        answer(6, OPEN, text="  We meet on Tuesdays.  "),
        answer(7, "no-such-exercise", text="hello"),
    )
    statuses = _results(reply)
    assert statuses[0] == ("rejected", "invalid_args")
    assert statuses[1][0] == "applied" and statuses[1][1]["correct"] is False
    assert statuses[2][0] == "applied" and statuses[2][1]["correct"] is True
    assert statuses[3] == ("rejected", "invalid_args")
    assert statuses[4] == ("rejected", "invalid_args")
    assert statuses[5][0] == "applied" and statuses[5][1]["text"] == "We meet on Tuesdays."
    assert statuses[6] == ("rejected", "not_found")
    for change in laptop.pull()["changes"]:
        validate("Change", change)

    phone = Installation.login(live_server, username)
    answers = _changes(phone, "answer")
    assert answers[MC]["option_id"] == "b" and answers[MC]["correct"] is True
    assert answers[OPEN]["text"] == "We meet on Tuesdays."
    assert answers[OPEN]["course_id"] == "learning-together"
    # Another learner sees none of it.
    assert _changes(Installation.login(live_server, add_learner(live_server)), "answer") == {}


def test_a_position_may_go_back_but_played_never_reverts(live_server: LiveServer) -> None:
    username = add_learner(live_server)
    laptop = Installation.login(live_server, username)
    reply = laptop.push(
        playback(1, EPISODE, 50_000, played=True),
        playback(2, EPISODE, 10_000),
        playback(3, VIDEO, 1_500),
        playback(4, "episode:not-hex", 1),
        playback(5, "course:../etc/passwd", 1),
    )
    statuses = _results(reply)
    assert statuses[1][1]["position_ms"] == 10_000 and statuses[1][1]["played"] is True
    assert statuses[2][0] == "applied"
    assert statuses[3] == ("rejected", "invalid_args")
    assert statuses[4] == ("rejected", "invalid_args")

    phone = Installation.login(live_server, username)
    positions = _changes(phone, "playback")
    assert positions[EPISODE]["position_ms"] == 10_000 and positions[EPISODE]["played"] is True
    assert positions[VIDEO]["position_ms"] == 1_500


@pytest.mark.parametrize(
    "args",
    [
        {"media_key": EPISODE, "position_ms": -1, "duration_ms": 0, "played": False},
        {"media_key": EPISODE, "position_ms": 0, "duration_ms": 0, "played": "yes"},
        {"media_key": EPISODE, "position_ms": 0, "duration_ms": 0},
    ],
)
def test_bad_playback_args_break_the_contract_and_are_rejected(
    live_server: LiveServer, args: dict[str, Any]
) -> None:
    with pytest.raises(jsonschema.ValidationError):
        validate("Mutations", {"playback.position": args})
    me = Installation.login(live_server, add_learner(live_server))
    reply = me.push(mutation(1, "playback.position", args))
    assert _results(reply) == [("rejected", "invalid_args")]

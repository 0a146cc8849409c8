"""No batch can poison a queue, whatever its args: every mutation of the registry is pushed to
a real academy with args of any JSON shape (huge and negative numbers, wrong types, nesting,
known and unknown ids), several per batch, and every item comes back applied or rejected in a
200 reply, never a 500 that would make the client resend the same batch forever."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from server.sync.registry import REGISTRY
from tests.server.sync_api import AGREE, COURSE, LESSON, POLL, Installation, add_learner, mutation
from tests.server_process import LiveServer

# Values the handlers know (so some items get past their lookups) next to ones they do not.
KNOWN = [COURSE, LESSON, POLL, AGREE, "learning-together-1-e1", "a", "x" * 300, str(uuid.uuid4())]
INTEGERS = st.sampled_from([0, 1, 2**53, 2**63, -(2**63) - 1, 604_800_001]) | st.integers(
    min_value=-(2**70), max_value=2**70
)
# A real id for the fields that look one up, in the demo academy.
REAL = {
    "course_id": COURSE,
    "lesson_id": LESSON,
    "poll_id": POLL,
    "option_id": AGREE,
    "exercise_id": "learning-together-1-e1",
    "media_key": "course:learning-together/video/welcome.mp4",
}
SCALARS = (
    st.none()
    | st.booleans()
    | INTEGERS
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(KNOWN)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _typed(field: str, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Mostly the field's own JSON type, often a real id for it (so items get past validation
    and lookups into the handlers and the database), now and then any JSON value."""
    kinds = {
        "integer": INTEGERS,
        "string": st.sampled_from(KNOWN) | st.text(max_size=20),
        "boolean": st.booleans(),
        "array": st.lists(st.sampled_from(KNOWN) | st.text(max_size=20), max_size=12),
        "null": st.none(),
    }
    options = [kinds[s["type"]] for s in schema.get("anyOf", [schema]) if s.get("type") in kinds]
    if field in REAL:
        options = [st.just(REAL[field])] * 3 + options
    return st.one_of(*options, *options, VALUES)


def _args(name: str) -> st.SearchStrategy[dict[str, Any]]:
    model = REGISTRY[name].args
    properties = model.model_json_schema()["properties"]
    fields = {key: _typed(key, properties[key]) for key in model.model_fields}
    required = {key: fields[key] for key, f in model.model_fields.items() if f.is_required()}
    optional = {key: fields[key] for key, f in model.model_fields.items() if not f.is_required()}
    return st.fixed_dictionaries(required, optional=optional)


# The batch of issue 14: a position SQLite cannot store, then an ordinary one.
POISON = [
    (
        "progress.update",
        {"course_id": COURSE, "lesson_id": LESSON, "position_ms": 2**63, "completed": False},
    ),
    (
        "progress.update",
        {"course_id": COURSE, "lesson_id": LESSON, "position_ms": 5, "completed": False},
    ),
]


ITEMS = st.sampled_from(sorted(REGISTRY)).flatmap(
    lambda name: st.tuples(st.just(name), _args(name))
)


@pytest.fixture(scope="module")
def learner(live_server: LiveServer) -> Installation:
    return Installation.login(live_server, add_learner(live_server))


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_any_args_in_any_mutation_come_back_applied_or_rejected(learner: Installation) -> None:
    seqs = itertools.count(1)

    @settings(
        max_examples=40,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(batch=st.lists(ITEMS, min_size=1, max_size=5))
    @example(batch=POISON)
    def push(batch: list[tuple[str, dict[str, Any]]]) -> None:
        items = [mutation(next(seqs), name, args) for name, args in batch]
        reply = learner.push(*items)  # asserts a 200 that follows the contract
        assert [r["seq"] for r in reply["results"]] == [item["seq"] for item in items]
        assert {r["status"] for r in reply["results"]} <= {"applied", "rejected"}
        for result in reply["results"]:
            # A sentence for the learner, not a validator's field path and wording.
            assert "Input should" not in result.get("message", ""), result

    push()

"""The client's parsers agree with the wire contract: what the schema requires, the client needs.

For every contract example: the example validates against the schema and parses. Removing any
property the schema requires makes both the schema and the parser refuse it, so a contract change
that the client does not follow (or the reverse) fails here.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import jsonschema
import pytest

from desktop.domain.errors import ProtocolError
from desktop.sync import wire
from tests.contract import SCHEMA_PATH, validate
from tests.unit.test_wire import DETAIL, LOGIN

EXAMPLES: dict[str, tuple[Any, Callable[[Any], object]]] = {
    "LoginReply": (LOGIN, wire.login_reply),
    "CourseDetail": (DETAIL, wire.course_detail),
    "CourseList": ({"courses": [DETAIL["course"]]}, wire.course_list),
    "Me": ({"user": LOGIN["user"]}, wire.me),
}


def _required_paths(
    schema: dict[str, Any], node: Any, path: tuple[Any, ...]
) -> Iterator[tuple[Any, ...]]:
    """Paths (into the example) of every property the schema marks required."""
    defs = json.loads(SCHEMA_PATH.read_text("utf-8"))["$defs"]
    if "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[1]]
    if isinstance(node, dict):
        for name in schema.get("required", []):
            if name in node:
                yield (*path, name)
        for name, sub in schema.get("properties", {}).items():
            if name in node:
                yield from _required_paths(sub, node[name], (*path, name))
    elif isinstance(node, list) and "items" in schema:
        for i, item in enumerate(node):
            yield from _required_paths(schema["items"], item, (*path, i))


def _without(example: Any, path: tuple[Any, ...]) -> Any:
    broken = copy.deepcopy(example)
    target = broken
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return broken


def _cases() -> Iterator[Any]:
    defs = json.loads(SCHEMA_PATH.read_text("utf-8"))["$defs"]
    for name, (example, parse) in EXAMPLES.items():
        for path in _required_paths(defs[name], example, ()):
            yield pytest.param(name, example, parse, path, id=f"{name}:{'.'.join(map(str, path))}")


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_examples_follow_the_contract_and_parse(name: str) -> None:
    example, parse = EXAMPLES[name]
    validate(name, example)
    parse(example)


@pytest.mark.parametrize(("name", "example", "parse", "path"), list(_cases()))
def test_a_missing_required_property_is_refused_by_both(
    name: str, example: Any, parse: Callable[[Any], object], path: tuple[Any, ...]
) -> None:
    broken = _without(example, path)
    with pytest.raises(jsonschema.ValidationError):
        validate(name, broken)
    with pytest.raises(ProtocolError):
        parse(broken)

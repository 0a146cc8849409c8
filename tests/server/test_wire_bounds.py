"""Every integer the academy accepts is bounded, in the code and in the contract alike, and the
depth scan counts nesting the way a JSON parser would. In-process: no server needed.

A new args model, request schema, query, path or header parameter with an unbounded integer
fails here, before it can carry a number SQLite cannot store into a handler.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from server.app import create_app
from server.auth.schemas import LoginRequest
from server.body_depth import DepthScan
from server.config import ServerConfig
from server.sync.registry import REGISTRY
from server.sync.schemas import PushRequest
from server.wire_limits import MAX_JSON_DEPTH, MAX_WIRE_INT, whole_number
from tests.academy_database import database_url
from tests.contract import _schema

REQUEST_MODELS: dict[str, type[BaseModel]] = {
    "PushRequest": PushRequest,
    "LoginRequest": LoginRequest,
    **{f"Mutations/{name}": spec.args for name, spec in REGISTRY.items()},
}


def _integers(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every JSON-schema node that allows an integer, with a path for the failure message."""
    if isinstance(node, dict):
        kind = node.get("type")
        if kind == "integer" or (isinstance(kind, list) and "integer" in kind):
            yield where, node
        for key, value in node.items():
            yield from _integers(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _integers(value, f"{where}/{i}")


def _unbounded(node: Any) -> list[str]:
    return [
        where
        for where, schema in _integers(node)
        if not (-MAX_WIRE_INT <= schema.get("minimum", -(2**63)) <= MAX_WIRE_INT)
        or not (-MAX_WIRE_INT <= schema.get("maximum", 2**63) <= MAX_WIRE_INT)
    ]


@pytest.mark.parametrize("name", list(REQUEST_MODELS))
def test_every_integer_of_every_request_model_is_bounded(name: str) -> None:
    assert _unbounded(REQUEST_MODELS[name].model_json_schema()) == []


def test_every_integer_parameter_and_body_of_every_route_is_bounded(tmp_path: Path) -> None:
    config = ServerConfig(data_dir=tmp_path, database_url=database_url(tmp_path))
    document = create_app(config).openapi()
    components = document.get("components", {}).get("schemas", {})
    unbounded = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                unbounded += [f"{where} {parameter['name']}" for _ in _unbounded(parameter)]
            body = operation.get("requestBody", {})
            unbounded += [f"{where} body{inner}" for inner in _unbounded(body)]
            # A body refers to components: each referenced schema is checked as a whole.
            for ref in sorted(set(_refs(body))):
                name = ref.rsplit("/", 1)[1]
                unbounded += [f"{where} {name}{inner}" for inner in _unbounded(components[name])]
    assert unbounded == []


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


@pytest.mark.parametrize("name", ["Mutation", "PushRequest", "LoginRequest", "Mutations"])
def test_every_integer_a_client_sends_is_bounded_in_the_contract(name: str) -> None:
    assert _unbounded(_schema()["$defs"][name]) == []


@pytest.mark.parametrize("name", list(REGISTRY))
def test_the_contract_bounds_each_mutation_integer_as_the_code_does(name: str) -> None:
    described = _schema()["$defs"]["Mutations"]["properties"][name]["properties"]
    for field, schema in REGISTRY[name].args.model_json_schema()["properties"].items():
        if schema.get("type") == "integer":
            bounds = {k: described[field].get(k) for k in ("minimum", "maximum")}
            assert bounds == {"minimum": schema["minimum"], "maximum": schema["maximum"]}, field


def test_the_contract_bounds_seq_as_the_code_does() -> None:
    contract = _schema()["$defs"]["Mutation"]["properties"]["seq"]
    code = PushRequest.model_json_schema()["$defs"]["MutationIn"]["properties"]["seq"]
    assert (contract["minimum"], contract["maximum"]) == (code["minimum"], code["maximum"])


def _depth_of(text: str, chunk: int) -> tuple[bool, int]:
    scan = DepthScan(max_depth=3)
    data = text.encode()
    fits = all(scan.feed(data[i : i + chunk]) for i in range(0, len(data), chunk))
    return fits, scan.depth


@pytest.mark.parametrize("chunk", [1, 2, 3, 1024])
@pytest.mark.parametrize(
    ("text", "fits"),
    [
        ('{"a": [[1]]}', True),
        ('{"a": [[[1]]]}', False),
        ('[[[1]], [[2]], {"b": [3]}]', True),
        ('["[[[[[[", "{{{{{"]', True),  # brackets inside strings do not count
        ('["\\"[[[[", 1]', True),  # an escaped quote does not end the string
        ('["\\\\", [[[1]]]]', False),  # an escaped backslash does not escape the quote
        ("[" * 100_000, False),  # unbalanced: refused as soon as it is too deep
    ],
)
def test_the_depth_scan_counts_nesting_outside_strings(text: str, fits: bool, chunk: int) -> None:
    assert _depth_of(text, chunk)[0] is fits
    if fits:
        json.loads(text)  # the cases that fit are real JSON


def test_a_body_at_the_limit_fits_and_one_more_level_does_not() -> None:
    scan = DepthScan()
    assert scan.feed(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)
    assert not scan.feed(b"[" * (MAX_JSON_DEPTH + 1))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        (" 42 ", 42),
        (str(MAX_WIRE_INT), MAX_WIRE_INT),
        (str(MAX_WIRE_INT + 1), None),
        ("²", None),
        ("-1", None),
        ("1e3", None),
        ("", None),
        (None, None),
        ("9" * 40, None),
    ],
)
def test_a_header_number_is_ascii_digits_within_the_bound(
    text: str | None, value: int | None
) -> None:
    assert whole_number(text) == value

"""Checks JSON bodies against the wire contract (resources/contract/v1.schema.json).

`validate("LoginReply", body)` raises jsonschema.ValidationError when the body breaks $defs.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "resources" / "contract" / "v1.schema.json"


# jsonschema checks "date-time" only with an optional package installed; check it ourselves.
_FORMATS = FormatChecker(formats=())
_FORMATS.checkers = dict(Draft202012Validator.FORMAT_CHECKER.checkers)


@_FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if "T" not in value.upper():
        raise ValueError("no 'T' between date and time")
    if datetime.fromisoformat(value).tzinfo is None:
        raise ValueError("no UTC offset")
    return True


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text("utf-8"))
    return schema


@cache
def _validator(name: str) -> Draft202012Validator:
    schema = _schema()
    if name not in schema["$defs"]:
        raise KeyError(f"the contract has no $defs/{name}")
    registry: Registry[Any] = Registry().with_resource(
        schema["$id"], Resource.from_contents(schema)
    )
    return Draft202012Validator(
        {"$ref": f"{schema['$id']}#/$defs/{name}"},
        registry=registry,
        format_checker=_FORMATS,
    )


def validate(name: str, body: object) -> None:
    """Raise jsonschema.ValidationError unless ``body`` matches the contract's $defs/``name``."""
    _validator(name).validate(body)

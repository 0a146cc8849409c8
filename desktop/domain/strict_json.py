"""A strict, bounded JSON reader for documents from strangers (a pack's manifest). Any thread.

`json.loads` recurses once per nesting level (a manifest nested 200,000 deep ends in a
RecursionError), keeps the last of two equal keys (so a signed copy and an unsigned one can
hide side by side), and accepts NaN and Infinity. This reader measures the nesting depth first,
without recursing, then parses with duplicate keys and non-standard constants refused.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

# A JSON string (escapes included) or one bracket; everything else is skipped by finditer.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class JsonRefusedError(ValueError):
    """The document is not JSON, or is JSON Samen will not read. `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "syntax", "depth" or "duplicate"


def depth(text: str) -> int:
    """How deeply arrays and objects nest in `text` (brackets inside strings do not count)."""
    steps = (_STEP.get(match.group(), 0) for match in _TOKEN.finditer(text))
    return max(accumulate(steps, initial=0))


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise JsonRefusedError("duplicate")
    return document


def _refuse_constant(_name: str) -> Any:
    raise JsonRefusedError("syntax")


def loads(raw: bytes, max_depth: int) -> Any:
    """Parse UTF-8 JSON nesting at most `max_depth` levels; JsonRefusedError otherwise."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise JsonRefusedError("syntax") from None
    if depth(text) > max_depth:
        raise JsonRefusedError("depth")
    try:
        return json.loads(
            text, object_pairs_hook=_refuse_duplicates, parse_constant=_refuse_constant
        )
    except JsonRefusedError:
        raise
    except (ValueError, RecursionError):  # RecursionError: cannot happen after depth(), kept safe
        raise JsonRefusedError("syntax") from None

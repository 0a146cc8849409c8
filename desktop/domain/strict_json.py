"""A strict, bounded JSON reader for documents from strangers (a pack's manifest). Any thread.

`json.loads` recurses once per nesting level (a manifest nested 200,000 deep ends in a
RecursionError), keeps the last of two equal keys (so a signed copy and an unsigned one can
hide side by side), and accepts NaN and Infinity. This reader checks the nesting depth first,
without recursing, then parses with duplicate keys and non-standard constants refused.
"""

from __future__ import annotations

import json
import re
from typing import Any

# A JSON string once its escaped backslashes and quotes are gone (an unterminated one runs to
# the end): a pattern that can neither backtrack nor retry from a quote inside a string.
_STRING = re.compile(rb'"[^"]*(?:"|\Z)')
# Only brackets are kept, both kinds as one: depth is all that is measured here.
_AS_SQUARE = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')


class JsonRefusedError(ValueError):
    """The document is not JSON, or is JSON Samen will not read. `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "syntax", "depth" or "duplicate"


def within_depth(raw: bytes, max_depth: int) -> bool:
    """Whether arrays and objects in the UTF-8 JSON `raw` nest at most `max_depth` deep
    (brackets inside strings do not count). Each pass removes the innermost level with
    bytes.replace, so a 16 MB document takes about a second at worst. Unbalanced brackets (not
    JSON) count as too deep. Bytes, not text: in UTF-8 a quote, backslash or bracket byte is
    always that character."""
    # Backslash pairs first, left to right, as JSON pairs them; then the escaped quotes. Any
    # backslash left escapes neither, so from here only quotes and brackets matter. Two quotes
    # side by side then hold nothing (an empty string, or one string's end and the next one's
    # start), and dropping them leaves every bracket inside or outside a string as it was:
    # the pattern is left a short text (a sync reply's thousands of strings took milliseconds).
    unescaped = raw.replace(b"\\\\", b"").replace(b'\\"', b"") if b"\\" in raw else raw
    structure = unescaped.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    brackets = _STRING.sub(b"", structure).translate(_AS_SQUARE, _NOT_BRACKET)
    too_deep = b"[" * (max_depth + 1)  # so many opened in a row: no need for more passes
    for _ in range(max_depth):
        if not brackets:
            return True
        if too_deep in brackets:
            return False
        brackets = brackets.replace(b"[]", b"")
    return not brackets


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise JsonRefusedError("duplicate")
    return document


def _refuse_constant(_name: str) -> Any:
    raise JsonRefusedError("syntax")


def loads(raw: bytes, max_depth: int) -> Any:
    """Parse UTF-8 JSON nesting at most `max_depth` levels; JsonRefusedError otherwise."""
    if not within_depth(raw, max_depth):
        raise JsonRefusedError("depth")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise JsonRefusedError("syntax") from None
    try:
        return json.loads(
            text, object_pairs_hook=_refuse_duplicates, parse_constant=_refuse_constant
        )
    except JsonRefusedError:
        raise
    except (ValueError, RecursionError):  # RecursionError: cannot happen after depth(), kept safe
        raise JsonRefusedError("syntax") from None

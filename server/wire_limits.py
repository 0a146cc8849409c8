"""The bounds every number and JSON body from the wire keeps, checked at the edge.

A number SQLite cannot store (>= 2^63) or a body nested so deep that parsing recurses without
end used to reach the database or the parser and answer 500; a client then resent the same
batch forever. Schemas use :data:`WireInt` (and its narrower forms) for every integer they
accept, and the body guard refuses JSON nested deeper than :data:`MAX_JSON_DEPTH`.
Plain constants and pure functions, used from any thread.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field

# The largest integer every JSON reader keeps exactly (JavaScript's Number.MAX_SAFE_INTEGER);
# far inside SQLite's and PostgreSQL's 64-bit integers.
MAX_WIRE_INT = 2**53 - 1

# The largest value of an Integer column on PostgreSQL (INTEGER is 32-bit there, 64-bit in
# SQLite): a wire number above it names no stored row, and must not reach the query.
MAX_STORED_INT = 2**31 - 1

# The deepest JSON a request may carry: a push is {mutations: [{args: {...: [...]}}]}, five
# levels, so 32 leaves room for any args yet stays far from Python's recursion limit.
MAX_JSON_DEPTH = 32

# Any integer a request may carry; narrower types for counts and positions.
WireInt = Annotated[int, Field(ge=-MAX_WIRE_INT, le=MAX_WIRE_INT)]
NonNegativeInt = Annotated[int, Field(ge=0, le=MAX_WIRE_INT)]
PositiveInt = Annotated[int, Field(ge=1, le=MAX_WIRE_INT)]

# ASCII digits only: str.isdigit() also accepts "²", which int() then refuses.
_WHOLE_NUMBER = re.compile(r"[0-9]{1,16}")


def whole_number(text: str | None) -> int | None:
    """A header's non-negative whole number (at most MAX_WIRE_INT), or None if it is not one."""
    if text is None or not _WHOLE_NUMBER.fullmatch(text.strip()):
        return None
    value = int(text.strip())
    return value if value <= MAX_WIRE_INT else None

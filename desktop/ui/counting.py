"""Numbers with their noun in the right form ("1 reply", "3 replies"). UI thread (pure
functions).

One place for it, so issue 16's translation catalogue can take over plural forms from here.
"""

from __future__ import annotations


def count(number: int, one: str, many: str) -> str:
    """`number` with `one` (exactly 1) or `many` (0, 2, 3 …), as English counts."""
    return f"{number} {one if number == 1 else many}"

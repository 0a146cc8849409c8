"""Fills the English catalogue from the source: every sentence empty there becomes itself.

English is Samen's source language, so its catalogue holds each sentence as written in the code
(English wording is changed in the code; tests/i18n/test_catalogues.py checks the two agree).
Run by `translations.sh update`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def fill(path: Path) -> int:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        # A fuzzy entry holds pybabel's guess from a similar sentence: the source is the answer.
        guessed = "fuzzy" in message.flags
        message.flags.discard("fuzzy")
        if isinstance(message.id, tuple | list):
            if guessed or not all(message.string):
                message.string = tuple(message.id)
                filled += 1
        elif guessed or not message.string:
            message.string = message.id
            filled += 1
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0, sort_output=True, include_previous=False)
    return filled


if __name__ == "__main__":
    print(f"English: {fill(Path(sys.argv[1]))} sentences filled from the source")

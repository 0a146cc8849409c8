"""Which e-mail addresses and names the supporter tool accepts. Plain functions, any thread.

Deliberately narrow: one plain address (no display name, no list, no comments, ASCII only) and a
name without line breaks, so nothing a learner types can add a recipient or a header."""

from __future__ import annotations

import re

MAX_ADDRESS = 254
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"^[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$")


def valid_address(address: str) -> bool:
    if len(address) > MAX_ADDRESS or ".." in address or address.startswith("."):
        return False
    local = address.split("@", 1)[0]
    return _ADDRESS.match(address) is not None and not local.endswith(".")


def clean_name(name: str) -> str | None:
    """The name with spaces tidied, or None if it holds control characters (line breaks)."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        return None
    return " ".join(name.split())

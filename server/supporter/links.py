"""Supporter links: an unguessable token per request, of which only a hash is stored, so a copy
of the database does not hand out working links. Any thread."""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_BYTES = 32  # 256 bits, URL-safe base64 in the link
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
PATH = "/supporter/"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def plausible(token: str) -> bool:
    """Shape check before any lookup (and before hashing what a stranger sent)."""
    return _TOKEN.match(token) is not None


def link(base: str, token: str) -> str:
    return f"{base.rstrip('/')}{PATH}{token}"

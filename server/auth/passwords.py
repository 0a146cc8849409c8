"""Argon2id password hashing (argon2-cffi defaults).

CPU-bound; runs on uvicorn's worker threads or the CLI's main thread.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash uses weaker parameters than today's defaults."""
    return _hasher.check_needs_rehash(password_hash)


@cache
def _dummy_hash() -> str:
    # Computed on first use, not at import: hashing costs tens of milliseconds.
    return _hasher.hash("samen-dummy-password-for-unknown-users")


def burn_verification(password: str) -> None:
    """Spend the time of one verification so an unknown user answers as slowly as a known one."""
    verify_password(_dummy_hash(), password)

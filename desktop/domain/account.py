"""Who is logged in, to which academy. Pure data. Any thread."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    LEARNER = "learner"
    MODERATOR = "moderator"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    display_name: str
    role: Role


@dataclass(frozen=True, slots=True)
class Account:
    """The logged-in account as remembered locally (the token is never part of it)."""

    server_url: str
    user: User
    client_id: str
    academy: str
    token_expires_at: str


@dataclass(frozen=True, slots=True)
class AcademyKey:
    """The Ed25519 key an academy signs course manifests with (public part only)."""

    key_id: str
    public_key: str  # raw 32 bytes, base64
    algorithm: str = "ed25519"


@dataclass(frozen=True, slots=True)
class LoginResult:
    """What the server returns on login; the token goes to the keyring, the rest to the store."""

    token: str
    expires_at: str
    user: User
    academy: str
    academy_key: AcademyKey


def record_owner(account: Account | None) -> str:
    """Whose learning record a row is: "<user id>@<server>", or "" when nobody is logged in.
    On a shared computer each learner sees only their own progress, answers and positions."""
    return "" if account is None else f"{account.user.id}@{account.server_url}"

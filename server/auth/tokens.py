"""Bearer tokens: issue, resolve and revoke. Runs on worker threads inside a request's session.

The client gets a random token once; the database keeps only its sha256.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.auth.models import AuthToken, User
from server.db import utc_now


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class Caller:
    """The authenticated user of a request and the token row that proved it."""

    user: User
    token: AuthToken


def issue_token(session: Session, user: User, client_id: str, ttl: timedelta) -> IssuedToken:
    token = secrets.token_urlsafe(32)
    now = utc_now()
    row = AuthToken(
        token_sha256=token_digest(token),
        user_id=user.id,
        client_id=client_id,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(row)
    return IssuedToken(token=token, expires_at=row.expires_at)


def resolve_token(session: Session, token: str) -> Caller | None:
    """The caller for a live token, or None if unknown, expired or revoked."""
    row = session.scalars(
        select(AuthToken).where(AuthToken.token_sha256 == token_digest(token))
    ).one_or_none()
    if row is None or row.revoked_at is not None or row.expires_at <= utc_now():
        return None
    user = session.get(User, row.user_id)
    if user is None:
        return None
    return Caller(user=user, token=row)


def revoke(token: AuthToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utc_now()

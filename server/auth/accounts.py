"""Creating user accounts, shared by `samen-server user add` and the demo seed (main thread)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.auth.models import Role, User
from server.auth.passwords import MIN_PASSWORD_LENGTH, hash_password

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class AccountError(ValueError):
    """Input that cannot become an account; the message is shown to the operator as is."""


def find_user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        choices = ", ".join(role.value for role in Role)
        raise AccountError(f"unknown role {value!r}; choose one of {choices}") from None


def create_user(
    session: Session,
    username: str,
    password: str,
    role: Role,
    display_name: str | None = None,
) -> User:
    """Add a user (not committed). Raises AccountError for bad input or a taken name."""
    if not USERNAME_PATTERN.match(username):
        raise AccountError(
            f"invalid user name {username!r}: use 1-64 letters, digits, '.', '_' or '-'"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password too short: use at least {MIN_PASSWORD_LENGTH} characters")
    if find_user(session, username) is not None:
        raise AccountError(f"user {username!r} already exists")
    user = User(
        username=username,
        display_name=(display_name or username).strip() or username,
        role=role,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    return user

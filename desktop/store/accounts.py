"""The logged-in account and the client ids this installation holds. Worker threads / CLI.

The token is deliberately absent: it lives in the OS keyring (see vault.py).
"""

from __future__ import annotations

import uuid

from desktop.domain.account import Account, Role, User
from desktop.store.clock import utc_now
from desktop.store.db import Store


class AccountRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def current(self) -> Account | None:
        with self._store.read() as db:
            rows = list(db.query("SELECT * FROM account WHERE id = 1"))
        if not rows:
            return None
        row = rows[0]
        user = User(row["user_id"], row["username"], row["display_name"], Role(row["role"]))
        return Account(
            server_url=row["server_url"],
            user=user,
            client_id=row["client_id"],
            academy=row["academy"],
            token_expires_at=row["token_expires_at"],
        )

    def client_id_for(self, server_url: str, username: str) -> str:
        """The stable client id for this user on this server, created on first use."""
        with self._store.write() as db:
            rows = list(
                db.query(
                    "SELECT client_id FROM client_ids WHERE server_url = ? AND username = ?",
                    [server_url, username],
                )
            )
            if rows:
                return str(rows[0]["client_id"])
            client_id = str(uuid.uuid4())
            db.execute(
                "INSERT INTO client_ids (server_url, username, client_id) VALUES (?, ?, ?)",
                [server_url, username, client_id],
            )
            return client_id

    def forget_client_id(self, server_url: str, username: str) -> None:
        with self._store.write() as db:
            db.execute(
                "DELETE FROM client_ids WHERE server_url = ? AND username = ?",
                [server_url, username],
            )

    def save(self, account: Account) -> None:
        with self._store.write() as db:
            db.execute(
                """INSERT OR REPLACE INTO account (id, server_url, user_id, username, display_name,
                       role, client_id, academy, token_expires_at, logged_in_at)
                   VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    account.server_url,
                    account.user.id,
                    account.user.username,
                    account.user.display_name,
                    account.user.role.value,
                    account.client_id,
                    account.academy,
                    account.token_expires_at,
                    utc_now(),
                ],
            )

    def clear(self) -> None:
        """Forget who is logged in. Outbox rows and downloaded content stay."""
        with self._store.write() as db:
            db.execute("DELETE FROM account")

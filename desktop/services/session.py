"""Logging in and out, and an API client for whoever is logged in. Worker threads / CLI.

The token goes to the vault (OS keyring); the account row in SQLite holds everything else.
Logging out never deletes pending outbox items or downloaded courses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from desktop.domain.account import Account
from desktop.domain.errors import NotLoggedInError, OfflineError, SamenError, ServerError
from desktop.language.catalogue import _
from desktop.store.accounts import AccountRepo
from desktop.store.outbox import OutboxRepo
from desktop.store.trust import KeyRepo
from desktop.store.vault import TokenVault
from desktop.sync.api import ApiClient, normalize_url

ClientFactory = Callable[..., ApiClient]


@dataclass(frozen=True, slots=True)
class LogoutResult:
    pending_kept: int
    server_revoked: bool


class SessionService:
    def __init__(
        self,
        accounts: AccountRepo,
        outbox: OutboxRepo,
        vault: TokenVault,
        keys: KeyRepo,
        *,
        timeout: float = 15.0,
        client_factory: ClientFactory = ApiClient,
    ) -> None:
        self._accounts = accounts
        self._outbox = outbox
        self._vault = vault
        self._keys = keys
        self._timeout = timeout
        self._client_factory = client_factory

    @property
    def token_persistent(self) -> bool:
        """False once the vault is known to keep the login only until Samen closes (the
        keyring is not opened to find out: see `logged_in`)."""
        return self._vault.persistent if self._vault.opened else True

    def logged_in(self, *, read_token: bool = True) -> bool:
        """An account on this computer with its login in the keyring. With `read_token`
        False and the keyring not opened yet (offline since Samen started, so no token was
        needed), the account answers alone: it is removed at logout, and a login the keyring
        lost is found as soon as the academy is reachable, which then asks to log in again."""
        if self._accounts.current() is None:
            return False
        if not read_token and not self._vault.opened:
            return True
        return self.token() is not None

    @property
    def token_note(self) -> str:
        """Why the login will not survive a restart, or '' when it will."""
        return self._vault.reason

    def account(self) -> Account | None:
        return self._accounts.current()

    def login(self, server_url: str, username: str, password: str) -> Account:
        url = normalize_url(server_url)
        username = username.strip()
        if not username or not password:
            raise SamenError(_("Please enter both your user name and your password."))
        client_id = self._accounts.client_id_for(url, username)
        client = self._client_factory(url, timeout=self._timeout)
        try:
            result = client.login(username, password, client_id)
        except ServerError as exc:
            if exc.code != "client_id_taken":
                raise
            # This installation's id belongs to someone else on the server: start a fresh one.
            self._accounts.forget_client_id(url, username)
            client_id = self._accounts.client_id_for(url, username)
            result = client.login(username, password, client_id)
        account = Account(
            server_url=url,
            user=result.user,
            client_id=client_id,
            academy=result.academy,
            token_expires_at=result.expires_at,
        )
        previous = self._accounts.current()
        if previous is not None and (previous.server_url, previous.user.username) != (
            url,
            result.user.username,
        ):
            self._vault.delete(previous.server_url, previous.user.username)
        self._vault.save(url, result.user.username, result.token)
        self._keys.remember(url, result.academy_key)
        self._accounts.save(account)
        return account

    def token(self) -> str | None:
        account = self._accounts.current()
        if account is None:
            return None
        return self._vault.load(account.server_url, account.user.username)

    def client(self) -> ApiClient:
        """An API client for the logged-in account; its token is read from the vault per call."""
        account = self._accounts.current()
        if account is None:
            raise NotLoggedInError(_("You are not logged in. Please log in to the academy."))
        return self._client_factory(account.server_url, token=self.token, timeout=self._timeout)

    def logout(self) -> LogoutResult:
        """Revoke the token if the server is reachable, forget it locally either way."""
        account = self._accounts.current()
        pending = sum(self._outbox.pending_by_kind(account.client_id).values()) if account else 0
        if account is None:
            return LogoutResult(pending_kept=pending, server_revoked=False)
        revoked = False
        if self.token():
            try:
                self.client().logout()
                revoked = True
            except (OfflineError, SamenError):
                # Offline or already invalid: the token is forgotten locally, which is what counts.
                revoked = False
        self._vault.delete(account.server_url, account.user.username)
        self._accounts.clear()
        return LogoutResult(pending_kept=pending, server_revoked=revoked)

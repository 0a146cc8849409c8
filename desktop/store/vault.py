"""Bearer tokens in the OS keyring (Secret Service, macOS Keychain, Windows Credential Locker).
Worker threads / CLI.

Tokens never touch SQLite, settings or logs. When the OS offers no usable keyring, the vault
keeps the token in memory for this process only and says so through `persistent`/`reason`,
so the app can tell the learner instead of silently writing the secret somewhere weaker.

The keyring is opened at the first use of the vault, not when it is made: the Secret Service
client and the cryptography it needs cost about 10 MB and a D-Bus round trip, which a Samen
that stays offline (and so never sends its token) does without (`opened`).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from desktop.language.catalogue import _

if TYPE_CHECKING:
    import keyring.backend

log = logging.getLogger(__name__)

SERVICE_PREFIX = "Samen"


def _service(server_url: str) -> str:
    return f"{SERVICE_PREFIX} {server_url.rstrip('/')}"


def _usable(backend: keyring.backend.KeyringBackend) -> bool:
    from keyring.backends import fail

    if isinstance(backend, fail.Keyring):
        return False
    try:
        from keyring.backends import null

        if isinstance(backend, null.Keyring):
            return False
    except ImportError:  # pragma: no cover - very old keyring
        pass
    return True


class TokenVault:
    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self._given = backend
        self._backend_now: keyring.backend.KeyringBackend | None = None
        self._lock = threading.Lock()  # the first use may come from two workers at once
        self._memory: dict[tuple[str, str], str] = {}
        self._reason = ""
        self._persistent: bool | None = None  # known once the keyring is opened

    @property
    def opened(self) -> bool:
        """Whether the keyring has been opened yet (what is known without opening it)."""
        return self._persistent is not None

    @property
    def _backend(self) -> keyring.backend.KeyringBackend:
        with self._lock:
            if self._backend_now is None:
                if self._given is not None:
                    self._backend_now = self._given
                else:
                    import keyring

                    self._backend_now = keyring.get_keyring()
                self._persistent = _usable(self._backend_now)
                if not self._persistent:
                    self._reason = _(
                        "No system keyring is available, so you stay logged in only until "
                        "Samen closes."
                    )
            return self._backend_now

    @property
    def persistent(self) -> bool:
        self._backend  # noqa: B018  # opens the keyring: only then is it known
        return bool(self._persistent)

    @property
    def reason(self) -> str:
        self._backend  # noqa: B018
        return self._reason

    @property
    def backend_name(self) -> str:
        return type(self._backend).__module__ + "." + type(self._backend).__name__

    def save(self, server_url: str, username: str, token: str) -> bool:
        """Store the token; True when it will survive a restart."""
        import keyring.errors

        key = (_service(server_url), username)
        self._memory[key] = token
        if not self.persistent:
            return False
        try:
            self._backend.set_password(key[0], username, token)
        except (keyring.errors.KeyringError, OSError, RuntimeError) as exc:
            # A locked or broken keyring must not stop the login; keep the token for this run.
            log.warning(
                "keyring unavailable (%s); token kept for this session only", type(exc).__name__
            )
            self._persistent = False
            self._reason = _(
                "The system keyring refused to store the login, "
                "so you stay logged in only until Samen closes."
            )
            return False
        return True

    def load(self, server_url: str, username: str) -> str | None:
        import keyring.errors

        key = (_service(server_url), username)
        if key in self._memory:
            return self._memory[key]
        if not self.persistent:
            return None
        try:
            token = self._backend.get_password(key[0], username)
        except (keyring.errors.KeyringError, OSError, RuntimeError) as exc:
            log.warning("keyring read failed (%s)", type(exc).__name__)
            return None
        if token:
            self._memory[key] = token
        return token

    def delete(self, server_url: str, username: str) -> None:
        import keyring.errors

        key = (_service(server_url), username)
        self._memory.pop(key, None)
        if not self.persistent:
            return
        try:
            self._backend.delete_password(key[0], username)
        except keyring.errors.PasswordDeleteError:
            pass  # Already gone: logout is idempotent.
        except (keyring.errors.KeyringError, OSError, RuntimeError) as exc:
            log.warning("keyring delete failed (%s)", type(exc).__name__)

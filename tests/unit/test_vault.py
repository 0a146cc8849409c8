"""Tokens live in a real Secret Service (gnome-keyring), or in memory with a clear note."""

from __future__ import annotations

import pytest
from keyring.backends import SecretService, fail

from desktop.store.vault import TokenVault

TOKEN = "secret-token-" + "x" * 40


@pytest.mark.keyring
def test_token_survives_in_the_secret_service(
    secret_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in secret_env.items():
        monkeypatch.setenv(key, value)
    vault = TokenVault(SecretService.Keyring())
    assert vault.persistent
    assert vault.save("http://academy.test/", "ann", TOKEN)
    # A new vault (a new process, in effect) reads it back from the keyring, not from memory.
    again = TokenVault(SecretService.Keyring())
    assert again.load("http://academy.test", "ann") == TOKEN
    again.delete("http://academy.test", "ann")
    assert TokenVault(SecretService.Keyring()).load("http://academy.test", "ann") is None
    again.delete("http://academy.test", "ann")  # idempotent


def test_without_a_keyring_the_token_is_kept_for_the_session_only() -> None:
    vault = TokenVault(fail.Keyring())
    assert not vault.persistent
    assert "until Samen closes" in vault.reason
    assert vault.save("http://a", "ann", TOKEN) is False
    assert vault.load("http://a", "ann") == TOKEN
    assert TokenVault(fail.Keyring()).load("http://a", "ann") is None

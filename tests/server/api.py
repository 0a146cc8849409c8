"""Small HTTP helpers for the server tests (real requests against a LiveServer)."""

from __future__ import annotations

import uuid
from typing import Any

import requests

from tests.contract import validate
from tests.server_process import DEMO_PASSWORD, LiveServer


def login(
    server: LiveServer,
    username: str = "demo",
    password: str = DEMO_PASSWORD,
    client_id: str | None = None,
) -> requests.Response:
    return requests.post(
        f"{server.url}/v1/auth/login",
        json={
            "username": username,
            "password": password,
            "client_id": client_id or str(uuid.uuid4()),
        },
        timeout=10,
    )


def token_for(server: LiveServer, username: str = "demo", password: str = DEMO_PASSWORD) -> str:
    reply = login(server, username, password)
    assert reply.status_code == 200, reply.text
    token: str = reply.json()["token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(reply: requests.Response, status: int, code: str) -> dict[str, Any]:
    """The reply is ``status`` with the contract's error envelope carrying ``code``."""
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = reply.json()
    validate("Error", body)
    assert body["error"]["code"] == code, body
    return body

"""A login's password check (argon2, tens of milliseconds) holds no database connection: a
class logging in at 9:00 must not queue the whole academy behind its hashing. The real academy
runs in this process (uvicorn on 127.0.0.1) so the check can see its connection pool."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import uvicorn

from server.app import create_app
from server.auth.passwords import verify_password
from server.config import ServerConfig
from server.db import Database
from tests.academy_database import database_url
from tests.server_process import DEMO_PASSWORD, free_port, seed_demo_academy

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def academy_here(tmp_path: Path) -> Iterator[tuple[str, Database]]:
    seed_demo_academy(tmp_path)
    config = ServerConfig(data_dir=tmp_path, database_url=database_url(tmp_path))
    app = create_app(config)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the academy did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", app.state.database
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_the_password_check_holds_no_database_connection(
    academy_here: tuple[str, Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, database = academy_here
    held: list[int] = []

    def watched(password_hash: str, password: str) -> bool:
        held.append(database.engine.pool.checkedout())  # type: ignore[attr-defined]
        return verify_password(password_hash, password)

    monkeypatch.setattr("server.auth.routes.verify_password", watched)
    for password in (DEMO_PASSWORD, "not the password"):
        reply = requests.post(
            f"{url}/v1/auth/login",
            json={"username": "demo", "password": password, "client_id": str(uuid.uuid4())},
            timeout=30,
        )
        assert reply.status_code == (200 if password == DEMO_PASSWORD else 401), reply.text
    assert held == [0, 0]

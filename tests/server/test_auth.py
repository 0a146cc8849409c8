"""Health, login, logout and bearer tokens, over real HTTP."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

import requests

from tests.academy_database import execute, on_postgresql
from tests.contract import validate
from tests.server.api import assert_error, bearer, login, token_for
from tests.server_process import LiveServer, run_cli


def test_health_matches_the_contract(live_server: LiveServer) -> None:
    reply = requests.get(f"{live_server.url}/v1/health", timeout=10, allow_redirects=False)
    assert reply.status_code == 200
    body = reply.json()
    validate("Health", body)
    assert body["academy"] == "Samen Academy"


def test_login_returns_a_token_and_the_user(live_server: LiveServer) -> None:
    reply = login(live_server, "demo")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    validate("LoginReply", body)
    assert body["user"]["username"] == "demo"
    assert body["user"]["display_name"] == "Demo Learner"
    assert body["user"]["role"] == "learner"

    me = requests.get(f"{live_server.url}/v1/me", headers=bearer(body["token"]), timeout=10)
    assert me.status_code == 200
    validate("Me", me.json())
    assert me.json()["user"] == body["user"]


def test_wrong_password_and_unknown_user_look_the_same(live_server: LiveServer) -> None:
    wrong = assert_error(login(live_server, "demo", "not-the-password"), 401, "invalid_credentials")
    unknown = assert_error(login(live_server, "nobody", "samen-demo"), 401, "invalid_credentials")
    assert wrong == unknown
    assert wrong["error"]["message"] == "Wrong user name or password."


def test_malformed_login_is_invalid_request(live_server: LiveServer) -> None:
    url = f"{live_server.url}/v1/auth/login"
    bad_uuid = requests.post(
        url, json={"username": "demo", "password": "x", "client_id": "not-a-uuid"}, timeout=10
    )
    assert_error(bad_uuid, 400, "invalid_request")
    not_json = requests.post(
        url, data=b"{", headers={"Content-Type": "application/json"}, timeout=10
    )
    assert_error(not_json, 400, "invalid_request")


def test_courses_need_a_valid_bearer_token(live_server: LiveServer) -> None:
    url = f"{live_server.url}/v1/courses"
    for headers in (
        {},
        {"Authorization": "Bearer not-a-real-token"},
        {"Authorization": "Basic ZGVtbzpzYW1lbi1kZW1v"},
    ):
        reply = requests.get(url, headers=headers, timeout=10)
        assert_error(reply, 401, "unauthorized")
        assert reply.headers["WWW-Authenticate"] == "Bearer"


def test_logout_revokes_the_token(live_server: LiveServer) -> None:
    token = token_for(live_server)
    url = f"{live_server.url}/v1/me"
    assert requests.get(url, headers=bearer(token), timeout=10).status_code == 200

    out = requests.post(f"{live_server.url}/v1/auth/logout", headers=bearer(token), timeout=10)
    assert out.status_code == 204
    assert out.content == b""

    assert_error(requests.get(url, headers=bearer(token), timeout=10), 401, "unauthorized")
    again = requests.post(f"{live_server.url}/v1/auth/logout", headers=bearer(token), timeout=10)
    assert_error(again, 401, "unauthorized")


def test_expired_token_is_refused(live_server: LiveServer) -> None:
    token = token_for(live_server)
    changed = execute(
        live_server.data_dir,
        "UPDATE auth_tokens SET expires_at = :expired WHERE token_sha256 = :digest",
        expired=datetime(2000, 1, 1, tzinfo=UTC),
        digest=hashlib.sha256(token.encode()).hexdigest(),  # only the digest is stored
    )
    assert changed == 1
    reply = requests.get(f"{live_server.url}/v1/me", headers=bearer(token), timeout=10)
    assert_error(reply, 401, "unauthorized")
    assert reply.headers["WWW-Authenticate"] == "Bearer"


def test_client_id_stays_with_its_first_user(live_server: LiveServer) -> None:
    client_id = str(uuid.uuid4())
    assert login(live_server, "anna", client_id=client_id).status_code == 200
    # The same user may log in again from the same installation.
    assert login(live_server, "anna", client_id=client_id).status_code == 200
    assert_error(login(live_server, "demo", client_id=client_id), 403, "client_id_taken")


def test_unknown_route_uses_the_error_envelope(live_server: LiveServer) -> None:
    reply = requests.get(f"{live_server.url}/v1/no-such-thing", timeout=10)
    assert_error(reply, 404, "not_found")
    wrong_method = requests.delete(f"{live_server.url}/v1/health", timeout=10)
    assert_error(wrong_method, 405, "method_not_allowed")


def test_server_failure_is_an_internal_error_envelope(empty_server: LiveServer) -> None:
    added = run_cli(
        "user",
        "add",
        "--data",
        str(empty_server.data_dir),
        "ops",
        "--role",
        "admin",
        "--password-stdin",
        stdin="ops-password\n",
    )
    assert added.returncode == 0, added.stderr
    token = token_for(empty_server, "ops", "ops-password")
    # Break the database under the running server: a genuine unexpected failure.
    cascade = " CASCADE" if on_postgresql() else ""  # SQLite here has foreign keys off
    execute(empty_server.data_dir, f"DROP TABLE courses{cascade}")
    reply = requests.get(f"{empty_server.url}/v1/courses", headers=bearer(token), timeout=10)
    body = assert_error(reply, 500, "internal")
    assert "Traceback" not in body["error"]["message"]

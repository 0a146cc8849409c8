"""The academy answers in the language a request asks for (Accept-Language, nl or en, English
otherwise), over real HTTP: error envelopes and push rejections carry a translated message, a
stable code and Content-Language; many requests at once each get their own language."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from server.language import negotiate
from tests.contract import validate
from tests.server.api import assert_error, bearer, token_for
from tests.server.sync_api import Installation, mutation
from tests.server_process import LiveServer

WRONG = {
    "en": "Wrong user name or password.",
    "nl": "Verkeerde gebruikersnaam of verkeerd wachtwoord.",
}


def _bad_login(server: LiveServer, accept: str | None) -> requests.Response:
    headers = {} if accept is None else {"Accept-Language": accept}
    return requests.post(
        f"{server.url}/v1/auth/login",
        json={"username": "demo", "password": "not the password", "client_id": str(uuid.uuid4())},
        headers=headers,
        timeout=10,
    )


@pytest.mark.parametrize(
    ("accept", "language"),
    [
        ("nl", "nl"),
        ("en", "en"),
        ("fr, nl;q=0.5", "nl"),
        ("nl-BE,nl;q=0.9,en;q=0.8", "nl"),
        ("en-GB;q=0.9, nl;q=0.4", "en"),
        ("de, fr;q=0.7", "en"),
        (";;q=zz, ,,%%% nl;q=abc", "en"),
        ("\u00ff\u00fe garbage", "en"),
        (None, "en"),
    ],
)
def test_an_error_is_in_the_asked_language_and_says_so(
    academy: LiveServer, accept: str | None, language: str
) -> None:
    reply = _bad_login(academy, accept.encode("utf-8").decode("latin-1") if accept else None)
    body = assert_error(reply, 401, "invalid_credentials")
    assert body["error"]["message"] == WRONG[language]
    assert reply.headers["Content-Language"] == language


def test_starlettes_own_errors_are_translated_too(academy: LiveServer) -> None:
    reply = requests.get(
        f"{academy.url}/v1/no-such-thing", headers={"Accept-Language": "nl"}, timeout=10
    )
    body = assert_error(reply, 404, "not_found")
    assert body["error"]["message"] == "Niet gevonden."
    assert reply.headers["Content-Language"] == "nl"


def test_a_routes_refusal_names_its_course_in_dutch(academy: LiveServer) -> None:
    token = token_for(academy)
    reply = requests.get(
        f"{academy.url}/v1/courses/no-such-course/manifest",
        headers={**bearer(token), "Accept-Language": "nl"},
        timeout=10,
    )
    body = assert_error(reply, 404, "not_found")
    assert body["error"]["message"] == "Er is geen cursus 'no-such-course'."


def _push(installation: Installation, accept: str, *mutations: dict[str, Any]) -> requests.Response:
    return requests.post(
        f"{installation.server.url}/v1/sync/push",
        json={"client_id": installation.client_id, "mutations": list(mutations)},
        headers={**bearer(installation.token), "Accept-Language": accept},
        timeout=30,
    )


def test_a_push_rejection_is_in_dutch_with_its_code_and_params(academy: LiveServer) -> None:
    installation = Installation.login(academy)
    vote = mutation(1, "poll.vote", {"poll_id": "no-such-poll", "option_id": "no-such-option"})
    reply = _push(installation, "nl;q=0.9, en;q=0.1", vote)
    assert reply.status_code == 200, reply.text
    assert reply.headers["Content-Language"] == "nl"
    body = reply.json()
    validate("PushReply", body)
    result = body["results"][0]
    assert result["status"] == "rejected"
    assert result["code"] == "not_found"  # stable, whatever the language
    assert result["message"] == "Deze peiling bestaat niet (meer)."
    assert result["params"] == {"subject": "poll"}
    # Sent again, the stored outcome is replayed with its params.
    again = _push(installation, "en", vote).json()["results"][0]
    assert again["status"] == "duplicate"
    assert again["original_status"] == "rejected"
    assert again["params"] == {"subject": "poll"}


def test_numbers_in_a_rejection_are_in_the_language_and_in_params(academy: LiveServer) -> None:
    installation = Installation.login(academy)
    thread = {
        "thread_id": "language-test-thread-1",
        "course_id": "learning-together",
        "title": "x" * 150,
        "body": "y" * 10_001,
    }
    reply = _push(installation, "nl", mutation(1, "forum.new_thread", thread))
    result = reply.json()["results"][0]
    assert result["code"] == "too_long"
    assert result["message"] == "De tekst heeft 10.001 tekens; er passen er hoogstens 10.000."
    assert result["params"] == {"subject": "text", "length": 10_001, "limit": 10_000}


def test_many_requests_at_once_each_get_their_own_language(academy: LiveServer) -> None:
    """The language is request-scoped: worker threads serving other languages never mix."""
    accepts = ["nl", "en"] * 12
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda accept: _bad_login(academy, accept), accepts))
    for accept, reply in zip(accepts, replies, strict=True):
        assert reply.json()["error"]["message"] == WRONG[accept]
        assert reply.headers["Content-Language"] == accept


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("nl", "nl"),
        ("NL-nl", "nl"),
        ("en-US,en;q=0.9", "en"),
        ("fr, nl;q=0.5", "nl"),
        ("nl;q=0, en", "en"),
        ("*", "en"),
        ("nl;q=1.5", "en"),
        ("x" * 2_000, "en"),
        ("", "en"),
    ],
)
def test_negotiation(header: str, language: str) -> None:
    assert negotiate(header) == language

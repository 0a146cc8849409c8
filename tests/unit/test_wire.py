"""Server replies that break the contract become clear ProtocolErrors, never crashes."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from desktop.domain.errors import ProtocolError
from desktop.sync import wire

SHA = "0" * 64
DETAIL: dict[str, Any] = {
    "course": {
        "id": "c",
        "version": 1,
        "title": "T",
        "language": "en",
        "summary": "",
        "lesson_count": 1,
        "media_bytes": 3,
    },
    "lessons": [
        {
            "id": "l1",
            "position": 1,
            "title": "L",
            "body_markdown": "# Hi",
            "media": ["a/b.png"],
            "exercises": [
                {
                    "id": "e",
                    "kind": "multiple_choice",
                    "prompt": "?",
                    "options": [{"id": "o", "text": "x", "correct": True}],
                }
            ],
        }
    ],
    "media": [{"path": "a/b.png", "size": 3, "sha256": SHA, "content_type": "image/png"}],
}
LOGIN: dict[str, Any] = {
    "token": "t" * 43,
    "token_type": "bearer",
    "expires_at": "2030-01-01T00:00:00Z",
    "user": {"id": 1, "username": "demo", "display_name": "Demo", "role": "learner"},
    "academy": "Samen Academy",
    "academy_key": {
        "algorithm": "ed25519",
        "public_key": "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik=",
        "key_id": "0123456789abcdef",
    },
}


def test_valid_replies_parse() -> None:
    detail = wire.course_detail(DETAIL)
    assert detail.lessons[0].exercises[0].options[0].correct is True
    assert detail.media[0].path == "a/b.png"
    assert wire.login_reply(LOGIN).user.username == "demo"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("lessons"), "lessons is missing"),
        (lambda d: d["course"].update(version="1"), "version is not a int"),
        (lambda d: d["course"].update(lesson_count=True), "lesson_count is not a int"),
        (lambda d: d["media"][0].update(path="../../etc/passwd"), "unsafe media path"),
        (lambda d: d["media"][0].update(path="/abs"), "unsafe media path"),
        (lambda d: d["media"][0].update(path="a\\b"), "unsafe media path"),
        (lambda d: d["media"][0].update(sha256="XYZ"), "malformed checksum"),
        (lambda d: d["lessons"][0]["exercises"][0].update(kind="dance"), "unknown exercise kind"),
        (lambda d: d.update(course=[]), "not an object"),
    ],
)
def test_contract_breaks_are_protocol_errors(mutate: Any, message: str) -> None:
    broken = copy.deepcopy(DETAIL)
    mutate(broken)
    with pytest.raises(ProtocolError, match=message):
        wire.course_detail(broken)


@pytest.mark.parametrize(
    "reply",
    [
        None,
        [],
        "ok",
        {**LOGIN, "token_type": "mac"},
        {**LOGIN, "token": "short"},
        {**LOGIN, "user": {**LOGIN["user"], "role": "overlord"}},
        {k: v for k, v in LOGIN.items() if k != "user"},
    ],
)
def test_bad_login_replies(reply: Any) -> None:
    with pytest.raises(ProtocolError):
        wire.login_reply(reply)


def test_health_and_error_envelope() -> None:
    assert wire.health({"service": "samen", "status": "ok", "api_version": 1})
    assert not wire.health({"service": "samen", "status": "ok", "api_version": 2})
    assert not wire.health("<html>")
    assert wire.error_envelope({"error": {"code": "x", "message": "Nope."}}) == ("x", "Nope.")
    assert wire.error_envelope({"detail": "x"}) is None


def test_a_lesson_is_in_its_course_language_unless_it_names_its_own() -> None:
    assert wire.course_detail(DETAIL).lessons[0].language == "en"
    dutch = copy.deepcopy(DETAIL)
    dutch["lessons"][0]["language"] = "nl"
    assert wire.course_detail(dutch).lessons[0].language == "nl"
    dutch["lessons"][0]["language"] = 31
    with pytest.raises(ProtocolError, match="language is not a str"):
        wire.course_detail(dutch)

"""The academy key and signed course manifests (docs/course-format.md), over real HTTP.

The signature is checked with `cryptography` directly, the way a client does it, not with the
server's own helper.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from server.content.signing import AcademySigner, canonical, verify
from tests.contract import validate
from tests.server.api import assert_error, bearer, login, token_for
from tests.server_process import LiveServer


def _canonical(document: dict[str, Any]) -> bytes:
    # Spelled out here (not imported) so the test pins the documented rule.
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def _verifies(signed: dict[str, Any], academy_key: dict[str, Any]) -> bool:
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(academy_key["public_key"]))
    try:
        public.verify(base64.b64decode(signed["signature"]), _canonical(signed["manifest"]))
    except InvalidSignature:
        return False
    return True


def _academy(server: LiveServer) -> dict[str, Any]:
    reply = requests.get(f"{server.url}/v1/academy", timeout=10)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    validate("Academy", body)
    return body


def _manifest(server: LiveServer, token: str, course_id: str) -> dict[str, Any]:
    reply = requests.get(
        f"{server.url}/v1/courses/{course_id}/manifest", headers=bearer(token), timeout=10
    )
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = reply.json()
    validate("SignedManifest", body)
    return body


def test_login_reply_carries_the_academy_key(live_server: LiveServer) -> None:
    reply = login(live_server)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    validate("LoginReply", body)
    key = body["academy_key"]
    raw = base64.b64decode(key["public_key"], validate=True)
    assert len(raw) == 32
    assert key["key_id"] == hashlib.sha256(raw).hexdigest()[:16]
    assert key == _academy(live_server)["academy_key"]


def test_academy_needs_no_login_and_names_the_academy(live_server: LiveServer) -> None:
    body = _academy(live_server)
    assert body["name"] == "Samen Academy"
    assert body["academy_key"]["algorithm"] == "ed25519"


@pytest.mark.parametrize("course_id", ["samen-leren", "learning-together"])
def test_manifest_is_the_course_detail_signed_by_the_academy(
    live_server: LiveServer, course_id: str
) -> None:
    token = token_for(live_server)
    key = _academy(live_server)["academy_key"]
    signed = _manifest(live_server, token, course_id)
    assert signed["key_id"] == key["key_id"]
    assert len(base64.b64decode(signed["signature"])) == 64
    assert _verifies(signed, key)

    manifest = signed["manifest"]
    assert manifest["format"] == "samen-course/1"
    issued = datetime.fromisoformat(manifest["issued_at"])
    assert issued.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - issued) < timedelta(minutes=5)
    detail = requests.get(
        f"{live_server.url}/v1/courses/{course_id}", headers=bearer(token), timeout=10
    ).json()
    assert {k: v for k, v in manifest.items() if k not in {"format", "issued_at"}} == detail


def test_changing_any_byte_of_the_manifest_breaks_the_signature(live_server: LiveServer) -> None:
    token = token_for(live_server)
    key = _academy(live_server)["academy_key"]
    signed = _manifest(live_server, token, "samen-leren")
    assert _verifies(signed, key)

    bumped = copy.deepcopy(signed)
    bumped["manifest"]["course"]["version"] += 1
    assert not _verifies(bumped, key)

    swapped = copy.deepcopy(signed)
    sha = swapped["manifest"]["media"][0]["sha256"]
    swapped["manifest"]["media"][0]["sha256"] = ("0" if sha[0] != "0" else "1") + sha[1:]
    assert not _verifies(swapped, key)

    # One byte of the canonical document, wherever it is, e.g. a letter in a lesson body.
    body = signed["manifest"]["lessons"][0]["body_markdown"]
    edited = copy.deepcopy(signed)
    edited["manifest"]["lessons"][0]["body_markdown"] = body[:-1] + chr(ord(body[-1]) ^ 1)
    assert not _verifies(edited, key)

    other = Ed25519PrivateKey.generate()
    forged_signature = base64.b64encode(other.sign(_canonical(signed["manifest"]))).decode()
    assert not _verifies({**signed, "signature": forged_signature}, key)


def test_manifest_needs_a_token_and_a_known_course(live_server: LiveServer) -> None:
    url = f"{live_server.url}/v1/courses/samen-leren/manifest"
    assert_error(requests.get(url, timeout=10), 401, "unauthorized")
    token = token_for(live_server)
    missing = requests.get(
        f"{live_server.url}/v1/courses/no-such-course/manifest", headers=bearer(token), timeout=10
    )
    assert_error(missing, 404, "not_found")


def test_key_is_created_once_private_and_kept_across_restarts(empty_server: LiveServer) -> None:
    pem = empty_server.data_dir / "signing_key.pem"
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert pem.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    before = _academy(empty_server)["academy_key"]
    content = pem.read_bytes()

    empty_server.stop()
    empty_server.start()
    assert _academy(empty_server)["academy_key"] == before
    assert pem.read_bytes() == content
    assert not [p.name for p in empty_server.data_dir.iterdir() if p.name.endswith(".tmp")]


def test_a_key_file_readable_by_others_is_tightened(empty_server: LiveServer) -> None:
    pem = empty_server.data_dir / "signing_key.pem"
    before = _academy(empty_server)["academy_key"]
    empty_server.stop()
    pem.chmod(0o644)
    empty_server.start()
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert _academy(empty_server)["academy_key"] == before


def test_signer_helpers_agree_with_the_documented_rules(tmp_path: Path) -> None:
    signer = AcademySigner.load_or_create(tmp_path / "signing_key.pem")
    manifest = {"b": [1, "ü", True], "a": {"z": None, "y": "✓"}}
    assert canonical(manifest) == '{"a":{"y":"✓","z":null},"b":[1,"ü",true]}'.encode()
    signed = signer.sign(manifest)
    assert verify(signed, signer.academy_key())
    assert _verifies(dict(signed), dict(signer.academy_key()))
    assert not verify({**signed, "manifest": {**manifest, "b": []}}, signer.academy_key())
    again = AcademySigner.load_or_create(tmp_path / "signing_key.pem")
    assert again.academy_key() == signer.academy_key()

"""The academy's Ed25519 signing key and signed course manifests (docs/course-format.md).

The key lives at ``<data_dir>/signing_key.pem`` (PKCS8 PEM, mode 0600). It is created when the
app starts (its lifespan, on the event loop before any request) if missing; nothing happens at
import. :class:`AcademySigner` is immutable after loading, so worker threads share one instance.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import secrets
import stat
from pathlib import Path
from typing import Any, Literal, TypedDict

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

log = logging.getLogger(__name__)

MANIFEST_FORMAT = "samen-course/1"


class AcademyKey(TypedDict):
    """The contract's $defs/AcademyKey."""

    algorithm: Literal["ed25519"]
    public_key: str
    key_id: str


class SignedManifest(TypedDict):
    """The contract's $defs/SignedManifest."""

    manifest: dict[str, Any]
    signature: str
    key_id: str


class SigningKeyError(Exception):
    """The key file exists but cannot be used; the message says which file and why."""


def canonical(manifest: dict[str, Any]) -> bytes:
    """The bytes that are signed: sorted keys, no whitespace, UTF-8 with non-ASCII kept."""
    return json.dumps(
        manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def key_id_of(raw_public_key: bytes) -> str:
    return hashlib.sha256(raw_public_key).hexdigest()[:16]


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def verify(signed: SignedManifest, key: AcademyKey) -> bool:
    """True if ``signed`` carries a valid signature by ``key`` (what the client checks)."""
    raw = base64.b64decode(key["public_key"], validate=True)
    if signed["key_id"] != key["key_id"] or key_id_of(raw) != key["key_id"]:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(
            base64.b64decode(signed["signature"], validate=True), canonical(signed["manifest"])
        )
    except (InvalidSignature, ValueError):
        return False
    return True


class AcademySigner:
    """Signs manifests with the academy's private key."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private_key = private_key
        raw = _raw_public(private_key.public_key())
        self._academy_key: AcademyKey = {
            "algorithm": "ed25519",
            "public_key": base64.b64encode(raw).decode("ascii"),
            "key_id": key_id_of(raw),
        }

    @classmethod
    def load_or_create(cls, path: Path) -> AcademySigner:
        """Load the key at ``path``, creating it first if there is none."""
        if not path.exists():
            _create_key_file(path)
        return cls(_load_key_file(path))

    @property
    def key_id(self) -> str:
        return self._academy_key["key_id"]

    def academy_key(self) -> AcademyKey:
        return AcademyKey(**self._academy_key)

    def sign(self, manifest: dict[str, Any]) -> SignedManifest:
        signature = self._private_key.sign(canonical(manifest))
        return {
            "manifest": manifest,
            "signature": base64.b64encode(signature).decode("ascii"),
            "key_id": self.key_id,
        }


def _create_key_file(path: Path) -> None:
    """Write a new key atomically: a private temp file, fsync, then link it into place.

    ``os.link`` fails if another process created the key meanwhile; its key then wins, so two
    processes starting on one data directory always end up with the same key.
    """
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    temp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(pem)
            stream.flush()
            os.fsync(stream.fileno())
        try:
            os.link(temp, path)
        except FileExistsError:
            return
        _fsync_directory(path.parent)
        log.info("created the academy signing key %s", path)
    finally:
        temp.unlink(missing_ok=True)


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # e.g. Windows cannot open directories
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _load_key_file(path: Path) -> Ed25519PrivateKey:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("%s was readable by others (mode %o); setting it to 0600", path, mode)
        path.chmod(0o600)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError as exc:
        raise SigningKeyError(f"{path} is not a PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
    return key

"""Signed course manifests: canonical JSON and Ed25519 verification. Any thread (pure CPU).

The academy signs each course manifest; the client checks downloaded manifests and packs on a
USB stick against the academy key it received at login, so a pack passed from hand to hand
cannot be altered without the change being noticed. Format: docs/course-format.md.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from desktop.domain.account import AcademyKey
from desktop.domain.course import CourseDetail
from desktop.domain.course_version import CourseStamp
from desktop.domain.errors import PackError, ProtocolError
from desktop.language.catalogue import _
from desktop.sync import wire

FORMAT = "samen-course/1"


def canonical(manifest: Mapping[str, Any]) -> bytes:
    return json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def _b64(value: Any, missing: str, invalid: str) -> bytes:
    """`value` decoded; PackError with the sentence `missing` or `invalid` otherwise."""
    if not isinstance(value, str):
        raise PackError(missing, code="tampered")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise PackError(invalid, code="tampered") from None


def verify(signed: Any, keys: Mapping[str, AcademyKey]) -> tuple[CourseDetail, str]:
    """Check a SignedManifest document; return the course and the key id that signed it."""
    # Imported here: the cryptography library costs about 7 MB of memory, which a window
    # that only shows downloaded courses never needs.
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not isinstance(signed, Mapping) or not isinstance(signed.get("manifest"), Mapping):
        raise PackError(_("This is not a Samen course manifest."), code="not_a_pack")
    manifest = signed["manifest"]
    key_id = signed.get("key_id")
    key = keys.get(key_id) if isinstance(key_id, str) else None
    if key is None:
        raise PackError(
            _(
                "This course was signed by an academy this computer does not know. Log in to "
                "that academy once (online), then import the pack again."
            ),
            code="unknown_academy",
        )
    public = Ed25519PublicKey.from_public_bytes(
        _b64(
            key.public_key,
            _("The academy key is missing."),
            _("The academy key is not valid base64."),
        )
    )
    signature = _b64(
        signed.get("signature"),
        _("The signature is missing."),
        _("The signature is not valid base64."),
    )
    try:
        public.verify(signature, canonical(manifest))
    except InvalidSignature:
        raise PackError(
            _(
                "The course manifest has been changed since the academy signed it; it was not "
                "imported."
            ),
            code="tampered",
        ) from None
    if manifest.get("format") != FORMAT:
        raise PackError(
            _("This course uses a newer format ({format}); please update Samen.").format(
                format=repr(manifest.get("format"))
            ),
            code="unsupported",
        )
    try:
        return wire.course_detail(manifest), key.key_id
    except ProtocolError as exc:
        raise PackError(
            _("The course manifest is malformed: {problem}").format(problem=exc.message)
        ) from None


def stamp(signed: Mapping[str, Any]) -> CourseStamp:
    """The version, signing time and content digest of a verified SignedManifest document."""
    manifest = signed["manifest"]
    course = manifest.get("course")
    version = course.get("version") if isinstance(course, Mapping) else None
    if not isinstance(version, int) or isinstance(version, bool):
        raise PackError(_("The course manifest is malformed: it has no version."))
    issued_at = manifest.get("issued_at")
    when: datetime | None = None
    if issued_at is not None:
        try:
            when = datetime.fromisoformat(str(issued_at))
        except ValueError:
            raise PackError(_("The course manifest is malformed: its date is not valid.")) from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
    content = {key: value for key, value in manifest.items() if key != "issued_at"}
    return CourseStamp(version, when, hashlib.sha256(canonical(content)).hexdigest())


def held_stamp(signed_json: str | None) -> CourseStamp | None:
    """The stamp of a manifest this computer stored (verified when it was stored), if any."""
    return None if signed_json is None else stamp(json.loads(signed_json))

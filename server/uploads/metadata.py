"""The tus ``Upload-Metadata`` header and the creation request it carries. Pure functions,
called on the worker thread of a POST.

Format (tus 1.0.0): comma-separated pairs ``key base64(value)``; a key may stand alone (empty
value); keys are unique, ASCII, without spaces or commas. Samen needs ``id`` (a UUID the client
chose offline), ``sha256`` (64 hex), ``content_type`` and optionally ``filename``.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from dataclasses import dataclass

from server.errors import ApiError
from server.language import _, decimal
from server.wire_limits import whole_number

# Recordings only: what a phone, a laptop microphone or a screen recorder produces.
ALLOWED_CONTENT_TYPES = frozenset(
    {
        "audio/aac",
        "audio/flac",
        "audio/mp4",
        "audio/mpeg",
        "audio/ogg",
        "audio/opus",
        "audio/wav",
        "audio/webm",
        "audio/x-m4a",
        "audio/x-wav",
        "video/mp4",
        "video/ogg",
        "video/quicktime",
        "video/webm",
        "video/x-matroska",
    }
)
_KEY = re.compile(r"^[\x21-\x2b\x2d-\x7e]+$")  # printable ASCII without space and comma
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_FILENAME = 255


def invalid(message: str) -> ApiError:
    return ApiError(400, "invalid_request", message)


def parse_metadata(header: str) -> dict[str, str]:
    """The pairs of an Upload-Metadata header; values decoded as UTF-8."""
    pairs: dict[str, str] = {}
    for item in header.split(","):
        item = item.strip()
        if not item:
            continue
        key, _sep, encoded = item.partition(" ")
        encoded = encoded.strip()
        if not _KEY.match(key) or " " in encoded:
            raise invalid(
                _("Upload-Metadata: '{item}' is not 'key base64value'.").format(item=item[:40])
            )
        if key in pairs:
            raise invalid(_("Upload-Metadata: the key '{key}' appears twice.").format(key=key))
        try:
            pairs[key] = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            message = _("Upload-Metadata: the value of '{key}' is not base64 of UTF-8.").format(
                key=key
            )
            raise invalid(message) from None
    return pairs


def encode_metadata(pairs: dict[str, str]) -> str:
    """The header value for `pairs` (the inverse of :func:`parse_metadata`)."""
    return ",".join(
        f"{key} {base64.b64encode(value.encode('utf-8')).decode('ascii')}"
        for key, value in pairs.items()
    )


def canonical_uuid(value: str) -> str | None:
    """The lower-case hyphenated form of a UUID, or None when `value` is not one."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError):
        return None


@dataclass(frozen=True)
class NewUpload:
    """A validated creation request."""

    id: str
    length: int
    sha256: str
    filename: str
    content_type: str


def parse_creation(
    length_header: str | None, metadata_header: str | None, max_bytes: int
) -> NewUpload:
    """Check a POST's Upload-Length and Upload-Metadata; 400/413 with a clear message."""
    length = whole_number(length_header)
    if length is None:
        raise invalid(_("Upload-Length must be given as a whole number of bytes."))
    if length <= 0:
        raise invalid(_("An empty file cannot be uploaded."))
    if length > max_bytes:
        raise ApiError(
            413,
            "upload_too_large",
            _("The file is {size}; the academy accepts at most {limit}.").format(
                size=_mb(length), limit=_mb(max_bytes)
            ),
        )
    pairs = parse_metadata(metadata_header or "")
    upload_id = canonical_uuid(pairs.get("id", ""))
    if upload_id is None:
        raise invalid(_("Upload-Metadata must carry 'id', a UUID chosen by the client."))
    sha256 = pairs.get("sha256", "").strip().lower()
    if not _SHA256.match(sha256):
        raise invalid(_("Upload-Metadata must carry 'sha256', 64 hexadecimal digits."))
    content_type = pairs.get("content_type", "").strip().lower()
    if content_type not in ALLOWED_CONTENT_TYPES:
        shown = content_type or _("no type")
        raise ApiError(
            415,
            "unsupported_type",
            _("Only audio and video recordings can be uploaded ('{type}' is not accepted).").format(
                type=shown
            ),
        )
    filename = pairs.get("filename", "").strip()
    if len(filename) > MAX_FILENAME or any(ord(c) < 32 for c in filename):
        raise invalid(
            _("The file name must be at most {limit} printable characters.").format(
                limit=MAX_FILENAME
            )
        )
    return NewUpload(upload_id, length, sha256, filename, content_type)


def _mb(n: int) -> str:
    """A size in MB with one decimal, in the request's language's digits ("1,5 MB")."""
    return _("{size} MB").format(size=decimal(n / (1024 * 1024)))

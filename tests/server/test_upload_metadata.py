"""The tus Upload-Metadata header and creation checks, as pure functions."""

from __future__ import annotations

import pytest

from server.errors import ApiError
from server.uploads.metadata import encode_metadata, parse_creation, parse_metadata

ID = "9b2f8a52-3f1e-4c4e-9d0a-1b2c3d4e5f60"


def test_pairs_round_trip_including_empty_and_non_ascii_values() -> None:
    pairs = {"id": ID, "filename": "opname één.m4a", "empty": ""}
    header = encode_metadata(pairs)
    assert header.startswith("id OWIyZjhh")
    assert parse_metadata(header) == pairs
    assert parse_metadata("flag, key dmFsdWU=") == {"flag": "", "key": "value"}
    assert parse_metadata("") == {}


@pytest.mark.parametrize(
    ("header", "says"),
    [
        ("id !!!", "not base64"),
        ("id /w==", "not base64"),  # valid base64, not UTF-8
        ("a dmFsdWU=,a dmFsdWU=", "appears twice"),
        ("ke y dmFsdWU=", "not 'key base64value'"),
    ],
)
def test_bad_metadata_is_explained(header: str, says: str) -> None:
    with pytest.raises(ApiError) as raised:
        parse_metadata(header)
    assert raised.value.status == 400
    assert says in raised.value.message


def test_a_creation_is_normalised() -> None:
    header = encode_metadata(
        {"id": ID.upper(), "sha256": "AB" * 32, "content_type": "Audio/MPEG", "filename": " a "}
    )
    new = parse_creation(" 42 ", header, max_bytes=100)
    assert (new.id, new.length, new.sha256, new.content_type, new.filename) == (
        ID,
        42,
        "ab" * 32,
        "audio/mpeg",
        "a",
    )


def test_the_size_limit_is_the_configured_one() -> None:
    header = encode_metadata({"id": ID, "sha256": "a" * 64, "content_type": "video/mp4"})
    assert parse_creation("100", header, max_bytes=100).length == 100
    with pytest.raises(ApiError) as raised:
        parse_creation("101", header, max_bytes=100)
    assert (raised.value.status, raised.value.code) == (413, "upload_too_large")

"""Covers are decoded defensively: a real picture to card size, anything else to nothing."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from desktop.ui.cover_images import decode, decode_all
from tests.media_factory import picture


def _bomb(path: Path) -> Path:
    """A PNG of a few bytes that states 60000x60000 pixels."""
    ihdr = struct.pack(">IIBBBBB", 60_000, 60_000, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + zlib.compress(b"\0" * 1000)
    )
    return path


def test_a_picture_is_scaled_and_hostile_files_give_nothing(tmp_path: Path) -> None:
    png = picture(tmp_path, "big.png", "1280x720")
    jpeg = picture(tmp_path, "small.jpg", "320x180")
    image = decode(png)
    assert image is not None and (image.width(), image.height()) == (640, 360)
    small = decode(jpeg)
    assert small is not None and small.width() == 320
    text = tmp_path / "not-a-picture.png"
    text.write_bytes(b"<html>hello</html>")
    assert decode(text) is None
    assert decode(_bomb(tmp_path / "bomb.png")) is None
    assert decode(tmp_path / "missing.png") is None
    assert set(decode_all({"a": png, "b": text, "c": jpeg})) == {"a", "c"}

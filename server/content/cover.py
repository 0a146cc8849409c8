"""A course's cover image: which files may be one (course import, CLI main thread).

A cover is shown in every learner's catalogue before the course is downloaded, so it must be
small and plainly an image: a PNG or JPEG of at most MAX_COVER_BYTES and MAX_COVER_SIDE pixels
a side. The header is read here without decoding the picture (no image library on the
server); a file that claims to be one thing and is another is refused, as is one whose stated
size would need far more memory than its bytes suggest (a decompression bomb).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

MAX_COVER_BYTES = 2 * 1024 * 1024
MAX_COVER_SIDE = 4096
COVER_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Start-of-frame markers carry the picture's size; C4 (DHT), C8 (JPG) and CC (DAC) do not.
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


class CoverError(ValueError):
    """Why a file cannot be a cover, as the end of a sentence ("is not a PNG or JPEG image")."""


@dataclass(frozen=True)
class CoverFacts:
    content_type: str
    width: int
    height: int


def _png_size(data: bytes) -> tuple[int, int]:
    # The IHDR chunk must come first: length 13, type, width, height.
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise CoverError("is a damaged PNG image")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _jpeg_size(data: bytes) -> tuple[int, int]:
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            raise CoverError("is a damaged JPEG image")
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length field
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if length < 2:
            raise CoverError("is a damaged JPEG image")
        if marker in _SOF_MARKERS:
            if at + 9 > len(data):
                break
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        if marker in (0xD9, 0xDA):  # end of image, or the scan begins without a frame
            break
        at += 2 + length
    raise CoverError("is a damaged JPEG image (it states no picture size)")


def check_cover_size(name: str, size: int) -> None:
    """Refuse a cover by its name and byte size alone, before it is read."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in COVER_TYPES:
        raise CoverError("must be a .png, .jpg or .jpeg file")
    if size > MAX_COVER_BYTES:
        raise CoverError(
            f"is {size / (1024 * 1024):.1f} MB; a cover may be at most "
            f"{MAX_COVER_BYTES // (1024 * 1024)} MB"
        )


def check_cover(name: str, data: bytes) -> CoverFacts:
    """The facts of a cover file named ``name`` holding ``data``; CoverError if it is no cover."""
    check_cover_size(name, len(data))
    wanted = COVER_TYPES["." + name.rsplit(".", 1)[-1].lower()]
    if data.startswith(_PNG_SIGNATURE):
        found, (width, height) = "image/png", _png_size(data)
    elif data.startswith(b"\xff\xd8\xff"):
        found, (width, height) = "image/jpeg", _jpeg_size(data)
    else:
        raise CoverError("is not a PNG or JPEG image")
    if found != wanted:
        raise CoverError(f"is named like a {wanted.split('/')[1].upper()} but holds another kind")
    if width == 0 or height == 0:
        raise CoverError("is an empty image (0 pixels wide or high)")
    if width > MAX_COVER_SIDE or height > MAX_COVER_SIDE:
        raise CoverError(
            f"is {width}×{height} pixels; a cover may be at most {MAX_COVER_SIDE} pixels a side"
        )
    return CoverFacts(found, width, height)

"""Decoding course covers for cards. `decode_all` runs on a worker thread (it reads files and
decodes pictures); it makes QImages, which Qt allows off the UI thread; the page turns them
into QPixmaps on the UI thread.

A cover comes from the academy, checked against the catalogue's sha256, but the picture is
still read defensively: its stated size is checked before anything is decoded, Qt's allocation
limit caps what a decoder may take, and the image is decoded straight to card size.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QImage, QImageReader

MAX_SIDE = 4096  # as the academy's import allows
DECODE_WIDTH = 640  # a card's cover at twice its usual width, for high-density screens
_ALLOCATION_LIMIT_MB = 64


def decode(path: Path, width: int = DECODE_WIDTH) -> QImage | None:
    """The picture at `path` scaled to `width` pixels wide, or None if it is not a usable one."""
    QImageReader.setAllocationLimit(_ALLOCATION_LIMIT_MB)
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    if bytes(reader.format().data()).lower() not in (b"png", b"jpeg", b"jpg"):
        return None
    size = reader.size()
    if not size.isValid() or size.width() > MAX_SIDE or size.height() > MAX_SIDE:
        return None
    if size.width() > width:
        reader.setScaledSize(QSize(width, max(1, size.height() * width // size.width())))
    image = reader.read()
    return None if image.isNull() else image


def decode_all(paths: dict[str, Path]) -> dict[str, QImage]:
    """Course id -> decoded cover, for every path that holds a usable picture."""
    found = {}
    for course_id, path in paths.items():
        image = decode(path)
        if image is not None:
            found[course_id] = image
    return found

"""Course covers and podcast artwork kept on disk. Worker threads / CLI (file I/O).

One file per course, `<course id>-<first 16 hex of sha256>.<png|jpg>`, owner-only and written
atomically, so a half-written cover is never shown. A cover is stored only when its bytes match
the size and sha256 the academy's catalogue gave (a changed cover gets a new name; the old one
is deleted). The folder is the cache's own: nothing else is kept there.

A podcast's artwork (no checksum is published for it) lives in `podcasts/` below, named by hashes
of the feed's address and of the artwork's path, and is kept only when it is a PNG or a JPEG.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path

from desktop.domain.course import CourseCover
from desktop.domain.errors import ChecksumError
from desktop.language.catalogue import _
from desktop.private_files import private_dir

_COURSE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


def _hex(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _write_private(target: Path, data: bytes) -> None:
    """Write `data` to `target` owner-only and atomically."""
    private_dir(target.parent)
    # A name of its own: two workers fetching the same picture never share a half-written file.
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        temp.replace(target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _suffix(cover: CourseCover) -> str:
    return ".jpg" if cover.path.lower().endswith((".jpg", ".jpeg")) else ".png"


class CoverCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_for(self, course_id: str, cover: CourseCover) -> Path:
        if not _COURSE_ID.match(course_id):
            raise ValueError(f"not a course id: {course_id!r}")
        return self.folder / f"{course_id}-{cover.sha256[:16]}{_suffix(cover)}"

    def get(self, course_id: str, cover: CourseCover) -> Path | None:
        """The stored cover, when it is there and has the expected size."""
        path = self.path_for(course_id, cover)
        try:
            return path if path.stat().st_size == cover.size else None
        except OSError:
            return None

    def put(self, course_id: str, cover: CourseCover, data: bytes) -> Path:
        """Store `data` as the course's cover; ChecksumError unless it is the listed file."""
        if len(data) != cover.size or hashlib.sha256(data).hexdigest() != cover.sha256:
            raise ChecksumError(_("The cover image did not arrive intact."))
        private_dir(self.folder)
        target = self.path_for(course_id, cover)
        _write_private(target, data)
        self._drop_others(course_id, keep=target)
        return target

    # -- podcast artwork -------------------------------------------------------------------

    def _artwork_stem(self, feed_url: str, artwork_path: str) -> Path:
        # The artwork's path, not its whole address: an academy on another port is the same.
        return self.folder / "podcasts" / f"{_hex(feed_url, 16)}-{_hex(artwork_path, 8)}"

    def artwork(self, feed_url: str, artwork_path: str) -> Path | None:
        """The podcast's stored artwork, or None when it was not fetched yet."""
        stem = self._artwork_stem(feed_url, artwork_path)
        for suffix in (".png", ".jpg"):
            path = stem.with_suffix(suffix)
            if path.is_file():
                return path
        return None

    def put_artwork(self, feed_url: str, artwork_path: str, data: bytes) -> Path:
        """Store the podcast's artwork; ChecksumError unless `data` is a PNG or a JPEG."""
        if data.startswith(_PNG):
            suffix = ".png"
        elif data.startswith(_JPEG):
            suffix = ".jpg"
        else:
            raise ChecksumError(_("The podcast's artwork is not a PNG or JPEG picture."))
        target = self._artwork_stem(feed_url, artwork_path).with_suffix(suffix)
        _write_private(target, data)
        self.drop_artwork(feed_url, keep=target)  # an older artwork of the same podcast goes
        return target

    def drop_artwork(self, feed_url: str, keep: Path | None = None) -> None:
        """Delete the podcast's artwork (all but `keep`), e.g. after unsubscribing."""
        for old in (self.folder / "podcasts").glob(f"{_hex(feed_url, 16)}-*"):
            if old != keep and not old.name.startswith("."):
                old.unlink(missing_ok=True)

    def _drop_others(self, course_id: str, keep: Path) -> None:
        # Another course's id may start with this one's ("a" and "a-b"): match the hash part.
        mine = re.compile(rf"{re.escape(course_id)}-[0-9a-f]{{16}}\.(png|jpg)")
        for old in self.folder.glob(f"{course_id}-*"):
            if old != keep and mine.fullmatch(old.name):
                old.unlink(missing_ok=True)

"""The cover cache keeps only covers that are the listed file, owner-only, one per course."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from desktop.domain.course import CourseCover
from desktop.domain.errors import ChecksumError
from desktop.media.cover_cache import CoverCache


def _cover(data: bytes, path: str = "images/cover.png") -> CourseCover:
    return CourseCover(path, len(data), hashlib.sha256(data).hexdigest())


def test_a_cover_is_stored_private_and_replaces_the_courses_older_one(tmp_path: Path) -> None:
    cache = CoverCache(tmp_path / "covers")
    old, new = b"\x89PNG old picture", b"\x89PNG new picture"
    first = cache.put("fietsen", _cover(old), old)
    other = cache.put("fietsen-extra", _cover(old), old)  # an id that starts like it
    assert cache.get("fietsen", _cover(old)) == first
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    second = cache.put("fietsen", _cover(new, "cover.jpg"), new)
    assert second.suffix == ".jpg" and second.read_bytes() == new
    assert not first.exists() and other.exists()
    assert sorted(p.name for p in (tmp_path / "covers").iterdir()) == sorted(
        [second.name, other.name]
    )  # no temporary files left


def test_bytes_that_are_not_the_listed_cover_are_refused(tmp_path: Path) -> None:
    cache = CoverCache(tmp_path / "covers")
    listed = _cover(b"the real picture")
    with pytest.raises(ChecksumError):
        cache.put("fietsen", listed, b"something else entirely")
    with pytest.raises(ChecksumError):
        cache.put("fietsen", listed, b"the real picture and more")
    assert cache.get("fietsen", listed) is None
    with pytest.raises(ValueError, match="not a course id"):
        cache.path_for("../escape", listed)


def test_podcast_artwork_is_kept_private_per_feed_and_only_as_a_picture(tmp_path: Path) -> None:
    cache = CoverCache(tmp_path / "covers")
    feed = "https://example.org/feed.xml"
    png, jpeg = b"\x89PNG\r\n\x1a\n artwork", b"\xff\xd8\xff artwork"
    assert cache.artwork(feed, "/art.png?") is None
    first = cache.put_artwork(feed, "/art.png?", png)
    assert cache.artwork(feed, "/art.png?") == first and first.suffix == ".png"
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    assert stat.S_IMODE(first.parent.stat().st_mode) == 0o700
    second = cache.put_artwork(feed, "/new.jpg?", jpeg)  # a new artwork replaces the old
    assert second.suffix == ".jpg" and not first.exists()
    assert cache.artwork(feed, "/art.png?") is None
    with pytest.raises(ChecksumError):
        cache.put_artwork(feed, "/page?", b"<html>Wi-Fi login</html>")
    assert cache.artwork(feed, "/new.jpg?") == second  # the bad answer changed nothing
    other = cache.put_artwork("https://example.org/other.xml", "/art.png?", png)
    cache.drop_artwork(feed)  # unsubscribed: its artwork goes, another podcast's stays
    assert cache.artwork(feed, "/new.jpg?") is None and other.exists()

"""No silent rollback: a pack older than the course on this computer is refused with a sentence
naming both versions, the same version changes nothing, a newer one updates."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.domain.course_version import (
    CourseStamp,
    Freshness,
    ImportOutcome,
    Source,
    check_not_older,
    freshness,
)
from desktop.domain.errors import DiskFullError, PackError
from tests.pack_device import Device, open_device
from tests.pack_factory import FILES, Academy, write_zip
from tests.small_disk import small_disk

V2_FILES = {**FILES, "audio/b.mp3": b"ID3 newer audio " * 200}
LATER = "2026-11-30T09:00:00+00:00"


@pytest.fixture
def academy() -> Academy:
    return Academy()


@pytest.fixture
def device(tmp_path: Path, academy: Academy) -> Iterator[Device]:
    device = open_device(tmp_path / "device", academy)
    yield device
    device.store.close()


def _pack(
    tmp: Path,
    academy: Academy,
    name: str,
    files: dict[str, bytes],
    *,
    version: int = 1,
    issued_at: str = "2026-11-24T12:00:00+00:00",
    title: str = "Cursus",
) -> Path:
    signed = academy.signed(files, version=version, issued_at=issued_at, title=title)
    return write_zip(tmp / name, signed, files)


def _audio(device: Device) -> bytes:
    return (device.media / "c1" / "audio" / "b.mp3").read_bytes()


def test_an_older_pack_is_refused_naming_both_versions(
    tmp_path: Path, academy: Academy, device: Device
) -> None:
    device.service.import_pack(_pack(tmp_path, academy, "v2.zip", V2_FILES, version=2))
    stored = device.courses.signed_manifest("c1")
    with pytest.raises(PackError) as info:
        device.service.import_pack(_pack(tmp_path, academy, "v1.zip", FILES, version=1))
    assert info.value.code == "older"
    assert "version 1" in info.value.message and "version 2" in info.value.message
    assert device.course_version() == 2
    assert _audio(device) == V2_FILES["audio/b.mp3"]
    assert device.courses.signed_manifest("c1") == stored
    assert set(device.media_states().values()) == {"available"}
    assert not device.staging.exists()


def test_the_same_version_again_is_a_no_op_that_says_so(
    tmp_path: Path, academy: Academy, device: Device
) -> None:
    device.service.import_pack(_pack(tmp_path, academy, "a.zip", FILES))
    stored = device.courses.signed_manifest("c1")
    audio = device.media / "c1" / "audio" / "b.mp3"
    written = audio.stat().st_mtime_ns
    # Re-signed later (issued_at changes on every request), the same course otherwise.
    again = device.service.import_pack(_pack(tmp_path, academy, "b.zip", FILES, issued_at=LATER))
    assert again.outcome is ImportOutcome.UP_TO_DATE
    assert "already on this computer and up to date" in again.sentence
    assert "version 1" in again.sentence
    assert device.courses.signed_manifest("c1") == stored
    assert audio.stat().st_mtime_ns == written
    assert not device.staging.exists()


def test_a_newer_pack_updates(tmp_path: Path, academy: Academy, device: Device) -> None:
    first = device.service.import_pack(_pack(tmp_path, academy, "v1.zip", FILES))
    assert first.outcome is ImportOutcome.ADDED
    newer = device.service.import_pack(_pack(tmp_path, academy, "v2.zip", V2_FILES, version=2))
    assert newer.outcome is ImportOutcome.UPDATED
    assert "version 2" in newer.sentence
    assert device.course_version() == 2
    assert _audio(device) == V2_FILES["audio/b.mp3"]
    assert set(device.media_states().values()) == {"available"}


def test_the_same_version_brings_back_files_missing_here(
    tmp_path: Path, academy: Academy, device: Device
) -> None:
    device.service.import_pack(_pack(tmp_path, academy, "a.zip", FILES))
    (device.media / "c1" / "audio" / "b.mp3").unlink()
    device.courses.mark_missing("c1", ["audio/b.mp3"])
    again = device.service.import_pack(_pack(tmp_path, academy, "a.zip", FILES))
    assert again.outcome is ImportOutcome.COMPLETED
    assert _audio(device) == FILES["audio/b.mp3"]
    assert set(device.media_states().values()) == {"available"}


def test_other_content_under_the_same_version_follows_the_later_signature(
    tmp_path: Path, academy: Academy, device: Device
) -> None:
    device.service.import_pack(_pack(tmp_path, academy, "a.zip", FILES, issued_at=LATER))
    earlier = _pack(tmp_path, academy, "old.zip", FILES, title="Oud")
    with pytest.raises(PackError) as info:
        device.service.import_pack(earlier)
    assert info.value.code == "older" and "earlier edition of version 1" in info.value.message
    later = _pack(
        tmp_path, academy, "new.zip", FILES, title="Nieuw", issued_at="2026-12-01T00:00:00+00:00"
    )
    assert device.service.import_pack(later).outcome is ImportOutcome.UPDATED


def _stamp(version: int, day: int, content: str = "x") -> CourseStamp:
    return CourseStamp(version, datetime(2026, 11, day, tzinfo=UTC), content)


@pytest.mark.parametrize(
    ("incoming", "held", "expected"),
    [
        (_stamp(1, 1), None, Freshness.NEW),
        (_stamp(3, 1), _stamp(2, 9), Freshness.NEWER),  # the version decides, not the date
        (_stamp(2, 9), _stamp(3, 1), Freshness.OLDER),
        (_stamp(2, 1), _stamp(2, 9), Freshness.SAME),  # same content: the date does not matter
        (_stamp(2, 9, "y"), _stamp(2, 1), Freshness.NEWER),
        (_stamp(2, 1, "y"), _stamp(2, 9), Freshness.OLDER),
        (_stamp(2, 9, "y"), _stamp(2, 9), Freshness.NEWER),  # signed in the same second
    ],
)
def test_the_rule(incoming: CourseStamp, held: CourseStamp | None, expected: Freshness) -> None:
    assert freshness(incoming, held) is expected


def test_the_academy_sentence_names_both_versions() -> None:
    with pytest.raises(PackError) as info:
        check_not_older(Source.ACADEMY, "Fietsen", _stamp(4, 1), _stamp(5, 1))
    assert "version 4 of Fietsen" in info.value.message
    assert "version 5" in info.value.message


def test_staging_left_by_a_crashed_import_is_removed_by_the_next(
    tmp_path: Path, academy: Academy, device: Device
) -> None:
    crashed = device.staging / "import-abc123" / "audio"
    crashed.mkdir(parents=True)
    (crashed / "b.mp3").write_bytes(b"half a file")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(crashed.parent, (two_days_ago, two_days_ago))
    device.service.import_pack(_pack(tmp_path, academy, "a.zip", FILES))
    assert not device.staging.exists()


def test_a_newer_copy_stored_during_a_slow_import_is_not_rolled_back(
    tmp_path: Path, academy: Academy, device: Device
) -> None:
    """The version rule is decided when the import starts; a download's fetch may store a newer
    copy while the files are staged. The import then stores nothing and replaces no file."""
    device.service.import_pack(_pack(tmp_path, academy, "v1.zip", FILES, version=1))
    v2 = _pack(tmp_path, academy, "v2.zip", V2_FILES, version=2)
    v3_files = {**FILES, "audio/b.mp3": b"ID3 newest audio " * 200}
    v3 = _pack(tmp_path, academy, "v3.zip", v3_files, version=3)
    arrived: list[bool] = []

    def meanwhile(_done: int, _total: int) -> None:
        if not arrived:  # once, while v2 is being staged: v3 lands (as a download's fetch would)
            arrived.append(True)
            device.service.import_pack(v3)

    with pytest.raises(PackError) as info:
        device.service.import_pack(v2, on_progress=meanwhile)
    assert info.value.code == "changed"
    assert "Cursus changed on this computer meanwhile" in info.value.message
    assert device.course_version() == 3
    assert _audio(device) == v3_files["audio/b.mp3"]
    assert set(device.media_states().values()) == {"available"}
    assert not device.staging.exists()


def test_a_pack_that_does_not_fit_says_the_disk_is_full_and_imports_nothing(
    tmp_path: Path, academy: Academy
) -> None:
    with small_disk(tmp_path / "disk", "4m") as disk:
        device = open_device(disk.root / "device", academy)
        try:
            with pytest.raises(DiskFullError) as info:  # 4 MB: less than the 8 MB kept free
                device.service.import_pack(_pack(tmp_path, academy, "v1.zip", FILES))
            assert info.value.message.startswith("The disk is full, so Cursus cannot be imported.")
            assert f"on the disk that holds {device.media}" in info.value.message
            assert info.value.message.endswith("Nothing was imported.")
            assert device.course_version() is None
            assert not device.staging.exists()
        finally:
            device.store.close()

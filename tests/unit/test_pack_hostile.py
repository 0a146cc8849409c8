"""Hostile packs, built byte by byte, through the real import: each is refused with a sentence a
learner understands (no internal file names, no exception names) and leaves nothing behind."""

from __future__ import annotations

import json
import random
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop.domain.errors import PackError
from desktop.domain.strict_json import JsonRefusedError, loads, within_depth
from tests.pack_device import Device, open_device
from tests.pack_factory import FILES, Academy, write_zip
from tests.zip_bytes import RawEntry, deflated, local_header, pack_entries, write

Hostile = Callable[[Academy, Path], Path]


@pytest.fixture
def academy() -> Academy:
    return Academy()


@pytest.fixture
def device(tmp_path: Path, academy: Academy) -> Iterator[Device]:
    device = open_device(tmp_path / "device", academy)
    yield device
    device.store.close()


def _with(change: Callable[[list[RawEntry]], None]) -> Hostile:
    def make(academy: Academy, path: Path) -> Path:
        entries = pack_entries(academy.signed(FILES), FILES)
        change(entries)
        return write(path, entries)

    return make


def _other_local_name(entries: list[RawEntry]) -> None:
    entries[1].local_name = b"media/images/x.png"  # zipfile: BadZipFile when opened


def _deep_manifest(entries: list[RawEntry]) -> None:
    entries[0].data = b"[" * 200_000 + b"]" * 200_000  # json: RecursionError


def _encrypted(entries: list[RawEntry]) -> None:
    entries[2].flags |= 0x1  # zipfile: RuntimeError (password required)


def _method_97(entries: list[RawEntry]) -> None:
    entries[2].method = 97  # zipfile: NotImplementedError


def _utf8_flag_on_bad_bytes(entries: list[RawEntry]) -> None:
    entries.append(RawEntry(b"media/\xff\xfe", b"x", flags=0x800))


def _nul_in_name(academy: Academy, path: Path) -> Path:
    # zipfile shows "media/x.mp3", which the manifest lists; the raw name says otherwise.
    files = {"x.mp3": b"ID3 audio"}
    entries = pack_entries(academy.signed(files), {})
    entries.append(RawEntry(b"media/x.mp3\x00../../evil.sh", files["x.mp3"]))
    return write(path, entries)


def _duplicate_key(academy: Academy, path: Path) -> Path:
    # json.loads keeps the last "manifest" (the signed one); a reader keeping the first sees
    # the forged one, and the pack's raw text with both would be stored.
    signed = academy.signed(FILES)
    forged = json.loads(json.dumps(signed["manifest"]))
    forged["course"]["title"] = "Forged"
    text = (
        f'{{"manifest": {json.dumps(forged)}, "manifest": {json.dumps(signed["manifest"])}, '
        f'"signature": "{signed["signature"]}", "key_id": "{signed["key_id"]}"}}'
    )
    entries = pack_entries(signed, FILES)
    entries[0].data = text.encode()
    return write(path, entries)


def _lying_count(academy: Academy, path: Path) -> Path:
    return write(path, pack_entries(academy.signed(FILES), FILES), count=1)


def _unknown_deflate_bytes(academy: Academy, path: Path) -> Path:
    entries = pack_entries(academy.signed(FILES), FILES)
    broken = deflated("media/audio/b.mp3", FILES["audio/b.mp3"])
    broken.data = b"\xff" * len(broken.data)  # not a deflate stream at all
    entries[2] = broken
    return write(path, entries)


def _overlapping(academy: Academy, path: Path) -> Path:
    # The second file's local header lies inside the first file's bytes: the trick that lets a
    # small zip unpack to far more than its size.
    inner = RawEntry(b"media/audio/b.mp3", FILES["audio/b.mp3"])
    outer_data = local_header(inner)
    files = {"images/a.png": outer_data, "audio/b.mp3": FILES["audio/b.mp3"]}
    entries = pack_entries(academy.signed(files), {})
    entries.append(RawEntry(b"media/images/a.png", outer_data))
    manifest_end = len(local_header(entries[0]))
    inner.offset = manifest_end + len(local_header(entries[1])) - len(outer_data)
    entries.append(inner)
    return write(path, entries)


def _prepended(academy: Academy, path: Path) -> Path:
    return write(path, pack_entries(academy.signed(FILES), FILES), prefix=b"MZ" + b"\0" * 100)


HOSTILE: dict[str, tuple[Hostile, str]] = {
    "local header names another file": (_with(_other_local_name), "tampered"),
    "manifest nested 200,000 deep": (_with(_deep_manifest), "bad_pack"),
    "encrypted entry": (_with(_encrypted), "unsupported"),
    "compression method 97": (_with(_method_97), "unsupported"),
    "NUL in a name": (_nul_in_name, "unsafe_path"),
    "name not UTF-8 despite its flag": (_with(_utf8_flag_on_bad_bytes), "unsafe_path"),
    "duplicate key in the manifest": (_duplicate_key, "tampered"),
    "end record count disagrees with the directory": (_lying_count, "tampered"),
    "deflated bytes that are not deflate": (_unknown_deflate_bytes, "tampered"),
    "one entry inside another": (_overlapping, "tampered"),
    "bytes before the zip": (_prepended, "tampered"),
}


def assert_refused_cleanly(device: Device, path: Path, code: str) -> str:
    with pytest.raises(PackError) as info:
        device.service.import_pack(path)
    message = info.value.message
    assert info.value.code == code, message
    assert device.leftovers() == []
    assert device.media_states() == {}
    assert device.course_version() is None
    for internal in ("manifest.json", "Error", "evil", "\x00", "Traceback", "media/"):
        assert internal not in message
    assert message.endswith(".") and message[0].isupper()
    return message


@pytest.mark.parametrize("variant", list(HOSTILE))
def test_a_hostile_pack_is_refused_with_a_sentence_and_leaves_nothing(
    tmp_path: Path, academy: Academy, device: Device, variant: str
) -> None:
    make, code = HOSTILE[variant]
    assert_refused_cleanly(device, make(academy, tmp_path / "hostile.zip"), code)


def test_a_file_that_fails_after_others_were_staged_leaves_no_folders(
    tmp_path: Path, academy: Academy, device: Device
) -> None:
    entries = pack_entries(academy.signed(FILES), FILES)
    entries[2].data = entries[2].data[:-1] + b"!"  # the second file is damaged
    assert_refused_cleanly(device, write(tmp_path / "p.zip", entries), "tampered")


def test_two_hundred_thousand_entries_are_refused_at_once_from_the_end_record(
    tmp_path: Path, academy: Academy, device: Device
) -> None:
    entries = pack_entries(academy.signed(FILES), FILES)
    entries += [RawEntry(f"media/f{i}".encode(), b"") for i in range(200_000)]
    path = write(tmp_path / "many.zip", entries)
    tracemalloc.start()
    try:
        assert_refused_cleanly(device, path, "too_large")
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Listing 200,000 entries first took ~110 MB (and over a second) here; counting them from
    # the end record holds none of them in memory. Memory, not time: the machine may be busy.
    assert peak < 2 * 1024 * 1024


def test_a_pack_whose_directory_uses_zip64_fields_imports(
    tmp_path: Path, academy: Academy, device: Device
) -> None:
    entries = pack_entries(academy.signed(FILES), FILES)
    for entry in entries:
        entry.zip64 = True
    entries[2] = deflated("media/audio/b.mp3", FILES["audio/b.mp3"])
    done = device.service.import_pack(write(tmp_path / "z64.zip", entries))
    assert done.course.version == 1
    assert (device.media / "c1" / "audio" / "b.mp3").read_bytes() == FILES["audio/b.mp3"]
    assert not device.staging.exists()


def test_json_depth_skips_brackets_inside_strings() -> None:
    assert within_depth(b'{"a": ["[[[[", {"b": "]]]"}]}', 3)
    assert not within_depth(b'{"a": ["[[[[", {"b": "]]]"}]}', 2)
    assert within_depth(rb'["\"[[[[", "\\"]', 1)
    assert not within_depth(b"{[{[]}]}", 3)
    assert within_depth(b"{[{[]}]}", 4)
    assert not within_depth(b"[[]", 5)  # unbalanced: not JSON
    with pytest.raises(JsonRefusedError) as info:
        loads(b"[" * 40 + b"]" * 40, max_depth=32)
    assert info.value.reason == "depth"
    with pytest.raises(JsonRefusedError) as info:
        loads(b'{"a": NaN}', max_depth=32)
    assert info.value.reason == "syntax"
    with pytest.raises(JsonRefusedError) as info:
        loads(b'{"a": 1, "a": 2}', max_depth=32)
    assert info.value.reason == "duplicate"
    assert loads(b'{"a": [1, {"b": null}]}', max_depth=3) == {"a": [1, {"b": None}]}


def _depth_by_scanning(raw: bytes) -> int | None:
    """The nesting depth, character by character as JSON reads it; None when unbalanced."""
    depth = deepest = 0
    inside = escaped = False
    for byte in raw:
        char = chr(byte)
        if inside:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                inside = False
        elif char == '"':
            inside = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
            if depth < 0:
                return None
    return None if depth else deepest


def test_json_depth_agrees_with_a_scan_of_every_character() -> None:
    """Random documents of brackets, quotes, escapes and text (strings holding brackets, empty
    strings side by side, an unterminated string): the quick measure says what a scan says."""
    rng = random.Random(19)
    inner = ["[", "]", "{", "}", "\\\\", '\\"', "\\u00e9", "a", ""]
    outer = ["[", "]", "{", "}", ",", ":", "1"]

    def string() -> str:
        return '"' + "".join(rng.choice(inner) for _ in range(rng.randrange(0, 4))) + '"'

    for _ in range(3000):
        parts = [
            string() if rng.random() < 0.4 else rng.choice(outer)
            for _ in range(rng.randrange(1, 30))
        ]
        if rng.random() < 0.1:
            parts.append(string()[:-1])  # unterminated
        raw = "".join(parts).encode()
        depth = _depth_by_scanning(raw)
        for limit in (1, 2, 3, 5):
            assert within_depth(raw, limit) is (depth is not None and depth <= limit), raw


@pytest.mark.parametrize(
    ("raw", "within"),
    [
        (b"[" * 8_000_000 + b"]" * 8_000_000, False),
        (b"[" + b"[1]," * 4_000_000 + b"[1]]", True),
        (b'["' + b'a\\"' * 5_000_000, False),  # unterminated, full of escaped quotes
        (b"[" + b'"ab\\"c",' * 1_500_000 + b'"x"]', True),
    ],
    ids=["deep", "wide", "unterminated string", "many strings"],
)
@pytest.mark.timeout(60)
def test_a_sixteen_megabyte_manifest_is_measured(raw: bytes, within: bool) -> None:
    # A character-by-character scan took 4 s on the first here; a naive string pattern took
    # minutes on the third (it retries from every quote), which the timeout catches.
    assert within_depth(raw, 32) is within


def test_an_oversized_manifest_is_refused_before_it_is_read(
    tmp_path: Path, academy: Academy, device: Device
) -> None:
    entries = pack_entries(academy.signed(FILES), FILES)
    entries[0].data = b" " * (16 * 1024 * 1024 + 1)
    assert_refused_cleanly(device, write(tmp_path / "big.zip", entries), "too_large")


def test_zipfile_s_own_zip64_end_record_is_read_like_zipfile_reads_it(
    tmp_path: Path, academy: Academy, device: Device
) -> None:
    # 70,000 entries need the Zip64 end record: the directory must be found, not "damaged";
    # the pack is then refused for what it holds (files the course does not list).
    path = write_zip(tmp_path / "wide.zip", academy.signed(FILES), FILES)
    with zipfile.ZipFile(path, "a") as archive:
        for i in range(70_000):
            archive.writestr(f"media/extra/{i}", b"")
    assert_refused_cleanly(device, path, "unexpected_file")

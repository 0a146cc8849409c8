"""Zip files written byte by byte, so tests can make the hostile ones `zipfile` never writes:
names with a NUL, local headers that disagree with the directory, encrypted flags, unknown
compression methods, Zip64 fields, lying entry counts. Test helper."""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class RawEntry:
    name: bytes
    data: bytes  # the bytes as stored (already compressed when method is 8)
    method: int = 0
    flags: int = 0
    local_name: bytes | None = None  # None: the same as in the directory
    size: int | None = None  # uncompressed size; None: len(data)
    crc: int | None = None
    external_attr: int = 0
    zip64: bool = False  # sizes and offset in a Zip64 extra field in the directory
    offset: int | None = None  # where the directory says its local header is; None: written


def deflated(name: str, data: bytes) -> RawEntry:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return RawEntry(
        name.encode(), packer.compress(data) + packer.flush(), method=8, size=len(data),
        crc=zlib.crc32(data),
    )  # fmt: skip


def local_header(e: RawEntry) -> bytes:
    """The entry's local header, name and stored bytes."""
    size = len(e.data) if e.size is None else e.size
    crc = zlib.crc32(e.data) if e.crc is None else e.crc
    local = e.name if e.local_name is None else e.local_name
    return struct.pack(
        "<4s5H3L2H", b"PK\x03\x04", 20, e.flags, e.method, 0, 0x21,
        crc, len(e.data), size, len(local), 0,
    ) + local + e.data  # fmt: skip


def build(entries: list[RawEntry], *, count: int | None = None, prefix: bytes = b"") -> bytes:
    """The zip's bytes; `count` overrides the entry count in the end record, `prefix` comes
    before everything (offsets do not count it, as in a self-extracting archive)."""
    body = bytearray()
    directory = bytearray()
    for e in entries:
        offset = e.offset
        if offset is None:
            offset = len(body)
            body += local_header(e)
        size = len(e.data) if e.size is None else e.size
        crc = zlib.crc32(e.data) if e.crc is None else e.crc
        extra = b""
        sizes = (size, len(e.data), offset)
        if e.zip64:
            extra = struct.pack("<2H3Q", 1, 24, *sizes)
            sizes = (0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
        directory += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 0x31E, 45 if e.zip64 else 20, e.flags, e.method, 0,
            0x21, crc, sizes[1], sizes[0], len(e.name), len(extra), 0, 0, 0, e.external_attr,
            sizes[2],
        )  # fmt: skip
        directory += e.name + extra
    n = len(entries) if count is None else count
    tail = b""
    if n > 0xFFFF:  # the count needs the Zip64 end record, found through its locator
        record_at = len(body) + len(directory)
        tail = struct.pack(
            "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, n, n, len(directory), len(body)
        ) + struct.pack("<4sLQL", b"PK\x06\x07", 0, record_at, 1)  # fmt: skip
    short = min(n, 0xFFFF)
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, short, short, len(directory), len(body), 0
    )  # fmt: skip
    return prefix + bytes(body + directory + tail + end)


def pack_entries(signed: Any, files: dict[str, bytes]) -> list[RawEntry]:
    """The entries of a valid pack: manifest.json and media/<path> for each file."""
    entries = [RawEntry(b"manifest.json", json.dumps(signed).encode())]
    entries += [RawEntry(b"media/" + name.encode(), data) for name, data in files.items()]
    return entries


def write(
    path: Path, entries: list[RawEntry], *, count: int | None = None, prefix: bytes = b""
) -> Path:
    path.write_bytes(build(entries, count=count, prefix=prefix))
    return path

"""The table of contents of a pack's .zip, read from its raw bytes with bounds. Worker threads.

`zipfile` trusts what it reads: it lists every entry before anyone can count them, cuts names
at a NUL byte, and only notices an encrypted entry, an unknown compression method or a local
header that names another file once that entry is opened. This reader goes first: it finds the
end-of-central-directory record (and its Zip64 form), refuses too many entries before reading
any of them, reads each entry's raw name bytes, and checks every entry's flags, compression
method, local header and byte range. Anything off is a PackError; nothing here raises another
kind of error for a bad file.
"""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass
from typing import BinaryIO

from desktop.domain.errors import PackError
from desktop.language.catalogue import _

STORED = 0
DEFLATED = 8
METHODS = frozenset({STORED, DEFLATED})
MAX_NAME_BYTES = 1024
MAX_FIELD_BYTES = 4096  # an entry's extra field or comment

_END = struct.Struct("<4s4H2LH")  # end of central directory
_END_SIG = b"PK\x05\x06"
_LOCATOR = struct.Struct("<4sLQL")  # Zip64 end of central directory locator
_LOCATOR_SIG = b"PK\x06\x07"
_END64 = struct.Struct("<4sQ2H2L4Q")  # Zip64 end of central directory record
_END64_SIG = b"PK\x06\x06"
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_CENTRAL_SIG = b"PK\x01\x02"
_LOCAL = struct.Struct("<4s5H3L2H")
_LOCAL_SIG = b"PK\x03\x04"
_MAX_COMMENT = 0xFFFF
_ZIP64_EXTRA = 0x0001
# Flag bits: 0 encrypted, 6 strong encryption, 13 central directory encrypted.
_ENCRYPTED = 0x0001 | 0x0040 | 0x2000
_UTF8 = 0x0800


@dataclass(frozen=True, slots=True)
class ZipEntry:
    name: str  # decoded as zipfile does (UTF-8 if flagged, else cp437), nothing cut off
    flags: int
    method: int
    compressed_size: int
    size: int
    offset: int  # of the local header
    external_attr: int


def damaged() -> PackError:
    return PackError(
        _("The pack's zip file is damaged or was changed after it was made; it was not imported."),
        code="tampered",
    )


def read_directory(handle: BinaryIO, file_size: int, max_entries: int) -> list[ZipEntry]:
    """Every entry of the zip open in `handle`, checked; at most `max_entries` of them."""
    count, cd_size, cd_offset, cd_end = _end_record(handle, file_size, max_entries)
    if cd_offset + cd_size != cd_end:
        raise damaged()  # data before the zip, or a directory that overlaps something
    handle.seek(cd_offset)
    entries: list[ZipEntry] = []
    used = 0
    for _number in range(count):
        entry, length = _central_entry(handle)
        entries.append(entry)
        used += length
        if used > cd_size:
            raise damaged()
    if used != cd_size:
        raise damaged()  # the record's count and the directory's size disagree
    _check_local_headers(handle, entries, cd_offset)
    return entries


def _read(handle: BinaryIO, size: int) -> bytes:
    data = handle.read(size)
    if len(data) != size:
        raise damaged()
    return data


def _end_record(handle: BinaryIO, file_size: int, max_entries: int) -> tuple[int, int, int, int]:
    """(entry count, directory size, directory offset, where the directory must end)."""
    if file_size < _END.size:
        raise PackError(_("This file is not a course pack."), code="not_a_pack")
    tail_size = min(file_size, _END.size + _MAX_COMMENT)
    handle.seek(file_size - tail_size)
    tail = _read(handle, tail_size)
    at = tail.rfind(_END_SIG, 0, len(tail) - _END.size + len(_END_SIG))
    if at < 0:
        raise PackError(_("This file is not a course pack."), code="not_a_pack")
    _sig, disk, cd_disk, here, count, cd_size, cd_offset, comment = _END.unpack_from(tail, at)
    end_start = file_size - tail_size + at
    if end_start + _END.size + comment != file_size or disk != 0 or cd_disk != 0 or here != count:
        raise damaged()  # several disks, or bytes after the record
    cd_end = end_start
    if 0xFFFF in (count, here) or 0xFFFFFFFF in (cd_size, cd_offset):
        count, cd_size, cd_offset, cd_end = _zip64_end(handle, end_start)
    # Counted before a single entry is read, so a pack of a million empty files costs nothing.
    if count > max_entries:
        raise PackError(
            _("The pack has too many files to be a course pack; it was not imported."),
            code="too_large",
        )
    return count, cd_size, cd_offset, cd_end


def _zip64_end(handle: BinaryIO, end_start: int) -> tuple[int, int, int, int]:
    if end_start < _LOCATOR.size:
        raise damaged()
    handle.seek(end_start - _LOCATOR.size)
    sig, disk, record_at, disks = _LOCATOR.unpack(_read(handle, _LOCATOR.size))
    if sig != _LOCATOR_SIG or disk != 0 or disks != 1:
        raise damaged()
    if record_at + _END64.size != end_start - _LOCATOR.size:
        raise damaged()  # zipfile reads the record just before the locator: so must we
    handle.seek(record_at)
    fields = _END64.unpack(_read(handle, _END64.size))
    sig, _record_size, _made, _needed, disk, cd_disk, here, count, cd_size, cd_offset = fields
    if sig != _END64_SIG or disk != 0 or cd_disk != 0 or here != count:
        raise damaged()
    return count, cd_size, cd_offset, record_at


def _central_entry(handle: BinaryIO) -> tuple[ZipEntry, int]:
    fields = _CENTRAL.unpack(_read(handle, _CENTRAL.size))
    sig, _made, _needed, flags, method, _time, _date, _crc, csize, size = fields[:10]
    name_len, extra_len, comment_len, disk, _internal, external, offset = fields[10:]
    if sig != _CENTRAL_SIG or disk not in (0, 0xFFFF):
        raise damaged()
    if name_len > MAX_NAME_BYTES:
        raise PackError(_("The pack contains a file with an unsafe name."), code="unsafe_path")
    if extra_len > MAX_FIELD_BYTES or comment_len > MAX_FIELD_BYTES:
        raise damaged()
    raw_name = _read(handle, name_len)
    extra = _read(handle, extra_len)
    _read(handle, comment_len)
    size, csize, offset = _zip64_sizes(extra, size, csize, offset)
    entry = ZipEntry(
        name=_decode(raw_name, flags),
        flags=flags,
        method=method,
        compressed_size=csize,
        size=size,
        offset=offset,
        external_attr=external,
    )
    _check_readable(flags, method)
    return entry, _CENTRAL.size + name_len + extra_len + comment_len


def _zip64_sizes(extra: bytes, size: int, csize: int, offset: int) -> tuple[int, int, int]:
    """Sizes and offset too large for 32 bits live in the Zip64 extra field, in this order."""
    wanted = [v == 0xFFFFFFFF for v in (size, csize, offset)]
    if not any(wanted):
        return size, csize, offset
    values = [size, csize, offset]
    at = 0
    while at + 4 <= len(extra):
        kind, length = struct.unpack_from("<2H", extra, at)
        body = extra[at + 4 : at + 4 + length]
        if len(body) != length:
            raise damaged()
        if kind == _ZIP64_EXTRA:
            pos = 0
            for i, want in enumerate(wanted):
                if want:
                    if pos + 8 > length:
                        raise damaged()
                    (values[i],) = struct.unpack_from("<Q", body, pos)
                    pos += 8
            return values[0], values[1], values[2]
        at += 4 + length
    raise damaged()


def _decode(raw: bytes, flags: int) -> str:
    # A NUL would let zipfile show a harmless name while the raw one says otherwise.
    if b"\x00" in raw:
        raise PackError(_("The pack contains a file with an unsafe name."), code="unsafe_path")
    try:
        return raw.decode("utf-8") if flags & _UTF8 else raw.decode("cp437")
    except UnicodeDecodeError:
        raise PackError(
            _("The pack contains a file with an unsafe name."), code="unsafe_path"
        ) from None


def _check_readable(flags: int, method: int) -> None:
    if flags & _ENCRYPTED:
        raise PackError(
            _(
                "The pack is encrypted, so Samen cannot check it; it was not imported. Make "
                "the pack again with Samen's export, without a password."
            ),
            code="unsupported",
        )
    if method not in METHODS:
        raise PackError(
            _(
                "The pack is compressed in a way Samen cannot read; it was not imported. Make "
                "the pack again with Samen's export (or as a plain .zip)."
            ),
            code="unsupported",
        )


def _check_local_headers(handle: BinaryIO, entries: list[ZipEntry], cd_offset: int) -> None:
    """Each local header must repeat its central entry, and no two entries' bytes overlap
    (overlapping entries are how a small zip unpacks to terabytes)."""
    ends: list[tuple[int, int]] = []
    for entry in entries:
        handle.seek(entry.offset)
        sig, _needed, flags, method, _t, _d, _crc, _cs, _s, name_len, extra_len = _LOCAL.unpack(
            _read(handle, _LOCAL.size)
        )
        if sig != _LOCAL_SIG or method != entry.method or name_len > MAX_NAME_BYTES:
            raise damaged()
        _check_readable(flags, method)
        if _decode(_read(handle, name_len), flags) != entry.name:
            raise damaged()
        data_end = entry.offset + _LOCAL.size + name_len + extra_len + entry.compressed_size
        if data_end > cd_offset:
            raise damaged()
        ends.append((entry.offset, data_end))
    ends.sort()
    for (_start, end), (next_start, _next_end) in itertools.pairwise(ends):
        if end > next_start:
            raise damaged()

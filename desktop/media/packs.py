"""Course packs on disk: a folder or a .zip with manifest.json and media/<path>. Worker threads.

Reading is defensive: a pack comes from a USB stick that went through many hands. Before
anything is read, the zip's own directory is checked from its raw bytes (media/zip_directory.py:
entry count, names, flags, compression methods, local headers), and every entry name is checked
(no absolute paths, no "..", no backslashes, no NUL, no symlinks or device files, nothing
outside manifest.json and media/). Reads are capped, so a zip bomb or an entry larger than
announced cannot fill the disk, and the manifest is parsed with bounded depth and duplicate
keys refused. Whatever goes wrong surfaces as a PackError with a sentence for the learner:
never a zipfile, OS or JSON error, and never a name taken from the pack.
"""

from __future__ import annotations

import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, Any

from desktop.domain import strict_json
from desktop.domain.errors import PackError
from desktop.language.catalogue import _
from desktop.media.zip_directory import ZipEntry, damaged, read_directory

MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
MAX_ENTRIES = 100_000
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
MAX_MANIFEST_DEPTH = 32  # a manifest nests about 8 deep
# What reading a zip can raise besides PackError; each becomes "damaged" (OSError apart).
_ZIP_FAILURES = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    KeyError,
    struct.error,
)


def _unreadable() -> PackError:
    # A USB stick pulled out or failing: say so, the import is simply not done.
    return PackError(
        _("The pack could not be read (was the USB stick removed?); nothing was imported."),
        code="unreadable",
    )


def _unsafe() -> PackError:
    return PackError(
        _("The pack contains a file with an unsafe name; it was not imported."),
        code="unsafe_path",
    )


def _foreign() -> PackError:
    return PackError(
        _("The pack contains files that do not belong in a course pack; it was not imported."),
        code="unexpected_file",
    )


def _check_safe(name: str) -> None:
    parts = PurePosixPath(name).parts
    if (
        not name
        or "\\" in name
        or name.startswith("/")
        or "\x00" in name
        or any(part in ("..", ".") for part in parts)
        or (parts and ":" in parts[0])  # a Windows drive letter
    ):
        raise _unsafe()


def _check_name(name: str) -> None:
    _check_safe(name)
    if name != MANIFEST and not name.startswith(MEDIA_PREFIX):
        raise _foreign()


class Pack:
    """The checked list of entries of one pack, and capped reading of them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sizes: dict[str, int] = {}
        self._file: IO[bytes] | None = None
        self._zip: zipfile.ZipFile | None = None
        try:
            if path.is_dir() and not path.is_symlink():
                self._scan_folder()
            elif path.is_file():
                self._scan_zip()
            else:
                raise PackError(
                    _("{path} is neither a course pack folder nor a .zip file.").format(path=path),
                    code="not_a_pack",
                )
        except BaseException:
            self.close()
            raise
        if MANIFEST not in self.sizes:
            self.close()
            raise PackError(
                _("This is not a course pack: its course description is missing."),
                code="not_a_pack",
            )

    def _add(self, name: str, size: int) -> None:
        _check_name(name)
        if name in self.sizes:
            raise PackError(
                _("The pack lists the same file twice; it was not imported."),
                code="unexpected_file",
            )
        if len(self.sizes) >= MAX_ENTRIES:
            raise PackError(
                _("The pack has too many files to be a course pack; it was not imported."),
                code="too_large",
            )
        self.sizes[name] = size

    def _scan_folder(self) -> None:
        root = self.path
        try:
            for folder, dirs, files in os.walk(root, followlinks=False, onerror=_raise):
                for name in [*dirs, *files]:
                    full = Path(folder) / name
                    info = full.lstat()
                    rel = full.relative_to(root).as_posix()
                    if stat.S_ISLNK(info.st_mode) or not (
                        stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode)
                    ):
                        raise _link()
                    if stat.S_ISDIR(info.st_mode):
                        _check_safe(rel)
                        if rel != "media" and not rel.startswith(MEDIA_PREFIX):
                            raise _foreign()
                        continue
                    self._add(rel, info.st_size)
        except (OSError, ValueError):
            raise _unreadable() from None

    def _scan_zip(self) -> None:
        try:
            # One open file for the checks and for zipfile: the name cannot be swapped between.
            self._file = handle = self.path.open("rb")
            entries = read_directory(handle, os.fstat(handle.fileno()).st_size, MAX_ENTRIES)
            for entry in entries:
                self._add_zip_entry(entry)
            # zipfile reads the data; it must see exactly the directory checked above.
            archive = zipfile.ZipFile(handle)
            self._zip = archive
            listed = [(i.orig_filename, i.header_offset) for i in archive.infolist()]
            if listed != [(e.name, e.offset) for e in entries]:
                raise damaged()
        except OSError:
            raise _unreadable() from None
        except _ZIP_FAILURES:
            raise damaged() from None

    def _add_zip_entry(self, entry: ZipEntry) -> None:
        mode = (entry.external_attr >> 16) & 0o170000
        if mode == stat.S_IFLNK:
            raise _link()
        if entry.name.endswith("/"):
            folder = entry.name.rstrip("/")
            _check_safe(folder)
            if folder != "media" and not folder.startswith(MEDIA_PREFIX):
                raise _foreign()
            return
        self._add(entry.name, entry.size)

    @contextmanager
    def open(self, name: str, limit: int) -> Iterator[_Capped]:
        """Open an entry that may hold at most `limit` bytes (reads beyond it fail)."""
        if name not in self.sizes:
            raise PackError(_("The pack is incomplete; nothing was imported."), code="missing_file")
        if self.sizes[name] > limit:
            raise PackError(
                _("A file in the pack is larger than the course says it is; nothing was imported."),
                code="tampered",
            )
        try:
            handle: IO[bytes] = (
                self._zip.open(name) if self._zip is not None else (self.path / name).open("rb")
            )
        except OSError:
            raise _unreadable() from None
        except _ZIP_FAILURES:
            raise damaged() from None
        with handle:
            yield _Capped(handle, limit)  # the header's size may lie; the stream is capped

    def read_manifest(self) -> tuple[bytes, Any]:
        """The manifest's bytes and its JSON document (not yet verified)."""
        if self.sizes.get(MANIFEST, 0) > MAX_MANIFEST_BYTES:
            raise PackError(
                _("The course description in the pack is too large; it was not imported."),
                code="too_large",
            )
        with self.open(MANIFEST, MAX_MANIFEST_BYTES) as handle:
            raw = handle.read()
        try:
            return raw, strict_json.loads(raw, MAX_MANIFEST_DEPTH)
        except strict_json.JsonRefusedError as refused:
            if refused.reason == "duplicate":
                raise PackError(
                    _(
                        "The course description in the pack has been tampered with; it was "
                        "not imported."
                    ),
                    code="tampered",
                ) from None
            raise PackError(
                _("The course description in the pack is damaged; it was not imported.")
            ) from None

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> Pack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _raise(error: OSError) -> None:
    raise error  # os.walk skips unreadable folders silently otherwise


def _link() -> PackError:
    return PackError(
        _("The pack contains a link or a special file; it was not imported."), code="symlink"
    )


class _Capped:
    """A read-only stream that raises once more than `limit` bytes came out of it."""

    def __init__(self, inner: IO[bytes], limit: int) -> None:
        self._inner = inner
        self._left = limit

    def read(self, size: int = -1) -> bytes:
        want = self._left + 1 if size < 0 else min(size, self._left + 1)
        try:
            data = self._inner.read(want)
        except OSError:
            raise _unreadable() from None
        except _ZIP_FAILURES:
            raise damaged() from None
        self._left -= len(data)
        if self._left < 0:
            raise PackError(
                _("A file in the pack is larger than announced; nothing was imported."),
                code="tampered",
            )
        return data


def write_zip(dest: Path, manifest: bytes, files: list[tuple[str, Path]]) -> Path:
    """Write a pack as one .zip (stored, not compressed: media is compressed already),
    to a temporary name first, then fsync and rename, so a pulled USB stick never holds a
    half-written pack under the final name."""
    part = dest.with_name(dest.name + ".part")
    with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.writestr(MANIFEST, manifest)
        for name, source in files:
            archive.write(source, MEDIA_PREFIX + name)
    with part.open("rb+") as handle:
        os.fsync(handle.fileno())
    part.replace(dest)
    return dest

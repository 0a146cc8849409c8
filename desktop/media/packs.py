"""Course packs on disk: a folder or a .zip with manifest.json and media/<path>. Worker threads.

Reading is defensive: a pack comes from a USB stick that went through many hands, so every
entry name is checked before anything is read (no absolute paths, no "..", no backslashes, no
symlinks or device files, nothing outside manifest.json and media/), and reads are capped, so a
zip bomb or an entry larger than announced cannot fill the disk.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO

from desktop.domain.errors import PackError

MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
MAX_ENTRIES = 100_000
MAX_MANIFEST_BYTES = 16 * 1024 * 1024


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
        raise PackError(f"The pack contains an unsafe file name: {name!r}.", code="unsafe_path")


def _check_name(name: str) -> None:
    _check_safe(name)
    if name != MANIFEST and not name.startswith(MEDIA_PREFIX):
        raise PackError(
            f"The pack contains a file that does not belong in a course pack: {name!r}.",
            code="unexpected_file",
        )


class Pack:
    """The checked list of entries of one pack, and capped reading of them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sizes: dict[str, int] = {}
        self._zip: zipfile.ZipFile | None = None
        if path.is_dir() and not path.is_symlink():
            self._scan_folder()
        elif zipfile.is_zipfile(path):
            self._scan_zip()
        else:
            raise PackError(
                f"{path} is neither a course pack folder nor a .zip file.", code="not_a_pack"
            )
        if MANIFEST not in self.sizes:
            raise PackError("The pack has no manifest.json at its top level.", code="not_a_pack")

    def _add(self, name: str, size: int) -> None:
        _check_name(name)
        if name in self.sizes:
            raise PackError(f"The pack lists {name!r} twice.", code="unexpected_file")
        if len(self.sizes) >= MAX_ENTRIES:
            raise PackError("The pack has too many files.", code="too_large")
        self.sizes[name] = size

    def _scan_folder(self) -> None:
        root = self.path
        for folder, dirs, files in os.walk(root, followlinks=False):
            for name in [*dirs, *files]:
                full = Path(folder) / name
                info = full.lstat()
                rel = full.relative_to(root).as_posix()
                if stat.S_ISLNK(info.st_mode):
                    raise PackError(f"The pack contains a link: {rel!r}.", code="symlink")
                if stat.S_ISDIR(info.st_mode):
                    if rel != "media" and not rel.startswith(MEDIA_PREFIX):
                        raise PackError(
                            f"The pack contains a folder that does not belong: {rel!r}.",
                            code="unexpected_file",
                        )
                    continue
                if not stat.S_ISREG(info.st_mode):
                    raise PackError(f"The pack contains a special file: {rel!r}.", code="symlink")
                self._add(rel, info.st_size)

    def _scan_zip(self) -> None:
        try:
            archive = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise PackError(f"The pack's zip file is damaged: {exc}", code="not_a_pack") from None
        self._zip = archive
        for info in archive.infolist():
            mode = (info.external_attr >> 16) & 0o170000
            if mode == stat.S_IFLNK:
                raise PackError(f"The pack contains a link: {info.filename!r}.", code="symlink")
            if info.is_dir():
                folder = info.filename.rstrip("/")
                _check_safe(folder)
                if folder != "media" and not folder.startswith(MEDIA_PREFIX):
                    raise PackError(
                        f"The pack contains a folder that does not belong: {folder!r}.",
                        code="unexpected_file",
                    )
                continue
            self._add(info.filename, info.file_size)

    @contextmanager
    def open(self, name: str, limit: int) -> Iterator[_Capped]:
        """Open an entry that may hold at most `limit` bytes (reads beyond it fail)."""
        if name not in self.sizes:
            raise PackError(f"The pack has no file {name!r}.", code="missing_file")
        if self.sizes[name] > limit:
            raise PackError(
                f"{name!r} in the pack is larger than the course says it is.", code="tampered"
            )
        if self._zip is not None:
            with self._zip.open(name) as handle:
                yield _Capped(handle, limit)  # the header's size may lie; the stream is capped
        else:
            with (self.path / name).open("rb") as handle:
                yield _Capped(handle, limit)

    def read_manifest(self) -> bytes:
        with self.open(MANIFEST, MAX_MANIFEST_BYTES) as handle:
            return handle.read()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> Pack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Capped:
    """A read-only stream that raises once more than `limit` bytes came out of it."""

    def __init__(self, inner: IO[bytes], limit: int) -> None:
        self._inner = inner
        self._left = limit

    def read(self, size: int = -1) -> bytes:
        want = self._left + 1 if size < 0 else min(size, self._left + 1)
        try:
            data = self._inner.read(want)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise PackError(f"The pack's zip file is damaged: {exc}", code="tampered") from None
        except OSError as exc:
            # A USB stick pulled out or failing: say so, the import is simply not done.
            raise PackError(f"Reading the pack failed: {exc}", code="unreadable") from None
        self._left -= len(data)
        if self._left < 0:
            raise PackError("A file in the pack is larger than announced.", code="tampered")
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

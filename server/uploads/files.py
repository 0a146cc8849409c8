"""An upload's bytes on disk: ``<uploads>/<id>.part`` while it grows, ``<uploads>/<id>`` once its
sha256 matched. Blocking file work, run on uvicorn's worker threads (never on the event loop).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

from server.private_files import open_private, private_dir

PART_SUFFIX = ".part"
HASH_BLOCK = 1024 * 1024


def part_path(folder: Path, upload_id: str) -> Path:
    return folder / f"{upload_id}{PART_SUFFIX}"


def final_path(folder: Path, upload_id: str) -> Path:
    return folder / upload_id


def part_size(folder: Path, upload_id: str) -> int:
    """Bytes in the `.part` file; 0 when there is none."""
    try:
        return part_path(folder, upload_id).stat().st_size
    except FileNotFoundError:
        return 0


def open_for_append(folder: Path, upload_id: str, offset: int) -> BinaryIO:
    """The `.part` file positioned at `offset`; anything past it was never confirmed (a crash
    between a write and its commit), so it is cut off rather than trusted."""
    # A learner's recording: owner-only, whatever the umask.
    private_dir(folder)
    path = part_path(folder, upload_id)
    handle = os.fdopen(open_private(path, os.O_RDWR | os.O_CREAT), "r+b", buffering=0)
    try:
        handle.truncate(offset)
        handle.seek(offset)
    except BaseException:
        handle.close()
        raise
    return handle


def write_all(handle: BinaryIO, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = handle.write(view)
        if not written:
            raise OSError("short write")
        view = view[written:]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def promote(folder: Path, upload_id: str) -> Path:
    """Move a verified `.part` to its final name, durably (the folder is fsynced too)."""
    final = final_path(folder, upload_id)
    part_path(folder, upload_id).replace(final)
    fsync_dir(folder)
    return final


def remove(folder: Path, upload_id: str) -> None:
    for path in (part_path(folder, upload_id), final_path(folder, upload_id)):
        path.unlink(missing_ok=True)


def fsync_handle(handle: BinaryIO) -> None:
    os.fsync(handle.fileno())


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

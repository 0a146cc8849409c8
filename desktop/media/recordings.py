"""Samen's own copies of learners' recordings, kept in its data folder until the academy has
them. Blocking file work on worker threads / the CLI.

The copy is written as `<dest>.tmp`, hashed while it is written (one read of the original),
fsynced and renamed, so `dest` is either absent or complete. A full disk is a DiskFullError and
leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from desktop.disk_space import disk_full
from desktop.domain.errors import SamenError
from desktop.language import formats
from desktop.language.catalogue import _

BLOCK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class KeptCopy:
    path: Path
    size: int
    sha256: str


def keep_copy(source: Path, dest: Path, *, max_bytes: int) -> KeptCopy:
    """Copy `source` to `dest` (its folder is made), returning the copy's size and sha256.
    Refuses a file that grows past `max_bytes` while it is read."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    temp = dest.with_name(dest.name + ".tmp")
    digest = hashlib.sha256()
    size = 0
    try:
        with source.open("rb") as reader, temp.open("wb") as writer:
            while block := reader.read(BLOCK):
                size += len(block)
                if size > max_bytes:
                    raise SamenError(
                        _(
                            "{name} grew past the {size} the academy accepts for one "
                            "recording while Samen copied it."
                        ).format(name=source.name, size=formats.size(max_bytes))
                    )
                writer.write(block)
                digest.update(block)
            writer.flush()
            os.fsync(writer.fileno())
        temp.replace(dest)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        full = disk_full(
            exc,
            dest.parent,
            _size_of(source),
            # Translators: completes "The disk is full, so …".
            doing=_("Samen cannot keep a copy of {name} until it is sent").format(name=source.name),
            kept=_("Nothing else is changed."),
        )
        if full is not None:
            raise full from exc
        raise SamenError(
            _("Samen could not copy {name}: {reason}.").format(
                name=source.name, reason=exc.strerror or exc
            )
        ) from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return KeptCopy(dest, size, digest.hexdigest())


def _size_of(source: Path) -> int | None:
    try:
        return source.stat().st_size
    except OSError:
        return None

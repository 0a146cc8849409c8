"""Recognising "no space left": the one place that turns the operating system's and SQLite's
ways of saying it into a DiskFullError. Any thread; any layer may use it (like paths.py), and
it lives outside desktop/domain because it asks the disk how much is free.

SQLite says SQLITE_FULL ("database or disk is full") when a write finds no room, but when not
even its shared-memory file (`-shm`, 32 KiB) fits it says SQLITE_IOERR ("disk I/O error"); that
one counts as a full disk only when the disk really has (almost) nothing free.
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from desktop.domain.errors import MB, DiskFullError

# What to ask the learner to free for the database: a write needs only a few pages, but the
# write-ahead log grows with a sync's pulled pages and its checkpoint copies them again; 50 MB
# leaves room for that and for days of ordinary use.
DATABASE_HEADROOM = 50 * MB

# Below this much free space an SQLite I/O error is taken for a full disk.
NEARLY_FULL = 1 * MB

_SQLITE_IOERR, _SQLITE_FULL = 10, 13
_NO_SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def free_bytes(folder: Path) -> int | None:
    """Free bytes on the disk holding `folder` (or its nearest existing parent); None when the
    system cannot tell."""
    for candidate in (folder, *folder.parents):
        try:
            return shutil.disk_usage(candidate).free
        except OSError:
            continue
    return None


def disk_full(
    exc: BaseException,
    folder: Path | None,
    needed: int | None = DATABASE_HEADROOM,
    **wording: str,
) -> DiskFullError | None:
    """`exc` as a DiskFullError when it means the disk is full, else None.

    `folder` is where the failed write went (an OSError's own file name wins); `needed` what
    to ask the learner to free; `wording` the DiskFullError's `problem`/`kept` sentences. A
    DiskFullError is returned as it is: whoever raised it knew better."""
    if isinstance(exc, DiskFullError):
        return exc
    if isinstance(exc, OSError) and exc.errno in _NO_SPACE_ERRNOS:
        if exc.filename:
            folder = Path(str(exc.filename)).parent
        return DiskFullError(folder, needed, **wording)
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        primary = code & 0xFF  # the extended code's low byte is the primary result code
        if primary == _SQLITE_FULL:
            return DiskFullError(folder, needed, **wording)
        if primary == _SQLITE_IOERR and folder is not None:
            free = free_bytes(folder)
            if free is not None and free < NEARLY_FULL:
                return DiskFullError(folder, needed, **wording)
        return None
    if "database or disk is full" in str(exc):  # an SQLite error re-raised without its code
        return DiskFullError(folder, needed, **wording)
    return None


@contextmanager
def raising_disk_full(
    folder: Path | None, needed: int | None = DATABASE_HEADROOM
) -> Iterator[None]:
    """Re-raise a "no space" failure of the block as a DiskFullError (chained to the original,
    which logs keep); every other exception passes unchanged."""
    try:
        yield
    except DiskFullError:
        raise
    except Exception as exc:
        full = disk_full(exc, folder, needed)
        if full is None:
            raise
        raise full from exc

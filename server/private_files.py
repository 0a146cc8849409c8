"""Owner-only folders and files in the academy's data folder. Any thread.

The data folder holds password and token hashes and learners' answers (`samen.db` and its
`-wal`/`-shm`), live supporter links (`mail/*.eml`), learners' recordings (`uploads/`) and the
signing key. Folders are 0700 and files 0600 whatever the umask the server was started with,
and ones an older version left open are tightened at start-up. Nothing happens on Windows,
where POSIX modes mean little. (The desktop client has its own copy: the two share no code.)
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

# Group and other lose every bit; the owner keeps what it had.
_OTHERS = 0o077
_POSIX = os.name == "posix"


def restrict_new_files() -> None:
    """Make every file and folder the process creates from now on owner-only (the entry point
    calls it before any thread starts; it covers SQLite's journals and Alembic's files too)."""
    if _POSIX:
        os.umask(_OTHERS)


def tighten(path: Path) -> None:
    """Take group and other access away from `path` if it has any; a missing path is fine."""
    if not _POSIX:
        return
    try:
        mode = stat.S_IMODE(path.lstat().st_mode)
    except FileNotFoundError:
        return
    # Never through a link: its target may not be the server's to change.
    if mode & _OTHERS and not path.is_symlink():
        path.chmod(mode & ~_OTHERS)


def private_dir(path: Path) -> None:
    """Create `path` (and missing parents) if needed; `path` itself ends up 0700."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    tighten(path)


def private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 if it does not exist, else tighten it.

    SQLite gives a database's `-wal` and `-shm` the database file's own mode, so a database
    created this way first keeps its journals private too.
    """
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    tighten(path)


def open_private(path: Path, flags: int) -> int:
    """`os.open` for a file that is created 0600 (an existing one is tightened)."""
    fd = os.open(path, flags, 0o600)
    tighten(path)
    return fd

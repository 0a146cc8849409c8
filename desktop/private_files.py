"""Owner-only folders and files for what Samen keeps on the computer. Any thread.

The data folder holds the learner's answers, posts, the outbox and downloaded peers' work; on a
shared computer a umask of 022 would leave all of it readable by every other account. So
Samen's folders are 0700 and its files 0600 whatever the umask, and folders and files an older
version left open are tightened when Samen starts. On Windows the per-user profile folders
already keep other accounts out, and POSIX modes mean little there: the calls do nothing.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

# Group and other lose every bit; the owner keeps what it had.
_OTHERS = 0o077
_POSIX = os.name == "posix"
# The umask the learner's session gave Samen, before restrict_new_files replaced it.
_learners_umask: int | None = None


def restrict_new_files() -> None:
    """Make every file and folder this process creates from now on owner-only.

    Called once by each entry point before any thread starts: it covers what libraries create
    on Samen's behalf too (SQLite's journal files, temporary files, downloads' `.part` files).
    """
    global _learners_umask
    if _POSIX:
        previous = os.umask(_OTHERS)
        if _learners_umask is None:
            _learners_umask = previous


def as_the_learner_would(path: Path) -> None:
    """Give what Samen makes for the learner to hand on, at a place they chose (an exported
    course pack), the mode their own umask would have given it rather than Samen's private one."""
    if _POSIX and _learners_umask is not None:
        path.chmod((0o777 if path.is_dir() else 0o666) & ~_learners_umask)


def tighten(path: Path) -> None:
    """Take group and other access away from `path` if it has any; a missing path is fine."""
    if not _POSIX:
        return
    try:
        mode = stat.S_IMODE(path.lstat().st_mode)
    except FileNotFoundError:
        return
    # Never through a link: its target may not be Samen's to change.
    if mode & _OTHERS and not path.is_symlink():
        path.chmod(mode & ~_OTHERS)


def private_dir(path: Path) -> None:
    """Create `path` (and missing parents) if needed; `path` itself ends up 0700."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    tighten(path)


def private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 if it does not exist, else tighten it.

    SQLite gives a database's `-wal` and `-shm` files the database file's own mode, so a
    database created this way first keeps its journals private too.
    """
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    tighten(path)

"""Recognising a full disk: what counts (SQLite's "full", the system's ENOSPC/EDQUOT, an SQLite
I/O error only on a disk with nothing free) and what the learner is asked to free."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest

from desktop.disk_space import DATABASE_HEADROOM, disk_full, raising_disk_full
from desktop.domain.errors import MB, DiskFullError, at_least


def sqlite_error(message: str, code: int) -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError(message)
    exc.sqlite_errorcode = code
    return exc


def test_sqlite_full_is_a_full_disk_with_the_database_headroom(tmp_path: Path) -> None:
    full = disk_full(sqlite_error("database or disk is full", 13), tmp_path)
    assert isinstance(full, DiskFullError)
    assert full.path == tmp_path and full.needed == DATABASE_HEADROOM
    assert full.message == (
        f"The disk is full, so Samen cannot save this. Free at least 50 MB on the disk that "
        f"holds {tmp_path} and try again. Nothing saved before is lost."
    )


def test_an_io_error_is_a_full_disk_only_when_nothing_is_free(tmp_path: Path) -> None:
    io_error = sqlite_error("disk I/O error", 4874)  # SQLITE_IOERR_SHMSIZE
    assert disk_full(io_error, tmp_path) is None  # this disk has room: something else is wrong
    assert disk_full(io_error, None) is None
    assert disk_full(sqlite_error("database is locked", 5), tmp_path) is None


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_the_systems_no_space_names_the_files_folder(tmp_path: Path, code: int) -> None:
    full = disk_full(OSError(code, "No space", str(tmp_path / "settings.json")), None, 3 * MB)
    assert full is not None and full.path == tmp_path and full.needed == 3 * MB
    assert disk_full(OSError(errno.EACCES, "Permission denied"), tmp_path) is None
    assert disk_full(ValueError("database or disk is full"), tmp_path) is not None  # re-raised


def test_the_guard_passes_other_errors_and_keeps_the_original(tmp_path: Path) -> None:
    with pytest.raises(DiskFullError) as raised, raising_disk_full(tmp_path):
        raise OSError(errno.ENOSPC, "No space left on device")
    assert isinstance(raised.value.__cause__, OSError)
    with pytest.raises(KeyError), raising_disk_full(tmp_path):
        raise KeyError("x")


def test_sizes_to_free_round_up() -> None:
    assert [at_least(n) for n in (1, MB, MB + 1, 1000 * MB, 2400 * MB)] == [
        "1 MB",
        "1 MB",
        "2 MB",
        "1,000 MB",
        "2.4 GB",
    ]
    assert "some space" in DiskFullError(None, None).message
    assert "this computer's disk" in DiskFullError(None, None).message

"""A real small disk for full-disk tests: a tmpfs mounted on a folder, which a test fills with
one file (as another program would) and frees again. Test helper.

Mounting needs root, which CI has; elsewhere the tests that use it are skipped with the reason.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

BLOCK = 64 * 1024


@dataclass(frozen=True)
class SmallDisk:
    root: Path

    @property
    def filler(self) -> Path:
        return self.root / "another-programs-file.bin"

    def free_bytes(self) -> int:
        return shutil.disk_usage(self.root).free

    def fill(self, leave: int = 0) -> None:
        """Take all free space but `leave` bytes (rounded to the 4 KiB pages tmpfs counts)."""
        with self.filler.open("ab", buffering=0) as out:  # unbuffered: the write that fails
            try:
                while True:
                    out.write(b"\0" * BLOCK)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
            try:
                while True:
                    out.write(b"\0" * 4096)  # the last pages
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
        if leave:
            os.truncate(self.filler, max(0, self.filler.stat().st_size - leave))
        assert self.free_bytes() <= leave

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)


@contextmanager
def small_disk(folder: Path, size: str) -> Iterator[SmallDisk]:
    """`folder` on a fresh tmpfs of `size` (mount's notation: "4m", "512k") for the block."""
    if os.geteuid() != 0:
        # Not done: an unprivileged mount namespace (unshare -rm), which this test process and
        # every `samen` it starts would have to enter.
        pytest.skip("mounting a tmpfs needs root (the tests run as root in CI)")
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.fail(f"mounting a tmpfs on {folder} failed: {mounted.stderr.strip()}")
    try:
        yield SmallDisk(folder)
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=True)

"""How much room Samen takes on this computer and where: downloaded courses, podcast episodes,
recordings (one's own waiting to upload, peers' to review), the database, and the disk's free
space. Worker thread (it reads the database and walks two small folders).

Sizes come back as numbers; the UI formats them (desktop/ui/formatting.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from desktop.disk_space import free_bytes


@dataclass(frozen=True, slots=True)
class StorageReport:
    courses: int  # bytes of complete course media
    podcasts: int  # bytes of downloaded episodes
    recordings: int  # bytes of recordings kept for uploading or reviewing
    database: int  # Samen's own record (progress, answers, what waits to be sent)
    free: int | None  # free on the disk holding the data folder; None when unknown
    data_dir: str  # where all of it is kept
    courses_by_id: dict[str, int]

    @property
    def total(self) -> int:
        return self.courses + self.podcasts + self.recordings + self.database


def _folder_bytes(folder: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += (Path(root) / name).stat().st_size
            except OSError:
                continue  # removed meanwhile
    return total


class StorageService:
    def __init__(
        self,
        course_bytes: Callable[[], dict[str, int]],
        podcast_bytes: Callable[[], int],
        data_dir: Path,
        database: Path,
        recording_dirs: Sequence[Path],
    ) -> None:
        self._course_bytes = course_bytes
        self._podcast_bytes = podcast_bytes
        self._data_dir = data_dir
        self._database = database
        self._recording_dirs = tuple(recording_dirs)

    def report(self) -> StorageReport:
        by_course = self._course_bytes()
        database = 0
        for suffix in ("", "-wal", "-shm"):
            try:
                database += Path(f"{self._database}{suffix}").stat().st_size
            except OSError:
                continue
        return StorageReport(
            courses=sum(by_course.values()),
            podcasts=self._podcast_bytes(),
            recordings=sum(_folder_bytes(d) for d in self._recording_dirs if d.is_dir()),
            database=database,
            free=free_bytes(self._data_dir),
            data_dir=str(self._data_dir),
            courses_by_id=dict(by_course),
        )

"""Which course media files this device holds (the `media_files` table), and start-up
reconciliation of that table with the files on disk. Worker threads / CLI / start-up.

Rows are created and their sha256 updated by CourseRepo.save_detail (a changed sha256 makes a
file 'missing'); this repo only moves files between missing, partial and available. Every
change is its own short `BEGIN IMMEDIATE` transaction, so no lock is held during a download.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from desktop.domain.transfer import LocalMedia, MediaState, ReconcileReport
from desktop.store.db import Store

PART_SUFFIX = ".part"


def _media(row: dict[str, object]) -> LocalMedia:
    return LocalMedia(
        course_id=str(row["course_id"]),
        path=str(row["path"]),
        size=int(str(row["size"])),
        sha256=str(row["sha256"]),
        content_type=str(row["content_type"]),
        state=MediaState(str(row["state"])),
    )


class MediaRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def files(self, course_id: str) -> list[LocalMedia]:
        with self._store.read() as db:
            rows = list(
                db.query("SELECT * FROM media_files WHERE course_id = ? ORDER BY path", [course_id])
            )
        return [_media(row) for row in rows]

    def pending(self, course_id: str) -> list[LocalMedia]:
        """Files of the course still to download (missing or partial), partial ones first."""
        with self._store.read() as db:
            rows = list(
                db.query(
                    """SELECT * FROM media_files WHERE course_id = ? AND state != 'available'
                       ORDER BY state = 'missing', path""",
                    [course_id],
                )
            )
        return [_media(row) for row in rows]

    def mark_available(self, course_id: str, path: str, sha256: str) -> bool:
        """Mark a verified file available; False (nothing changed) if the row meanwhile lists
        another sha256 (a newer course structure arrived during the download)."""
        return self._set(course_id, path, MediaState.AVAILABLE, sha256)

    def mark_partial(self, course_id: str, path: str) -> bool:
        return self._set(course_id, path, MediaState.PARTIAL)

    def mark_missing(self, course_id: str, path: str) -> bool:
        return self._set(course_id, path, MediaState.MISSING)

    def _set(self, course_id: str, path: str, state: MediaState, sha256: str | None = None) -> bool:
        sql = "UPDATE media_files SET state = ? WHERE course_id = ? AND path = ?"
        params: list[object] = [state.value, course_id, path]
        if sha256 is not None:
            sql += " AND sha256 = ?"
            params.append(sha256)
        with self._store.write() as db:
            changed = db.execute(sql, params).rowcount
        return bool(changed)

    def clear_course(self, course_id: str) -> int:
        """Every file of the course becomes missing; returns how many rows changed."""
        with self._store.write() as db:
            return int(
                db.execute(
                    "UPDATE media_files SET state = 'missing' "
                    "WHERE course_id = ? AND state != 'missing'",
                    [course_id],
                ).rowcount
            )

    def bytes_used(self) -> dict[str, int]:
        """Bytes of available files per course (courses with none are left out)."""
        with self._store.read() as db:
            rows = db.execute(
                """SELECT course_id, SUM(size) FROM media_files WHERE state = 'available'
                   GROUP BY course_id ORDER BY course_id"""
            ).fetchall()
        return {str(course_id): int(total) for course_id, total in rows}

    def reconcile(self, media_root: Path, *, skip: frozenset[str] = frozenset()) -> ReconcileReport:
        """Make the table match the disk under `media_root/<course_id>/<path>`.

        An 'available' file that is gone or has the wrong size becomes 'partial' if its .part
        exists, else 'missing' (a wrong-size file is deleted); a 'partial' row without a .part
        becomes 'missing'; a row without a file but with a .part becomes 'partial'. Files and
        parts under media_root that no row references are deleted (with emptied folders).
        Courses in `skip` (being downloaded right now) are left alone. Sizes are compared, not
        checksums: a start-up must stay quick with many gigabytes of media."""
        with self._store.read() as db:
            rows = [_media(row) for row in db.query("SELECT * FROM media_files")]
        missing: list[tuple[str, str]] = []
        partial: list[tuple[str, str]] = []
        deleted: list[str] = []
        known: set[Path] = set()
        for row in rows:
            dest = media_root / row.course_id / row.path
            part = dest.with_name(dest.name + PART_SUFFIX)
            known.update((dest, part))
            if row.course_id in skip:
                continue
            has_part = part.is_file()
            if row.state is MediaState.AVAILABLE:
                if dest.is_file() and dest.stat().st_size == row.size:
                    continue
                if dest.is_file():
                    dest.unlink()
                    deleted.append(str(dest))
                target = MediaState.PARTIAL if has_part else MediaState.MISSING
            elif has_part and row.state is MediaState.MISSING:
                target = MediaState.PARTIAL
            elif not has_part and row.state is MediaState.PARTIAL:
                target = MediaState.MISSING
            else:
                continue
            with self._store.write() as db:
                db.execute(
                    "UPDATE media_files SET state = ? WHERE course_id = ? AND path = ? "
                    "AND state = ?",
                    [target.value, row.course_id, row.path, row.state.value],
                )
            (partial if target is MediaState.PARTIAL else missing).append((row.course_id, row.path))
        if media_root.is_dir():
            for course_dir in sorted(media_root.iterdir()):
                if course_dir.name in skip:
                    continue
                if not course_dir.is_dir():
                    course_dir.unlink()
                    deleted.append(str(course_dir))
                    continue
                for file in sorted(course_dir.rglob("*")):
                    if (file.is_file() or file.is_symlink()) and file not in known:
                        file.unlink()
                        deleted.append(str(file))
                _remove_empty_dirs(course_dir)
        return ReconcileReport(tuple(missing), tuple(partial), tuple(deleted))


def _remove_empty_dirs(folder: Path) -> None:
    for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), reverse=True):
        if not any(sub.iterdir()):
            sub.rmdir()
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def remove_course_dir(media_root: Path, course_id: str) -> int:
    """Delete media_root/<course_id> with everything in it; returns the bytes freed."""
    folder = media_root / course_id
    if not folder.is_dir():
        return 0
    freed = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    shutil.rmtree(folder)
    return freed

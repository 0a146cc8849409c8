"""Course packs for places without internet: export a downloaded course to a .zip, import a
pack from a folder or .zip without network. Worker threads / CLI.

Import checks everything before it trusts anything: the pack's structure (media/packs.py),
the manifest's signature against an academy key this device learned at login, that the pack
holds exactly the files the manifest lists, and every file's size and sha256 while it is copied.
Files are copied to a temporary name and renamed only once verified; the course and its files'
availability are recorded in one transaction at the end. A refused pack changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from desktop.domain.course import CourseDetail, CourseSummary, MediaFile
from desktop.domain.errors import PackError, SamenError
from desktop.media.packs import MANIFEST, MEDIA_PREFIX, Pack, write_zip
from desktop.store.courses import CourseRepo
from desktop.store.trust import KeyRepo
from desktop.sync import manifests

CHUNK = 256 * 1024
Progress = Callable[[int, int], None]


class PackService:
    def __init__(
        self,
        courses: CourseRepo,
        keys: KeyRepo,
        media_root: Path,
        *,
        downloading: Callable[[str], bool] = lambda _course_id: False,
    ) -> None:
        self._courses = courses
        self._keys = keys
        self._media_root = media_root
        # Staged files wait outside the media folder (whose start-up reconciliation deletes
        # files no row refers to) but on the same disk, so the final move is a rename.
        self._staging = media_root.parent / "staging"
        self._downloading = downloading

    # -- export -------------------------------------------------------------------------------

    def export(self, course_id: str, dest_dir: Path) -> Path:
        signed_json = self._courses.signed_manifest(course_id)
        if signed_json is None:
            raise SamenError(
                f"{course_id!r} is not downloaded on this computer; download it first."
            )
        detail, _key_id = manifests.verify(json.loads(signed_json), self._keys.known())
        files = []
        for media in detail.media:
            source = self._media_root / course_id / media.path
            if not source.is_file() or source.stat().st_size != media.size:
                raise SamenError(
                    f"{media.path} of {course_id!r} is not fully downloaded yet; finish the "
                    "download before making a pack."
                )
            files.append((media.path, source))
        dest_dir.mkdir(parents=True, exist_ok=True)
        dest = dest_dir / f"{course_id}-v{detail.course.version}.zip"
        needed = sum(m.size for m in detail.media) + len(signed_json) + 1024 * 1024
        free = shutil.disk_usage(dest_dir).free
        if free < needed:
            raise SamenError(
                f"The pack needs {needed / 1e6:.1f} MB but {dest_dir} has {free / 1e6:.1f} MB free."
            )
        return write_zip(dest, signed_json.encode("utf-8"), files)

    # -- import -------------------------------------------------------------------------------

    def import_pack(self, path: Path, on_progress: Progress | None = None) -> CourseSummary:
        with Pack(path) as pack:
            signed_raw = pack.read_manifest()
            try:
                signed = json.loads(signed_raw)
            except ValueError:
                raise PackError("The pack's manifest.json is not valid JSON.") from None
            detail, key_id = manifests.verify(signed, self._keys.known())
            if self._downloading(detail.course.id):
                raise PackError(
                    f"{detail.course.title} is downloading right now; pause it, then import.",
                    code="busy",
                )
            self._check_contents(pack, detail)
            total = sum(m.size for m in detail.media)
            self._check_space(total)
            staged: list[tuple[str, Path]] = []  # (media path, its verified staged copy)
            try:
                done = 0
                for media in detail.media:
                    part = self._stage(pack, detail.course.id, media)
                    if part is not None:
                        staged.append((media.path, part))
                    done += media.size
                    if on_progress is not None:
                        on_progress(done, total)
            except BaseException:
                for _path, part in staged:
                    part.unlink(missing_ok=True)
                raise
        # Everything checked. Files about to be replaced stop counting as available first, so
        # a crash between the renames and the final transaction never pairs new files with
        # the old manifest.
        self._courses.mark_missing(detail.course.id, [name for name, _part in staged])
        for name, part in staged:
            dest = self._media_root / detail.course.id / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            part.replace(dest)
        self._courses.save_signed(
            detail,
            key_id,
            signed_raw.decode("utf-8"),
            available=[m.path for m in detail.media],
        )
        return detail.course

    @staticmethod
    def _check_contents(pack: Pack, detail: CourseDetail) -> None:
        listed = {MEDIA_PREFIX + m.path for m in detail.media}
        present = set(pack.sizes) - {MANIFEST}
        missing = sorted(listed - present)
        extra = sorted(present - listed)
        if missing:
            raise PackError(f"The pack is incomplete: {missing[0]} is missing.", code="incomplete")
        if extra:
            raise PackError(
                f"The pack holds a file its manifest does not list: {extra[0]}.",
                code="unexpected_file",
            )

    def _check_space(self, total: int) -> None:
        self._media_root.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(self._media_root).free
        if free < total + 8 * 1024 * 1024:
            raise PackError(
                f"The course needs {total / 1e6:.1f} MB but only {free / 1e6:.1f} MB is free.",
                code="disk_full",
            )

    def _stage(self, pack: Pack, course_id: str, media: MediaFile) -> Path | None:
        """Copy one file into the staging folder, verified; None if already in place."""
        dest = self._media_root / course_id / media.path
        if dest.is_file() and dest.stat().st_size == media.size and _sha256(dest) == media.sha256:
            return None  # already here from a download or an earlier import
        part = self._staging / course_id / media.path
        part.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        try:
            with (
                pack.open(MEDIA_PREFIX + media.path, media.size) as source,
                part.open("wb") as target,
            ):
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    target.write(chunk)
                target.flush()
                os.fsync(target.fileno())
            if part.stat().st_size != media.size or digest.hexdigest() != media.sha256:
                raise PackError(
                    f"{media.path} in the pack has been changed or damaged; nothing was imported.",
                    code="tampered",
                )
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        return part


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()

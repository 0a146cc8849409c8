"""Course packs for places without internet: export a downloaded course to a .zip, import a
pack from a folder or .zip without network. Worker threads / CLI.

Import checks everything before it trusts anything: the pack's structure (media/packs.py),
the manifest's signature against an academy key this device learned at login, that the pack
holds exactly the files the manifest lists, and every file's size and sha256 while it is copied.
Files are copied into a staging folder of the import's own and renamed only once verified;
the course and its files' availability are recorded in one transaction at the end. The staging
folder goes on every path out. A pack older than the course on this computer is refused, the
same version changes nothing (desktop/domain/course_version.py). A refused pack changes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from desktop.domain.course import CourseDetail, MediaFile
from desktop.domain.course_version import (
    Freshness,
    ImportOutcome,
    PackImport,
    Source,
    check_not_older,
)
from desktop.domain.errors import DiskFullError, PackError, SamenError
from desktop.language.catalogue import _
from desktop.media.packs import MANIFEST, MEDIA_PREFIX, Pack, write_zip
from desktop.private_files import as_the_learner_would
from desktop.store.courses import CourseRepo
from desktop.store.trust import KeyRepo
from desktop.sync import manifests

CHUNK = 256 * 1024
STALE_STAGING_SECONDS = 24 * 3600
# Free space kept beyond the course's files, as downloads keep (transfer.DISK_MARGIN).
SPACE_MARGIN = 8 * 1024 * 1024
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
            raise SamenError(_("This course is not on this computer; download it first."))
        detail, _key_id = manifests.verify(json.loads(signed_json), self._keys.known())
        files = []
        for media in detail.media:
            source = self._media_root / course_id / media.path
            if not source.is_file() or source.stat().st_size != media.size:
                raise SamenError(
                    _(
                        "{course} is not fully downloaded yet; finish the download before "
                        "making a pack."
                    ).format(course=detail.course.title)
                )
            files.append((media.path, source))
        if not dest_dir.is_dir():
            dest_dir.mkdir(parents=True)
            as_the_learner_would(dest_dir)  # a folder to hand on, like the pack in it
        dest = dest_dir / f"{course_id}-v{detail.course.version}.zip"
        needed = sum(m.size for m in detail.media) + len(signed_json) + 1024 * 1024
        free = shutil.disk_usage(dest_dir).free
        if free < needed:
            raise DiskFullError(
                dest_dir,
                needed - free,
                # Translators: ends "The disk is full, so …": what could not be done.
                doing=_("the pack of {course} cannot be written").format(
                    course=detail.course.title
                ),
                kept=_("Nothing was written."),
            )
        written = write_zip(dest, signed_json.encode("utf-8"), files)
        as_the_learner_would(written)  # academy content, made to be copied on: not private
        return written

    # -- import -------------------------------------------------------------------------------

    def import_pack(self, path: Path, on_progress: Progress | None = None) -> PackImport:
        """Import a pack: a course this computer lacks, or a newer version of one it has. An
        older pack is refused (PackError naming both versions); the same version only brings
        files that are missing here, and changes nothing when none are."""
        with Pack(path) as pack:
            signed_raw, signed = pack.read_manifest()
            detail, key_id = manifests.verify(signed, self._keys.known())
            course = detail.course
            held_json = self._courses.signed_manifest(course.id)
            held = manifests.held_stamp(held_json)
            found = check_not_older(Source.PACK, course.title, manifests.stamp(signed), held)
            if self._downloading(course.id):
                raise PackError(
                    _("{course} is downloading right now; pause it, then import.").format(
                        course=course.title
                    ),
                    code="busy",
                )
            self._check_contents(pack, detail)
            self._check_space(detail)
            staging = self._new_staging()
            try:
                staged = self._stage_all(pack, staging, detail, on_progress)
                pack.close()  # the pack's part is done; a USB stick may be pulled now
                return self._commit(detail, key_id, signed_raw, (found, held_json), staged)
            finally:
                self._remove_staging(staging)

    def _stage_all(
        self, pack: Pack, staging: Path, detail: CourseDetail, on_progress: Progress | None
    ) -> list[tuple[str, Path]]:
        """(media path, its verified staged copy) for each file not already in place."""
        staged: list[tuple[str, Path]] = []
        total = sum(m.size for m in detail.media)
        done = 0
        for media in detail.media:
            part = self._stage(pack, staging, detail.course.id, media)
            if part is not None:
                staged.append((media.path, part))
            done += media.size
            if on_progress is not None:
                on_progress(done, total)
        return staged

    def _commit(
        self,
        detail: CourseDetail,
        key_id: str,
        signed_raw: bytes,
        decided: tuple[Freshness, str | None],
        staged: list[tuple[str, Path]],
    ) -> PackImport:
        """`decided`: the version rule's answer and the signed manifest it was decided on."""
        found, held_json = decided
        course = detail.course
        if self._courses.signed_manifest(course.id) != held_json:
            # Stored meanwhile (a download's fetch): the rule must be decided again, on it.
            raise PackError(
                _("{course} changed on this computer meanwhile; try again.").format(
                    course=course.title
                ),
                code="changed",
            )
        every = [m.path for m in detail.media]
        already = found is Freshness.SAME and not staged
        if already and self._courses.available_paths(course.id) >= set(every):
            return PackImport(course, ImportOutcome.UP_TO_DATE)
        # Everything checked. Files about to be replaced stop counting as available first, so
        # a crash between the renames and the final transaction never pairs new files with
        # the old manifest.
        self._courses.mark_missing(course.id, [name for name, _part in staged])
        for name, part in staged:
            dest = self._media_root / course.id / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            part.replace(dest)
        self._courses.save_signed(
            detail, key_id, signed_raw.decode("utf-8"), available=every, replacing=held_json
        )
        outcome = {
            Freshness.NEW: ImportOutcome.ADDED,
            Freshness.NEWER: ImportOutcome.UPDATED,
            Freshness.SAME: ImportOutcome.COMPLETED,
        }[found]
        return PackImport(course, outcome)

    def _new_staging(self) -> Path:
        """A folder of this import's own, so a failed or parallel import never mixes files.
        Folders of imports cut short by a crash or power cut (a day old) go first."""
        self._staging.mkdir(parents=True, exist_ok=True)
        stale = time.time() - STALE_STAGING_SECONDS
        for old in self._staging.glob("import-*"):
            with contextlib.suppress(OSError):
                if old.stat().st_mtime < stale:
                    shutil.rmtree(old, ignore_errors=True)
        while True:
            try:
                return Path(tempfile.mkdtemp(prefix="import-", dir=self._staging))
            except FileNotFoundError:
                # Another import, ending, removed the empty parent just now: make it again.
                self._staging.mkdir(parents=True, exist_ok=True)

    def _remove_staging(self, staging: Path) -> None:
        shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(OSError):  # another import may be using it
            self._staging.rmdir()

    @staticmethod
    def _check_contents(pack: Pack, detail: CourseDetail) -> None:
        listed = {MEDIA_PREFIX + m.path for m in detail.media}
        present = set(pack.sizes) - {MANIFEST}
        missing = sorted(listed - present)
        extra = sorted(present - listed)
        if missing:
            raise PackError(
                _("The pack is incomplete: a file of the course is missing; it was not imported."),
                code="incomplete",
            )
        if extra:
            # No name: it comes from the pack, not from the signed course.
            raise PackError(
                _("The pack holds files that are not part of the course; it was not imported."),
                code="unexpected_file",
            )

    def _check_space(self, detail: CourseDetail) -> None:
        """Room for the files not already here (same size: probably in place, hashed later)."""
        total = 0
        for media in detail.media:
            dest = self._media_root / detail.course.id / media.path
            if not dest.is_file() or dest.stat().st_size != media.size:
                total += media.size
        if total == 0:
            return
        self._media_root.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(self._media_root).free
        wanted = total + SPACE_MARGIN
        if free < wanted:
            # The same sentence (and window banner) as any full disk: how much, and where.
            raise DiskFullError(
                self._media_root,
                wanted - free,
                # Translators: ends "The disk is full, so …": what could not be done.
                doing=_("{course} cannot be imported").format(course=detail.course.title),
                kept=_("Nothing was imported."),
            )

    def _stage(self, pack: Pack, staging: Path, course_id: str, media: MediaFile) -> Path | None:
        """Copy one file into the staging folder, verified; None if already in place."""
        dest = self._media_root / course_id / media.path
        if dest.is_file() and dest.stat().st_size == media.size and _sha256(dest) == media.sha256:
            return None  # already here from a download or an earlier import
        part = staging / media.path
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
                    _(
                        "A file of the course in the pack has been changed or damaged; "
                        "nothing was imported."
                    ),
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

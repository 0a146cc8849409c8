"""Course media downloads: a whole course at a time, resumable, verified, with a small queue.

Blocking and Qt-free. `download_course`, `run_next` and `run_all` run on the caller's thread
(the UI's task runner worker, or the CLI's main thread) and return when the course is done,
failed, paused or cancelled. `enqueue`, `pause`, `resume`, `states`, `next_job`, `stats` may be
called from any thread, the UI thread included: they take a short lock and set an event; a
running download notices a pause/cancel between two chunks (64 KiB). `cancel` and
`remove_course_media` delete files (quick, but disk work: call them from a worker), as do
`storage_used` (one query) and `reconcile`. No thread of its own, no polling, no sleeping except
the short pauses between retries of a file that makes no progress (woken by pause/cancel).

Files go to `media_root/<course_id>/<path>`; media_root belongs to course downloads (start-up
reconciliation deletes anything there that no `media_files` row references). Other downloads
(podcast episodes) join the same queue through `run_work`: their owner does the fetching and
keeps the files elsewhere; the queue gives them the same states, pause/resume, the same
unmetered-only rule and the Downloads tab.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Protocol

from desktop.domain.course import CourseDetail
from desktop.domain.errors import (
    CancelledError,
    CaptivePortalError,
    ChecksumError,
    DownloadBusyError,
    MediaChangedError,
    MeteredConnectionError,
    OfflineError,
    SamenError,
)
from desktop.domain.transfer import (
    DownloadReport,
    JobState,
    JobStatus,
    LocalMedia,
    MediaState,
    ReconcileReport,
    TransferProgress,
    TransferStats,
)
from desktop.language.catalogue import _
from desktop.services.download_tracking import EitherToken, OnProgress, ProgressTracker
from desktop.services.safe_names import check_segments
from desktop.store.media_files import MediaRepo, remove_course_dir
from desktop.sync.api import ApiClient
from desktop.sync.transfer import (
    CHUNK_SIZE,
    DISK_CHECK_EVERY,
    DISK_MARGIN,
    PART_SUFFIX,
    CancelToken,
    DiskUsage,
    MediaSource,
    check_space,
    download_file,
    free_bytes,
    part_path,
)

log = logging.getLogger(__name__)

# A download that is not a course (a podcast episode): run with the queue's cancel token and a
# (done, total) byte callback; raises like a course download does.
Work = Callable[[CancelToken, Callable[[int, int], None]], None]


class CourseSource(Protocol):
    """Fetches and stores a course's structure (CatalogueService fits); the store then lists
    every file of the course, a changed sha256 marking that file missing."""

    def fetch_course(self, course_id: str) -> CourseDetail: ...


class _AfterStop(Enum):
    PAUSE = "pause"
    CANCEL = "cancel"
    REMOVE = "remove"


@dataclass
class _Job:
    priority: int
    seq: int
    status: JobStatus
    message: str = ""
    cancel: threading.Event = field(default_factory=threading.Event)
    after_stop: _AfterStop | None = None
    work: Work | None = None  # None: a course
    label: str = ""


class DownloadService:
    def __init__(
        self,
        courses: CourseSource,
        media: MediaRepo,
        source: Callable[[], MediaSource],
        media_root: Path,
        *,
        unmetered_only: Callable[[], bool] = lambda: False,
        is_metered: Callable[[], bool | None] = lambda: None,
        chunk_size: int = CHUNK_SIZE,
        disk_margin: int = DISK_MARGIN,
        disk_check_every: int = DISK_CHECK_EVERY,
        attempts: int = 4,
        retry_delay_s: float = 1.0,
        progress_interval_s: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        free: DiskUsage = free_bytes,
    ) -> None:
        self._courses = courses
        self._media = media
        self._source = source
        self.media_root = media_root
        self._unmetered_only = unmetered_only
        # Public: the UI replaces it with the OS's answer (None: the OS does not know).
        self.is_metered = is_metered
        # Public tuning, read at the start of each file (tests make them small).
        self.chunk_size = chunk_size
        self.disk_margin = disk_margin
        self.disk_check_every = disk_check_every
        self.attempts = attempts  # consecutive network failures without progress per file
        self.retry_delay_s = retry_delay_s
        self.progress_interval_s = progress_interval_s
        self._clock = clock
        self._free = free
        self._lock = threading.Lock()
        self._jobs: dict[str, _Job] = {}
        self._active: dict[str, _Job] = {}
        self._seq = itertools.count(1)
        self._stats = TransferStats()
        # Called (on the downloading thread) with the progress of jobs started elsewhere
        # than the queue's own runner, e.g. an episode from the Podcasts tab.
        self.watchers: list[OnProgress] = []

    # -- downloading -----------------------------------------------------------------------

    def download_course(
        self,
        course_id: str,
        *,
        cancel: CancelToken | None = None,
        on_progress: OnProgress | None = None,
    ) -> DownloadReport:
        """Fetch the course structure, then every missing or partial file; blocking.

        Raises MeteredConnectionError, DiskFullError (before anything is written when the
        course cannot fit), OfflineError (parts kept), ChecksumError (after one fresh retry of
        the file), CancelledError (on `cancel`, pause() or cancel()), DownloadBusyError if the
        course is already downloading. The queue's state of the course follows the outcome."""
        check_segments(course_id, "course id", slashes=False)
        with self._lock:
            if course_id in self._active:
                raise DownloadBusyError(_("This course is already being downloaded."))
            job = self._jobs.get(course_id)
            if job is None:
                job = _Job(priority=0, seq=next(self._seq), status=JobStatus.RUNNING)
                self._jobs[course_id] = job
            job.status, job.message, job.after_stop = JobStatus.RUNNING, "", None
            job.cancel = threading.Event()
            self._active[course_id] = job
        return self._run(course_id, job, cancel, on_progress)

    def run_next(self, on_progress: OnProgress | None = None) -> str | None:
        """Run the highest-priority queued course to its end; returns its id (None: nothing
        queued). Failures are not raised: they end up in `states()` as FAILED(message)."""
        with self._lock:
            course_id = self._next_locked()
            if course_id is None:
                return None
            job = self._jobs[course_id]
            job.status, job.message = JobStatus.RUNNING, ""
            self._active[course_id] = job
        with contextlib.suppress(SamenError):  # recorded in the job's state
            self._run(course_id, job, None, on_progress)
        return course_id

    def run_all(self, on_progress: OnProgress | None = None) -> list[str]:
        """Run queued courses until none is left (courses enqueued meanwhile included)."""
        ran: list[str] = []
        while (course_id := self.run_next(on_progress)) is not None:
            ran.append(course_id)
        return ran

    def _run(
        self,
        course_id: str,
        job: _Job,
        caller: CancelToken | None,
        on_progress: OnProgress | None,
    ) -> DownloadReport:
        stats = TransferStats()
        token = EitherToken(job.cancel, caller)
        try:
            if job.work is not None:
                report = self._run_work(course_id, job, token, on_progress)
            else:
                report = self._download(course_id, token, on_progress, stats)
        except CancelledError:
            with self._lock:
                if job.status is not JobStatus.QUEUED:  # QUEUED: resumed while stopping
                    job.status = JobStatus.PAUSED
            raise
        except SamenError as exc:
            with self._lock:
                job.status, job.message = JobStatus.FAILED, exc.message
            raise
        except BaseException as exc:
            with self._lock:
                job.status = JobStatus.FAILED
                job.message = _("Unexpected error: {problem}").format(problem=repr(exc))
            raise
        else:
            with self._lock:
                job.status, job.message = JobStatus.DONE, ""
            return report
        finally:
            # Under the lock: no new run of the course can start while its files are deleted.
            with self._lock:
                self._active.pop(course_id, None)
                self._stats.add(stats)
                cleanup, job.after_stop = job.after_stop, None
                if cleanup is not None and self._jobs.get(course_id) is job:
                    del self._jobs[course_id]
                if job.status is JobStatus.QUEUED:
                    job.cancel = threading.Event()
                if cleanup is _AfterStop.CANCEL:
                    self._delete_parts(course_id)
                elif cleanup is _AfterStop.REMOVE:
                    self._remove_now(course_id)

    def _download(
        self,
        course_id: str,
        token: EitherToken,
        on_progress: OnProgress | None,
        stats: TransferStats,
    ) -> DownloadReport:
        check_segments(course_id, "course id", slashes=False)
        self.check_network()
        self._courses.fetch_course(course_id)
        source = self._source()
        try:
            return self._fetch_files(course_id, source, token, on_progress, stats)
        except MediaChangedError as first:
            # The server has a newer file than our course structure: fetch it again, once.
            log.info("media changed on the server, refreshing %s: %s", course_id, first.message)
            self._courses.fetch_course(course_id)
            try:
                return self._fetch_files(course_id, source, token, on_progress, stats)
            except MediaChangedError as again:
                raise ChecksumError(
                    _(
                        "{problem} (It still differs after fetching the course again; "
                        "please try later or tell the academy.)"
                    ).format(problem=again.message)
                ) from again

    def _dest(self, course_id: str, path: str) -> Path:
        check_segments(path, "file path", slashes=True)
        return self.media_root / course_id / path

    def _fetch_files(
        self,
        course_id: str,
        source: MediaSource,
        token: EitherToken,
        on_progress: OnProgress | None,
        stats: TransferStats,
    ) -> DownloadReport:
        files = self._media.files(course_id)
        for f in files:  # cheap: a file deleted behind our back is fetched again
            if f.state is MediaState.AVAILABLE and not self._dest(course_id, f.path).is_file():
                self._media.mark_missing(course_id, f.path)
        files = self._media.files(course_id)
        pending = [f for f in files if f.state is not MediaState.AVAILABLE]
        total = sum(f.size for f in files)
        needed = 0
        for f in pending:
            part = part_path(self._dest(course_id, f.path))
            have = part.stat().st_size if part.is_file() else 0
            needed += max(0, f.size - have) if have <= f.size else f.size
        self.media_root.mkdir(parents=True, exist_ok=True)
        check_space(self.media_root, needed, self.disk_margin, self._free)
        tracker = ProgressTracker(
            course_id,
            total,
            total - sum(f.size for f in pending),
            on_progress,
            self._clock,
            self.progress_interval_s,
        )
        for f in pending:
            self._fetch_one(f, source, token, tracker, stats)
            tracker.done_before += f.size
        return DownloadReport(course_id, len(files), len(pending), total, stats.copy())

    def _fetch_one(
        self,
        f: LocalMedia,
        source: MediaSource,
        token: EitherToken,
        tracker: ProgressTracker,
        stats: TransferStats,
    ) -> None:
        dest = self._dest(f.course_id, f.path)
        label = f"{f.course_id}/{f.path}"
        url = ApiClient.media_path(f.course_id, f.path)
        self._media.mark_partial(f.course_id, f.path)  # a .part may exist from here on
        checksum_failures = 0
        stalled = 0
        try:
            while True:
                before = stats.bytes_received
                if token.is_set():
                    raise CancelledError(_("The download was stopped; it can resume later."))
                try:
                    download_file(
                        source,
                        url,
                        dest,
                        size=f.size,
                        sha256=f.sha256,
                        label=label,
                        cancel=token,
                        on_progress=tracker.for_file(f.path),
                        stats=stats,
                        chunk_size=self.chunk_size,
                        disk_margin=self.disk_margin,
                        disk_check_every=self.disk_check_every,
                        free=self._free,
                    )
                    break
                except MediaChangedError:
                    raise
                except ChecksumError as exc:
                    stats.checksum_failures += 1
                    checksum_failures += 1
                    if checksum_failures > 1:
                        raise
                    log.warning("%s; fetching it once more from the start", exc.message)
                except CaptivePortalError:
                    raise
                except OfflineError as exc:
                    if stats.bytes_received > before:
                        stalled = 0  # it moved: resume at once
                        log.info("resuming %s after: %s", label, exc.message)
                        continue
                    stalled += 1
                    if stalled >= self.attempts:
                        raise
                    if token.wait(self.retry_delay_s * stalled):
                        raise CancelledError(
                            _("The download was stopped; it can resume later.")
                        ) from exc
        except BaseException:
            # The row says what is on disk: a part to resume, or nothing.
            if part_path(dest).is_file():
                self._media.mark_partial(f.course_id, f.path)
            else:
                self._media.mark_missing(f.course_id, f.path)
            raise
        # Only now, after the verified rename: one short transaction of its own.
        if not self._media.mark_available(f.course_id, f.path, f.sha256):
            log.info("%s changed while it downloaded; the newer version is still to fetch", label)
        stats.files_completed += 1

    def check_network(self) -> None:
        """Raise MeteredConnectionError when downloads are set to unmetered connections only
        and this one is metered. Podcast episode downloads ask here too: one setting for all
        of Samen's downloads."""
        if self._unmetered_only() and self.is_metered() is True:
            raise MeteredConnectionError(
                _(
                    "Downloads are set to happen only on unmetered connections, and this "
                    "connection is metered (e.g. a phone hotspot). Connect to another network, "
                    "or change the setting, to download."
                )
            )

    # -- other downloads (podcast episodes) ---------------------------------------------

    def run_work(
        self,
        job_id: str,
        label: str,
        work: Work,
        *,
        cancel: CancelToken | None = None,
        on_progress: OnProgress | None = None,
    ) -> None:
        """Run a download that is not a course as a job of this queue, on the caller's
        thread: it shows in `states()` under `label`, pause()/cancel() stop it between two
        chunks, resume() queues it again for `run_next`, and the unmetered-only setting
        applies. Raises like `download_course`."""
        check_segments(job_id, "download id", slashes=False)
        with self._lock:
            if job_id in self._active:
                raise DownloadBusyError(
                    _("‘{name}’ is already being downloaded.").format(name=label)
                )
            job = _Job(priority=0, seq=next(self._seq), status=JobStatus.RUNNING)
            job.work, job.label = work, label
            self._jobs[job_id] = job
            self._active[job_id] = job
        self._run(job_id, job, cancel, on_progress)

    def _run_work(
        self, job_id: str, job: _Job, token: EitherToken, on_progress: OnProgress | None
    ) -> DownloadReport:
        assert job.work is not None
        self.check_network()
        tracker = ProgressTracker(
            job_id, 0, 0, self._notify(on_progress), self._clock, self.progress_interval_s
        )
        per_file = tracker.for_file(job.label)
        seen = [0]

        def on_bytes(done: int, total: int) -> None:
            tracker.total = max(total, done)
            seen[0] = tracker.total
            per_file(done, tracker.total)

        job.work(token, on_bytes)
        return DownloadReport(job_id, 1, 1, seen[0], TransferStats())

    def _notify(self, on_progress: OnProgress | None) -> OnProgress | None:
        """The caller's callback plus the watchers' (the Downloads tab follows every job)."""
        # dict.fromkeys: the queue's runner may be a watcher too; tell it once.
        targets = list(dict.fromkeys(t for t in (on_progress, *self.watchers) if t is not None))
        if not targets:
            return None

        def notify(progress: TransferProgress) -> None:
            for target in targets:
                target(progress)

        return notify

    # -- the queue -------------------------------------------------------------------------

    def enqueue(self, course_id: str, priority: int = 0) -> JobState:
        """Queue a course (again); a higher priority runs first, equal ones in order."""
        check_segments(course_id, "course id", slashes=False)
        with self._lock:
            job = self._jobs.get(course_id)
            if job is not None and course_id in self._active:
                job.priority = priority
                if job.status is JobStatus.PAUSED:  # pause requested, still stopping
                    job.status, job.after_stop = JobStatus.QUEUED, None
            else:
                job = _Job(priority=priority, seq=next(self._seq), status=JobStatus.QUEUED)
                self._jobs[course_id] = job
            return JobState(job.status, job.message, job.priority, job.label)

    def next_job(self) -> str | None:
        """The course `run_next` would start now, if any."""
        with self._lock:
            return self._next_locked()

    def _next_locked(self) -> str | None:
        queued = [
            (-job.priority, job.seq, course_id)
            for course_id, job in self._jobs.items()
            if job.status is JobStatus.QUEUED and course_id not in self._active
        ]
        return min(queued)[2] if queued else None

    def pause(self, course_id: str) -> bool:
        """Stop a running or queued course, keeping its parts; False if there was none."""
        with self._lock:
            job = self._jobs.get(course_id)
            if job is None or job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
                return False
            job.status = JobStatus.PAUSED
            if course_id in self._active:
                job.after_stop = None
                job.cancel.set()
            return True

    def resume(self, course_id: str) -> bool:
        """Queue a paused (or failed) course again; False if it is neither."""
        with self._lock:
            job = self._jobs.get(course_id)
            if job is None or job.status not in (JobStatus.PAUSED, JobStatus.FAILED):
                return False
            job.status, job.message, job.after_stop = JobStatus.QUEUED, "", None
            if course_id not in self._active:
                job.cancel = threading.Event()
            return True

    def cancel(self, course_id: str) -> bool:
        """Stop the course, delete its partial files and drop it from the queue. Files already
        complete stay (remove_course_media deletes those). A running download is stopped
        between two chunks and its parts deleted then, by the thread running it."""
        check_segments(course_id, "course id", slashes=False)
        with self._lock:
            job = self._jobs.get(course_id)
            if course_id in self._active and job is not None:
                job.after_stop = _AfterStop.CANCEL
                job.cancel.set()
                return True
            self._jobs.pop(course_id, None)
            self._delete_parts(course_id)
        return job is not None

    def states(self) -> dict[str, JobState]:
        with self._lock:
            return {
                course_id: JobState(job.status, job.message, job.priority, job.label)
                for course_id, job in self._jobs.items()
            }

    def forget_finished(self) -> None:
        """Drop DONE and FAILED entries from `states()`."""
        with self._lock:
            for course_id in [
                c
                for c, job in self._jobs.items()
                if job.status in (JobStatus.DONE, JobStatus.FAILED)
            ]:
                del self._jobs[course_id]

    @property
    def stats(self) -> TransferStats:
        """Network counters summed over every run of this service (a copy)."""
        with self._lock:
            return self._stats.copy()

    # -- disk ------------------------------------------------------------------------------

    def remove_course_media(self, course_id: str) -> bool:
        """Delete the course's files and parts and mark every file missing; lessons, progress
        and pending outbox items stay. True when done now; False when the course was
        downloading: it is stopped and its media removed by the thread running it."""
        check_segments(course_id, "course id", slashes=False)
        with self._lock:
            job = self._jobs.get(course_id)
            if job is not None and job.work is not None:
                return False  # not a course: its owner (e.g. the Podcasts tab) deletes it
            if course_id in self._active and job is not None:
                job.after_stop = _AfterStop.REMOVE
                job.cancel.set()
                return False
            self._jobs.pop(course_id, None)
            self._remove_now(course_id)
        return True

    def _remove_now(self, course_id: str) -> None:
        # Called with self._lock held (here and in _delete_parts): disk work, but short.
        # Rows first: a crash in between leaves files no row calls available (reconcile
        # deletes nothing referenced, and a download simply replaces them).
        self._media.clear_course(course_id)
        freed = remove_course_dir(self.media_root, course_id)
        log.info("removed the media of %s (%d bytes)", course_id, freed)

    def _delete_parts(self, course_id: str) -> None:
        folder = self.media_root / course_id
        for f in self._media.files(course_id):
            if f.state is MediaState.PARTIAL:
                self._media.mark_missing(course_id, f.path)
        if folder.is_dir():
            for part in folder.rglob("*" + PART_SUFFIX):
                part.unlink(missing_ok=True)

    def storage_used(self) -> dict[str, int]:
        """Bytes of complete files per course, from the database (no disk scan)."""
        return self._media.bytes_used()

    def reconcile(self) -> ReconcileReport:
        """Make the media table match the disk (see MediaRepo.reconcile); courses downloading
        right now are skipped. Core calls it once at construction."""
        with self._lock:
            busy = frozenset(self._active)
        report = self._media.reconcile(self.media_root, skip=busy)
        if report.changed:
            log.info(
                "media reconciled: %d missing, %d partial, %d stray files deleted",
                len(report.marked_missing),
                len(report.marked_partial),
                len(report.deleted_files),
            )
        return report

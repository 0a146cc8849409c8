"""Downloads as data: progress events, local media states, queue states, counters and the speed
meter. Pure (no I/O, no clock of its own: callers pass the time in). Any thread.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum


class MediaState(StrEnum):
    """What this device holds of one media file (the `media_files.state` column)."""

    MISSING = "missing"
    PARTIAL = "partial"  # a `.part` file exists; a download resumes from it
    AVAILABLE = "available"  # complete, sha256 verified, renamed into place


@dataclass(frozen=True, slots=True)
class LocalMedia:
    course_id: str
    path: str
    size: int
    sha256: str
    content_type: str
    state: MediaState


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class JobState:
    """One course (or other download, e.g. a podcast episode) in the download queue;
    `message` explains a FAILED state to the learner; `label` names a job that is not a
    course (a course is named by the catalogue)."""

    status: JobStatus
    message: str = ""
    priority: int = 0
    label: str = ""

    @property
    def is_course(self) -> bool:
        return not self.label


@dataclass(frozen=True, slots=True)
class TransferProgress:
    """One progress event of a course download (sent at most every ~0.1 s and at file ends).

    done_bytes/total_bytes cover the whole course (files already on this device count as done);
    bytes_per_s is a moving average over the last few seconds of network bytes; eta_s is None
    until a speed is known."""

    course_id: str
    path: str
    done_bytes: int
    total_bytes: int
    bytes_per_s: float
    eta_s: float | None

    @property
    def fraction(self) -> float:
        return 1.0 if self.total_bytes <= 0 else min(1.0, self.done_bytes / self.total_bytes)


@dataclass(slots=True)
class TransferStats:
    """Counters of network work, mutated by the thread running a transfer; read with `copy()`."""

    requests: int = 0
    resumed: int = 0  # 206 replies that continued a .part file
    restarted: int = 0  # 200 replies although a .part existed (the file changed or no ranges)
    bytes_received: int = 0  # body bytes read from the network and written to disk
    files_completed: int = 0
    checksum_failures: int = 0

    def copy(self) -> TransferStats:
        return TransferStats(
            self.requests,
            self.resumed,
            self.restarted,
            self.bytes_received,
            self.files_completed,
            self.checksum_failures,
        )

    def add(self, other: TransferStats) -> None:
        self.requests += other.requests
        self.resumed += other.resumed
        self.restarted += other.restarted
        self.bytes_received += other.bytes_received
        self.files_completed += other.files_completed
        self.checksum_failures += other.checksum_failures


@dataclass(frozen=True, slots=True)
class DownloadReport:
    """What one `download_course` run did."""

    course_id: str
    files_total: int
    files_downloaded: int
    total_bytes: int
    stats: TransferStats


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """What start-up reconciliation changed: rows downgraded, and files deleted from disk."""

    marked_missing: tuple[tuple[str, str], ...] = ()
    marked_partial: tuple[tuple[str, str], ...] = ()
    deleted_files: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.marked_missing or self.marked_partial or self.deleted_files)


@dataclass
class RateMeter:
    """Bytes per second over a sliding window; `now` is any monotonic clock in seconds."""

    window_s: float = 5.0
    _samples: deque[tuple[float, int]] = field(default_factory=deque)
    _started: float | None = None

    def add(self, now: float, n: int) -> None:
        if self._started is None:
            self._started = now
        self._samples.append((now, n))
        self._trim(now)

    def rate(self, now: float) -> float:
        if self._started is None:
            return 0.0
        self._trim(now)
        span = min(self.window_s, now - self._started)
        if span < 0.2:  # too short a time to say anything sensible
            return 0.0
        return sum(n for _, n in self._samples) / span

    def _trim(self, now: float) -> None:
        while self._samples and self._samples[0][0] <= now - self.window_s:
            self._samples.popleft()


def eta_seconds(remaining: int, bytes_per_s: float) -> float | None:
    if remaining <= 0:
        return 0.0
    if bytes_per_s <= 0:
        return None
    return remaining / bytes_per_s

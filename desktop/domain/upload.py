"""Uploads of learners' recordings as data: the local states, one row, counters, and the rules
for which files may be sent. Pure (no I/O). Any thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath

from desktop.language.formats import size

DEFAULT_MAX_BYTES = 1024**3  # what the academy accepts until it has said otherwise (Tus-Max-Size)

# What the academy accepts (its allow-list), by the suffixes recordings come with.
CONTENT_TYPES = {
    ".aac": "audio/aac",
    ".flac": "audio/flac",
    ".m4a": "audio/mp4",
    ".mp3": "audio/mpeg",
    ".oga": "audio/ogg",
    ".ogg": "audio/ogg",
    ".opus": "audio/opus",
    ".wav": "audio/wav",
    ".weba": "audio/webm",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".ogv": "video/ogg",
    ".mov": "video/quicktime",
    ".webm": "video/webm",
    ".mkv": "video/x-matroska",
}
ACCEPTED_TYPES = frozenset(CONTENT_TYPES.values()) | {"audio/x-m4a", "audio/x-wav"}


def human_size(n: int) -> str:
    """A size as a learner reads it, in the locale: '850,0 kB', '12.5 MB', '1.0 GB'."""
    return size(n)


def guess_content_type(path: PurePath) -> str | None:
    return CONTENT_TYPES.get(path.suffix.lower())


class UploadState(StrEnum):
    WAITING = "waiting"  # attached; not (fully) sent yet
    UPLOADING = "uploading"  # being sent right now (back to waiting if the process dies)
    DONE = "done"  # the academy has every byte and verified the sha256
    FAILED = "failed"  # cannot succeed as it is (damaged twice, refused, local copy lost)


@dataclass(frozen=True, slots=True)
class Upload:
    id: str  # a UUID chosen here, so an action written offline can reference it
    client_id: str  # the account (installation id) it belongs to
    path: str  # Samen's own copy in its data folder
    filename: str  # the learner's original file name, for display
    size: int
    sha256: str
    content_type: str
    state: UploadState
    error: str
    created_at: str


@dataclass(slots=True)
class UploadStats:
    """What sending cost on the wire, for tests and logs: `bytes_sent` counts body bytes handed
    to the network, so anything above the file's size was sent twice because of a failure."""

    requests: int = 0
    bytes_sent: int = 0
    interrupted: int = 0  # PATCHes that failed on the way (reset, truncated reply, timeout)
    resumed_at: int | None = None  # the offset the academy first reported (HEAD)
    restarts: int = 0  # sent again from 0 after a checksum mismatch


@dataclass(frozen=True, slots=True)
class UploadReport:
    """What `UploadService.send_pending` did in one go."""

    completed: int = 0
    failed: int = 0
    waiting: int = 0

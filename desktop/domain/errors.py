"""Errors every layer can raise and the UI/CLI can explain to a learner. Any thread.

Each error carries a message written for the learner, in the learner's language (the raiser
translates it with desktop.language); `code` is stable, never translated, for tests and logs.
"""

from __future__ import annotations

import math
from pathlib import Path

from desktop.language.catalogue import _
from desktop.language.formats import decimal, number

MB = 1024 * 1024
GB = 1024 * MB


class SamenError(Exception):
    """Base for expected failures that have a learner-facing message."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class OfflineError(SamenError):
    """The academy server could not be reached; nothing was changed."""

    code = "offline"


class CaptivePortalError(OfflineError):
    """Something answered, but not the academy (a hotel or station login page, a proxy)."""

    code = "captive_portal"


class AuthError(SamenError):
    """The server refused the credentials or the token; the learner must log in (again)."""

    code = "unauthorized"


class NotLoggedInError(AuthError):
    code = "not_logged_in"


class ServerBusyError(SamenError):
    """The academy answered but asked us to come back later (409, 429, 503 + Retry-After)."""

    code = "busy"

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BatchTooLargeError(SamenError):
    """The server refused a push batch as too large (413); the client sends a smaller one."""

    code = "batch_too_large"


class ProtocolError(SamenError):
    """The server answered with something that does not match the wire contract."""

    code = "protocol"


class ServerError(SamenError):
    """The server reported a failure (4xx/5xx with an error envelope)."""

    def __init__(self, message: str, *, code: str = "server", status: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class PackError(SamenError):
    """A course pack (or a downloaded manifest) cannot be trusted or read; nothing was imported."""

    def __init__(self, message: str, *, code: str = "bad_pack") -> None:
        super().__init__(message)
        self.code = code


class DiskFullError(SamenError):
    """The disk Samen writes to has no room (its database, a download, a recording's copy).

    `path` is a folder on that disk (None: not known), `needed` the bytes to free before trying
    again (None: not known); `problem` is the whole first sentence, saying the disk is full and
    what could not be done ("The disk is full, so the download cannot go on."), `kept` a whole
    sentence saying what was kept; the sentence saying how much to free, and where, comes
    between them. desktop.disk_space turns the operating system's and SQLite's ways of saying
    "no space" into one."""

    code = "disk_full"

    def __init__(
        self,
        path: Path | None,
        needed: int | None,
        *,
        problem: str | None = None,
        kept: str | None = None,
    ) -> None:
        self.path = path
        self.needed = needed
        super().__init__(
            " ".join(
                (
                    problem or _("The disk is full, so Samen cannot save this."),
                    _free(path, needed),
                    kept or _("Nothing saved before is lost."),
                )
            )
        )


def _free(path: Path | None, needed: int | None) -> str:
    """The sentence saying how much to free, and on which disk."""
    if needed and path is not None:
        return _("Free at least {amount} on the disk that holds {folder} and try again.").format(
            amount=at_least(needed), folder=path
        )
    if needed:
        return _("Free at least {amount} on this computer's disk and try again.").format(
            amount=at_least(needed)
        )
    if path is not None:
        return _("Free some space on the disk that holds {folder} and try again.").format(
            folder=path
        )
    return _("Free some space on this computer's disk and try again.")


def at_least(n: int) -> str:
    """A size to free, rounded up so that "at least" holds: '1 MB', '48 MB', '2.4 GB'."""
    if n <= 1000 * MB:
        return _("{n} MB").format(n=number(max(1, math.ceil(n / MB))))
    return _("{n} GB").format(n=decimal(math.ceil(n / GB * 10) / 10))


class ChecksumError(SamenError):
    """A downloaded file did not match the size or sha256 its course lists; it was deleted."""

    code = "checksum"


class MediaChangedError(ChecksumError):
    """The server holds another version of a file than the course structure we have lists
    (its ETag differs); fetching the course structure again fixes it."""

    code = "media_changed"


class UploadFailedError(SamenError):
    """An upload cannot succeed as it is (damaged twice, refused by the academy, Samen's copy
    of the file gone); asking again will not help, the learner has to act."""

    code = "upload_failed"


class CancelledError(SamenError):
    """A download was paused or cancelled on request; partial files are kept unless cancelled."""

    code = "cancelled"


class MeteredConnectionError(SamenError):
    """Downloads are set to unmetered connections only and this one is metered."""

    code = "metered"


class DownloadBusyError(SamenError):
    """The course is already being downloaded (by the queue or another caller)."""

    code = "busy_download"


class FeedError(SamenError):
    """A podcast feed (or its chapters/transcript) cannot be read: not a feed, too big,
    unreachable address. The library keeps what it had."""

    code = "bad_feed"

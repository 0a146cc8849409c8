"""A podcast's episode (or any web file without a listed checksum) downloaded resumably: the
`.part` grows with `Range`/`If-Range` on the server's own validator (ETag or Last-Modified),
and a reply larger than the limit is refused. Runs on the worker thread that calls it
(blocking); the streaming, the disk checks and the final rename are desktop/sync/transfer.py's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path

from desktop.domain.errors import OfflineError, ProtocolError
from desktop.domain.transfer import TransferStats
from desktop.language import formats
from desktop.language.catalogue import _
from desktop.sync.transfer import (
    _CONTENT_RANGE,
    _UNSATISFIED_RANGE,
    CHUNK_SIZE,
    DISK_CHECK_EVERY,
    DISK_MARGIN,
    CancelToken,
    DiskUsage,
    MediaSource,
    Progress,
    _fsync_dir,
    _open_part,
    _stream_body,
    check_space,
    free_bytes,
)


def download_web_file(
    source: MediaSource,
    url: str,
    dest: Path,
    *,
    max_bytes: int,
    if_range: str = "",
    remember_validator: Callable[[str], None] | None = None,
    label: str | None = None,
    cancel: CancelToken | None = None,
    on_progress: Progress | None = None,
    stats: TransferStats | None = None,
    chunk_size: int = CHUNK_SIZE,
    disk_margin: int = DISK_MARGIN,
    disk_check_every: int = DISK_CHECK_EVERY,
    free: DiskUsage = free_bytes,
) -> int:
    """Fetch a file from a host Samen does not control (a podcast episode) into `dest`,
    resuming `<dest>.part`. There is no checksum to verify against, so a resume needs the
    validator the first response gave (`if_range`: a strong ETag or Last-Modified, handed to
    `remember_validator` before the body is read); without one the part starts again. The
    length comes from the server when it says; otherwise the body ends where it ends, up to
    `max_bytes`. Returns the file's size. Errors as for `download_file`."""
    label = label or dest.name
    stats = stats if stats is not None else TransferStats()
    folder = dest.parent
    part, offset = _open_part(dest)
    if offset and not if_range:
        part.unlink()  # nothing proves the server still has the same file
        offset = 0
    headers = {"Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
        headers["If-Range"] = if_range
    stats.requests += 1
    response = source.stream(url, headers)
    try:
        total: int | None
        if response.status_code == 416 and offset:
            # The part may already be the whole file (a cancel or crash just before the
            # rename): the host says how long the file is.
            whole = _UNSATISFIED_RANGE.match(response.headers.get("Content-Range", ""))
            if whole is not None and int(whole.group(1)) == offset:
                part.replace(dest)
                _fsync_dir(dest.parent)
                return offset
            part.unlink(missing_ok=True)
            raise OfflineError(
                _("The host no longer has {file} as it was; starting again.").format(file=label)
            )
        if response.status_code == 206 and offset:
            match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
            validator = _validator(response.headers)
            if (
                match is None
                or int(match.group(1)) != offset
                or (validator and validator != if_range)  # a host that ignored If-Range
            ):
                part.unlink(missing_ok=True)
                raise OfflineError(
                    _("The host resumed {file} at the wrong place; starting again.").format(
                        file=label
                    )
                )
            total = None if match.group(3) == "*" else int(match.group(3))
            stats.resumed += 1
            mode = "ab"
        elif response.status_code == 200:
            if offset:
                stats.restarted += 1
            offset = 0
            length = response.headers.get("Content-Length", "")
            total = int(length) if length.isdigit() else None
            mode = "wb"
        else:
            raise ProtocolError(
                _("The host answered HTTP {status} for {file}.").format(
                    status=response.status_code, file=label
                )
            )
        if total is not None and total > max_bytes:
            raise ProtocolError(
                _("{file} is {size}, more than the {limit} Samen accepts for one episode.").format(
                    file=label, size=formats.size(total), limit=formats.size(max_bytes)
                )
            )
        validator = _validator(response.headers)
        if remember_validator is not None and mode == "wb":
            remember_validator(validator)
        check_space(folder, (total or 0) - offset, disk_margin, free)
        if on_progress is not None:
            on_progress(offset, total or 0)
        size = _stream_body(
            response,
            part,
            mode,
            hashlib.sha256(),  # not checked: there is nothing to check it against
            offset=offset,
            size=total if total is not None else max_bytes,
            label=label,
            cancel=cancel,
            on_progress=on_progress,
            stats=stats,
            chunk_size=chunk_size,
            disk_margin=disk_margin,
            disk_check_every=disk_check_every,
            free=free,
            exact=total is not None,
        )
    finally:
        response.close()
    part.replace(dest)
    _fsync_dir(dest.parent)
    return size


def _validator(headers: Mapping[str, str]) -> str:
    """What If-Range may carry: a strong ETag, else Last-Modified, else nothing."""
    etag = headers.get("ETag", "").strip()
    if etag and not etag.startswith("W/"):
        return etag
    return headers.get("Last-Modified", "").strip()

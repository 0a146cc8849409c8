"""One resumable, verified file download. Runs on the worker thread that calls it (blocking).

The file grows as `<dest>.part`. A later call resumes it with `Range: bytes=n-` and
`If-Range: "<sha256>"` (the manifest's sha256 is the server's strong ETag): a 206 appends, a 200
starts again from zero. Bytes are streamed in chunks, so memory stays flat whatever the size.
Only a complete file whose size and sha256 match is fsynced and renamed to `dest` (then the
folder is fsynced), so `dest` is either absent, the previous version, or the verified new one.

What is kept on failure: a network error (OfflineError), a cancel (CancelledError) or a full
disk (DiskFullError) keep the `.part` for a resume; a wrong checksum or an oversize reply
(ChecksumError) delete it. The network is reached only through the `MediaSource` protocol
(ApiClient.stream fits), so tests can feed any response.
"""

from __future__ import annotations

import errno
import hashlib
import os
import queue
import re
import shutil
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from http.client import HTTPException
from pathlib import Path
from typing import IO, Protocol

from desktop.disk_space import disk_full
from desktop.domain.errors import (
    CancelledError,
    ChecksumError,
    DiskFullError,
    MediaChangedError,
    OfflineError,
    ProtocolError,
)
from desktop.domain.transfer import TransferStats
from desktop.language import formats
from desktop.language.catalogue import _, counted

CHUNK_SIZE = 64 * 1024
DISK_MARGIN = 8 * 1024 * 1024  # free space kept beyond what a download still needs
DISK_CHECK_EVERY = 4 * 1024 * 1024  # bytes written between two free-space checks
SYNC_EVERY = 32 * 1024 * 1024  # flushed to disk as it comes, so the final fsync is short
PART_SUFFIX = ".part"
MB = 1024 * 1024

_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)
_UNSATISFIED_RANGE = re.compile(r"^\s*bytes\s+\*/(\d+)\s*$", re.IGNORECASE)


class StreamResponse(Protocol):
    """The part of requests.Response a transfer uses."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    def iter_content(self, chunk_size: int) -> Iterator[bytes]: ...

    def close(self) -> None: ...


class MediaSource(Protocol):
    def stream(self, path: str, headers: Mapping[str, str]) -> StreamResponse: ...


class CancelToken(Protocol):
    """threading.Event fits. Checked between chunks; `wait` is used for pauses between retries."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


Progress = Callable[[int, int], None]
DiskUsage = Callable[[Path], int]


def free_bytes(folder: Path) -> int:
    return shutil.disk_usage(folder).free


def part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + PART_SUFFIX)


def check_space(folder: Path, needed: int, margin: int, free: DiskUsage = free_bytes) -> None:
    """Raise DiskFullError unless `folder` has `needed` + `margin` bytes free."""
    try:
        available = free(folder)
    except OSError:
        return  # cannot tell (e.g. an exotic file system): the write itself will say
    if available < needed + margin:
        raise _disk_full(folder, needed + margin - available)


def _download_words() -> dict[str, str]:
    return {
        "problem": _("The disk is full, so the download cannot go on."),
        "kept": _("What was downloaded so far is kept."),
    }


def _disk_full(folder: Path, needed: int | None) -> DiskFullError:
    return DiskFullError(folder, needed, **_download_words())


def _no_space(exc: OSError, folder: Path, needed: int | None) -> DiskFullError | None:
    """`exc` as the download's DiskFullError when it says the disk is full."""
    return disk_full(exc, folder, needed, **_download_words())


def _etag_sha(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if value.startswith("W/"):
        return None  # a weak tag says nothing about the bytes
    return value.strip('"').lower()


def _hash_file(path: Path, digest: hashlib._Hash, cancel: CancelToken | None) -> None:
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
            if cancel is not None and cancel.is_set():
                raise CancelledError(_("The download was stopped."))


def _data_sync(fd: int) -> None:
    """fdatasync where the OS has it (Linux); Windows and macOS have only fsync."""
    if sys.platform.startswith("linux"):
        os.fdatasync(fd)
    else:
        os.fsync(fd)


def _write_all(handle: IO[bytes], data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = handle.write(view)
        if written is None or written <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[written:]


class _Sink:
    """Writes and hashes chunks on a second thread, so disk and sha256 work overlap with
    reading the network (file writes and hashlib release the GIL): without it a download spends
    about a third of its time hashing and flushing while the socket waits.

    Also flushes to disk every `sync_every` bytes, so the fsync before the rename finds little
    left to write. A write error (a full disk) surfaces at the next `put` or at `close`.
    """

    def __init__(self, handle: IO[bytes], digest: hashlib._Hash, sync_every: int) -> None:
        self._handle = handle
        self._digest = digest
        self._sync_every = sync_every
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=32)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="samen-transfer-sink", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        unsynced = 0
        while (chunk := self._queue.get()) is not None:
            if self._error is not None:
                continue  # keep draining so the reader never blocks on a full queue
            try:
                _write_all(self._handle, chunk)
                self._digest.update(chunk)
                unsynced += len(chunk)
                if unsynced >= self._sync_every:
                    _data_sync(self._handle.fileno())
                    unsynced = 0
            except BaseException as exc:  # handed to the reader thread
                self._error = exc

    def put(self, chunk: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(chunk)

    def join(self) -> BaseException | None:
        """Wait until everything queued is written; the first write error, if any."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        return self._error


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not possible on Windows; the rename is still atomic there
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _open_part(dest: Path) -> tuple[Path, int]:
    """The `.part` of `dest` and the bytes it holds (0 when there is none); makes the folder."""
    folder = dest.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if (full := _no_space(exc, folder, None)) is not None:
            raise full from exc
        raise
    part = part_path(dest)
    return part, part.stat().st_size if part.exists() else 0


def _finish(part: Path, dest: Path, label: str, size: int, sha256: str, actual: str) -> None:
    if actual != sha256:
        part.unlink(missing_ok=True)
        raise ChecksumError(
            _(
                "{file} arrived damaged (its checksum does not match the course list); the "
                "damaged copy was deleted."
            ).format(file=label)
        )
    part.replace(dest)  # atomic on one file system
    _fsync_dir(dest.parent)


def download_file(
    source: MediaSource,
    url_path: str,
    dest: Path,
    *,
    size: int,
    sha256: str,
    label: str | None = None,
    cancel: CancelToken | None = None,
    on_progress: Progress | None = None,
    stats: TransferStats | None = None,
    chunk_size: int = CHUNK_SIZE,
    disk_margin: int = DISK_MARGIN,
    disk_check_every: int = DISK_CHECK_EVERY,
    free: DiskUsage = free_bytes,
) -> None:
    """Fetch `url_path` into `dest`, resuming `<dest>.part`; see the module docstring.

    `on_progress(done, size)` is called once the starting offset is known and after every chunk
    (`done` drops to 0 when the server restarts the file). `label` names the file in messages."""
    label = label or dest.name
    sha256 = sha256.lower()
    stats = stats if stats is not None else TransferStats()
    folder = dest.parent
    part, offset = _open_part(dest)
    if offset > size:  # cannot be a prefix of this file
        part.unlink()
        offset = 0
    digest = hashlib.sha256()
    if offset:
        _hash_file(part, digest, cancel)
    if offset == size:  # everything arrived last time; only the rename was missing
        _finish(part, dest, label, size, sha256, digest.hexdigest())
        return
    check_space(folder, size - offset, disk_margin, free)
    if on_progress is not None:
        on_progress(offset, size)

    headers = {"Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
        headers["If-Range"] = f'"{sha256}"'
    stats.requests += 1
    response = source.stream(url_path, headers)
    try:
        server_sha = _etag_sha(response.headers.get("ETag"))
        if server_sha is not None and server_sha != sha256:
            part.unlink(missing_ok=True)
            raise MediaChangedError(
                _(
                    "{file} changed on the server since the course was listed; the course "
                    "list must be fetched again."
                ).format(file=label)
            )
        if response.status_code == 206:
            match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
            if match is None or int(match.group(1)) != offset:
                raise ProtocolError(
                    _(
                        "The server resumed {file} at the wrong place ({range}, expected byte "
                        "{offset})."
                    ).format(
                        file=label,
                        range=repr(response.headers.get("Content-Range", "no Content-Range")),
                        offset=offset,
                    )
                )
            if match.group(3) != "*" and int(match.group(3)) != size:
                part.unlink(missing_ok=True)
                raise MediaChangedError(_changed_size(label, int(match.group(3)), size))
            if offset:
                stats.resumed += 1
            mode = "ab"
        elif response.status_code == 200:
            if offset:
                stats.restarted += 1
            offset = 0
            digest = hashlib.sha256()
            mode = "wb"
            if on_progress is not None:
                on_progress(0, size)
        else:
            raise ProtocolError(
                _("Unexpected HTTP {status} while fetching {file}.").format(
                    status=response.status_code, file=label
                )
            )
        length = response.headers.get("Content-Length")
        if length is not None and length.isdigit() and offset + int(length) != size:
            part.unlink(missing_ok=True)
            raise MediaChangedError(_changed_size(label, offset + int(length), size))
        _stream_body(
            response,
            part,
            mode,
            digest,
            offset=offset,
            size=size,
            label=label,
            cancel=cancel,
            on_progress=on_progress,
            stats=stats,
            chunk_size=chunk_size,
            disk_margin=disk_margin,
            disk_check_every=disk_check_every,
            free=free,
        )
    finally:
        response.close()
    _finish(part, dest, label, size, sha256, digest.hexdigest())


def _stream_body(
    response: StreamResponse,
    part: Path,
    mode: str,
    digest: hashlib._Hash,
    *,
    offset: int,
    size: int,
    label: str,
    cancel: CancelToken | None,
    on_progress: Progress | None,
    stats: TransferStats,
    chunk_size: int,
    disk_margin: int,
    disk_check_every: int,
    free: DiskUsage,
    exact: bool = True,
) -> int:
    """Append the body to the part file; returns with the part complete, flushed and fsynced
    (and its length). With `exact` False, `size` is only a limit: the body ends where it ends."""
    folder = part.parent
    try:
        # Unbuffered: a full disk shows at the write that hits it, not at some later flush.
        with part.open(mode, buffering=0) as handle:
            sink = _Sink(handle, digest, SYNC_EVERY)
            try:
                done = _pump(
                    response,
                    sink,
                    label=label,
                    size=size,
                    done=offset,
                    cancel=cancel,
                    on_progress=on_progress,
                    stats=stats,
                    chunk_size=chunk_size,
                    folder=folder,
                    disk_margin=disk_margin,
                    disk_check_every=disk_check_every,
                    free=free,
                    exact=exact,
                )
            finally:
                failure = sink.join()
            if failure is not None:
                raise failure
            os.fsync(handle.fileno())
            return done
    except _OversizeError:
        part.unlink(missing_ok=True)
        raise
    except OSError as exc:
        # What this file still needs, with the margin a download keeps free.
        have = part.stat().st_size if part.exists() else 0
        if (full := _no_space(exc, folder, max(0, size - have) + disk_margin)) is not None:
            raise full from exc
        raise


def _pump(
    response: StreamResponse,
    sink: _Sink,
    *,
    label: str,
    size: int,
    done: int,
    cancel: CancelToken | None,
    on_progress: Progress | None,
    stats: TransferStats,
    chunk_size: int,
    folder: Path,
    disk_margin: int,
    disk_check_every: int,
    free: DiskUsage,
    exact: bool = True,
) -> int:
    """Read the body into the sink, checking size, free space and cancel between chunks;
    returns the bytes now in the part file."""
    import requests

    since_check = 0
    chunks = iter(response.iter_content(chunk_size))
    while True:
        if cancel is not None and cancel.is_set():
            raise CancelledError(_("The download was stopped; it can resume later."))
        try:
            chunk = next(chunks)
        except StopIteration:
            break
        except (requests.RequestException, HTTPException, ConnectionError) as exc:
            raise OfflineError(
                _(
                    "The connection dropped while fetching {file}; the download continues "
                    "where it stopped when the connection is back."
                ).format(file=label)
            ) from exc
        if not chunk:
            continue
        if done + len(chunk) > size:
            # Never an oversize file: this cannot be the listed file (or it is absurdly big).
            raise _OversizeError(
                _(
                    "The server sent more of {file} than the {size} the course lists; the "
                    "download was discarded."
                ).format(file=label, size=formats.size(size))
                if exact
                else _("{file} is larger than {size}; the download was discarded.").format(
                    file=label, size=formats.size(size)
                )
            )
        sink.put(chunk)
        done += len(chunk)
        stats.bytes_received += len(chunk)
        if on_progress is not None:
            on_progress(done, size if exact else 0)
        since_check += len(chunk)
        if since_check >= disk_check_every and done < size:
            since_check = 0
            check_space(folder, (size - done) if exact else 0, disk_margin, free)
    if exact and done < size:
        raise OfflineError(
            _(
                "The connection ended after {done} of {size} of {file}; the download "
                "continues where it stopped."
            ).format(done=formats.size(done), size=formats.size(size), file=label)
        )
    return done


def _changed_size(label: str, server_bytes: int, listed_bytes: int) -> str:
    return _(
        "{file} on the server is {server_size}, the course list says {listed_size}; the "
        "course list must be fetched again."
    ).format(
        file=label,
        server_size=_exact_size(server_bytes),
        listed_size=_exact_size(listed_bytes),
    )


def _exact_size(num_bytes: int) -> str:
    # Two sizes that differ by a few bytes must not both read "1.2 MB".
    return counted("{n} byte", "{n} bytes", num_bytes)


class _OversizeError(ChecksumError):
    """Raised inside the pump; the part is deleted once the file is closed."""

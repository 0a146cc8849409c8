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
import re
import shutil
from collections.abc import Callable, Iterator, Mapping
from http.client import HTTPException
from pathlib import Path
from typing import IO, Protocol

import requests

from desktop.domain.errors import (
    CancelledError,
    ChecksumError,
    DiskFullError,
    MediaChangedError,
    OfflineError,
    ProtocolError,
)
from desktop.domain.transfer import TransferStats

CHUNK_SIZE = 64 * 1024
DISK_MARGIN = 8 * 1024 * 1024  # free space kept beyond what a download still needs
DISK_CHECK_EVERY = 4 * 1024 * 1024  # bytes written between two free-space checks
PART_SUFFIX = ".part"
MB = 1024 * 1024

_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)


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


def mb(n: int) -> str:
    return f"{n / MB:.1f} MB"


def check_space(folder: Path, needed: int, margin: int, free: DiskUsage = free_bytes) -> None:
    """Raise DiskFullError unless `folder` has `needed` + `margin` bytes free."""
    try:
        available = free(folder)
    except OSError:
        return  # cannot tell (e.g. an exotic file system): the write itself will say
    if available < needed + margin:
        raise DiskFullError(
            f"The download needs {mb(needed + margin)}, but only {mb(available)} is free on "
            f"{folder}. Free some space (or remove downloaded courses) and try again; what was "
            "downloaded so far is kept."
        )


def _disk_full(folder: Path, exc: OSError) -> DiskFullError:
    return DiskFullError(
        f"The disk holding {folder} is full ({exc.strerror}). Free some space and try again; "
        "what was downloaded so far is kept."
    )


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
                raise CancelledError("The download was stopped.")


def _write_all(handle: IO[bytes], data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = handle.write(view)
        if written is None or written <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[written:]


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


def _finish(part: Path, dest: Path, label: str, size: int, sha256: str, actual: str) -> None:
    if actual != sha256:
        part.unlink(missing_ok=True)
        raise ChecksumError(
            f"{label} arrived damaged (its checksum does not match the course list); the "
            "damaged copy was deleted."
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
    part = part_path(dest)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise _disk_full(folder, exc) from exc
        raise
    offset = part.stat().st_size if part.exists() else 0
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
                f"{label} changed on the server since the course was listed; the course list "
                "must be fetched again."
            )
        if response.status_code == 206:
            match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
            if match is None or int(match.group(1)) != offset:
                raise ProtocolError(
                    f"The server resumed {label} at the wrong place "
                    f"({response.headers.get('Content-Range', 'no Content-Range')!r}, "
                    f"expected byte {offset})."
                )
            if match.group(3) != "*" and int(match.group(3)) != size:
                part.unlink(missing_ok=True)
                raise MediaChangedError(
                    f"{label} on the server is {match.group(3)} bytes, the course list says "
                    f"{size}; the course list must be fetched again."
                )
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
            raise ProtocolError(f"Unexpected HTTP {response.status_code} while fetching {label}.")
        length = response.headers.get("Content-Length")
        if length is not None and length.isdigit() and offset + int(length) != size:
            part.unlink(missing_ok=True)
            raise MediaChangedError(
                f"{label} on the server is {offset + int(length)} bytes, the course list says "
                f"{size}; the course list must be fetched again."
            )
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
) -> None:
    """Append the body to the part file; returns with the part complete, flushed and fsynced."""
    folder = part.parent
    done = offset
    since_check = 0
    try:
        # Unbuffered: a full disk shows at the write that hits it, not at some later flush.
        with part.open(mode, buffering=0) as handle:
            chunks = iter(response.iter_content(chunk_size))
            while True:
                if cancel is not None and cancel.is_set():
                    raise CancelledError("The download was stopped; it can resume later.")
                try:
                    chunk = next(chunks)
                except StopIteration:
                    break
                except (requests.RequestException, HTTPException, ConnectionError) as exc:
                    raise OfflineError(
                        f"The connection dropped while fetching {label}; the download continues "
                        "where it stopped when the connection is back."
                    ) from exc
                if not chunk:
                    continue
                if done + len(chunk) > size:
                    # Never an oversize file: this cannot be the listed file.
                    handle.close()
                    part.unlink(missing_ok=True)
                    raise ChecksumError(
                        f"The server sent more of {label} than the {size} bytes the course "
                        "lists; the download was discarded."
                    )
                _write_all(handle, chunk)
                digest.update(chunk)
                done += len(chunk)
                stats.bytes_received += len(chunk)
                if on_progress is not None:
                    on_progress(done, size)
                since_check += len(chunk)
                if since_check >= disk_check_every and done < size:
                    since_check = 0
                    check_space(folder, size - done, disk_margin, free)
            if done < size:
                raise OfflineError(
                    f"The connection ended after {done} of {size} bytes of {label}; the "
                    "download continues where it stopped."
                )
            os.fsync(handle.fileno())
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise _disk_full(folder, exc) from exc
        raise

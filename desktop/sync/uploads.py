"""The tus 1.0.0 client that sends one recording to the academy. Runs on the worker thread that
calls it (blocking); it talks HTTP only through ApiClient (same auth, timeouts, error mapping).

Sending is create (POST, idempotent: the id was chosen when the file was attached), then HEAD
for the academy's offset, then PATCHes of `chunk_size` bytes read straight from Samen's copy of
the file (never the whole file in memory). After anything that breaks a PATCH (a reset, a
truncated reply, a timeout, a 409 or 423) the academy's HEAD says where to go on from, so no
byte that arrived is sent again. The academy checks the sha256 once the last byte is in: a
mismatch (460) starts once more from 0, a second one fails for good; an expired or removed
upload (410, 404) is created again.

Failures: UploadFailedError when the upload cannot succeed as it is (damaged twice, refused by
the academy, Samen's copy gone); CancelledError between chunks on request; OfflineError after
`max_failures` broken requests in a row without progress; other errors as ApiClient raises them.
"""

from __future__ import annotations

import base64
import random
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, NoReturn, Protocol

from desktop.domain.errors import CancelledError, OfflineError, UploadFailedError
from desktop.domain.upload import Upload, UploadStats
from desktop.language.catalogue import _
from desktop.sync import wire
from desktop.sync.transfer import CancelToken

TUS_VERSION = "1.0.0"
UPLOADS_PATH = "/v1/uploads"
CHUNK_SIZE = 1024 * 1024  # per PATCH: fine-grained progress and resumption
if TYPE_CHECKING:
    import requests

MAX_FAILURES = 5  # broken requests in a row, without progress, before the window gives up
CHECKSUM_MISMATCH = 460
# Refusals that will not change by asking again: the learner has to be told.
_REFUSALS = (400, 403, 409, 413, 415)

Progress = Callable[[int, int], None]


class UploadApi(Protocol):
    """The part of ApiClient uploads use."""

    def upload_request(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes | IO[bytes] | None = None,
        *,
        auth: bool = True,
    ) -> requests.Response: ...

    def raise_for(self, response: requests.Response) -> NoReturn: ...


def encode_metadata(pairs: Mapping[str, str]) -> str:
    """tus Upload-Metadata: comma-separated `key base64(value)`."""
    return ",".join(
        f"{key} {base64.b64encode(value.encode('utf-8')).decode('ascii')}"
        for key, value in pairs.items()
    )


class _FileSlice:
    """`length` bytes of an open file from `offset`, as a request body: requests takes the
    Content-Length from `__len__` and streams the body through `read`."""

    def __init__(self, handle: IO[bytes], offset: int, length: int, stats: UploadStats) -> None:
        handle.seek(offset)
        self._handle = handle
        self._length = length
        self._left = length
        self._stats = stats

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        wanted = self._left if size is None or size < 0 else min(size, self._left)
        block = self._handle.read(wanted)
        if not block:
            raise OSError(_("Samen's copy of the recording got shorter while it was sent"))
        self._left -= len(block)
        self._stats.bytes_sent += len(block)
        return block


def _message(response: requests.Response) -> str:
    try:
        envelope = wire.error_envelope(wire.body(response.content))
    except ValueError:
        envelope = None
    return envelope[1] if envelope else f"HTTP {response.status_code}"


def _offset_header(response: requests.Response) -> int | None:
    value = response.headers.get("Upload-Offset", "").strip()
    return int(value) if value.isdigit() else None


class TusUploader:
    def __init__(
        self,
        api: UploadApi,
        *,
        chunk_size: int = CHUNK_SIZE,
        max_failures: int = MAX_FAILURES,
        retry_pause_s: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._api = api
        self.chunk_size = chunk_size
        self.max_failures = max_failures
        self.retry_pause_s = retry_pause_s
        self._sleep = sleep

    def _headers(self, **extra: str) -> dict[str, str]:
        return {"Tus-Resumable": TUS_VERSION, **extra}

    def max_size(self) -> int | None:
        """The academy's largest accepted upload (tus discovery), or None if it does not say."""
        response = self._api.upload_request("OPTIONS", UPLOADS_PATH, self._headers(), auth=False)
        with response:
            if response.status_code >= 400:
                self._api.raise_for(response)
            value = response.headers.get("Tus-Max-Size", "").strip()
        return int(value) if value.isdigit() else None

    # -- one upload ------------------------------------------------------------------------

    def send(
        self,
        upload: Upload,
        *,
        cancel: CancelToken | None = None,
        on_progress: Progress | None = None,
        stats: UploadStats | None = None,
    ) -> UploadStats:
        """Send `upload` until the academy has verified it; see the module docstring."""
        stats = stats if stats is not None else UploadStats()
        try:
            handle = Path(upload.path).open("rb")  # noqa: SIM115 - closed by the `with` below
        except OSError as exc:
            problem = exc.strerror or str(exc)
            raise UploadFailedError(
                _("Samen's copy of {file} is gone ({problem}); attach the recording again.").format(
                    file=upload.filename, problem=problem
                )
                if upload.filename
                else _(
                    "Samen's copy of the recording is gone ({problem}); attach the recording again."
                ).format(problem=problem)
            ) from exc
        with handle:
            self._send(upload, handle, cancel, on_progress, stats)
        return stats

    def _send(
        self,
        upload: Upload,
        handle: IO[bytes],
        cancel: CancelToken | None,
        on_progress: Progress | None,
        stats: UploadStats,
    ) -> None:
        self._create(upload, stats)
        offset: int | None = None  # None: ask the academy (HEAD)
        failures = 0  # broken requests since the academy last reported progress
        best = -1
        while True:
            try:
                if offset is None:
                    offset = self._head(upload, stats)
                    if stats.resumed_at is None:
                        stats.resumed_at = offset
                    if offset > best:  # bytes got through before it broke: keep going
                        best, failures = offset, 0
                if on_progress is not None:
                    on_progress(offset, upload.size)
                if offset >= upload.size:
                    return  # the academy reports the full length only once it verified it
                if cancel is not None and cancel.is_set():
                    raise CancelledError(
                        _(
                            "Sending the recording was stopped; it continues where it stopped "
                            "next time."
                        )
                    )
                response = self._patch(upload, handle, offset, stats)
            except OfflineError:
                stats.interrupted += 1
                failures += 1
                self._pause(failures, cancel)
                offset = None
                continue
            with response:
                status = response.status_code
                if status == 204:
                    new_offset = _offset_header(response)
                    if new_offset is None or new_offset <= offset:
                        offset = None  # a reply cut short or saying nothing new: ask
                        stats.interrupted += 1
                        failures += 1
                        self._pause(failures, cancel)
                    else:
                        offset = best = new_offset
                        failures = 0
                elif status == CHECKSUM_MISMATCH:
                    stats.restarts += 1
                    if stats.restarts > 1:
                        raise UploadFailedError(
                            _(
                                "{file} arrived damaged twice (checksum mismatch); check the "
                                "file and attach it again."
                            ).format(file=upload.filename)
                            if upload.filename
                            else _(
                                "The recording arrived damaged twice (checksum mismatch); "
                                "check the file and attach it again."
                            )
                        )
                    offset = 0  # the academy deleted the bytes; a PATCH at 0 starts over
                elif status in (409, 423):
                    # Someone else's view of the offset, or a PATCH still finishing on a
                    # connection that broke: ask again, a little later.
                    failures += 1
                    self._pause(failures, cancel)
                    offset = None
                elif status in (404, 410):
                    failures += 1
                    self._pause(failures, cancel)
                    self._create(upload, stats)  # expired or removed: start it again
                    offset = None
                elif status in _REFUSALS:
                    raise UploadFailedError(_message(response))
                else:
                    self._api.raise_for(response)

    def _pause(self, failures: int, cancel: CancelToken | None) -> None:
        """After a broken request: give up after too many in a row, else wait a moment."""
        if failures > self.max_failures:
            raise OfflineError(
                _(
                    "The connection to the academy keeps breaking; the recording continues "
                    "where it stopped when the connection is better."
                )
            )
        delay = random.uniform(0, self.retry_pause_s * 2 ** (failures - 1))
        if cancel is not None:
            cancel.wait(delay)  # a cancel ends the pause at once
        else:
            self._sleep(delay)

    def _create(self, upload: Upload, stats: UploadStats) -> None:
        metadata = encode_metadata(
            {
                "id": upload.id,
                "sha256": upload.sha256,
                "filename": upload.filename,
                "content_type": upload.content_type,
            }
        )
        stats.requests += 1
        response = self._api.upload_request(
            "POST",
            UPLOADS_PATH,
            self._headers(**{"Upload-Length": str(upload.size), "Upload-Metadata": metadata}),
        )
        with response:
            if response.status_code == 201:
                return
            if response.status_code in _REFUSALS:
                raise UploadFailedError(_message(response))
            self._api.raise_for(response)

    def _head(self, upload: Upload, stats: UploadStats) -> int:
        for _attempt in range(2):
            stats.requests += 1
            response = self._api.upload_request(
                "HEAD", f"{UPLOADS_PATH}/{upload.id}", self._headers()
            )
            with response:
                if response.status_code == 200:
                    offset = _offset_header(response)
                    if offset is None or offset > upload.size:
                        raise OfflineError(_("The academy answered the upload's offset oddly."))
                    return offset
                if response.status_code not in (404, 410):
                    self._api.raise_for(response)
            self._create(upload, stats)  # expired or removed meanwhile: start it again
        raise OfflineError(_("The academy keeps losing this upload; it is tried again later."))

    def _patch(
        self, upload: Upload, handle: IO[bytes], offset: int, stats: UploadStats
    ) -> requests.Response:
        length = min(self.chunk_size, upload.size - offset)
        stats.requests += 1
        body = _FileSlice(handle, offset, length, stats)
        return self._api.upload_request(
            "PATCH",
            f"{UPLOADS_PATH}/{upload.id}",
            self._headers(
                **{
                    "Upload-Offset": str(offset),
                    "Content-Type": "application/offset+octet-stream",
                }
            ),
            body,  # type: ignore[arg-type]  # file-like enough for requests (read + len)
        )

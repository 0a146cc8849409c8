"""desktop/sync/transfer.py against an in-memory media source: resume, restart, verification,
cancel, free space, flat memory; and the pure speed meter. Fakes here are shared with
test_transfer_service.py."""

from __future__ import annotations

import errno
import hashlib
import re
import threading
import tracemalloc
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO

import pytest
import requests

from desktop.domain.errors import (
    CancelledError,
    ChecksumError,
    DiskFullError,
    MediaChangedError,
    OfflineError,
    ProtocolError,
)
from desktop.domain.transfer import RateMeter, TransferProgress, TransferStats, eta_seconds
from desktop.sync import transfer
from desktop.sync.transfer import download_file, part_path

KB = 1024
MB = 1024 * KB


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FakeResponse:
    def __init__(
        self,
        status: int,
        headers: dict[str, str],
        body: Callable[[], Iterator[bytes]],
        *,
        cut_after: int | None,
        gate: Callable[[int], None] | None,
    ) -> None:
        self.status_code = status
        self.headers = headers
        self._body = body
        self._cut_after = cut_after
        self._gate = gate
        self.closed = False

    def iter_content(self, chunk_size: int) -> Iterator[bytes]:
        sent = 0
        pending = b""
        for block in self._body():
            pending += block
            while len(pending) >= chunk_size:
                piece, pending = pending[:chunk_size], pending[chunk_size:]
                yield from self._emit(piece, sent)
                sent += len(piece)
        if pending:
            yield from self._emit(pending, sent)

    def _emit(self, piece: bytes, sent: int) -> Iterator[bytes]:
        if self._gate is not None:
            self._gate(sent)
        if self._cut_after is not None and sent + len(piece) > self._cut_after:
            keep = self._cut_after - sent
            if keep > 0:
                yield piece[:keep]
            raise requests.exceptions.ChunkedEncodingError("connection reset by peer")
        yield piece

    def close(self) -> None:
        self.closed = True


class FakeSource:
    """Serves `files` (URL path -> bytes) like the academy: ETag, Range, If-Range."""

    def __init__(self, files: Mapping[str, bytes] | None = None) -> None:
        self.files: dict[str, bytes] = dict(files or {})
        self.etags: dict[str, str] = {}  # overrides: a server row whose sha differs
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.responses: list[FakeResponse] = []
        self.cut_after: int | None = None  # body bytes per response, then a reset
        self.ignore_range = False
        self.bad_start = False
        self.send_length = True
        self.extra = b""
        self.gate: Callable[[int], None] | None = None
        self.fail_with: Exception | None = None
        self.lock = threading.Lock()

    def stream(self, path: str, headers: Mapping[str, str]) -> FakeResponse:
        with self.lock:
            self.requests.append((path, dict(headers)))
        if self.fail_with is not None:
            raise self.fail_with
        data = self.files[path]
        etag = f'"{self.etags.get(path, sha(data))}"'
        start, status = 0, 200
        wanted = headers.get("Range")
        if wanted and not self.ignore_range and headers.get("If-Range") in (None, etag):
            start, status = int(wanted.removeprefix("bytes=").rstrip("-")), 206
        body = data[start:] + self.extra
        reply = {"ETag": etag}
        if self.send_length:
            reply["Content-Length"] = str(len(body))
        if status == 206:
            shown = start + 1 if self.bad_start else start
            reply["Content-Range"] = f"bytes {shown}-{len(data) - 1}/{len(data)}"
        response = FakeResponse(
            status, reply, lambda: iter([body]), cut_after=self.cut_after, gate=self.gate
        )
        self.responses.append(response)
        return response


class LazySource:
    """A huge file made of one repeated block, never held in memory as a whole."""

    def __init__(self, block: bytes, count: int) -> None:
        self.block, self.count = block, count
        digest = hashlib.sha256()
        for _ in range(count):
            digest.update(block)
        self.sha256 = digest.hexdigest()
        self.size = len(block) * count

    def stream(self, path: str, headers: Mapping[str, str]) -> FakeResponse:
        return FakeResponse(
            200,
            {"ETag": f'"{self.sha256}"', "Content-Length": str(self.size)},
            lambda: (self.block for _ in range(self.count)),
            cut_after=None,
            gate=None,
        )


DATA = bytes(range(256)) * 40  # 10 KiB
URL = "/v1/courses/c/media/a.bin"


@pytest.fixture
def source() -> FakeSource:
    return FakeSource({URL: DATA})


def fetch(
    source: transfer.MediaSource, dest: Path, data: bytes = DATA, **kwargs: object
) -> TransferStats:
    stats = TransferStats()
    download_file(
        source,
        URL,
        dest,
        size=len(data),
        sha256=sha(data),
        stats=stats,
        chunk_size=kwargs.pop("chunk_size", 1 * KB),  # type: ignore[arg-type]
        disk_margin=0,
        **kwargs,  # type: ignore[arg-type]
    )
    return stats


def test_fresh_download_is_verified_renamed_and_reports_progress(
    source: FakeSource, tmp_path: Path
) -> None:
    dest = tmp_path / "deep" / "a.bin"
    seen: list[tuple[int, int]] = []
    stats = fetch(source, dest, on_progress=lambda d, t: seen.append((d, t)))
    assert dest.read_bytes() == DATA
    assert not part_path(dest).exists()
    assert seen[0] == (0, len(DATA)) and seen[-1] == (len(DATA), len(DATA))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert stats.bytes_received == len(DATA) and stats.requests == 1
    assert source.requests[0][1] == {"Accept-Encoding": "identity"}
    assert all(r.closed for r in source.responses)


def test_resume_sends_range_and_if_range_and_appends(source: FakeSource, tmp_path: Path) -> None:
    dest = tmp_path / "a.bin"
    part_path(dest).write_bytes(DATA[:3000])
    seen: list[int] = []
    stats = fetch(source, dest, on_progress=lambda d, _t: seen.append(d))
    headers = source.requests[0][1]
    assert headers["Range"] == "bytes=3000-"
    assert headers["If-Range"] == f'"{sha(DATA)}"'
    assert seen[0] == 3000
    assert dest.read_bytes() == DATA
    assert stats.resumed == 1 and stats.bytes_received == len(DATA) - 3000


def test_a_200_to_a_range_request_restarts_from_zero(source: FakeSource, tmp_path: Path) -> None:
    dest = tmp_path / "a.bin"
    part_path(dest).write_bytes(b"x" * 3000)  # not even a prefix: must be thrown away
    source.ignore_range = True
    seen: list[int] = []
    stats = fetch(source, dest, on_progress=lambda d, _t: seen.append(d))
    assert dest.read_bytes() == DATA
    assert stats.restarted == 1 and stats.bytes_received == len(DATA)
    assert seen[:2] == [3000, 0]


def test_a_changed_etag_means_the_course_list_is_stale(source: FakeSource, tmp_path: Path) -> None:
    dest = tmp_path / "a.bin"
    part_path(dest).write_bytes(DATA[:3000])
    source.etags[URL] = "f" * 64  # the server holds another version now: If-Range fails
    with pytest.raises(MediaChangedError, match=r"a\.bin changed on the server"):
        fetch(source, dest)
    assert not part_path(dest).exists() and not dest.exists()


def test_a_dropped_connection_keeps_the_part_and_a_retry_resumes(
    source: FakeSource, tmp_path: Path
) -> None:
    dest = tmp_path / "a.bin"
    source.cut_after = 4000
    with pytest.raises(OfflineError, match="continues where it stopped"):
        fetch(source, dest)
    assert part_path(dest).stat().st_size == 4000
    assert not dest.exists()
    source.cut_after = None
    stats = fetch(source, dest)
    assert dest.read_bytes() == DATA
    assert stats.bytes_received == len(DATA) - 4000


def test_a_reply_that_ends_early_keeps_the_part(source: FakeSource, tmp_path: Path) -> None:
    dest = tmp_path / "a.bin"
    source.send_length = False
    source.files[URL] = DATA[:5000]
    source.etags[URL] = sha(DATA)
    with pytest.raises(OfflineError, match=re.escape("after 5.0\u00a0kB of 10.2\u00a0kB of ")):
        fetch(source, dest)
    assert part_path(dest).stat().st_size == 5000


def test_damaged_content_raises_checksum_error_and_leaves_nothing(
    source: FakeSource, tmp_path: Path
) -> None:
    dest = tmp_path / "a.bin"
    damaged = bytearray(DATA)
    damaged[5000] ^= 0xFF
    source.files[URL] = bytes(damaged)
    source.etags[URL] = sha(DATA)  # the server's row still lists the good checksum
    with pytest.raises(ChecksumError, match=r"a\.bin arrived damaged"):
        fetch(source, dest)
    assert not dest.exists() and not part_path(dest).exists()


def test_a_206_at_the_wrong_offset_is_refused(source: FakeSource, tmp_path: Path) -> None:
    dest = tmp_path / "a.bin"
    part_path(dest).write_bytes(DATA[:3000])
    source.bad_start = True
    with pytest.raises(ProtocolError, match="wrong place"):
        fetch(source, dest)
    assert part_path(dest).read_bytes() == DATA[:3000]  # untouched, still resumable


def test_a_longer_reply_never_makes_an_oversize_file(source: FakeSource, tmp_path: Path) -> None:
    dest = tmp_path / "a.bin"
    source.send_length = False  # chunked: only counting can tell
    source.extra = b"more than listed"
    with pytest.raises(ChecksumError, match=r"more of a\.bin than"):
        fetch(source, dest)
    assert not dest.exists() and not part_path(dest).exists()


def test_a_content_length_that_disagrees_fails_before_writing(
    source: FakeSource, tmp_path: Path
) -> None:
    dest = tmp_path / "a.bin"
    source.extra = b"12345"
    with pytest.raises(MediaChangedError, match="10,245 bytes"):
        fetch(source, dest)
    assert not part_path(dest).exists()


def test_cancel_between_chunks_keeps_the_part(source: FakeSource, tmp_path: Path) -> None:
    dest = tmp_path / "a.bin"
    cancel = threading.Event()
    source.gate = lambda sent: cancel.set() if sent >= 2 * KB else None
    with pytest.raises(CancelledError):
        fetch(source, dest, cancel=cancel)
    assert part_path(dest).stat().st_size == 3 * KB  # the chunk in flight is still written
    assert source.responses[0].closed


def test_not_enough_space_is_refused_before_any_request(source: FakeSource, tmp_path: Path) -> None:
    dest = tmp_path / "a.bin"
    with pytest.raises(
        DiskFullError,
        match=rf"Free at least 1 MB on the disk that holds {re.escape(str(tmp_path))} and try",
    ) as raised:
        fetch(source, dest, free=lambda _p: 100)
    assert raised.value.path == tmp_path and raised.value.needed == len(DATA) - 100
    assert source.requests == [] and not part_path(dest).exists()


def test_space_running_out_mid_file_keeps_the_part(source: FakeSource, tmp_path: Path) -> None:
    dest = tmp_path / "a.bin"
    answers = iter([10 * MB, 10 * MB, 10])
    with pytest.raises(DiskFullError, match="Free at least 1 MB") as raised:
        fetch(source, dest, free=lambda _p: next(answers), disk_check_every=2 * KB)
    assert raised.value.needed is not None and 0 < raised.value.needed < len(DATA)
    assert 0 < part_path(dest).stat().st_size < len(DATA)
    assert not dest.exists()


def test_enospc_while_writing_is_a_disk_full_error(
    source: FakeSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "a.bin"
    real = transfer._write_all
    calls = iter(range(100))

    def write(handle: IO[bytes], data: bytes) -> None:
        if next(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(handle, data)

    monkeypatch.setattr(transfer, "_write_all", write)
    with pytest.raises(DiskFullError, match="The disk is full, so the download") as raised:
        fetch(source, dest)
    assert part_path(dest).stat().st_size == 3 * KB
    assert raised.value.needed == len(DATA) - 3 * KB  # what the file still needs (no margin)
    assert "No space left" not in raised.value.message  # the system's words stay in the log


def test_a_complete_part_is_finished_without_the_network(
    source: FakeSource, tmp_path: Path
) -> None:
    dest = tmp_path / "a.bin"
    part_path(dest).write_bytes(DATA)
    fetch(source, dest)
    assert dest.read_bytes() == DATA and source.requests == []


def test_a_part_longer_than_the_file_is_discarded(source: FakeSource, tmp_path: Path) -> None:
    dest = tmp_path / "a.bin"
    part_path(dest).write_bytes(DATA + b"junk")
    fetch(source, dest)
    assert dest.read_bytes() == DATA
    assert "Range" not in source.requests[0][1]


@pytest.mark.timeout(120)
def test_memory_stays_flat_for_a_200_mb_file(tmp_path: Path) -> None:
    source = LazySource(bytes(range(256)) * 4 * KB, 200)  # 1 MiB x 200
    dest = tmp_path / "big.bin"
    tracemalloc.start()
    try:
        download_file(source, URL, dest, size=source.size, sha256=source.sha256, disk_margin=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert dest.stat().st_size == 200 * MB
    assert peak < 8 * MB, f"peak {peak / MB:.1f} MB"


def test_rate_meter_is_a_moving_average() -> None:
    meter = RateMeter(window_s=5.0)
    assert meter.rate(0.0) == 0.0
    meter.add(0.0, 0)
    for second in range(1, 11):
        meter.add(float(second), 1000 if second <= 5 else 4000)
    # Only the last five seconds count: 4000 bytes each.
    assert meter.rate(10.0) == pytest.approx(4000.0)
    assert eta_seconds(8000, 4000.0) == 2.0
    assert eta_seconds(8000, 0.0) is None
    assert eta_seconds(0, 0.0) == 0.0


def test_progress_event_fraction() -> None:
    event = TransferProgress("c", "a.bin", 50, 200, 10.0, 15.0)
    assert event.fraction == 0.25
    assert TransferProgress("c", "", 0, 0, 0.0, 0.0).fraction == 1.0

"""DownloadService with an in-memory academy: whole courses, retries, the queue (priority,
pause, resume, cancel), removal, metered connections, free space."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.core import Core
from desktop.domain.course import CourseDetail
from desktop.domain.errors import (
    CancelledError,
    ChecksumError,
    DiskFullError,
    DownloadBusyError,
    MeteredConnectionError,
    OfflineError,
    ProtocolError,
)
from desktop.domain.transfer import JobStatus, MediaState, TransferProgress
from desktop.services.downloads import DownloadService
from desktop.store.courses import CourseRepo
from desktop.store.media_files import MediaRepo
from desktop.sync.api import ApiClient
from desktop.sync.transfer import part_path
from tests.unit.test_transfer import FakeSource
from tests.unit.test_transfer_store import detail

KB = 1024
FILES = {
    "audio/one.mp3": bytes(range(256)) * 32,  # 8 KiB
    "img/two.png": b"\x89PNG" * 1024,  # 4 KiB
    "three.txt": b"three" * 100,
}


class FakeCourses:
    """Hands out course structures in turn (the last one repeats) and stores them."""

    def __init__(self, repo: CourseRepo, *details: CourseDetail) -> None:
        self._repo = repo
        self._details = list(details)
        self.fetched = 0

    def fetch_course(self, course_id: str) -> CourseDetail:
        found = [d for d in self._details if d.course.id == course_id]
        chosen = found[min(self.fetched, len(found) - 1)]
        self.fetched += 1
        self._repo.save_detail(chosen)
        return chosen


class Rig:
    def __init__(self, core: Core, root: Path, files: dict[str, dict[str, bytes]]) -> None:
        self.core = core
        self.root = root
        self.source = FakeSource(
            {
                ApiClient.media_path(course_id, path): data
                for course_id, course_files in files.items()
                for path, data in course_files.items()
            }
        )
        self.courses = FakeCourses(
            CourseRepo(core.store), *(detail(c, course_files) for c, course_files in files.items())
        )
        self.media = MediaRepo(core.store)
        self.metered: bool | None = None
        self.unmetered_only = False
        self.service = DownloadService(
            self.courses,
            self.media,
            lambda: self.source,
            root,
            unmetered_only=lambda: self.unmetered_only,
            is_metered=lambda: self.metered,
            chunk_size=1 * KB,
            disk_margin=0,
            retry_delay_s=0.0,
            progress_interval_s=0.0,
        )

    def states(self, course_id: str = "c1") -> dict[str, MediaState]:
        return {f.path: f.state for f in self.media.files(course_id)}

    def on_disk(self, course_id: str = "c1") -> dict[str, bytes]:
        folder = self.root / course_id
        return {
            p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file()
        }


@pytest.fixture
def rig(make_core: Callable[..., Core], tmp_path: Path) -> Rig:
    return Rig(make_core(), tmp_path / "media", {"c1": FILES, "c2": {"x.bin": b"x" * 3000}})


def test_a_whole_course_downloads_with_course_level_progress(rig: Rig) -> None:
    events: list[TransferProgress] = []
    report = rig.service.download_course("c1", on_progress=events.append)
    assert rig.on_disk() == FILES
    assert set(rig.states().values()) == {MediaState.AVAILABLE}
    total = sum(len(d) for d in FILES.values())
    assert report.files_downloaded == 3 and report.total_bytes == total
    assert report.stats.bytes_received == total and report.stats.files_completed == 3
    assert {e.total_bytes for e in events} == {total}
    assert [e.done_bytes for e in events] == sorted(e.done_bytes for e in events)
    assert events[-1].done_bytes == total and events[-1].eta_s == 0.0
    assert rig.service.storage_used() == {"c1": total}
    assert rig.service.states()["c1"].status is JobStatus.DONE
    # Nothing left to fetch: a second run asks the academy for the structure only.
    again = rig.service.download_course("c1")
    assert again.files_downloaded == 0 and len(rig.source.requests) == 3


def test_a_dropped_connection_resumes_as_long_as_bytes_arrive(rig: Rig) -> None:
    rig.source.cut_after = 1500
    rig.service.download_course("c1")
    assert rig.on_disk() == FILES
    ranged = [h for _, h in rig.source.requests if "Range" in h]
    assert len(ranged) >= 5
    total = sum(len(d) for d in FILES.values())
    assert rig.service.stats.bytes_received == total  # nothing fetched twice


def test_no_progress_at_all_gives_up_with_offline_error(rig: Rig) -> None:
    rig.source.fail_with = OfflineError("Cannot reach the academy")
    with pytest.raises(OfflineError, match="Cannot reach"):
        rig.service.download_course("c1")
    assert len(rig.source.requests) == rig.service.attempts
    failed = rig.service.states()["c1"]
    assert failed.status is JobStatus.FAILED and "Cannot reach" in failed.message


def test_a_damaged_file_is_fetched_once_more_then_fails_the_course(rig: Rig) -> None:
    url = ApiClient.media_path("c1", "img/two.png")
    good = rig.source.files[url]
    rig.source.etags[url] = hashlib.sha256(good).hexdigest()
    rig.source.files[url] = b"X" + good[1:]
    with pytest.raises(ChecksumError, match=r"c1/img/two\.png arrived damaged"):
        rig.service.download_course("c1")
    assert rig.states()["img/two.png"] is MediaState.MISSING
    assert "img/two.png" not in rig.on_disk()
    assert not part_path(rig.root / "c1" / "img" / "two.png").exists()
    assert sum(1 for p, _ in rig.source.requests if p == url) == 2
    assert rig.service.stats.checksum_failures == 2
    # A one-off glitch is cured by the retry.
    calls = {"n": 0}
    real_stream = rig.source.stream

    def glitch_once(path: str, headers: dict[str, str]) -> object:
        calls["n"] += 1
        rig.source.files[url] = b"X" + good[1:] if calls["n"] == 1 else good
        return real_stream(path, headers)

    rig.source.stream = glitch_once  # type: ignore[method-assign,assignment]
    rig.service.download_course("c1")
    assert rig.on_disk() == FILES


def test_a_file_changed_on_the_server_refreshes_the_course_once(rig: Rig) -> None:
    new = b"new three" * 50
    rig.courses._details.append(detail("c1", {**FILES, "three.txt": new}))
    rig.source.files[ApiClient.media_path("c1", "three.txt")] = new
    rig.service.download_course("c1")
    assert rig.on_disk() == {**FILES, "three.txt": new}
    assert rig.courses.fetched == 2


def test_an_update_downloads_only_the_changed_file(rig: Rig) -> None:
    rig.service.download_course("c1")
    before = len(rig.source.requests)
    new = b"updated" * 30
    rig.courses._details.append(detail("c1", {**FILES, "three.txt": new}))
    rig.source.files[ApiClient.media_path("c1", "three.txt")] = new
    report = rig.service.download_course("c1")
    assert report.files_downloaded == 1
    assert [p for p, _ in rig.source.requests[before:]] == [ApiClient.media_path("c1", "three.txt")]
    assert rig.on_disk()["three.txt"] == new


def test_not_enough_space_fails_before_anything_is_written(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rig.service, "_free", lambda _p: 1000)
    with pytest.raises(DiskFullError, match=r"Free at least 1 MB on the disk that holds"):
        rig.service.download_course("c1")
    assert rig.source.requests == []
    assert not (rig.root / "c1").exists()


def test_metered_connections_are_refused_only_when_asked(rig: Rig) -> None:
    rig.unmetered_only, rig.metered = True, True
    with pytest.raises(MeteredConnectionError, match="metered"):
        rig.service.download_course("c1")
    assert rig.source.requests == [] and rig.courses.fetched == 0
    rig.metered = None  # the OS does not know: allowed
    rig.service.download_course("c1")
    rig.unmetered_only, rig.metered = False, True
    rig.service.download_course("c2")


def test_unsafe_paths_from_the_server_are_refused(rig: Rig) -> None:
    rig.courses._details.append(detail("c1", {"../escape.txt": b"x"}))
    rig.courses.fetched = 1
    with pytest.raises(ProtocolError, match="cannot save safely"):
        rig.service.download_course("c1")
    with pytest.raises(ProtocolError, match="cannot save safely"):
        rig.service.download_course("../c1")


def test_the_queue_runs_the_highest_priority_first(rig: Rig) -> None:
    rig.service.enqueue("c1")
    rig.service.enqueue("c2", priority=5)
    assert rig.service.next_job() == "c2"
    assert {c: s.status for c, s in rig.service.states().items()} == {
        "c1": JobStatus.QUEUED,
        "c2": JobStatus.QUEUED,
    }
    assert rig.service.run_all() == ["c2", "c1"]
    assert {c: s.status for c, s in rig.service.states().items()} == {
        "c1": JobStatus.DONE,
        "c2": JobStatus.DONE,
    }
    assert rig.service.run_next() is None
    rig.service.forget_finished()
    assert rig.service.states() == {}


def test_a_failure_in_the_queue_is_a_state_not_an_exception(rig: Rig) -> None:
    rig.service.enqueue("c1")
    rig.source.fail_with = OfflineError("Cannot reach the academy")
    assert rig.service.run_next() == "c1"
    assert rig.service.states()["c1"].status is JobStatus.FAILED
    rig.source.fail_with = None
    assert rig.service.resume("c1")
    rig.service.run_next()
    assert rig.service.states()["c1"].status is JobStatus.DONE


def stop_during(rig: Rig, action: Callable[[], object]) -> None:
    """Run `action` (from the download's own thread) once 2 KiB of a file have arrived."""
    fired = threading.Event()

    def gate(sent: int) -> None:
        if sent >= 2 * KB and not fired.is_set():
            fired.set()
            action()

    rig.source.gate = gate


def test_pause_keeps_parts_and_resume_continues_with_a_range(rig: Rig) -> None:
    rig.service.enqueue("c1")
    stop_during(rig, lambda: rig.service.pause("c1"))
    assert rig.service.run_next() == "c1"
    assert rig.service.states()["c1"].status is JobStatus.PAUSED
    assert MediaState.PARTIAL in rig.states().values()
    parts = list((rig.root / "c1").rglob("*.part"))
    assert len(parts) == 1 and parts[0].stat().st_size == 3 * KB
    assert rig.service.run_next() is None  # paused is not queued
    assert rig.service.resume("c1")
    rig.source.gate = None
    rig.service.run_next()
    assert rig.service.states()["c1"].status is JobStatus.DONE
    assert rig.on_disk() == FILES
    assert any(h.get("Range") == f"bytes={3 * KB}-" for _, h in rig.source.requests)


def test_a_pause_then_resume_while_stopping_queues_it_again(rig: Rig) -> None:
    rig.service.enqueue("c1")

    def pause_and_resume() -> None:
        rig.service.pause("c1")
        rig.service.resume("c1")

    stop_during(rig, pause_and_resume)
    rig.service.run_next()
    assert rig.service.states()["c1"].status is JobStatus.QUEUED
    rig.service.run_next()
    assert rig.service.states()["c1"].status is JobStatus.DONE


def test_cancel_deletes_parts_and_drops_the_course(rig: Rig) -> None:
    rig.service.enqueue("c1")
    stop_during(rig, lambda: rig.service.cancel("c1"))
    rig.service.run_next()
    assert "c1" not in rig.service.states()
    assert not list((rig.root / "c1").rglob("*.part"))
    assert MediaState.PARTIAL not in rig.states().values()
    rig.service.enqueue("c2")
    assert rig.service.cancel("c2")
    assert rig.service.states() == {}
    assert not rig.service.cancel("nothing")


def test_a_direct_download_is_cancelled_by_its_token(rig: Rig) -> None:
    token = threading.Event()
    stop_during(rig, token.set)
    with pytest.raises(CancelledError):
        rig.service.download_course("c1", cancel=token)
    assert rig.service.states()["c1"].status is JobStatus.PAUSED
    assert list((rig.root / "c1").rglob("*.part"))


def test_the_same_course_never_downloads_twice_at_once(rig: Rig) -> None:
    seen: list[BaseException] = []

    def second() -> None:
        try:
            rig.service.download_course("c1")
        except DownloadBusyError as exc:
            seen.append(exc)

    stop_during(rig, second)
    rig.service.download_course("c1")
    assert len(seen) == 1
    assert rig.on_disk() == FILES


def test_remove_course_media_keeps_lessons(rig: Rig) -> None:
    rig.service.download_course("c1")
    rig.service.download_course("c2")
    assert rig.service.remove_course_media("c1")
    assert not (rig.root / "c1").exists()
    assert set(rig.states().values()) == {MediaState.MISSING}
    assert [lesson.id for lesson in CourseRepo(rig.core.store).lessons("c1")] == ["c1-1"]
    assert rig.service.storage_used() == {"c2": 3000}


def test_removing_a_course_while_it_downloads_stops_it_first(rig: Rig) -> None:
    answers: list[bool] = []
    stop_during(rig, lambda: answers.append(rig.service.remove_course_media("c1")))
    with pytest.raises(CancelledError):
        rig.service.download_course("c1")
    assert answers == [False]
    assert not (rig.root / "c1").exists()
    assert set(rig.states().values()) == {MediaState.MISSING}
    assert "c1" not in rig.service.states()


def test_reconcile_skips_nothing_when_idle(rig: Rig) -> None:
    rig.service.download_course("c1")
    (rig.root / "c1" / "three.txt").unlink()
    report = rig.service.reconcile()
    assert report.marked_missing == (("c1", "three.txt"),)
    rig.service.download_course("c1")
    assert rig.on_disk() == FILES

"""Recordings sent to a real academy process over real HTTP, through the fault proxy where a fault
is needed: resets mid-body, lost replies, truncated replies, a slow link cut off, a server killed
mid-upload, a cancel, an expiry; and the outbox action that waits for its upload."""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.core import Core
from desktop.domain.errors import DiskFullError, NotLoggedInError, OfflineError, SamenError
from desktop.domain.sync import OutboxState
from desktop.domain.upload import UploadState
from desktop.services.session import SessionService
from desktop.services.uploads import MAX_BYTES_KEY
from desktop.store.outbox import WAITING_FOR_UPLOAD, OutboxRepo
from desktop.store.sync_state import SyncStateRepo
from desktop.sync.uploads import CHUNK_SIZE, TusUploader
from tests.academy_database import rows
from tests.faults.proxy import Fault, FaultProxy
from tests.integration.sync_helpers import client
from tests.server.sync_api import add_learner
from tests.server_process import LiveServer, start_server
from tests.small_disk import small_disk

MB = 1024 * 1024


def quick_retries(session: SessionService) -> TusUploader:
    return TusUploader(session.client(), retry_pause_s=0.01)


def recording(folder: Path, size: int, seed: int, name: str = "talk.m4a") -> tuple[Path, bytes]:
    data = random.Random(seed).randbytes(size)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path, data


def learner_core(tmp_path: Path, academy: LiveServer, url: str | None = None) -> Core:
    """A client of a learner of its own (the academy limits unfinished uploads per learner)."""
    core = client(tmp_path / "client", url or academy.url, add_learner(academy, "recorder"))
    core.uploads.uploader = quick_retries
    return core


def on_server(academy: LiveServer, upload_id: str) -> Path:
    return academy.data_dir / "uploads" / upload_id


def server_offset(academy: LiveServer, upload_id: str) -> int:
    found = rows(academy.data_dir, "SELECT received FROM uploads WHERE id = :id", id=upload_id)
    return 0 if not found else int(found[0][0])


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen"
        time.sleep(0.02)


# -- faults on the way -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "options", "only_replies_lost"),
    [
        # Every connection carries 700 kB of body, then is reset: each PATCH breaks mid-body.
        (Fault.RESET_MID_REQUEST, {"reset_every_bytes": 700_000}, False),
        # A slow link that drops after 1.5 MB per connection.
        (Fault.RESET_MID_REQUEST, {"reset_every_bytes": 1_500_000, "rate": 4_000_000}, False),
        # Replies lost after the academy stored the bytes (a reset every ~3 replies).
        (Fault.RESET_EVERY, {"reset_every_bytes": 700}, True),
        # The academy's reply to three PATCHes cut inside its status line.
        (Fault.TRUNCATE, {"path": "PATCH", "times": 3, "truncate_after": 12}, True),
    ],
    ids=["reset-mid-body", "slow-then-reset", "replies-reset", "replies-truncated"],
)
def test_a_recording_arrives_byte_identical_through_faults(
    academy: LiveServer,
    proxy: FaultProxy,
    tmp_path: Path,
    fault: Fault,
    options: dict[str, object],
    only_replies_lost: bool,
) -> None:
    core = learner_core(tmp_path, academy, proxy.url)
    path, data = recording(tmp_path / "mine", 5 * MB + 4321, seed=1)
    upload_id = core.uploads.attach(path)
    proxy.set(fault, **options)  # type: ignore[arg-type]
    report = core.uploads.send_pending()
    proxy.set(Fault.PASS)

    assert (report.completed, report.failed) == (1, 0)
    assert proxy.faults_applied > 0
    arrived = on_server(academy, upload_id)
    assert arrived.read_bytes() == data  # promoted only after the academy's sha256 matched
    state = core.uploads.state(upload_id)
    assert state is not None and state.state is UploadState.DONE
    assert hashlib.sha256(arrived.read_bytes()).hexdigest() == state.sha256
    stats = core.uploads.last_stats[upload_id]
    assert stats.interrupted >= 1
    if only_replies_lost:
        # The bytes had arrived; HEAD said so: nothing went twice.
        assert stats.bytes_sent == len(data)
    else:
        # At most the unconfirmed rest of each broken PATCH went twice.
        assert len(data) < stats.bytes_sent <= len(data) + stats.interrupted * CHUNK_SIZE
    assert not Path(state.path).exists()  # the academy has it: Samen's copy is gone


def test_a_server_killed_mid_upload_resumes_from_its_offset(
    tmp_path: Path,
) -> None:
    academy = start_server(tmp_path / "academy", seed_demo=True)
    try:
        with FaultProxy("127.0.0.1", academy.port) as proxy:
            core = learner_core(tmp_path, academy, proxy.url)
            path, data = recording(tmp_path / "mine", 6 * MB, seed=2, name="talk.webm")
            upload_id = core.uploads.attach(path)
            proxy.set(Fault.SLOW, rate=1_500_000)
            failure: list[BaseException] = []

            def send() -> None:
                try:
                    core.uploads.send_pending()
                except BaseException as exc:
                    failure.append(exc)

            sender = threading.Thread(target=send)
            sender.start()
            wait_for(lambda: server_offset(academy, upload_id) >= 2 * MB, "2 MB arriving")
            academy.kill()
            sender.join(60)
            assert not sender.is_alive()
            assert isinstance(failure[0], OfflineError)
            assert core.uploads.state(upload_id).state is UploadState.WAITING  # type: ignore[union-attr]

            academy.start()  # same port, same data
            proxy.set(Fault.PASS)
            assert core.uploads.send_pending().completed == 1
            stats = core.uploads.last_stats[upload_id]
            assert stats.resumed_at is not None and stats.resumed_at >= 2 * MB
            assert stats.bytes_sent <= len(data) - stats.resumed_at
            assert on_server(academy, upload_id).read_bytes() == data
    finally:
        academy.stop()


def test_a_cancelled_upload_resumes_later(academy: LiveServer, tmp_path: Path) -> None:
    core = learner_core(tmp_path, academy)
    path, data = recording(tmp_path / "mine", 4 * MB + 17, seed=3)
    upload_id = core.uploads.attach(path)
    cancel = threading.Event()

    def stop_after_two_mb(_upload: str, done: int, _size: int) -> None:
        if done >= 2 * MB:
            cancel.set()

    first = core.uploads.send_pending(cancel, stop_after_two_mb)
    assert (first.completed, first.waiting) == (0, 1)
    assert core.uploads.state(upload_id).state is UploadState.WAITING  # type: ignore[union-attr]
    sent_before = core.uploads.last_stats[upload_id].bytes_sent
    assert server_offset(academy, upload_id) == sent_before == 2 * MB

    progress: list[int] = []
    second = core.uploads.send_pending(on_progress=lambda _u, done, _s: progress.append(done))
    assert second.completed == 1
    stats = core.uploads.last_stats[upload_id]
    assert stats.resumed_at == 2 * MB
    assert sent_before + stats.bytes_sent == len(data)  # nothing twice
    assert progress[0] == 2 * MB and progress[-1] == len(data)
    assert on_server(academy, upload_id).read_bytes() == data


def test_the_original_may_be_deleted_after_attaching(academy: LiveServer, tmp_path: Path) -> None:
    core = learner_core(tmp_path, academy)
    path, data = recording(tmp_path / "mine", 1 * MB + 5, seed=4, name="Opname één.MP3")
    upload_id = core.uploads.attach(path)
    path.unlink()
    pending = core.uploads.pending()
    assert [(u.id, u.filename, u.content_type, u.size) for u in pending] == [
        (upload_id, "Opname één.MP3", "audio/mpeg", len(data))
    ]
    assert core.uploads.send_pending().completed == 1
    assert on_server(academy, upload_id).read_bytes() == data
    assert core.uploads.pending() == []


def test_a_copy_damaged_after_attaching_is_sent_twice_then_refused(
    academy: LiveServer, tmp_path: Path
) -> None:
    core = learner_core(tmp_path, academy)
    path, data = recording(tmp_path / "mine", 300_000, seed=5)
    upload_id = core.uploads.attach(path)
    account = core.session.account()
    assert account is not None
    with core.store.write() as db:
        mutation_id = OutboxRepo.enqueue(
            db,
            client_id=account.client_id,
            kind="feedback",
            name="progress.update",
            args={"course_id": "x", "lesson_id": "x", "position_ms": 1, "completed": False},
            waits_for=upload_id,
        )
    copy = Path(core.uploads.state(upload_id).path)  # type: ignore[union-attr]
    copy.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # a bit flipped on Samen's own disk

    report = core.uploads.send_pending()
    assert (report.completed, report.failed) == (0, 1)
    failed = core.uploads.state(upload_id)
    assert failed is not None and failed.state is UploadState.FAILED
    assert "arrived damaged twice" in failed.error
    assert core.uploads.last_stats[upload_id].restarts == 2
    assert not on_server(academy, upload_id).exists()
    [item] = [i for i in core.queue.items() if i.mutation_id == mutation_id]
    assert item.state is OutboxState.REJECTED and item.seq is None
    assert (item.code, item.message) == ("upload_failed", failed.error)


def test_an_expired_upload_is_created_again(tmp_path: Path) -> None:
    academy = start_server(
        tmp_path / "academy", seed_demo=True, extra_args=("--upload-expiry-s", "1")
    )
    try:
        core = learner_core(tmp_path, academy)
        path, data = recording(tmp_path / "mine", 3 * MB, seed=6)
        upload_id = core.uploads.attach(path)
        cancel = threading.Event()
        core.uploads.send_pending(cancel, lambda _u, done, _s: cancel.set() if done else None)
        assert server_offset(academy, upload_id) == MB
        time.sleep(1.5)  # let it expire at the academy (setup, not a measurement)
        assert core.uploads.send_pending().completed == 1
        assert core.uploads.last_stats[upload_id].resumed_at == 0  # 410, created again
        assert on_server(academy, upload_id).read_bytes() == data
    finally:
        academy.stop()


def test_a_full_disk_while_attaching_says_so_and_leaves_nothing(
    academy: LiveServer, tmp_path: Path
) -> None:
    core = learner_core(tmp_path, academy)
    path, _data = recording(tmp_path / "mine", 3 * MB, seed=7)
    with small_disk(core.paths.upload_dir, "1m"):
        with pytest.raises(DiskFullError) as raised:
            core.uploads.attach(path)
        assert "cannot keep a copy" in raised.value.message
        assert "Free at least 3 MB" in raised.value.message  # the recording's size
        assert list(core.paths.upload_dir.iterdir()) == []
    assert core.uploads.pending() == []


# -- the action that waits for its recording -------------------------------------------------------


def test_an_action_waits_for_its_upload_then_leaves_in_the_same_window(
    academy: LiveServer, proxy: FaultProxy, tmp_path: Path
) -> None:
    core = learner_core(tmp_path, academy, proxy.url)
    account = core.session.account()
    assert account is not None
    proxy.set(Fault.RESET_ON_CONNECT)  # offline from here on
    path, data = recording(tmp_path / "mine", 2 * MB + 3, seed=8)
    upload_id = core.uploads.attach(path)  # offline: nothing needs the academy
    progress = {"course_id": "learning-together", "lesson_id": "learning-together-1"}
    with core.store.write() as db:
        waiting = OutboxRepo.enqueue(
            db,
            client_id=account.client_id,
            kind="progress",
            name="progress.update",
            args={**progress, "position_ms": 1000, "completed": False},
            waits_for=upload_id,
        )
        later = OutboxRepo.enqueue(
            db,
            client_id=account.client_id,
            kind="progress",
            name="progress.update",
            args={**progress, "position_ms": 2000, "completed": False},
        )
    offline = core.sync.run_window()
    assert offline.offline and offline.uploaded == 0
    by_id = {i.mutation_id: i for i in core.queue.items()}
    assert by_id[waiting].seq is None and by_id[waiting].message == WAITING_FOR_UPLOAD
    assert by_id[waiting].state is OutboxState.PENDING
    assert by_id[waiting].waits_for == upload_id

    # Online, but the upload breaks off: the other action goes, the waiting one does not.
    proxy.set(Fault.RESET_MID_REQUEST, reset_every_bytes=600_000, path="PATCH", times=1)
    core.uploads.uploader = lambda s: TusUploader(s.client(), retry_pause_s=0.01, max_failures=0)
    broken = core.sync.run_window()
    assert broken.offline and broken.uploaded == 0
    by_id = {i.mutation_id: i for i in core.queue.items()}
    assert later not in by_id  # acked
    assert by_id[waiting].seq is None

    core.uploads.uploader = quick_retries
    proxy.set(Fault.PASS)
    window = core.sync.run_window()
    assert window.ok, window.error
    assert window.uploaded == 1 and window.acked == 1
    assert core.queue.items() == []
    applied = OutboxRepo(core.store).items(states=("acked",), client_id=account.client_id)
    seqs = {item.mutation_id: item.seq or 0 for item in applied}
    assert seqs[waiting] == seqs[later] + 1  # numbered when it became sendable, after `later`
    assert on_server(academy, upload_id).read_bytes() == data


# -- attaching -------------------------------------------------------------------------------------


def test_attach_explains_what_cannot_be_sent(academy: LiveServer, tmp_path: Path) -> None:
    core = learner_core(tmp_path, academy)
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "empty.mp3").write_bytes(b"")
    (folder / "notes.txt").write_bytes(b"hello")
    cases = {
        folder / "missing.mp3": "does not exist",
        folder: "not a file that can be sent",
        folder / "empty.mp3": "is empty",
        folder / "notes.txt": "not an audio or video recording",
    }
    for path, says in cases.items():
        with pytest.raises(SamenError) as raised:
            core.uploads.attach(path)
        assert says in raised.value.message, path
    # A type the learner names wins over the suffix.
    named = core.uploads.attach(folder / "notes.txt", content_type="audio/ogg")
    assert core.uploads.state(named).content_type == "audio/ogg"  # type: ignore[union-attr]
    assert len(core.uploads.pending()) == 1


def test_attach_knows_the_academys_limit_offline(academy: LiveServer, tmp_path: Path) -> None:
    core = learner_core(tmp_path, academy)
    path, _data = recording(tmp_path / "mine", 2000, seed=9)
    assert core.uploads.max_bytes() == 1024**3
    core.uploads.attach(path)
    assert core.uploads.send_pending().completed == 1  # asks the academy (OPTIONS) on the way
    assert core.uploads.max_bytes() == 1024**3
    SyncStateRepo(core.store).set(MAX_BYTES_KEY, "1000")  # as a smaller academy would say
    with pytest.raises(SamenError) as raised:
        core.uploads.attach(path)
    assert raised.value.message == (
        "talk.m4a is 2.0\u00a0kB; the academy accepts recordings of at most 1.0\u00a0kB."
    )


def test_attach_needs_a_login(make_core: Callable[..., Core], tmp_path: Path) -> None:
    path, _data = recording(tmp_path / "mine", 10, seed=10)
    with pytest.raises(NotLoggedInError):
        make_core().uploads.attach(path)

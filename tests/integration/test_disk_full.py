"""A full disk is a sentence, not a traceback: the real `samen` on a data folder that lives on a
small tmpfs, against the real academy. Each command says the disk is full, how much to free and
where, and exits 1; what was queued stays queued; once space is freed the same commands succeed
and the queued work reaches the academy exactly once."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.domain.errors import DiskFullError
from desktop.sync.api import ApiClient
from tests.cli_runner import SECRET_SERVICE, login_samen, run_samen
from tests.faults.proxy import Fault, FaultProxy
from tests.integration.sync_helpers import AGREE, POLL, client, server_rows
from tests.server.sync_api import add_learner
from tests.server_process import DEMO_PASSWORD, LiveServer, start_server
from tests.small_disk import small_disk

COURSE = "learning-together"
THREAD = "learning-together-thread-1"
# SQLite's shared-memory file (32 KiB) and one page more: the store opens and reads, but no
# write transaction fits.
ROOM_TO_READ = 40 * 1024


@pytest.fixture(scope="module")
def disk_academy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("disk-academy"), seed_demo=True)
    yield server
    server.stop()


def says_disk_full(done: subprocess.CompletedProcess[str], data_dir: Path) -> int:
    """Assert `done` failed with the full-disk sentence; returns the MB it asks to free."""
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output and "OperationalError" not in output, output
    found = re.search(
        r"The disk is full, so [^.]+\. Free at least (\d+) MB on the disk that holds "
        + re.escape(str(data_dir))
        + r" and try again\.",
        done.stderr,
    )
    assert found, done.stderr
    return int(found.group(1))


def posts_with(server: LiveServer, body: str) -> int:
    return len(server_rows(server, "SELECT id FROM forum_posts WHERE body = :body", body=body))


def applied(server: LiveServer, username: str) -> list[str]:
    return [
        row[0]
        for row in server_rows(
            server,
            "SELECT m.status FROM mutation_log m JOIN sync_client c USING (client_id) "
            "JOIN users u ON u.id = c.user_id WHERE u.username = :name ORDER BY m.seq",
            name=username,
        )
    ]


@pytest.mark.keyring
@pytest.mark.timeout(180)
def test_commands_on_a_full_disk_say_so_then_carry_on_when_space_returns(
    tmp_path: Path, disk_academy: LiveServer, secret_env: dict[str, str]
) -> None:
    env = {**secret_env, **SECRET_SERVICE}
    user = add_learner(disk_academy)
    queued_body, later_body = tmp_path / "queued.md", tmp_path / "later.md"
    queued_body.write_text("Queued before the disk filled up.", encoding="utf-8")
    later_body.write_text("Written once there was room again.", encoding="utf-8")
    # Room for the course and the 8 MB a download keeps free, once the filler is gone.
    with small_disk(tmp_path / "disk", "16m") as disk:
        data = disk.root / "samen"
        assert login_samen(data, disk_academy.url, DEMO_PASSWORD, user, env=env).returncode == 0
        assert run_samen(data, "sync", env=env).returncode == 0  # the thread and the poll
        queued = run_samen(data, "forum", "post", THREAD, "--body-file", str(queued_body), env=env)
        assert queued.returncode == 0, queued.stderr

        disk.fill(leave=ROOM_TO_READ)
        post = run_samen(data, "forum", "post", THREAD, "--body-file", str(later_body), env=env)
        assert says_disk_full(post, data) == 50
        assert says_disk_full(run_samen(data, "poll", "vote", POLL, AGREE, env=env), data) == 50
        assert says_disk_full(run_samen(data, "sync", env=env), data) == 50
        # The course's structure does not fit, and its files come next: room for both.
        assert says_disk_full(run_samen(data, "download", COURSE, env=env), data) > 50
        status = run_samen(data, "status", "--json", env=env)  # reading still works
        assert status.returncode == 0, status.stderr
        assert json.loads(status.stdout)["pending"] == 1  # the reply queued before: kept
        assert posts_with(disk_academy, queued_body.read_text()) == 0

        disk.free()
        post = run_samen(data, "forum", "post", THREAD, "--body-file", str(later_body), env=env)
        assert post.returncode == 0, post.stderr
        vote = run_samen(data, "poll", "vote", POLL, AGREE, env=env)
        assert vote.returncode == 0, vote.stderr
        synced = run_samen(data, "sync", env=env)
        assert synced.returncode == 0, synced.stdout + synced.stderr
        download = run_samen(data, "download", COURSE, env=env)
        assert download.returncode == 0, download.stderr
        assert (data / "media" / COURSE).is_dir()
        again = run_samen(data, "sync", "--json", env=env)
        assert again.returncode == 0 and json.loads(again.stdout)["pending"] == 0

    assert posts_with(disk_academy, queued_body.read_text()) == 1
    assert posts_with(disk_academy, later_body.read_text()) == 1
    assert applied(disk_academy, user) == ["applied"] * 3  # two replies and one vote, once each
    (vote_row,) = server_rows(
        disk_academy,
        "SELECT option_id FROM poll_votes JOIN users u ON u.id = user_id "
        "WHERE poll_id = :poll AND u.username = :name",
        poll=POLL,
        name=user,
    )
    assert vote_row == (AGREE,)


def test_a_disk_with_no_room_at_all_is_said_too(tmp_path: Path) -> None:
    """Not even SQLite's shared-memory file fits: it says "disk I/O error", which on a disk
    with nothing free is a full disk too."""
    with small_disk(tmp_path / "disk", "2m") as disk:
        data = disk.root / "samen"
        assert run_samen(data, "status").returncode == 0  # makes the folders and the store
        disk.fill()
        assert says_disk_full(run_samen(data, "status"), data) == 50
        disk.free()
        assert run_samen(data, "status").returncode == 0


@pytest.mark.timeout(120)
def test_a_full_disk_after_the_academy_took_a_batch_loses_and_doubles_nothing(
    tmp_path: Path, disk_academy: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The push got through, then the disk filled before the answers were recorded (nor the
    batch returned to the queue): the window says so, and the next window in the same process
    sends the batch again; the academy keeps one copy."""
    user = add_learner(disk_academy)
    with small_disk(tmp_path / "disk", "4m") as disk:
        core = client(disk.root / "samen", disk_academy.url, user)
        try:
            assert core.sync.run_window().ok
            core.forum.reply(THREAD, "Sent while another program filled the disk.")
            real_push = ApiClient.push

            def push_then_fill(self: ApiClient, *args: object, **kwargs: object) -> object:
                reply = real_push(self, *args, **kwargs)  # type: ignore[arg-type]
                # An empty write-ahead log: the next writes need new space, none reuses a page.
                core.store.pragma("wal_checkpoint(TRUNCATE)")
                disk.fill()
                return reply

            monkeypatch.setattr(ApiClient, "push", push_then_fill)
            failed = core.sync.run_window()
            assert not failed.ok and failed.error is not None
            assert failed.error.startswith("The disk is full") and "Free at least 50 MB" in (
                failed.error
            )
            assert core.status.status(probe=False).last_error == failed.error  # kept in memory
            with core.store.read() as db:
                states = [row[0] for row in db.execute("SELECT state FROM outbox")]
            assert states == ["sending"]  # not even returning it to the queue fitted
            with pytest.raises(DiskFullError):
                core.forum.reply(THREAD, "Not saved: no room.")
            monkeypatch.setattr(ApiClient, "push", real_push)

            disk.free()
            done = core.sync.run_window()
            assert done.ok and done.pending == 0, done
            assert core.status.status(probe=False).last_error is None
        finally:
            core.close()
    assert posts_with(disk_academy, "Sent while another program filled the disk.") == 1
    assert posts_with(disk_academy, "Not saved: no room.") == 0
    assert applied(disk_academy, user) == ["applied"]


@pytest.mark.timeout(120)
def test_a_batch_the_disk_could_not_return_to_the_queue_leaves_in_the_next_window(
    tmp_path: Path, disk_academy: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The push was lost on the way and then there was no room to mark the batch waiting again
    (it stays 'sending', which the academy never saw): the next window of the same process
    returns it to the queue first, instead of only after a restart."""
    user = add_learner(disk_academy)
    with (
        small_disk(tmp_path / "disk", "4m") as disk,
        FaultProxy("127.0.0.1", disk_academy.port) as proxy,
    ):
        core = client(disk.root / "samen", proxy.url, user)
        try:
            assert core.sync.run_window().ok
            core.forum.reply(THREAD, "Lost on the way, then stuck for want of space.")
            real_push = ApiClient.push

            def fill_then_push(self: ApiClient, *args: object, **kwargs: object) -> object:
                core.store.pragma("wal_checkpoint(TRUNCATE)")  # no log pages to reuse
                disk.fill()
                proxy.set(Fault.RESET_ON_CONNECT)
                return real_push(self, *args, **kwargs)  # type: ignore[arg-type]

            monkeypatch.setattr(ApiClient, "push", fill_then_push)
            failed = core.sync.run_window()
            assert not failed.ok and failed.error is not None
            assert failed.error.startswith("The disk is full"), failed.error
            with core.store.read() as db:
                states = [row[0] for row in db.execute("SELECT state FROM outbox")]
            assert states == ["sending"]
            monkeypatch.setattr(ApiClient, "push", real_push)
            proxy.set(Fault.PASS)

            disk.free()
            done = core.sync.run_window()
            assert done.ok and done.pending == 0, done
        finally:
            core.close()
    assert posts_with(disk_academy, "Lost on the way, then stuck for want of space.") == 1

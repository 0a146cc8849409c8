"""Private files are private: the client's and the server's folders are 0700 and their files
0600 under a permissive umask, and ones left open by an older version are tightened at start-up.
Real `samen` and `samen-server` processes, real SQLite files, a real supporter e-mail on disk."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.store.db import Store
from tests.academy_database import on_postgresql
from tests.cli_runner import SECRET_SERVICE, login_samen, run_samen
from tests.integration.sync_helpers import client
from tests.server.sync_api import add_learner
from tests.server_process import LiveServer, run_cli, start_server

COURSE, LESSON = "learning-together", "learning-together-2"

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """The common default (022), which would leave new files readable by every account;
    subprocesses started by the test inherit it."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def open_to_others(root: Path, skip: tuple[str, ...] = ()) -> list[str]:
    """Every folder and file under `root` (and `root`) that group or others may use."""
    found = []
    for path in [root, *root.rglob("*")]:
        if path.name in skip or path.is_symlink():
            continue
        if mode(path) & 0o077:
            found.append(f"{path.relative_to(root.parent)} {oct(mode(path))}")
    return found


def test_the_client_keeps_its_data_folder_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "samen"
    result = run_samen(data, "status")
    assert result.returncode in (0, 4), result.stderr
    assert mode(data) == 0o700
    assert mode(data / "samen.sqlite3") == 0o600
    assert open_to_others(data) == []


def test_the_clients_database_journals_are_private_while_it_is_open(tmp_path: Path) -> None:
    store = Store(tmp_path / "data" / "samen.sqlite3")
    try:
        with store.write() as db:
            db.execute("CREATE TABLE probe (x)")
            db.execute("INSERT INTO probe VALUES (1)")
        journals = [tmp_path / "data" / f"samen.sqlite3{suffix}" for suffix in ("-wal", "-shm")]
        assert all(path.exists() for path in journals)
        assert [mode(path) for path in journals] == [0o600, 0o600]
        assert mode(tmp_path / "data" / "samen.sqlite3") == 0o600
        assert mode(tmp_path / "data") == 0o700
    finally:
        store.close()


def test_the_client_tightens_what_an_older_version_left_open(tmp_path: Path) -> None:
    data = tmp_path / "samen"
    assert run_samen(data, "status").returncode in (0, 4)
    for path in [data, *data.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    assert open_to_others(data) != []

    assert run_samen(data, "status").returncode in (0, 4)

    assert mode(data) == 0o700
    assert mode(data / "samen.sqlite3") == 0o600
    assert mode(data / "config") == 0o700
    # What the client opens at start-up is owner-only again (its folders and database).
    assert open_to_others(data) == []


@pytest.mark.keyring
def test_files_the_client_downloads_are_private(
    tmp_path: Path, academy_url_and_password: tuple[str, str], secret_env: dict[str, str]
) -> None:
    url, password = academy_url_and_password
    data = tmp_path / "samen"
    env = {**secret_env, **SECRET_SERVICE}
    assert login_samen(data, url, password, env=env).returncode == 0
    result = run_samen(data, "download", "--all", env=env)
    assert result.returncode == 0, result.stderr
    media = [path for path in (data / "media").rglob("*") if path.is_file()]
    assert media, "the demo courses have media"
    assert open_to_others(data) == []

    # A pack is made to be handed on: it gets the learner's own umask (022), not Samen's.
    usb = str(tmp_path / "usb")
    exported = run_samen(data, "pack", "export", "learning-together", usb, env=env)
    assert exported.returncode == 0, exported.stderr
    (pack,) = (tmp_path / "usb").glob("*.zip")
    assert (mode(tmp_path / "usb"), mode(pack)) == (0o755, 0o644)


@pytest.fixture
def academy_url_and_password(tmp_path: Path) -> Iterator[tuple[str, str]]:
    server = start_server(tmp_path / "academy")
    try:
        yield server.url, "samen-demo"
    finally:
        server.stop()


def test_the_servers_database_journals_and_mail_are_private(tmp_path: Path) -> None:
    data = tmp_path / "academy"
    server = start_server(data)
    try:
        if not on_postgresql():  # there the files are the cluster's, not the academy's
            # While the server runs, SQLite keeps its -wal and -shm beside the database.
            journals = [data / "samen.db-wal", data / "samen.db-shm"]
            assert all(path.exists() for path in journals)
            assert [mode(path) for path in journals] == [0o600, 0o600]
            assert mode(data / "samen.db") == 0o600
        assert mode(data) == 0o700
        mail = _ask_a_supporter(server, tmp_path / "learner")
    finally:
        server.stop()
    assert mode(mail) == 0o600
    assert mode(data / "mail") == 0o700
    # The test's own server logs are the only files the server did not make.
    assert open_to_others(data, skip=("server.stderr.log", "server.stdout.log")) == []


def test_the_server_tightens_what_an_older_version_left_open(tmp_path: Path) -> None:
    data = tmp_path / "academy"
    server = start_server(data)
    server.stop()
    for path in [data, *data.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)

    database = [] if on_postgresql() else [data / "samen.db"]  # on PostgreSQL: no file here
    server.start()
    try:
        assert mode(data) == 0o700
        assert [mode(path) for path in database] == [0o600] * len(database)
        assert mode(data / "signing_key.pem") == 0o600
        for folder in ("media", "uploads", "podcasts", "mail"):
            assert mode(data / folder) == 0o700, folder
    finally:
        server.stop()

    # A command that opens the storage (here: adding an account) tightens it the same way.
    for path in database:
        path.chmod(0o644)
    data.chmod(0o755)
    result = run_cli(
        "user", "add", "--data", str(data), "kim", "--role", "learner", "--password-stdin",
        stdin="pw-kim-12345\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [mode(data), *map(mode, database)] == [0o700] + [0o600] * len(database)


def _ask_a_supporter(server: LiveServer, data_dir: Path) -> Path:
    """A learner asks a supporter for feedback; without SMTP the academy writes the e-mail (with
    its live link) as an .eml in its mail folder. Returns that file."""
    core = client(data_dir, server.url, add_learner(server))
    try:
        core.catalogue.fetch_course(COURSE)
        (lesson,) = [item for item in core.lessons.lessons(COURSE) if item.id == LESSON]
        exercise = next(item for item in lesson.exercises if item.supporter_allowed)
        core.learning.answer_text(COURSE, LESSON, exercise, "Explaining orders my thoughts.")
        core.supporters.ask(LESSON, exercise.id, "Mira", "mira@example.org", "Could you read it?")
        assert core.sync.run_window().ok
    finally:
        core.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the mailer thread writes it after the push
        mails = sorted((server.data_dir / "mail").glob("*.eml"))
        if mails:
            return mails[0]
        time.sleep(0.05)
    raise AssertionError("no supporter e-mail was written")

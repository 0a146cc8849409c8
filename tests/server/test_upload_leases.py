"""The upload lease (server/uploads/locks.py) on the real database of either backend: one owner
at a time, given back, taken over only once it ran out, and a lost lease is noticed."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from server.auth.models import Role, User
from server.db import Database, table_of, utc_now
from server.migrator import upgrade_to_head
from server.uploads.locks import LeaseKeeper, UploadLeases
from server.uploads.models import Upload, UploadLease
from tests.academy_database import url_for

UPLOAD = "0b0e5a3c-8f7e-4a43-9a53-4c1b0a6a2f10"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    (tmp_path / "academy").mkdir()
    database = Database(url_for(tmp_path / "academy"))
    upgrade_to_head(database.engine)
    with database.session() as session:
        session.add(User(id=1, username="u1", display_name="U", role=Role.LEARNER,
                         password_hash="-"))  # fmt: skip
        session.flush()
        session.add(Upload(id=UPLOAD, user_id=1, length=10, sha256="a" * 64,
                           filename="talk.m4a", content_type="audio/mp4"))  # fmt: skip
        session.commit()
    yield database
    database.dispose()


def test_one_owner_at_a_time_until_it_gives_the_lease_back(database: Database) -> None:
    leases = UploadLeases(database, idle_timeout_s=60)
    owner = leases.try_acquire(UPLOAD)
    assert owner is not None
    assert leases.try_acquire(UPLOAD) is None  # another PATCH, in this or any process
    assert leases.snapshot() == {UPLOAD}
    assert leases.keep(UPLOAD, owner)
    leases.release(UPLOAD, owner)
    assert leases.snapshot() == set()
    again = leases.try_acquire(UPLOAD)
    assert again is not None and again != owner


def test_a_lease_that_ran_out_is_taken_over_and_its_old_owner_told(database: Database) -> None:
    leases = UploadLeases(database, idle_timeout_s=60)
    crashed = leases.try_acquire(UPLOAD)
    assert crashed is not None
    table = table_of(UploadLease)
    with database.engine.begin() as connection:  # as if its process died three minutes ago
        connection.execute(update(table).values(expires_at=utc_now() - timedelta(seconds=1)))
    assert leases.snapshot() == set()
    taker = leases.try_acquire(UPLOAD)
    assert taker is not None
    assert not LeaseKeeper(leases, UPLOAD, crashed).renew()  # its bytes must stop
    leases.release(UPLOAD, crashed)  # giving back a lost lease leaves the new owner's alone
    assert leases.try_acquire(UPLOAD) is None
    assert LeaseKeeper(leases, UPLOAD, taker).renew()


def test_removing_the_upload_removes_its_lease(database: Database) -> None:
    leases = UploadLeases(database, idle_timeout_s=60)
    assert leases.try_acquire(UPLOAD) is not None
    with database.session() as session:
        upload = session.get(Upload, UPLOAD)
        assert upload is not None
        session.delete(upload)
        session.commit()
    assert leases.snapshot() == set()


def test_a_lease_of_a_dead_process_on_this_machine_is_taken_over_at_once(
    database: Database,
) -> None:
    leases = UploadLeases(database, idle_timeout_s=60)
    assert leases.try_acquire(UPLOAD) is not None
    table = table_of(UploadLease)
    finished = subprocess.Popen(["true"])  # a pid that existed and is gone now
    finished.wait()
    for pid, taken in ((1, False), (finished.pid, True)):  # pid 1 lives as long as the machine
        with database.engine.begin() as connection:  # as if another process held it, unexpired
            connection.execute(update(table).values(pid=pid))
        assert (leases.try_acquire(UPLOAD) is not None) is taken
    with database.engine.begin() as connection:  # another machine: its pids mean nothing here
        connection.execute(update(table).values(pid=finished.pid, machine="0" * 64))
    assert leases.try_acquire(UPLOAD) is None
